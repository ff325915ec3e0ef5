import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadKeyring, requireQueueKey, type Keyring } from '../src/core/keys.ts';
import { createLogger } from '../src/core/logger.ts';
import { listDeadLetters } from '../src/pipeline/dead-letter.ts';
import { openQueues, type ClassifyPayload, type DeliverPayload, type Queues } from '../src/pipeline/queues.ts';
import { ClassifyStage, runClassifyStage } from '../src/pipeline/stages/classify.processor.ts';
import { parsePolicyFile } from '../src/policy/index.ts';
import { deliverBatch } from '../src/pipeline/stages/deliver.ts';
import { decisionOf, messageAt } from '../src/store/delivery.ts';
import { startWorkers, type WorkerSet } from '../src/pipeline/workers.ts';
import { addAgency } from '../src/store/agencies.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';
import { createTestKeyFile } from './helpers/installation.ts';
import { makeMessages } from './helpers/messages.ts';
import { redisUrl, removePrefix, testPrefix } from './helpers/redis.ts';
import { waitFor } from './helpers/wait.ts';

const quietLogger = createLogger({ level: 'error' });
const keyFile = path.join(mkdtempSync(path.join(tmpdir(), 'aitu-keys-')), 'keys.json');
let keyring: Keyring;
before(async () => {
  await createTestKeyFile(keyFile);
  keyring = await loadKeyring(keyFile);
});
after(() => rmSync(path.dirname(keyFile), { recursive: true, force: true }));

function batch(
  agencyId: string,
  messages: unknown[],
  seq: number | null = null,
  runId: string | null = null,
): ClassifyPayload {
  return {
    agencyId,
    runId,
    seq,
    checkpoint: seq === null ? null : { index: seq },
    messages: messages as ClassifyPayload['messages'],
  };
}

/** the categories found in message i of a classified batch */
const categoriesFound = (batch: DeliverPayload, i: number) =>
  batch.findings.category.filter((_, j) => batch.findings.message[j] === i);

const withPersonalData = [
  {
    platform: 'telegram',
    chatId: '-1001',
    chatTitle: 'Clinic',
    messageId: '1',
    sender: { id: 'user1', name: 'A' },
    sentAt: '2024-01-01T10:00:00Z',
    text: 'ИИН пациента 940101300123',
  },
  {
    platform: 'telegram',
    chatId: '-1001',
    chatTitle: 'Clinic',
    messageId: '2',
    sender: { id: 'user2', name: 'B' },
    sentAt: '2024-01-01T10:01:00Z',
    text: 'Диагноз: туберкулез легких, МКБ-10 A15.0',
  },
  {
    platform: 'telegram',
    chatId: '-1001',
    chatTitle: 'Clinic',
    messageId: '3',
    sender: { id: 'user1', name: 'A' },
    sentAt: '2024-01-01T10:02:00Z',
    text: 'Спасибо, принято.',
  },
];

describe('pipeline stages, pure cores', () => {
  it('classify stage validates, classifies and counts flagged messages', () => {
    const { deliver, deadLetters } = runClassifyStage(
      batch('agency', [...withPersonalData, { platform: 'viber', messageId: 'x' }]),
    );
    assert.deepEqual(deliver.messages.messageId, ['1', '2', '3']);
    assert.equal(deadLetters.length, 1);
    assert.match(deadLetters[0]!.reason, /invalid canonical message: platform:/);
    assert.equal(deliver.failed, 1);
    assert.deepEqual(categoriesFound(deliver, 0), ['IIN']);
    assert.ok(categoriesFound(deliver, 1).includes('HEALTH'));
    assert.deepEqual(categoriesFound(deliver, 2), []);
    assert.equal(deliver.flaggedByCategory.IIN, 1);
    assert.equal(deliver.flaggedByCategory.HEALTH, 1);
  });

  it('classify stage fed a few messages at a time gives the batch it gives at once', () => {
    const messages = [
      ...withPersonalData,
      { platform: 'viber', messageId: 'x' },
      ...makeMessages(7, { idPrefix: 'c' }),
      ...withPersonalData.map((m) => ({ ...m, messageId: `${m.messageId}b`, chatId: '-1002', chatTitle: 'Ward' })),
    ];
    const policy = { policy: parsePolicyFile('inbound: {default: allow, HEALTH: block, IIN: redact}', 'strict.yaml') };
    const now = new Date('2024-02-01T00:00:00Z');
    const whole = runClassifyStage(batch('agency', messages, 4, 'run'), policy, now);
    const stage = new ClassifyStage(policy);
    for (let i = 0; i < messages.length; i += 3) stage.add(messages.slice(i, i + 3));
    const fed = stage.finish({ agencyId: 'agency', runId: 'run', seq: 4, checkpoint: { index: 4 } }, now);
    assert.deepEqual(fed, whole);
    // fourteen: one refused, three with a diagnosis blocked (two written here, one among the generated seven)
    assert.equal(whole.deliver.messages.messageId.length, 10);
    assert.equal(whole.deliver.blocked, 3);
    assert.equal(whole.deliver.flaggedByCategory.HEALTH, 3);
    assert.ok(whole.deliver.messages.redacted.filter(Boolean).length >= 2, 'the IINs redacted');
    assert.equal(whole.deadLetters.length, 1);
  });
});

describe('delivery into PostgreSQL', () => {
  let db: TestDatabase;
  let agencyId: string;
  before(async () => {
    db = await createTestDatabase();
    agencyId = (await addAgency(db.store.prisma, { slug: 'clinic', name: 'Clinic' })).id;
  });
  after(async () => db?.drop());

  it('writes messages with their findings, chats and identities, and a replay adds nothing', async () => {
    const { deliver } = runClassifyStage(batch(agencyId, withPersonalData));
    const dead: unknown[] = [];
    const first = await deliverBatch(db.store.pool, deliver, {
      keyring,
      deadLetter: async (e) => void dead.push(...e),
    });
    assert.equal(first.counts.delivered, 3);
    const second = await deliverBatch(db.store.pool, deliver, {
      keyring,
      deadLetter: async (e) => void dead.push(...e),
    });
    assert.equal(second.counts.delivered, 0);
    assert.equal(second.counts.duplicates, 3);
    assert.equal(dead.length, 0);
    const rows = await db.store.pool.query(
      `SELECT m.source_message_id, array_agg(f.category ORDER BY f.category) FILTER (WHERE f.id IS NOT NULL) AS categories, m.chat_id
      FROM messages m LEFT JOIN findings f ON f.message_id = m.id WHERE m.agency_id = $1 GROUP BY m.id ORDER BY m.source_message_id`,
      [agencyId],
    );
    assert.deepEqual(
      rows.rows.map((r) => r.source_message_id),
      ['1', '2', '3'],
    );
    assert.deepEqual(rows.rows[0].categories, ['IIN']);
    assert.ok(rows.rows[1].categories.length > 0 && rows.rows[1].categories.every((c: string) => c === 'HEALTH'));
    assert.equal(rows.rows[2].categories, null);
    assert.equal(new Set(rows.rows.map((r) => r.chat_id)).size, 1);
    const chat = await db.store.pool.query(
      `SELECT c.title FROM chats c JOIN chat_sources s ON s.chat_id = c.id WHERE s.platform = 'telegram' AND s.source_chat_id = '-1001'`,
    );
    assert.equal(chat.rows[0].title, 'Clinic');
    assert.equal(
      (await db.store.pool.query(`SELECT count(*)::int AS n FROM identities WHERE agency_id = $1`, [agencyId])).rows[0]
        .n,
      2,
    );
    assert.equal(
      (await db.store.pool.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'deliver.batch'`)).rows[0].n,
      2,
    );
  });

  it('a replayed import batch is recognised and not counted twice', async () => {
    const run = await db.store.prisma.importRun.create({
      data: { agencyId, source: 'jsonl', inputPath: '/x', inputSize: 1n, inputHash: 'h' },
    });
    const { deliver } = runClassifyStage(batch(agencyId, makeMessages(10, { idPrefix: 'r' }), 0, run.id));
    const first = await deliverBatch(db.store.pool, deliver, { keyring, deadLetter: async () => {} });
    const replay = await deliverBatch(db.store.pool, deliver, { keyring, deadLetter: async () => {} });
    assert.equal(first.replayed, false);
    assert.equal(replay.replayed, true);
    assert.deepEqual(replay.counts, first.counts);
    assert.equal(
      (await db.store.pool.query(`SELECT count(*)::int AS n FROM import_batches WHERE run_id = $1`, [run.id])).rows[0]
        .n,
      1,
    );
  });

  it('a batch overlapping the store delivers its new messages and counts the rest as duplicates, whichever way it is written', async () => {
    const messages = makeMessages(6, { idPrefix: 'o' });
    const deps = { keyring, deadLetter: async () => {} };
    const first = await deliverBatch(
      db.store.pool,
      runClassifyStage(batch(agencyId, messages.slice(0, 3))).deliver,
      deps,
    );
    assert.equal(first.counts.delivered, 3);
    // fresh messages first and stored ones after: a statement assuming new messages fails late in the batch
    const overlapping = await deliverBatch(
      db.store.pool,
      runClassifyStage(batch(agencyId, [...messages.slice(3), ...messages.slice(0, 3)])).deliver,
      deps,
    );
    assert.equal(overlapping.counts.delivered, 3);
    assert.equal(overlapping.counts.duplicates, 3);
    const stored = await db.store.pool.query<{ id: string }>(
      `SELECT source_message_id AS id FROM messages WHERE agency_id = $1 AND source_message_id LIKE 'o%' ORDER BY 1`,
      [agencyId],
    );
    assert.deepEqual(
      stored.rows.map((r) => r.id),
      ['o1', 'o2', 'o3', 'o4', 'o5', 'o6'],
    );
    // and a batch with nothing stored yet, after that, is delivered whole
    const later = await deliverBatch(
      db.store.pool,
      runClassifyStage(batch(agencyId, makeMessages(4, { idPrefix: 'p' }))).deliver,
      deps,
    );
    assert.deepEqual([later.counts.delivered, later.counts.duplicates], [4, 0]);
  });

  it('splits a message the store refuses out of its batch; its batch-mates are delivered', async () => {
    const messages = makeMessages(5, { idPrefix: 'nul' });
    (messages[2] as { text: string }).text = 'contains a NUL \u0000 byte';
    const { deliver } = runClassifyStage(batch(agencyId, messages));
    const dead: { reason: string; message: unknown }[] = [];
    const result = await deliverBatch(db.store.pool, deliver, {
      keyring,
      deadLetter: async (e) => void dead.push(...e),
    });
    assert.equal(result.counts.delivered, 4);
    assert.equal(result.counts.failed, 1);
    assert.equal(dead.length, 1);
    assert.match(dead[0]!.reason, /the store refused the message/);
    assert.equal((dead[0]!.message as { messageId: string }).messageId, 'nul3');
  });
});

describe('the BullMQ pipeline against real Redis', () => {
  let db: TestDatabase;
  let agencyId: string;
  let workers: WorkerSet;
  let queues: Queues;
  const prefix = testPrefix();

  before(async () => {
    db = await createTestDatabase();
    agencyId = (await addAgency(db.store.prisma, { slug: 'akimat', name: 'Akimat' })).id;
    workers = await startWorkers({
      redisUrl,
      prefix,
      stages: ['classify', 'deliver'],
      concurrency: 2,
      store: db.store,
      keyFile,
      logger: quietLogger,
    });
    queues = openQueues({ redisUrl, prefix, queueKey: requireQueueKey(keyring) });
  });
  after(async () => {
    await workers?.close();
    await queues?.close();
    await removePrefix(prefix);
    await db?.drop();
  });

  const count = async (sql: string) => (await db.store.pool.query(sql)).rows[0].n as number;

  it('flows a batch with IINs and health data through every stage into the store', async () => {
    const messages = [...withPersonalData, { platform: 'telegram', messageId: 'broken' }];
    await queues.classify.addSealed(batch(agencyId, messages), { jobId: 'live-batch-1' }, 'batch');
    await waitFor(
      async () => (await count(`SELECT count(*)::int AS n FROM messages`)) === 3,
      'three messages in the store',
    );
    assert.equal(await count(`SELECT count(*)::int AS n FROM findings WHERE category = 'IIN'`), 1);
    assert.ok((await count(`SELECT count(*)::int AS n FROM findings WHERE category = 'HEALTH'`)) >= 1);
    await waitFor(
      async () => (await listDeadLetters(queues)).length === 1,
      'the invalid message in the dead-letter queue',
    );
    const [job] = await listDeadLetters(queues);
    const dead = queues['dead-letter'].open(job!);
    assert.equal(dead.stage, 'ingest');
    assert.match(dead.reason, /chatId/);
  });

  it('ignores a repeated enqueue of the same job, and a replay under a new id adds nothing', async () => {
    const before = await count(`SELECT count(*)::int AS n FROM audit_log`);
    const again = await queues.classify.addSealed(
      batch(agencyId, withPersonalData),
      { jobId: 'live-batch-1' },
      'batch',
    );
    assert.equal(again.id, 'live-batch-1');
    await queues.classify.addSealed(batch(agencyId, withPersonalData), { jobId: 'live-batch-2' }, 'batch');
    await waitFor(
      async () => (await count(`SELECT count(*)::int AS n FROM audit_log`)) === before + 1,
      'the replay to be delivered',
    );
    assert.equal(await count(`SELECT count(*)::int AS n FROM messages`), 3);
    const digest = await db.store.pool.query(`SELECT details FROM audit_log ORDER BY id DESC LIMIT 1`);
    assert.equal(digest.rows[0].details.delivered, 0);
    assert.equal(digest.rows[0].details.duplicates, 3);
  });

  it('dead-letters a message that always fails while its batch-mates are delivered', async () => {
    const messages = makeMessages(6, { idPrefix: 'q' });
    (messages[4] as { text: string }).text = 'NUL \u0000 inside';
    await queues.classify.addSealed(batch(agencyId, messages), { jobId: 'live-batch-3' }, 'batch');
    await waitFor(
      async () => (await listDeadLetters(queues)).some((j) => j.data.route.stage === 'deliver'),
      'the refused message in the dead-letter queue',
    );
    assert.equal(await count(`SELECT count(*)::int AS n FROM messages WHERE source_message_id LIKE 'q%'`), 5);
    const dead = queues['dead-letter'].open(
      (await listDeadLetters(queues)).find((j) => j.data.route.stage === 'deliver')!,
    );
    assert.equal((dead.message as { messageId: string }).messageId, 'q5');
    assert.match(dead.reason, /refused/);
  });
});

describe('personal data in structured payloads', () => {
  it('a shared contact card and a poll meet the same policy as the text', () => {
    const contact = {
      platform: 'telegram',
      chatId: '-1001',
      messageId: 'c1',
      sentAt: '2024-01-01T10:00:00Z',
      text: '',
      extra: {
        contact: { first_name: 'Dana', phone_number: '+7 701 234 56 78' },
        poll: { question: 'Кто сдал отчёт? ИИН 940101300123', answers: [{ text: 'я' }] },
        rawType: 'message',
      },
    };
    const plain = {
      platform: 'telegram',
      chatId: '-1001',
      messageId: 'c2',
      sentAt: '2024-01-01T10:00:00Z',
      text: 'ok',
      extra: { location: { latitude: 43.2, longitude: 76.9 } },
    };
    const { deliver } = runClassifyStage(batch('agency', [contact, plain]));
    const extraOf = (i: number) => (JSON.parse(deliver.messages.body[i]!) as { extra?: unknown }).extra;
    assert.deepEqual(decisionOf(deliver, 0).categories, ['IIN', 'PHONE']);
    assert.equal(decisionOf(deliver, 0).action, 'quarantine');
    assert.equal(deliver.messages.redacted[0], true);
    const extra = extraOf(0) as { contact: { phone_number: string; first_name: string }; poll: { question: string } };
    assert.equal(extra.contact.phone_number, '[PHONE]');
    assert.equal(extra.contact.first_name, 'Dana');
    assert.equal(extra.poll.question, 'Кто сдал отчёт? ИИН [IIN]');
    assert.deepEqual(deliver.flaggedByCategory, { IIN: 1, PHONE: 1 });
    assert.equal(decisionOf(deliver, 1).action, 'allow');
    assert.deepEqual(extraOf(1), { location: { latitude: 43.2, longitude: 76.9 } });
  });
});

describe('a refused message goes to the dead-letter queue as it was received', () => {
  it('its original text, entities and structured parts, not the redacted copy', () => {
    const received = {
      platform: 'telegram',
      chatId: '-1001',
      messageId: 'r1',
      sentAt: '2024-01-01T10:00:00Z',
      text: 'ИИН 940101300123 проверен',
      entities: [
        { type: 'bold', offset: 0, length: 3 },
        { type: 'code', offset: 4, length: 12 },
      ],
      extra: { contact: { first_name: 'Dana', phone_number: '+7 701 234 56 78' } },
    };
    const { deliver } = runClassifyStage(batch('agency', [received]));
    assert.notEqual(deliver.messages.text[0], received.text, 'the delivered copy is redacted');
    const back = messageAt(deliver, 0);
    assert.equal(back.text, received.text);
    assert.deepEqual(back.entities, received.entities);
    assert.deepEqual(back.extra, received.extra);
  });
});
