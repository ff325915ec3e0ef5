import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { HistoryEntry, HistorySource } from '../../src/core/history.ts';
import { loadKeyring, requireQueueKey } from '../../src/core/keys.ts';
import { createLogger } from '../../src/core/logger.ts';
import { submitOutbound } from '../../src/outbound/gate.ts';
import { listDeadLetters, retryDeadLetters } from '../../src/pipeline/dead-letter.ts';
import { runImport, type ImportSummary } from '../../src/pipeline/import-run.ts';
import { openQueues, type Queues } from '../../src/pipeline/queues.ts';
import { seal } from '../../src/pipeline/sealed-payload.ts';
import { startWorkers, type WorkerSet } from '../../src/pipeline/workers.ts';
import { startOutboundConsumer, type OutboundConsumer } from '../../src/live/outbound-consumer.ts';
import { DEFAULT_POLICY } from '../../src/policy/index.ts';
import { addAgency } from '../../src/store/agencies.ts';
import { runCli } from '../helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { initTestInstallation } from '../helpers/installation.ts';
import { redisUrl, removePrefix, testPrefix } from '../helpers/redis.ts';
import { StandInBridge } from '../helpers/stand-in-bridge.ts';
import { waitFor } from '../helpers/wait.ts';

/**
 * Defect: the original of a quarantined message travelled in clear in the deliver job, completed jobs were kept,
 * failed jobs for 7 days, dead letters kept the raw message forever and outbound jobs their text for 24 h.
 * Now every payload that carries text is sealed with the queue key before it reaches Redis, deliver and
 * outbound jobs go on completion, and a dead letter keeps its raw entry sealed.
 */
const IIN = '940101300123';
const TEXTS = {
  quarantined: `ИИН пациента ${IIN}, диагноз туберкулёз, запись в кабинет Жасмин`,
  clean: 'Планёрка переносится на четверг, зал Байтерек',
  invalid: `Без времени отправки: ИИН ${IIN}, туберкулёз`,
  unreadable: `{"text": "ИИН ${IIN} туберкулёз, строка обрезана`,
  refused: `Отказ хранилища: ИИН ${IIN}, туберкулёз, кабинет Самал`,
  outbound: 'Приём переносится на 15:00, кабинет Орхидея',
};
const CHAT_TITLE = 'Палата Ақжайық';
const SENDER = 'Гульнара Сапарбаевна';

const message = (id: string, text: string) => ({
  platform: 'telegram' as const,
  chatId: '-100777',
  chatTitle: CHAT_TITLE,
  messageId: id,
  sender: { id: 'user42', name: SENDER },
  sentAt: '2024-03-01T09:00:00Z',
  text,
});

/** An export of five entries: a quarantined message, a clean one, an invalid one, an unreadable one, one the store refuses. */
class ExportWithPersonalData implements HistorySource {
  readonly platform = 'telegram' as const;
  constructor(readonly inputPath: string) {}
  async chats() {
    return [{ platform: 'telegram' as const, sourceChatId: '-100777', title: CHAT_TITLE }];
  }
  async *entries(): AsyncIterable<HistoryEntry> {
    yield { message: message('1', TEXTS.quarantined), checkpoint: { index: 1 } };
    yield { message: message('2', TEXTS.clean), checkpoint: { index: 2 } };
    yield {
      message: { ...message('3', TEXTS.invalid), sentAt: undefined } as unknown as HistoryEntry['message'],
      checkpoint: { index: 3 },
    };
    yield {
      message: { line: TEXTS.unreadable } as unknown as HistoryEntry['message'],
      problem: 'export.jsonl:4: not a JSON object',
      checkpoint: { index: 4 },
    };
    yield { message: message('refused-1', TEXTS.refused), checkpoint: { index: 5 } };
  }
  progress() {
    return { bytesRead: 0, totalBytes: 0 };
  }
  async openAttachment(): Promise<Readable | null> {
    return null;
  }
  async close() {}
}

/** Every key under the prefix with everything it holds (hash fields, list and set members, stream entries), as text. */
async function dumpPrefix(redis: Redis, prefix: string): Promise<{ keys: string[]; text: string }> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  const parts: string[] = [];
  for (const key of keys) {
    parts.push(key);
    const type = await redis.type(key);
    if (type === 'string') parts.push((await redis.get(key)) ?? '');
    else if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)));
    else if (type === 'list') parts.push(JSON.stringify(await redis.lrange(key, 0, -1)));
    else if (type === 'set') parts.push(JSON.stringify(await redis.smembers(key)));
    else if (type === 'zset') parts.push(JSON.stringify(await redis.zrange(key, 0, -1, 'WITHSCORES')));
    else if (type === 'stream') parts.push(JSON.stringify(await redis.xrange(key, '-', '+')));
    else parts.push(`(${type})`);
  }
  return { keys, text: parts.join('\n') };
}

const fold = (text: string) => text.toLowerCase().replace(/ё/g, 'е');

/** The personal data and message text the test planted that `text` contains. */
function plantedIn(text: string): string[] {
  const folded = fold(text);
  const found: string[] = [];
  if (text.includes(IIN)) found.push('the IIN');
  if (folded.includes('туберкул')) found.push('the diagnosis');
  for (const [name, value] of Object.entries(TEXTS))
    if (folded.includes(fold(value.slice(-20)))) found.push(`the ${name} text`);
  if (text.includes(CHAT_TITLE)) found.push('the chat title');
  if (text.includes(SENDER)) found.push('the sender name');
  return found;
}

describe('security: no personal data in Redis in clear text', () => {
  let db: TestDatabase;
  let workers: WorkerSet;
  let outbound: OutboundConsumer;
  let queues: Queues;
  let redis: Redis;
  let agencyId: string;
  let summary: ImportSummary;
  const prefix = testPrefix();
  const dir = mkdtempSync(path.join(tmpdir(), 'aitu-redis-pd-'));
  const keyFile = path.join(dir, 'keys.json');
  const telegram = new StandInBridge('telegram');
  const logger = createLogger({ level: 'error' });

  before(async () => {
    db = await createTestDatabase();
    await initTestInstallation({ DATABASE_URL: db.url, AITU_GATEWAY_DATA_DIR: dir, AITU_GATEWAY_KEY_FILE: keyFile });
    const keyring = await loadKeyring(keyFile);
    agencyId = (await addAgency(db.store.prisma, { slug: 'clinic', name: 'Clinic' })).id;
    // the store refuses this one message (as it would a value it cannot hold): it is dead-lettered from the deliver stage
    await db.store.pool.query(
      `ALTER TABLE messages ADD CONSTRAINT test_refused CHECK (source_message_id <> 'refused-1')`,
    );
    workers = await startWorkers({
      redisUrl,
      prefix,
      keyFile,
      stages: ['classify', 'deliver'],
      concurrency: 2,
      store: db.store,
      logger,
    });
    outbound = await startOutboundConsumer({
      redisUrl,
      prefix,
      keyFile,
      store: db.store,
      dataDir: dir,
      logger,
      agencyId,
      connector: telegram,
    });
    queues = openQueues({ redisUrl, prefix, queueKey: requireQueueKey(keyring) });
    redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });

    const inputFile = path.join(dir, 'export.jsonl');
    writeFileSync(inputFile, 'five entries\n');
    summary = await runImport(
      { store: db.store, redisUrl, prefix, dataDir: dir, keyFile, logger },
      { agencyId, sourceKind: 'jsonl', source: new ExportWithPersonalData(inputFile), inputFile, showProgress: false },
    );
    const sent = await submitOutbound(
      db.store,
      queues,
      { agencyId, target: { platform: 'telegram', chatId: '-100777' }, text: TEXTS.outbound },
      { policy: DEFAULT_POLICY },
    );
    assert.equal(sent.status, 'queued');
    await waitFor(
      async () =>
        (await db.store.pool.query(`SELECT status FROM outbound_attempts WHERE id = $1`, [sent.attemptId])).rows[0]
          .status === 'sent',
      'the send',
    );
  });
  after(async () => {
    await outbound?.close();
    await workers?.close();
    await queues?.close();
    redis?.disconnect();
    await removePrefix(prefix);
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the import went through the queues: one quarantined, one clean, three dead letters', async () => {
    assert.equal(summary.status, 'completed', summary.error);
    assert.deepEqual([summary.read, summary.delivered, summary.quarantined, summary.failed], [5, 2, 1, 3]);
    assert.equal((await listDeadLetters(queues)).length, 3);
    assert.equal(telegram.sent.length, 1);
  });

  const assertNothingPlantedInRedis = async () => {
    const { keys, text } = await dumpPrefix(redis, prefix);
    assert.ok(
      keys.some((k) => k.startsWith(`${prefix}:dead-letter:`)),
      'the dead letters are among the keys scanned',
    );
    assert.ok(
      keys.some((k) => k.startsWith(`${prefix}:classify:`)),
      'the classify jobs are among the keys scanned',
    );
    assert.deepEqual(plantedIn(text), []);
  };

  it('no key under the prefix holds the IIN, the diagnosis or any message text, not even a job hash or a dead letter', async () => {
    await assertNothingPlantedInRedis();
  });

  it('completed deliver and outbound jobs are gone, and so are the deliver payloads that rested beside them', async () => {
    assert.equal((await queues.deliver.getJobCounts('completed')).completed, 0);
    assert.equal((await queues.outboundFor('telegram', agencyId).getJobCounts('completed')).completed, 0);
    const payloads = async () => (await redis.keys(`${prefix}:deliver:payload:*`)).length;
    await waitFor(async () => (await payloads()) === 0, 'the completed deliver jobs’ payloads to go');
  });

  it('dlq list shows reasons, stage, source ids and time, never the text', async () => {
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: redisUrl,
      AITU_GATEWAY_QUEUE_PREFIX: prefix,
      AITU_GATEWAY_KEY_FILE: keyFile,
      AITU_GATEWAY_DATA_DIR: dir,
    };
    const listed = await runCli(['dlq', 'list', '--json'], { env });
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(plantedIn(listed.stdout), []);
    const views = JSON.parse(listed.stdout) as { stage: string; source: string; reason: string; failedAt: string }[];
    assert.deepEqual(views.map((v) => v.stage).sort(), ['deliver', 'ingest', 'ingest']);
    assert.ok(
      views.some((v) => v.source === 'telegram:-100777/refused-1'),
      JSON.stringify(views),
    );
    assert.ok(
      views.some((v) => v.source === 'telegram:-100777/3'),
      JSON.stringify(views),
    );
    for (const v of views) assert.ok(!Number.isNaN(Date.parse(v.failedAt)) && v.reason.length > 0);
  });

  it('dlq retry opens a dead letter’s raw entry and sends it through again: after a fix it is delivered', async () => {
    // the fix: the store accepts the message now
    await db.store.pool.query(`ALTER TABLE messages DROP CONSTRAINT test_refused`);
    const refused = (await listDeadLetters(queues)).find((job) => job.data.route.stage === 'deliver')!;
    const outcome = await retryDeadLetters(queues, [refused.id!]);
    assert.deepEqual(outcome, { retried: [refused.id], refused: [] });
    await waitFor(
      async () =>
        (await db.store.pool.query(`SELECT count(*)::int AS n FROM messages WHERE source_message_id = 'refused-1'`))
          .rows[0].n === 1,
      'the retried message in the store',
    );
    const stored = await db.store.pool.query(
      `SELECT r.status FROM messages m JOIN review_items r ON r.message_id = m.id WHERE m.source_message_id = 'refused-1'`,
    );
    assert.equal(
      stored.rows[0]?.status,
      'open',
      'quarantined as on its first pass, its original encrypted in the store',
    );
    assert.equal((await listDeadLetters(queues)).length, 2);
    await assertNothingPlantedInRedis();
  });

  it('a worker refuses a payload moved onto another job, and a clear-text one, naming the job and nothing of its data', async () => {
    const classify = queues.classify;
    const payload = {
      agencyId,
      runId: null,
      seq: null,
      checkpoint: null,
      messages: [message('moved-1', TEXTS.refused)],
    };
    await classify.add(
      'batch',
      seal(classify.sealer!, 'classify', 'sealed-for-another', { agencyId, runId: null, seq: null }, payload),
      { jobId: 'moved-here' },
    );
    await classify.add('batch', { v: 0, note: 'written by hand' } as never, { jobId: 'clear-here' });
    for (const [id, reason] of [
      ['moved-here', /classify job moved-here: its sealed payload does not open/],
      ['clear-here', /classify job clear-here: its payload is not sealed/],
    ] as const) {
      await waitFor(async () => (await classify.getJob(id))?.failedReason !== undefined, `job ${id} to fail`);
      const job = (await classify.getJob(id))!;
      assert.match(job.failedReason, reason);
      assert.equal(job.attemptsMade, 1, 'refused without retries');
    }
    assert.equal(
      (await db.store.pool.query(`SELECT count(*)::int AS n FROM messages WHERE source_message_id = 'moved-1'`)).rows[0]
        .n,
      0,
    );
    await assertNothingPlantedInRedis();
  });
});
