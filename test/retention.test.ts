import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from './helpers/cli.ts';
import { validIins } from './helpers/office-fixtures.ts';
import { createImportWorld, type ImportWorld } from './helpers/import-world.ts';
import { writeJsonl } from './helpers/messages.ts';

const DAY = 86_400_000;
const [HELD_IIN, OTHER_IIN] = validIins(9).slice(7) as [string, string];

/**
 * Issue 24's retention acceptance: a 30-day policy over messages dated across a year removes exactly the expired
 * ones, keeps those under a legal hold (a chat, a subject), and `audit verify` passes afterwards.
 */
describe('retention: a 30-day policy over a year of messages, with legal holds', () => {
  let world: ImportWorld;
  let admin = '';
  const as = (args: readonly string[], input?: string) =>
    runCli(args, { env: { ...world.env, AITU_GATEWAY_TOKEN: admin }, ...(input ? { input } : {}) });
  const now = Date.now();
  /** a message a week for a year in each of two chats; one in four of chat A's names the held person */
  const messages = ['-1001', '-1002'].flatMap((chatId) =>
    Array.from({ length: 53 }, (_, k) => ({
      platform: 'telegram',
      chatId,
      chatTitle: chatId === '-1001' ? 'Chat A' : 'Chat B',
      messageId: `${chatId}-${k}`,
      sender: { id: 'user1', name: 'Person 1' },
      sentAt: new Date(now - k * 7 * DAY - 3_600_000).toISOString(),
      text:
        chatId === '-1001' && k % 4 === 1
          ? `Заявитель ИИН ${HELD_IIN}, неделя ${k}`
          : k % 4 === 3
            ? `Другой заявитель ИИН ${OTHER_IIN}, неделя ${k}`
            : `Сводка за неделю ${k}`,
    })),
  );
  const expired = (m: (typeof messages)[number]) => Date.parse(m.sentAt) < now - 30 * DAY;
  const remaining = async () =>
    (await world.query<{ source_message_id: string }>(`SELECT source_message_id FROM messages ORDER BY 1`)).map(
      (r) => r.source_message_id,
    );

  before(async () => {
    world = await createImportWorld(['mvd']);
    const root = await world.cli(['user', 'add', 'root', '--role', 'admin', '--json']);
    assert.equal(root.code, 0, root.stderr);
    admin = (JSON.parse(root.stdout) as { token: string }).token;
    const policy = path.join(world.dir, 'policy.yaml');
    writeFileSync(policy, 'inbound:\n  IIN: redact\nretention:\n  messages: 30\n');
    assert.equal((await as(['agency', 'set-policy', 'mvd', policy])).code, 0);
    const jsonl = path.join(world.dir, 'year.jsonl');
    writeJsonl(jsonl, messages);
    const imported = await world.importJson(['import', 'jsonl', jsonl, '--agency', 'mvd']);
    assert.equal(imported.code, 0, imported.stderr);
    assert.equal((await remaining()).length, 106);
  });
  after(async () => {
    await world?.close();
  });

  it('holds a chat and a subject (admin, audited), then a run removes exactly the expired messages not held', async () => {
    const chat = await as([
      'hold',
      'add',
      '--agency',
      'mvd',
      '--chat',
      'telegram:-1002',
      '--note',
      'case 12/2026',
      '--json',
    ]);
    assert.equal(chat.code, 0, chat.stderr);
    const subject = await as(
      ['hold', 'add', '--agency', 'mvd', '--iin', '-', '--note', 'case 13/2026', '--json'],
      HELD_IIN,
    );
    assert.equal(subject.code, 0, subject.stderr);
    const listed = await as(['hold', 'list', '--json']);
    assert.equal((JSON.parse(listed.stdout) as unknown[]).length, 2);

    const run = await as(['retention', 'run', '--agency', 'mvd', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const counts = (JSON.parse(run.stdout) as Record<string, { messages: number; held: number }>).mvd!;
    const held = (m: (typeof messages)[number]) => m.chatId === '-1002' || m.text.includes(HELD_IIN);
    const expected = messages
      .filter((m) => !(expired(m) && !held(m)))
      .map((m) => m.messageId)
      .sort();
    assert.equal(counts.messages, 106 - expected.length);
    assert.equal(counts.held, messages.filter((m) => expired(m) && held(m)).length);
    assert.deepEqual(await remaining(), expected);
    // what the deleted messages pointed at went with them: no index row, finding or file reference left over
    const orphans = await world.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM subject_index s WHERE s.message_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = s.message_id)`,
    );
    assert.equal(orphans[0]!.n, 0);
    const verified = await as(['audit', 'verify']);
    assert.equal(verified.code, 0, verified.stderr + verified.stdout);
    const audited = await world.query<{ details: { messages: number } }>(
      `SELECT details FROM audit_log WHERE action = 'retention.run'`,
    );
    assert.deepEqual(
      audited.map((a) => a.details.messages),
      [counts.messages],
    );
    assert.ok(
      !JSON.stringify(await world.query(`SELECT details FROM audit_log WHERE action LIKE 'hold.%'`)).includes(HELD_IIN),
    );
  });

  it('a hold removed: the next run removes what it had kept; a second run removes nothing more', async () => {
    const holds = JSON.parse((await as(['hold', 'list', '--json'])).stdout) as { id: string; chat: string | null }[];
    const chatHold = holds.find((h) => h.chat)!;
    assert.equal((await as(['hold', 'remove', chatHold.id])).code, 0);
    const run = await as(['retention', 'run', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const expected = messages
      .filter((m) => !(expired(m) && !m.text.includes(HELD_IIN)))
      .map((m) => m.messageId)
      .sort();
    assert.deepEqual(await remaining(), expected);
    const again = JSON.parse((await as(['retention', 'run', '--json'])).stdout) as Record<string, { messages: number }>;
    assert.equal(again.mvd!.messages, 0);
    assert.equal((await as(['audit', 'verify'])).code, 0);
  });

  it('only an admin holds or runs retention', async () => {
    const officer = await as(['user', 'add', 'olga', '--role', 'officer', '--agency', 'mvd', '--json']);
    const token = (JSON.parse(officer.stdout) as { token: string }).token;
    const refused = await runCli(['retention', 'run'], { env: { ...world.env, AITU_GATEWAY_TOKEN: token } });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /may not run retention/);
    const hold = await runCli(['hold', 'add', '--agency', 'mvd', '--chat', 'telegram:-1001', '--note', 'x'], {
      env: { ...world.env, AITU_GATEWAY_TOKEN: token },
    });
    assert.equal(hold.code, 1);
  });
});
