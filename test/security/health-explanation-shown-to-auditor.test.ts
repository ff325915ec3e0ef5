import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { projectRoot } from '../helpers/cli.ts';
import { createReviewWorld, inbound, type ReviewWorld } from '../helpers/review-setup.ts';

/**
 * Defect: `findings.explanation` stored the matched vocabulary term (`vocabulary term "ВИЧ"`) and a context word
 * taken from the message ("туберкулёз"), and `review list --json` returned it to an auditor, whose view of the
 * text is redacted. A finding now stores term and context ids; someone who may not see originals gets the
 * category and the rule only.
 */
const messages = [
  inbound('-3001', 'Ward 3', '1', 'Пациенту поставлен диагноз туберкулёз лёгких, палата 4'),
  inbound('-3001', 'Ward 3', '2', 'Результат теста на ВИЧ положительный'),
  inbound('-3001', 'Ward 3', '3', 'Диагноз: J18.9, больничный открыт до пятницы'),
];
/** the health words (stems, compared case-insensitively, ё folded) the messages carry */
const HEALTH_WORDS = ['туберкул', 'вич', 'диагноз', 'больничн', 'j18'];

const fold = (text: string) => text.toLowerCase().replace(/ё/g, 'е');
const healthWordsIn = (text: string) => HEALTH_WORDS.filter((w) => fold(text).includes(w));

describe('security: a health finding’s explanation names no health word', () => {
  let w: ReviewWorld;
  let auditor: string;
  let officer: string;

  before(async () => {
    w = await createReviewWorld(['a']);
    await w.deliver('a', messages);
    const admin = await w.addUser('root', 'admin');
    auditor = await w.addUser('aidar', 'auditor', [], admin);
    officer = await w.addUser('olga', 'officer', ['a'], admin);
  });
  after(async () => {
    await w?.close();
  });

  it('a stored finding’s explanation holds ids, never the matched text or a context word from the message', async () => {
    const rows = await w.query<{
      text: string;
      start: number;
      end: number;
      detector: string;
      explanation: Record<string, unknown>;
    }>(
      `SELECT m.text AS text, f.start, f."end", f.detector, f.explanation FROM findings f JOIN messages m ON m.id = f.message_id`,
    );
    assert.ok(rows.length >= 4, `findings for the three messages, got ${rows.length}`);
    for (const row of rows) {
      const stored = JSON.stringify(row.explanation);
      assert.deepEqual(
        healthWordsIn(stored),
        [],
        `a ${row.detector} finding's stored explanation names a health word: ${stored}`,
      );
      assert.ok(!/[\u0400-\u04ff]/.test(stored), `a stored explanation holds Cyrillic text: ${stored}`);
    }
    const vocabulary = rows.filter((r) => r.detector === 'health-vocabulary');
    assert.ok(vocabulary.length > 0);
    for (const row of vocabulary)
      assert.match(String(row.explanation.termId), /^health:[a-z]{2,3}:[a-z0-9-]+$/, 'the term by its id');
  });

  it('an auditor’s review list --json and review show name the category and the rule only', async () => {
    const list = await w.cli(['review', 'list', '--json'], auditor);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(healthWordsIn(list.stdout), [], 'an auditor’s review list --json');
    const items = JSON.parse(list.stdout) as {
      id: string;
      findings: { category: string; detector: string; explanation: unknown }[];
    }[];
    assert.equal(items.length, 3);
    for (const item of items) {
      for (const f of item.findings) assert.deepEqual(f.explanation, { category: f.category, rule: f.detector });
      const shown = await w.cli(['review', 'show', item.id], auditor);
      assert.equal(shown.code, 0, shown.stderr);
      assert.deepEqual(healthWordsIn(shown.stdout), [], 'an auditor’s review show');
      const json = await w.cli(['review', 'show', item.id, '--json'], auditor);
      assert.deepEqual(healthWordsIn(json.stdout), [], 'an auditor’s review show --json');
    }
  });

  it('an officer of the agency, who may read the original, gets the ids the finding stores', async () => {
    const list = await w.cli(['review', 'list', '--json'], officer);
    assert.equal(list.code, 0, list.stderr);
    const items = JSON.parse(list.stdout) as {
      findings: { detector: string; explanation: { termId?: string; baseScore?: number } }[];
    }[];
    const vocabulary = items.flatMap((i) => i.findings).filter((f) => f.detector === 'health-vocabulary');
    assert.ok(vocabulary.length > 0);
    for (const f of vocabulary) {
      assert.match(String(f.explanation.termId), /^health:/);
      assert.equal(typeof f.explanation.baseScore, 'number');
    }
  });

  it('findings stored before are rewritten by the migration: the term by its id, the context word gone', async () => {
    const [message] = await w.query<{ id: string }>(`SELECT id::text FROM messages ORDER BY id LIMIT 1`);
    const old = [
      { baseScore: 0.9, validator: 'none', note: 'vocabulary term "ВИЧ" (ru)', contextWord: 'туберкулёз' },
      {
        baseScore: 0.15,
        validator: 'icd10-format:pass',
        note: 'an ICD-10 code counts only in a medical context',
        contextWord: 'Диагноз',
      },
    ];
    const ids = await w.query<{ id: string }>(
      `INSERT INTO findings (message_id, category, start, "end", confidence, detector, explanation)
       SELECT $1, 'HEALTH', 0, 3, 0.9, 'health-vocabulary', e FROM unnest($2::jsonb[]) AS e RETURNING id::text`,
      [message!.id, old.map((e) => JSON.stringify(e))],
    );
    const migration = path.join(projectRoot, 'prisma/migrations/20261203170000_findings_explanation_ids/migration.sql');
    await w.query(readFileSync(migration, 'utf8'));
    const rewritten = await w.query<{ explanation: unknown }>(
      `SELECT explanation FROM findings WHERE id = ANY($1::bigint[]) ORDER BY id`,
      [ids.map((r) => r.id)],
    );
    assert.deepEqual(
      rewritten.map((r) => r.explanation),
      [
        { baseScore: 0.9, validator: 'none', termId: 'health:ru:hiv' },
        { baseScore: 0.15, validator: 'icd10-format:pass', note: 'an ICD-10 code counts only in a medical context' },
      ],
    );
  });
});
