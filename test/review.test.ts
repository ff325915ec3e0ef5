import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decryptOriginal, loadKeyring } from '../src/core/keys.ts';
import { assertNoPersonalData, createReviewWorld, inbound, PLANTED, type ReviewWorld } from './helpers/review-setup.ts';

type Item = {
  id: string;
  agency: string;
  status: string;
  categories: string[];
  messageId: string;
  redactedText: string;
  chat: { title: string } | null;
  findings: { detector: string; category: string; confidence: number }[];
};

const texts = {
  iin: (n: string) => `ИИН заявителя ${PLANTED.iin}, прошу проверить ${n}`,
  health: (n: string) => `Пациенту поставлен диагноз ${PLANTED.diagnosis} легких ${n}`,
};

describe('review: roles, the queue, decisions, reports (real CLI, real pipeline stages)', () => {
  let w: ReviewWorld;
  const tokens: Record<string, string> = {};
  const originals = new Map<string, string>();

  before(async () => {
    w = await createReviewWorld(['a', 'b']);
    const a = [
      {
        ...inbound('-1001', 'Polyclinic A', '1', texts.iin('a1')),
        entities: [
          { type: 'bold', offset: 0, length: 3 },
          { type: 'code', offset: 14, length: 12 },
          { type: 'italic', offset: 28, length: 6 },
        ],
      },
      inbound('-1001', 'Polyclinic A', '2', texts.health('a2')),
      inbound('-1001', 'Polyclinic A', '3', texts.iin('a3')),
      inbound('-1001', 'Polyclinic A', '4', texts.iin('a4')),
      inbound('-1002', 'Lab A', '5', texts.health('a5')),
      inbound('-1002', 'Lab A', '6', texts.health('a6')),
      inbound('-1001', 'Polyclinic A', '7', texts.iin('a7')),
      inbound('-1001', 'Polyclinic A', '8', 'Добрый день, планерка в 10:00'),
    ];
    for (const m of a) originals.set(`a:${m.messageId}`, m.text);
    await w.deliver('a', a);
    await w.deliver('b', [
      inbound('-2001', 'Ministry B', '1', texts.iin('b1')),
      inbound('-2001', 'Ministry B', '2', texts.health('b2')),
    ]);
  });
  after(async () => {
    await w?.close();
  });

  const list = async (token: string, ...args: string[]): Promise<Item[]> => {
    const result = await w.cli(['review', 'list', '--json', ...args], token);
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as Item[];
  };
  const message = async (item: Item) =>
    (
      await w.query<{ text: string; redacted: boolean; withdrawn: boolean }>(
        `SELECT text, redacted, withdrawn FROM messages WHERE id = $1`,
        [item.messageId],
      )
    )[0]!;
  const bySource = async (agency: string, sourceId: string) =>
    (await list(tokens.admin!, '--agency', agency)).find(
      (i) => i.messageId === (originalsIds.get(`${agency}:${sourceId}`) ?? ''),
    )!;
  const originalsIds = new Map<string, string>();

  it('creates the first admin without a token, then only an admin adds users', async () => {
    tokens.admin = await w.addUser('root', 'admin');
    assert.match(tokens.admin, /^agt_[A-Za-z0-9_-]{43}$/);
    const stored = await w.query<{ token_hash: string }>(`SELECT token_hash FROM users WHERE name = 'root'`);
    assert.notEqual(stored[0]!.token_hash, tokens.admin, 'only the hash is stored');
    assert.ok(!JSON.stringify(await w.query(`SELECT * FROM users`)).includes(tokens.admin));

    const noToken = await w.cli(['user', 'add', 'eve', '--role', 'admin']);
    assert.equal(noToken.code, 2);
    assert.match(noToken.stderr, /--token|AITU_GATEWAY_TOKEN/);

    tokens.officerA = await w.addUser('olga', 'officer', ['a'], tokens.admin);
    tokens.officerB = await w.addUser('bolat', 'officer', ['b'], tokens.admin);
    tokens.auditor = await w.addUser('aidar', 'auditor', [], tokens.admin);
    tokens.operator = await w.addUser('ops', 'operator', [], tokens.admin);

    const byOfficer = await w.cli(['user', 'add', 'mallory', '--role', 'admin'], tokens.officerA);
    assert.equal(byOfficer.code, 1, byOfficer.stderr);
    assert.match(byOfficer.stderr, /may not add users/);

    const officerWithoutAgency = await w.cli(['user', 'add', 'x', '--role', 'officer'], tokens.admin);
    assert.equal(officerWithoutAgency.code, 2);

    const users = await w.cli(['user', 'list', '--json'], tokens.admin);
    assert.equal(users.code, 0, users.stderr);
    const listed = JSON.parse(users.stdout) as { name: string; role: string; agencies: string[] }[];
    assert.deepEqual(listed.find((u) => u.name === 'olga')?.agencies, ['a']);
    assert.ok(!users.stdout.includes('token'), 'user list never shows tokens or hashes');

    for (const row of await w.query<{ id: string; source_message_id: string; slug: string }>(
      `SELECT m.id::text AS id, m.source_message_id, a.slug FROM messages m JOIN agencies a ON a.id = m.agency_id`,
    )) {
      originalsIds.set(`${row.slug}:${row.source_message_id}`, row.id);
    }
  });

  it('refuses a missing or invalid token with exit 2 and says how to pass one', async () => {
    const missing = await w.cli(['review', 'list']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--token-file <file> .*or AITU_GATEWAY_TOKEN/);
    const invalid = await w.cli(['review', 'list'], 'agt_not-a-real-token');
    assert.equal(invalid.code, 2);
    assert.match(invalid.stderr, /not valid/);
    const viaEnvironment = await w.cli(['review', 'list', '--json'].concat([]), undefined);
    assert.equal(viaEnvironment.code, 2);
    const operator = await w.cli(['review', 'list'], tokens.operator);
    assert.equal(operator.code, 1);
    assert.match(operator.stderr, /operator.*may not list review items/);
  });

  it('every quarantined message is a review item with categories, detectors, confidences, explanations and the redacted text', async () => {
    const items = await list(tokens.admin!);
    assert.equal(items.length, 9, 'seven quarantined in a, two in b; the clean message is not an item');
    const first = await bySource('a', '1');
    assert.deepEqual(first.categories, ['IIN']);
    assert.equal(first.chat?.title, 'Polyclinic A');
    assert.equal(first.findings[0]?.detector, 'iin');
    assert.ok(first.findings[0]!.confidence > 0.5);
    assert.match(first.redactedText, /\[IIN\]/);
    const raw = await w.query<{ original: Buffer }>(`SELECT original FROM review_items WHERE id = $1`, [first.id]);
    assert.ok(!raw[0]!.original.toString('latin1').includes(PLANTED.iin), 'encrypted at rest');
  });

  it('an officer of agency A sees none of agency B’s items', async () => {
    const seen = await list(tokens.officerA!);
    assert.equal(seen.length, 7);
    assert.ok(seen.every((i) => i.agency === 'a'));
    assert.equal((await list(tokens.officerA!, '--agency', 'b')).length, 0);
    const bItem = (await list(tokens.officerB!))[0]!;
    const show = await w.cli(['review', 'show', bItem.id], tokens.officerA);
    assert.equal(show.code, 2);
    assert.match(show.stderr, /no review item .* that you may see/);
    assertNoPersonalData(show.stdout + show.stderr, 'a refused show');
    const decide = await w.cli(['review', 'decide', bItem.id, '--approve'], tokens.officerA);
    assert.equal(decide.code, 2);
    assert.equal(
      (await w.query<{ status: string }>(`SELECT status FROM review_items WHERE id = $1`, [bItem.id]))[0]!.status,
      'open',
    );
  });

  it('filters the list by category, status, chat and time', async () => {
    assert.equal((await list(tokens.officerA!, '--category', 'HEALTH')).length, 3);
    assert.equal((await list(tokens.officerA!, '--chat', 'Lab A')).length, 2);
    assert.equal((await list(tokens.officerA!, '--status', 'open', '--since', '2000-01-01')).length, 7);
    assert.equal((await list(tokens.officerA!, '--since', '2999-01-01')).length, 0);
    const text = await w.cli(['review', 'list'], tokens.officerA);
    assertNoPersonalData(text.stdout, 'review list');
  });

  it('an auditor cannot read an original: review show gives the redacted text only', async () => {
    const item = await bySource('a', '1');
    const shown = await w.cli(['review', 'show', item.id], tokens.auditor);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /\[IIN\]/);
    assert.match(shown.stdout, /original:\s+\(not shown/);
    assertNoPersonalData(shown.stdout + shown.stderr, 'an auditor’s review show');
    const json = await w.cli(['review', 'show', item.id, '--json'], tokens.auditor);
    assert.equal(JSON.parse(json.stdout).original, null);
    assertNoPersonalData(json.stdout, 'an auditor’s review show --json');
    const decide = await w.cli(['review', 'decide', item.id, '--approve'], tokens.auditor);
    assert.equal(decide.code, 1);
    assert.match(decide.stderr, /auditor.*may not decide/);
  });

  it('viewing an original shows it to an officer of the agency and writes an audit entry', async () => {
    const item = await bySource('a', '1');
    const before = await w.query(`SELECT id FROM audit_log WHERE action = 'review.view-original' AND subject = $1`, [
      item.id,
    ]);
    assert.equal(before.length, 0);
    const shown = await w.cli(['review', 'show', item.id], tokens.officerA);
    assert.equal(shown.code, 0, shown.stderr);
    assert.ok(shown.stdout.includes(originals.get('a:1')!), 'the entitled officer sees the original');
    const entries = await w.query<{ actor: string; agency_id: string; details: Record<string, unknown> }>(
      `SELECT actor, agency_id, details FROM audit_log WHERE action = 'review.view-original' AND subject = $1`,
      [item.id],
    );
    assert.equal(entries.length, 1);
    assert.equal(entries[0]!.actor, 'olga');
    assert.equal(entries[0]!.agency_id, w.agencies.a);
    assert.equal(entries[0]!.details.role, 'officer');
    assertNoPersonalData(JSON.stringify(entries), 'the view-original audit entry');
    const byAdmin = await w.cli(['review', 'show', item.id, '--json'], tokens.admin);
    assert.equal(JSON.parse(byAdmin.stdout).original, originals.get('a:1'));
  });

  it('approve replaces the delivered redacted copy with the original', async () => {
    const item = await bySource('a', '1');
    assert.equal((await message(item)).redacted, true);
    const copy = (
      await w.query<{ body: { entities: unknown[]; extra: { originalEntities: unknown[] } } }>(
        `SELECT body FROM messages WHERE id = $1`,
        [item.messageId],
      )
    )[0]!.body;
    assert.equal(copy.entities.length, 2, 'the redacted copy drops the entity over the IIN');
    assert.equal(copy.extra.originalEntities.length, 3);
    const result = await w.cli(
      ['review', 'decide', item.id, '--approve', '--note', `ok, checked ${PLANTED.iin}`],
      tokens.officerA,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), `${item.id}\tapproved`);
    const delivered = await message(item);
    assert.equal(delivered.text, originals.get('a:1'));
    assert.equal(delivered.redacted, false);
    const body = (
      await w.query<{ body: { entities: unknown[]; extra?: Record<string, unknown> } }>(
        `SELECT body FROM messages WHERE id = $1`,
        [item.messageId],
      )
    )[0]!.body;
    assert.equal(body.entities.length, 3, 'the original’s entities come back with its text');
    assert.equal(body.extra?.originalEntities, undefined);
    const again = await w.cli(['review', 'decide', item.id, '--reject'], tokens.admin);
    assert.equal(again.code, 1, 'a decision is final');
    assert.match(again.stderr, /already decided \(approved\); a decision is final/);
    // the item still shows the redacted copy to those who may not see originals
    const auditorView = await w.cli(['review', 'show', item.id, '--json'], tokens.auditor);
    assertNoPersonalData(auditorView.stdout, 'an auditor’s view of an approved item');
    assert.equal(JSON.parse(auditorView.stdout).delivered, 'original');
  });

  it('redact keeps the delivered redacted copy', async () => {
    const item = await bySource('a', '3');
    const before = await message(item);
    const result = await w.cli(['review', 'decide', item.id, '--redact'], tokens.officerA);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await message(item), before);
    assert.equal(
      (await w.query<{ status: string }>(`SELECT status FROM review_items WHERE id = $1`, [item.id]))[0]!.status,
      'redacted',
    );
  });

  it('reject removes the delivered copy and keeps the encrypted original as evidence', async () => {
    const item = await bySource('a', '4');
    const result = await w.cli(['review', 'decide', item.id, '--reject'], tokens.officerA);
    assert.equal(result.code, 0, result.stderr);
    const delivered = await message(item);
    assert.equal(delivered.text, '');
    assert.equal(delivered.withdrawn, true);
    const evidence = (
      await w.query<{ original: Buffer; key_id: string; status: string }>(
        `SELECT original, key_id, status FROM review_items WHERE id = $1`,
        [item.id],
      )
    )[0]!;
    assert.equal(evidence.status, 'rejected');
    const keyring = await loadKeyring(w.keyFile);
    const binding = { agencyId: w.agencies.a!, platform: 'telegram', sourceChatId: '-1001', sourceMessageId: '4' };
    assert.equal(decryptOriginal(keyring.get(evidence.key_id)!, evidence.original, binding), originals.get('a:4'));
    const shown = await w.cli(['review', 'show', item.id, '--json'], tokens.auditor);
    assert.equal(JSON.parse(shown.stdout).delivered, 'withdrawn');
    assert.match(JSON.parse(shown.stdout).redactedText, /\[IIN\]/);
  });

  it('false-positive delivers the original and records the detector’s miss', async () => {
    const item = await bySource('a', '2');
    const result = await w.cli(['review', 'decide', item.id, '--false-positive'], tokens.officerA);
    assert.equal(result.code, 0, result.stderr);
    const delivered = await message(item);
    assert.equal(delivered.text, originals.get('a:2'));
    assert.equal(delivered.redacted, false);
    const feedback = await w.query<{ detector: string; category: string; verdict: string; decided_by: string }>(
      `SELECT detector, category, verdict, decided_by FROM detector_feedback WHERE review_item_id = $1`,
      [item.id],
    );
    assert.ok(feedback.length >= 1);
    assert.ok(
      feedback.every((f) => f.category === 'HEALTH' && f.verdict === 'false_positive' && f.decided_by === 'olga'),
    );
    assert.ok(!JSON.stringify(feedback).includes(PLANTED.diagnosis), 'feedback keeps no matched value');
  });

  it('an escalated item cannot be decided by an officer; an admin decides it', async () => {
    const item = await bySource('a', '7');
    const escalated = await w.cli(['review', 'escalate', item.id, '--note', 'unsure'], tokens.officerA);
    assert.equal(escalated.code, 0, escalated.stderr);
    const byOfficer = await w.cli(['review', 'decide', item.id, '--approve'], tokens.officerA);
    assert.equal(byOfficer.code, 1);
    assert.match(byOfficer.stderr, /escalated: only an admin may decide it/);
    assert.equal((await message(item)).redacted, true, 'nothing changed');
    assert.equal((await list(tokens.officerA!, '--status', 'escalated')).length, 1);
    const refusal = await w.query(`SELECT 1 FROM audit_log WHERE action = 'auth.refused' AND actor = 'olga'`);
    assert.ok(refusal.length >= 1, 'the refusal is audited');
    const byAdmin = await w.cli(['review', 'decide', item.id, '--redact'], tokens.admin);
    assert.equal(byAdmin.code, 0, byAdmin.stderr);
    assert.equal(
      (
        await w.query<{ status: string; decided_by: string }>(
          `SELECT status, decided_by FROM review_items WHERE id = $1`,
          [item.id],
        )
      )[0]!.decided_by,
      'root',
    );
  });

  it('decides by filter, only within the officer’s agencies', async () => {
    const result = await w.cli(
      ['review', 'decide', '--filter', 'category=HEALTH,chat=Lab A', '--redact', '--json'],
      tokens.officerA,
    );
    assert.equal(result.code, 0, result.stderr);
    const outcome = JSON.parse(result.stdout) as { decided: { id: string; status: string }[] };
    assert.equal(outcome.decided.length, 2);
    assert.ok(outcome.decided.every((d) => d.status === 'redacted'));
    // agency b's HEALTH item is untouched although it matches the category
    assert.equal((await list(tokens.officerB!, '--status', 'open')).length, 2);
    const none = await w.cli(
      ['review', 'decide', '--filter', 'category=HEALTH,chat=Lab A', '--approve'],
      tokens.officerA,
    );
    assert.equal(none.code, 0);
    assert.match(none.stdout, /no review items match/);
    const bad = await w.cli(['review', 'decide', '--filter', 'colour=red', '--approve'], tokens.officerA);
    assert.equal(bad.code, 2);
  });

  it('every action is audited, and no audit entry carries personal data', async () => {
    const entries = await w.query<{ actor: string; action: string; details: unknown; subject: string | null }>(
      `SELECT actor, action, subject, details FROM audit_log ORDER BY id`,
    );
    const actions = new Set(entries.map((e) => e.action));
    for (const a of [
      'user.add-first-admin',
      'user.add',
      'review.list',
      'review.show',
      'review.view-original',
      'review.decide',
      'review.escalate',
      'auth.refused',
      'deliver.batch',
    ]) {
      assert.ok(actions.has(a), `audited: ${a}`);
    }
    const decideEntry = entries.find(
      (e) => e.action === 'review.decide' && (e.details as { decision: string }).decision === 'approve',
    )!;
    assert.ok((decideEntry.details as { noteSha256?: string }).noteSha256, 'the note is kept as a digest');
    assertNoPersonalData(JSON.stringify(entries), 'the audit log');
    for (const text of originals.values()) assert.ok(!JSON.stringify(entries).includes(text));
  });

  it('report: per source and chat, per category, decisions by whom, escalations; CSV with the documented columns', async () => {
    const csv = await w.cli(['report', '--agency', 'a', '--csv'], tokens.auditor);
    assert.equal(csv.code, 0, csv.stderr);
    const lines = csv.stdout.trim().split('\n');
    assert.equal(lines[0], 'section,source,chat,category,decision,decided_by,count');
    const has = (line: string) => assert.ok(lines.includes(line), `${line} in\n${csv.stdout}`);
    has('imported,telegram,Polyclinic A,,,,6');
    has('imported,telegram,Lab A,,,,2');
    has('quarantined,,,IIN,,,4');
    has('quarantined,,,HEALTH,,,3');
    has('decided,,,,approved,olga,1');
    has('decided,,,,rejected,olga,1');
    has('decided,,,,redacted,olga,3');
    has('decided,,,,redacted,root,1');
    has('decided,,,,false_positive,olga,1');
    has('pending,,,,open,,0');
    has('escalated,,,,,,1');
    assertNoPersonalData(csv.stdout, 'the report');
    const json = await w.cli(['report', '--agency', 'a', '--json'], tokens.officerA);
    assert.equal(json.code, 0, json.stderr);
    assert.equal(JSON.parse(json.stdout).totals.quarantined, 7);
    const otherAgency = await w.cli(['report', '--agency', 'b'], tokens.officerA);
    assert.equal(otherAgency.code, 1);
  });

  it('a disabled user’s token stops working', async () => {
    const disabled = await w.cli(['user', 'disable', 'bolat'], tokens.admin);
    assert.equal(disabled.code, 0, disabled.stderr);
    const refused = await w.cli(['review', 'list'], tokens.officerB);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /disabled/);
    const lastAdmin = await w.cli(['user', 'disable', 'root'], tokens.admin);
    assert.equal(lastAdmin.code, 2);
  });

  it('the log these commands wrote verifies', async () => {
    const verified = await w.cli(['audit', 'verify'], tokens.auditor);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    assert.match(verified.stdout, /audit log verified/);
  });
});

describe('review: a quarantined message whose structured parts were redacted too', () => {
  let w: ReviewWorld;
  let admin: string;
  const card = {
    ...inbound('-3001', 'Registry C', '1', ''),
    extra: {
      contact: { first_name: 'Dana', phone_number: PLANTED.phone },
      poll: { question: `Кто сдал анализы? ИИН ${PLANTED.iin}`, answers: [{ text: 'я' }] },
    },
  };
  before(async () => {
    w = await createReviewWorld(['c']);
    admin = await w.addUser('root', 'admin');
    await w.deliver('c', [card]);
  });
  after(async () => {
    await w?.close();
  });

  it('keeps them encrypted with the text, shows them with the original, and approving delivers them as received', async () => {
    const listed = await w.cli(['review', 'list', '--json'], admin);
    const [item] = JSON.parse(listed.stdout) as { id: string; messageId: string }[];
    assert.ok(item, listed.stderr);
    const bodyOf = async () =>
      (
        await w.query<{ body: { extra: typeof card.extra } }>(`SELECT body FROM messages WHERE id = $1`, [
          item.messageId,
        ])
      )[0]!.body;
    assert.equal((await bodyOf()).extra.contact.phone_number, '[PHONE]', 'the delivered copy is redacted');
    const shown = await w.cli(['review', 'show', item.id, '--json'], admin);
    assert.equal(shown.code, 0, shown.stderr);
    assert.deepEqual(JSON.parse(shown.stdout).originalParts, { extra: card.extra });
    const approved = await w.cli(['review', 'decide', item.id, '--approve'], admin);
    assert.equal(approved.code, 0, approved.stderr);
    assert.deepEqual((await bodyOf()).extra, card.extra);
  });
});
