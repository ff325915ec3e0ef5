import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { UsageError } from '../src/core/errors.ts';
import { canonicalMessageSchema, type CanonicalMessage } from '../src/core/message.ts';
import { addAgency, requireAgency } from '../src/store/agencies.ts';
import { chatKey, resolveChats } from '../src/store/chats.ts';
import { inTransaction } from '../src/store/database.ts';
import type { Finding } from '../src/classifier/index.ts';
import {
  DeliveryBatchBuilder,
  isDuplicateMessageError,
  writeDelivery,
  type StoredDecision,
} from '../src/store/delivery.ts';
import { readMessage } from '../src/store/messages.ts';
import { recordBlobOwner } from '../src/store/attachments.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';

function message(overrides: Partial<CanonicalMessage> = {}): CanonicalMessage {
  return canonicalMessageSchema.parse({
    platform: 'telegram',
    chatId: '-1001987654321',
    messageId: '42',
    chatTitle: 'Press office',
    sender: { id: 'user1001', name: 'Aigerim S.' },
    sentAt: '2023-12-31T21:41:05+06:00',
    editedAt: '2024-01-01T08:00:00Z',
    text: 'Meeting moved to 15:00, see the agenda',
    entities: [{ type: 'bold', offset: 0, length: 7 }],
    replyTo: '41',
    forwardedFrom: { name: 'Akimat news' },
    attachments: [{ kind: 'photo', name: 'agenda.jpg', mime: 'image/jpeg', size: 1234, sha256: 'a'.repeat(64) }],
    reactions: [{ emoji: '👍', count: 3 }],
    extra: { poll: { question: 'Which room?', answers: ['A', 'B'] } },
    ...overrides,
  });
}

const allow: StoredDecision = { action: 'allow', rule: 'no personal data found', categories: [], reasons: [] };

describe('the national store', () => {
  let db: TestDatabase;
  let agencyA: string;
  let agencyB: string;

  before(async () => {
    db = await createTestDatabase();
    agencyA = (await addAgency(db.store.prisma, { slug: 'health-ministry', name: 'Ministry of Health' })).id;
    agencyB = (await addAgency(db.store.prisma, { slug: 'akimat-almaty', name: 'Akimat of Almaty' })).id;
    // both agencies supplied the agenda's bytes, which their messages reference
    for (const agencyId of [agencyA, agencyB])
      await recordBlobOwner(db.store.pool, { agencyId, sha256: 'a'.repeat(64) });
  });
  after(async () => db?.drop());

  /** writes the messages as one delivery into their chats (created on first sight); the new rows come back */
  const insertMessages = (
    agencyId: string,
    messages: CanonicalMessage[],
    delivered: (
      m: CanonicalMessage,
      i: number,
    ) => { text: string; redacted: boolean; decision: StoredDecision; findings: Finding[] } = (m) => ({
      text: m.text,
      redacted: false,
      decision: allow,
      findings: [],
    }),
    options: { assumeNew?: boolean } = {},
  ) =>
    inTransaction(db.store.pool, async (client) => {
      const builder = new DeliveryBatchBuilder();
      messages.forEach((m, i) => builder.add(m, { ...delivered(m, i), original: { text: m.text } }));
      const chats = await resolveChats(
        client,
        agencyId,
        builder.batch.chats.map((c) => ({ platform: c.platform, sourceChatId: c.chatId, title: c.title })),
      );
      return writeDelivery(client, {
        agencyId,
        importRunId: null,
        batch: builder.batch,
        nationalChatIds: builder.batch.chats.map((c) => chats.get(chatKey(c.platform, c.chatId))!),
        reviews: { message: [], sealedOriginal: [], keyId: null },
        ...options,
      });
    });

  it('refuses a message referencing a blob its agency never stored (attachment_owners)', async () => {
    const other = 'c'.repeat(64);
    await recordBlobOwner(db.store.pool, { agencyId: agencyA, sha256: other });
    const linked = message({
      messageId: 'blob-1',
      attachments: [{ kind: 'file', name: 'a.pdf', sha256: other, missing: false }],
    });
    await assert.rejects(insertMessages(agencyB, [linked]), (error: { code?: string; constraint?: string }) => {
      assert.equal(error.code, '23503');
      assert.equal(error.constraint, 'message_attachments_blob_owner');
      return true;
    });
    assert.equal(await db.store.prisma.message.count({ where: { agencyId: agencyB, sourceMessageId: 'blob-1' } }), 0);
    assert.equal((await insertMessages(agencyA, [linked])).length, 1);
  });

  it('keeps one row when the same source message is inserted twice', async () => {
    const m = message({ messageId: 'dup-1' });
    const first = await insertMessages(agencyA, [m]);
    const second = await insertMessages(agencyA, [m]);
    const sameBatch = await insertMessages(agencyA, [m, m]);
    assert.equal(first.length, 1);
    assert.equal(second.length, 0);
    assert.equal(sameBatch.length, 0);
    const count = await db.store.prisma.message.count({ where: { agencyId: agencyA, sourceMessageId: 'dup-1' } });
    assert.equal(count, 1);
  });

  it('a delivery assuming new messages writes them, and fails whole with a duplicate error on one already stored', async () => {
    const asNew = (messages: CanonicalMessage[]) => insertMessages(agencyA, messages, undefined, { assumeNew: true });
    const stored = message({ messageId: 'new-1' });
    const fresh = message({ messageId: 'new-2' });
    assert.deepEqual(
      (await asNew([stored])).map((r) => r.index),
      [0],
    );
    const refused = await asNew([fresh, stored]).then(
      () => null,
      (error: unknown) => error,
    );
    assert.ok(isDuplicateMessageError(refused), `expected the duplicate error, got ${String(refused)}`);
    const count = (id: string) => db.store.prisma.message.count({ where: { agencyId: agencyA, sourceMessageId: id } });
    assert.equal(await count('new-2'), 0, 'the failed delivery wrote none of its messages');
    // written again without the assumption: the stored one is skipped, the new one written
    assert.deepEqual(
      (await insertMessages(agencyA, [fresh, stored])).map((r) => r.index),
      [0],
    );
    assert.equal(await count('new-1'), 1);
    assert.equal(await count('new-2'), 1);
    // a batch repeating a message within itself is still written once, also when assuming new messages
    const twice = message({ messageId: 'new-3' });
    assert.equal((await asNew([twice, twice])).length, 1);
    assert.equal(await count('new-3'), 1);
  });

  it('stores the same source ids under two agencies as two rows', async () => {
    const m = message({ messageId: 'shared-7' });
    assert.equal((await insertMessages(agencyA, [m])).length, 1);
    assert.equal((await insertMessages(agencyB, [m])).length, 1);
    const rows = await db.store.prisma.message.findMany({
      where: { sourceMessageId: 'shared-7' },
      select: { agencyId: true },
    });
    assert.deepEqual(rows.map((r) => r.agencyId).sort(), [agencyA, agencyB].sort());
  });

  it('reads a message back exactly as the canonical message it stored', async () => {
    const m = message({ messageId: 'round-trip' });
    await insertMessages(agencyA, [m]);
    const stored = await readMessage(db.store.pool, agencyA, m);
    assert.ok(stored);
    const { storeId, redacted, ...back } = stored;
    assert.equal(typeof storeId, 'bigint');
    assert.equal(redacted, false);
    assert.deepEqual(back, m);
  });

  it('keeps a service event and an unknown message kind', async () => {
    const service = message({
      messageId: 'svc-1',
      kind: 'service',
      text: '',
      service: { type: 'pinned', rawType: 'pin_message', actor: 'Aigerim S.', targetMessageId: '41' },
    });
    const unknown = message({ messageId: 'unk-1', kind: 'unknown', extra: { rawType: 'story_share' } });
    assert.equal((await insertMessages(agencyA, [service, unknown])).length, 2);
    assert.deepEqual((await readMessage(db.store.pool, agencyA, service))?.service, service.service);
    assert.equal((await readMessage(db.store.pool, agencyA, unknown))?.kind, 'unknown');
  });

  it('writes a delivery with its findings and decisions for new messages only, decisions shared by the batch', async () => {
    const redact: StoredDecision = {
      action: 'redact',
      rule: 'inbound.EMAIL=redact (default)',
      categories: ['EMAIL'],
      reasons: [{ category: 'EMAIL', action: 'redact', rule: 'inbound.EMAIL=redact (default)' }],
    };
    const messages = ['d-1', 'd-2', 'd-3'].map((messageId) => message({ messageId, attachments: [] }));
    const write = () =>
      insertMessages(agencyA, messages, (m, i) => ({
        text: i === 0 ? m.text : 'mail [EMAIL]',
        redacted: i > 0,
        decision: i === 0 ? allow : redact,
        findings:
          i === 0
            ? []
            : [
                {
                  category: 'EMAIL' as const,
                  start: 0,
                  end: 4,
                  confidence: 0.9,
                  detector: 'email',
                  explanation: { baseScore: 0.9, validator: 'none' },
                },
              ],
      }));
    const first = await write();
    assert.deepEqual(
      first.map((r) => r.index),
      [0, 1, 2],
    );
    assert.deepEqual(await write(), [], 'a second write of the same messages stores nothing');
    const stored = await db.store.pool.query<{
      source_message_id: string;
      text: string;
      action: string;
      rule: string;
      decision_id: string;
      findings: string;
    }>(
      `SELECT m.source_message_id, m.text, d.action, d.rule, m.decision_id, (SELECT count(*) FROM findings f WHERE f.message_id = m.id) AS findings
         FROM messages m JOIN decisions d ON d.id = m.decision_id WHERE m.agency_id = $1 AND m.source_message_id LIKE 'd-%' ORDER BY 1`,
      [agencyA],
    );
    assert.deepEqual(
      stored.rows.map((r) => [r.source_message_id, r.text, r.action, r.findings]),
      [
        ['d-1', messages[0]!.text, 'allow', '0'],
        ['d-2', 'mail [EMAIL]', 'redact', '1'],
        ['d-3', 'mail [EMAIL]', 'redact', '1'],
      ],
    );
    assert.equal(
      stored.rows[1]!.decision_id,
      stored.rows[2]!.decision_id,
      'the messages decided alike share one decision row',
    );
    const decisionRows = await db.store.pool.query(
      `SELECT count(*)::int AS n FROM decisions WHERE id IN (${stored.rows.map((r) => r.decision_id).join(',')})`,
    );
    assert.equal(decisionRows.rows[0].n, 2);
  });

  it("refuses a message in another agency's chat or with no decision, as foreign keys would", async () => {
    const chatOfB = await inTransaction(db.store.pool, (client) =>
      resolveChats(client, agencyB, [{ platform: 'telegram', sourceChatId: 'b-chat', title: 'B chat' }]),
    );
    const decision = await db.store.pool.query<{ id: string }>(
      `INSERT INTO decisions (agency_id, direction, action, rule) VALUES ($1, 'inbound', 'allow', 'test') RETURNING id`,
      [agencyA],
    );
    const insert = (chatId: string, decisionId: string) =>
      db.store.pool.query(
        `INSERT INTO messages (agency_id, platform, source_chat_id, source_message_id, chat_id, sent_at, decision_id) VALUES ($1, 'telegram', 'x', $2, $3, now(), $4)`,
        [agencyA, `ref-${chatId}-${decisionId}`, chatId, decisionId],
      );
    await assert.rejects(
      insert([...chatOfB.values()][0]!, decision.rows[0]!.id),
      (e: { code?: string; message: string }) => e.code === '23503' && /not a chat of its agency/.test(e.message),
    );
    const chatOfA = await inTransaction(db.store.pool, (client) =>
      resolveChats(client, agencyA, [{ platform: 'telegram', sourceChatId: 'a-chat', title: 'A chat' }]),
    );
    const chatA = [...chatOfA.values()][0]!;
    await assert.rejects(
      insert(chatA, '999999999'),
      (e: { code?: string; message: string }) => e.code === '23503' && /decision 999999999/.test(e.message),
    );
    // checked per statement: one bad row among good ones refuses the whole statement and names the bad chat
    const chatB = [...chatOfB.values()][0]!;
    await assert.rejects(
      db.store.pool.query(
        `INSERT INTO messages (agency_id, platform, source_chat_id, source_message_id, chat_id, sent_at, decision_id)
         SELECT $1, 'telegram', 'x', 'mixed-' || n, CASE WHEN n = 3 THEN $3::uuid ELSE $2::uuid END, now(), $4 FROM generate_series(1, 5) n`,
        [agencyA, chatA, chatB, decision.rows[0]!.id],
      ),
      (e: { code?: string; message: string }) => e.code === '23503' && e.message.includes(`chat ${chatB}`),
    );
    const mixed = await db.store.pool.query(
      `SELECT count(*)::int AS n FROM messages WHERE source_message_id LIKE 'mixed-%'`,
    );
    assert.equal(mixed.rows[0].n, 0, 'nothing of a refused statement is stored');
    await insert(chatA, decision.rows[0]!.id);
    await assert.rejects(
      db.store.pool.query(`UPDATE messages SET chat_id = $1 WHERE chat_id = $2`, [chatB, chatA]),
      (e: { code?: string; message: string }) => e.code === '23503' && /not a chat of its agency/.test(e.message),
    );
    await assert.rejects(
      db.store.pool.query('DELETE FROM decisions WHERE id = $1', [decision.rows[0]!.id]),
      (e: { code?: string }) => e.code === '23503',
    );
    await db.store.pool.query('DELETE FROM chats WHERE id = $1', [chatA]);
    const left = await db.store.pool.query(`SELECT count(*)::int AS n FROM messages WHERE chat_id = $1`, [chatA]);
    assert.equal(left.rows[0].n, 0, 'deleting a chat deletes its messages');
  });

  it('names the known agencies when a slug is unknown', async () => {
    await assert.rejects(requireAgency(db.store.pool, 'no-such-agency'), (error: Error) => {
      assert.ok(error instanceof UsageError);
      assert.match(error.message, /unknown agency "no-such-agency"/);
      assert.match(error.message, /akimat-almaty, health-ministry/);
      return true;
    });
  });

  it('refuses to change or delete audit entries', async () => {
    const entry = await db.store.prisma.auditEntry.create({ data: { actor: 'test', action: 'probe' } });
    await assert.rejects(
      db.store.pool.query('UPDATE audit_log SET actor = $1 WHERE id = $2', ['someone', entry.id.toString()]),
      /append-only/,
    );
    await assert.rejects(
      db.store.pool.query('DELETE FROM audit_log WHERE id = $1', [entry.id.toString()]),
      /append-only/,
    );
    assert.equal(await db.store.prisma.auditEntry.count({ where: { actor: 'test' } }), 1);
  });
});
