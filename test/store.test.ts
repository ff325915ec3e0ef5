import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { UsageError } from '../src/core/errors.ts';
import { canonicalMessageSchema, type CanonicalMessage } from '../src/core/message.ts';
import { addAgency, requireAgency } from '../src/store/agencies.ts';
import { insertMessages, readMessage } from '../src/store/messages.ts';
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

const asRow = (m: CanonicalMessage) => ({ message: m, chatId: null, deliveredText: m.text, redacted: false, importRunId: null });

describe('the national store', () => {
  let db: TestDatabase;
  let agencyA: string;
  let agencyB: string;

  before(async () => {
    db = await createTestDatabase();
    agencyA = (await addAgency(db.store.prisma, { slug: 'health-ministry', name: 'Ministry of Health' })).id;
    agencyB = (await addAgency(db.store.prisma, { slug: 'akimat-almaty', name: 'Akimat of Almaty' })).id;
  });
  after(async () => db?.drop());

  it('keeps one row when the same source message is inserted twice', async () => {
    const m = message({ messageId: 'dup-1' });
    const first = await insertMessages(db.store.pool, agencyA, [asRow(m)]);
    const second = await insertMessages(db.store.pool, agencyA, [asRow(m)]);
    const sameBatch = await insertMessages(db.store.pool, agencyA, [asRow(m), asRow(m)]);
    assert.equal(first.length, 1);
    assert.equal(second.length, 0);
    assert.equal(sameBatch.length, 0);
    const count = await db.store.prisma.message.count({ where: { agencyId: agencyA, sourceMessageId: 'dup-1' } });
    assert.equal(count, 1);
  });

  it('stores the same source ids under two agencies as two rows', async () => {
    const m = message({ messageId: 'shared-7' });
    assert.equal((await insertMessages(db.store.pool, agencyA, [asRow(m)])).length, 1);
    assert.equal((await insertMessages(db.store.pool, agencyB, [asRow(m)])).length, 1);
    const rows = await db.store.prisma.message.findMany({ where: { sourceMessageId: 'shared-7' }, select: { agencyId: true } });
    assert.deepEqual(rows.map((r) => r.agencyId).sort(), [agencyA, agencyB].sort());
  });

  it('reads a message back exactly as the canonical message it stored', async () => {
    const m = message({ messageId: 'round-trip' });
    await insertMessages(db.store.pool, agencyA, [asRow(m)]);
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
    assert.equal((await insertMessages(db.store.pool, agencyA, [asRow(service), asRow(unknown)])).length, 2);
    assert.deepEqual((await readMessage(db.store.pool, agencyA, service))?.service, service.service);
    assert.equal((await readMessage(db.store.pool, agencyA, unknown))?.kind, 'unknown');
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
    await assert.rejects(db.store.pool.query('UPDATE audit_log SET actor = $1 WHERE id = $2', ['someone', entry.id.toString()]), /append-only/);
    await assert.rejects(db.store.pool.query('DELETE FROM audit_log WHERE id = $1', [entry.id.toString()]), /append-only/);
    assert.equal(await db.store.prisma.auditEntry.count({ where: { actor: 'test' } }), 1);
  });
});
