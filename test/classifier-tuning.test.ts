import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { classify } from '../src/classifier/index.ts';
import { runCli } from './helpers/cli.ts';
import { assertBalanced } from './helpers/import.ts';
import { createImportWorld, type ImportWorld } from './helpers/import-world.ts';
import { writeJsonl } from './helpers/messages.ts';

/**
 * A heat-safety notice an industrial agency posts every summer: health words, no one's health. The built-in classifier
 * flags it; officers kept marking it false-positive.
 */
const HEAT = 'Внимание: высокая температура воздуха в цехе, соблюдайте питьевой режим';
/** The IIN printed in a form's filled-in sample, pasted into chats again and again. */
const SAMPLE_IIN = '940101300123';
const SAMPLE = `Образец заполнения заявления: ИИН ${SAMPLE_IIN}`;
/** Health data about a person: the ignore list must not let it through. */
const ABOUT_A_PERSON = 'У Асель подтвердили туберкулез, она на больничном';
/**
 * A treatment named without the person it is for: the built-in classifier lets it through; the tuned agency, whose
 * chats name it only about its patients, adds it as a term.
 */
const PLASMAPHERESIS = 'Плазмаферез перенесли на четверг';

const TUNED_POLICY = `version: 1
classifier:
  ignore:
    HEALTH:
      - "высокая температура воздуха"
    IIN: ["${SAMPLE_IIN}"]
  terms:
    HEALTH: ["плазмаферез*"]
`;

const MALFORMED_POLICY = `version: 1
classifier:
  ignore:
    HEALTH: ["высокая температура воздуха"]
  patterns:
    PASSPORT:
      - "(N)\\\\1\\\\d{8}"
`;

const messages = [HEAT, SAMPLE, ABOUT_A_PERSON, PLASMAPHERESIS].map((text, i) => ({
  platform: 'telegram' as const,
  chatId: '-1001',
  chatTitle: 'Staff',
  messageId: String(i + 1),
  sender: { id: 'user7', name: 'Dana' },
  sentAt: new Date(Date.parse('2024-03-01T09:00:00Z') + i * 60_000).toISOString(),
  text,
}));

describe('tuning without code changes: an agency ignore list and terms, classifier feedback', () => {
  let w: ImportWorld;
  const tokens: Record<string, string> = {};
  const as = (token: string | undefined, args: readonly string[]) => w.cli(args, { AITU_GATEWAY_TOKEN: token ?? '' });

  before(async () => {
    w = await createImportWorld(['tuned', 'plain']);
    const root = await as(undefined, ['user', 'add', 'root', '--role', 'admin', '--json']);
    assert.equal(root.code, 0, root.stderr);
    tokens.admin = (JSON.parse(root.stdout) as { token: string }).token;
    for (const [name, role, agency] of [
      ['olga', 'officer', 'plain'],
      ['timur', 'officer', 'tuned'],
      ['ops', 'operator', ''],
    ] as const) {
      const added = await as(tokens.admin, [
        'user',
        'add',
        name,
        '--role',
        role,
        '--json',
        ...(agency ? ['--agency', agency] : []),
      ]);
      assert.equal(added.code, 0, added.stderr);
      tokens[name] = (JSON.parse(added.stdout) as { token: string }).token;
    }
  });
  after(async () => {
    await w?.close();
  });

  it('the fixtures are what they claim for the built-in classifier', () => {
    assert.ok(
      classify(HEAT).some((f) => f.category === 'HEALTH'),
      'the built-in classifier no longer flags the heat-safety notice: pick another recurring false positive',
    );
    assert.ok(classify(SAMPLE).some((f) => f.category === 'IIN'));
    assert.ok(classify(ABOUT_A_PERSON).some((f) => f.category === 'HEALTH'));
    assert.ok(
      !classify(PLASMAPHERESIS).some((f) => f.category === 'HEALTH'),
      'the built-in classifier now flags the plasmapheresis text: pick another text the agency term adds',
    );
  });

  it('refuses a malformed classifier section naming the line, and keeps the policy as it was', async () => {
    const file = path.join(w.dir, 'malformed.yaml');
    writeFileSync(file, MALFORMED_POLICY);
    const result = await as(tokens.admin, ['agency', 'set-policy', 'tuned', file]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(
      result.stderr,
      /malformed\.yaml:7: classifier\.patterns\.PASSPORT\.0: not an RE2 pattern .*backreferences/,
    );
    const stored = await w.query<{ policy: unknown }>(`SELECT policy FROM agencies WHERE slug = 'tuned'`);
    assert.equal(stored[0]!.policy, null);
  });

  it('sets the tuned policy; scan --agency no longer flags the ignored texts, and flags the agency term', async () => {
    const file = path.join(w.dir, 'tuned.yaml');
    writeFileSync(file, TUNED_POLICY);
    const set = await as(tokens.admin, ['agency', 'set-policy', 'tuned', file]);
    assert.equal(set.code, 0, set.stderr);

    for (const text of [HEAT, SAMPLE]) {
      const plain = await w.cli(['scan', '--agency', 'plain', text]);
      assert.equal(plain.code, 0, plain.stderr);
      assert.match(plain.stdout, /^1 finding:/, plain.stdout);
      const tuned = await w.cli(['scan', '--agency', 'tuned', text]);
      assert.equal(tuned.code, 0, tuned.stderr);
      assert.match(tuned.stdout, /^No personal data found\./, tuned.stdout);
      assert.match(
        tuned.stdout,
        /dropped (HEALTH|IIN) .*: the agency ignores "(высокая температура воздуха|940101300123)" \(classifier\.ignore\.(HEALTH|IIN)\.0\)/,
      );
    }
    const person = await w.cli(['scan', '--agency', 'tuned', ABOUT_A_PERSON]);
    assert.match(person.stdout, /HEALTH/, 'health data about a person stays flagged');
    const plasmapheresis = await w.cli(['scan', '--agency', 'tuned', PLASMAPHERESIS]);
    assert.match(plasmapheresis.stdout, /HEALTH .* agency-term/);
    assert.match(plasmapheresis.stdout, /term "плазмаферез\*" \(agency:HEALTH:0\)/);

    const input = messages.map((m) => JSON.stringify({ id: m.messageId, text: m.text })).join('\n');
    const lines = await runJsonl(input, 'tuned');
    assert.deepEqual(
      lines.map((l) => l.categories),
      [[], [], ['HEALTH'], ['HEALTH']],
    );
    assert.deepEqual(
      (await runJsonl(input, 'plain')).map((l) => l.categories),
      [['HEALTH'], ['IIN'], ['HEALTH'], []],
    );

    const unknown = await w.cli(['scan', '--agency', 'nobody', HEAT]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown agency "nobody"/);
  });

  async function runJsonl(input: string, agency: string): Promise<{ id: string; categories: string[] }[]> {
    const result = await runCli(['scan', '--agency', agency, '--jsonl'], { env: w.env, input });
    assert.equal(result.code, 0, result.stderr);
    return result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: string; categories: string[] });
  }

  it('policy check shows what the section dropped and added', async () => {
    const result = await w.cli(['policy', 'check', 'tuned', `${HEAT}. ${PLASMAPHERESIS}`]);
    assert.equal(result.code, 0, result.stderr);
    // the model's finding names no vocabulary term: the line names its detector
    assert.match(
      result.stdout,
      /dropped HEALTH \(health-model\): ignored by classifier\.ignore\.HEALTH\.0 "высокая температура воздуха"/,
    );
    assert.match(result.stdout, /added {3}HEALTH \(agency-term\): by classifier\.terms\.HEALTH\.0 "плазмаферез\*"/);
  });

  it('an import delivers the ignored texts unflagged for the tuned agency, and flagged for an agency without the list', async () => {
    const file = path.join(w.dir, 'staff.jsonl');
    writeJsonl(file, messages);
    const tuned = await w.importJson(['import', 'jsonl', file, '--agency', 'tuned']);
    assert.equal(tuned.code, 0, tuned.stderr);
    assertBalanced(tuned.summary!);
    assert.deepEqual(tuned.summary!.flaggedByCategory, { HEALTH: 2 });
    const plain = await w.importJson(['import', 'jsonl', file, '--agency', 'plain']);
    assert.equal(plain.code, 0, plain.stderr);
    assert.deepEqual(plain.summary!.flaggedByCategory, { HEALTH: 2, IIN: 1 });

    const stored = await w.query<{
      slug: string;
      source_message_id: string;
      text: string;
      redacted: boolean;
      findings: string[];
      review: string | null;
    }>(
      `SELECT a.slug, m.source_message_id, m.text, m.redacted,
              coalesce(array_agg(f.detector ORDER BY f.start) FILTER (WHERE f.id IS NOT NULL), '{}') AS findings,
              (SELECT r.status FROM review_items r WHERE r.message_id = m.id) AS review
         FROM messages m JOIN agencies a ON a.id = m.agency_id LEFT JOIN findings f ON f.message_id = m.id
        GROUP BY a.slug, m.id ORDER BY a.slug, m.source_message_id`,
    );
    const of = (slug: string, id: string) => stored.find((r) => r.slug === slug && r.source_message_id === id)!;
    // tuned: the heat notice and the sample IIN delivered as written, without findings or review items
    for (const id of ['1', '2']) {
      assert.deepEqual(
        { ...of('tuned', id), findings: of('tuned', id).findings },
        {
          slug: 'tuned',
          source_message_id: id,
          text: messages[Number(id) - 1]!.text,
          redacted: false,
          findings: [],
          review: null,
        },
      );
    }
    assert.equal(of('tuned', '3').review, 'open', 'health data about a person is still quarantined');
    assert.deepEqual(of('tuned', '4').findings, ['agency-term']);
    assert.equal(of('tuned', '4').review, 'open');
    // plain: the same messages quarantined as the built-in classifier flags them
    assert.equal(of('plain', '1').review, 'open');
    assert.ok(!of('plain', '1').text.includes('температура'));
    assert.equal(of('plain', '2').review, 'open');
    assert.ok(!of('plain', '2').text.includes(SAMPLE_IIN));
    assert.deepEqual(of('plain', '4').findings, []);
    const explanation = await w.query<{ explanation: Record<string, unknown> }>(
      `SELECT f.explanation FROM findings f JOIN messages m ON m.id = f.message_id JOIN agencies a ON a.id = m.agency_id
        WHERE a.slug = 'tuned' AND f.detector = 'agency-term'`,
    );
    assert.deepEqual(
      explanation.map((e) => e.explanation.termId),
      ['agency:HEALTH:0'],
    );
    assert.ok(
      !JSON.stringify(explanation).includes('плазмаферез'),
      'a stored finding names the term by id, never the text',
    );
  });

  it('classifier feedback shows the detector and term officers judged false positives, to those who may see them', async () => {
    const listed = await as(tokens.olga, ['review', 'list', '--agency', 'plain', '--category', 'HEALTH', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const items = JSON.parse(listed.stdout) as { id: string; messageId: string }[];
    const heat = await w.query<{ id: string }>(
      `SELECT m.id::text AS id FROM messages m JOIN agencies a ON a.id = m.agency_id WHERE a.slug = 'plain' AND m.source_message_id = '1'`,
    );
    const item = items.find((i) => i.messageId === heat[0]!.id)!;
    assert.ok(item, listed.stdout);
    const decided = await as(tokens.olga, ['review', 'decide', item.id, '--false-positive']);
    assert.equal(decided.code, 0, decided.stderr);
    // the term recorded is the one the finding's explanation named
    const recorded = await w.query<{ detector: string; term_id: string | null; finding_term: string | null }>(
      `SELECT d.detector, d.term_id, (SELECT f.explanation->>'termId' FROM findings f WHERE f.message_id = d.message_id AND f.detector = d.detector LIMIT 1) AS finding_term
         FROM detector_feedback d WHERE d.review_item_id = $1`,
      [item.id],
    );
    assert.ok(recorded.length >= 1);
    for (const r of recorded) assert.equal(r.term_id, r.finding_term);
    // the model flagged the notice without a listed term: the feedback names the detector, and no term
    assert.deepEqual(
      recorded.map((r) => [r.detector, r.term_id]),
      [['health-model', null]],
    );

    const feedback = await as(tokens.olga, ['classifier', 'feedback', '--agency', 'plain', '--json']);
    assert.equal(feedback.code, 0, feedback.stderr);
    const report = JSON.parse(feedback.stdout) as {
      agency: { slug: string };
      totalFalsePositives: number;
      rows: {
        detector: string;
        category: string;
        termId: string | null;
        term: string | null;
        falsePositives: number;
        reviewed: number;
        share: number | null;
      }[];
    };
    assert.equal(report.agency.slug, 'plain');
    assert.equal(report.totalFalsePositives, recorded.length);
    const row = report.rows.find((r) => r.detector === 'health-model')!;
    assert.deepEqual(
      {
        detector: row.detector,
        category: row.category,
        termId: row.termId,
        term: row.term,
        falsePositives: row.falsePositives,
        reviewed: row.reviewed,
        share: row.share,
      },
      {
        detector: 'health-model',
        category: 'HEALTH',
        termId: null,
        term: null,
        falsePositives: 1,
        reviewed: 1,
        share: 1,
      },
    );
    assert.ok(!feedback.stdout.includes('температура'), 'no message text');

    const text = await as(tokens.olga, ['classifier', 'feedback']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^ +1 +100% of 1 +health-model \/ HEALTH$/m);

    // an officer of another agency sees none of it; an operator may not read it; each read is audited
    const other = await as(tokens.timur, ['classifier', 'feedback', '--agency', 'plain']);
    assert.equal(other.code, 1);
    assert.match(other.stderr, /may not read the classifier feedback of plain/);
    const own = await as(tokens.timur, ['classifier', 'feedback', '--json']);
    assert.equal((JSON.parse(own.stdout) as { rows: unknown[] }).rows.length, 0);
    const operator = await as(tokens.ops, ['classifier', 'feedback']);
    assert.equal(operator.code, 1);
    assert.match(operator.stderr, /may not read classifier feedback/);
    const audited = await w.query<{ actor: string; subject: string | null; details: { rows: number } }>(
      `SELECT actor, subject, details FROM audit_log WHERE action = 'classifier.feedback' ORDER BY id`,
    );
    assert.deepEqual(
      audited.map((a) => [a.actor, a.subject]),
      [
        ['olga', 'plain'],
        ['olga', null],
        ['timur', null],
      ],
    );
  });
});
