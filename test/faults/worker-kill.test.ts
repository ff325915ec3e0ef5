import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { BATCH_SIZE } from '../../src/pipeline/queues.ts';
import { assertSameAsReference, createFaultStore, type FaultStore } from '../helpers/fault-store.ts';
import { assertBalanced, spawnCli, type Summary } from '../helpers/import.ts';
import { makeMessages, writeJsonl } from '../helpers/messages.ts';
import { startPrivateRedis, type PrivateRedis } from '../helpers/private-redis.ts';
import { waitFor } from '../helpers/wait.ts';

const BATCHES = 5;
const TOTAL = BATCHES * BATCH_SIZE;
/** The workers' --lock-duration: a killed worker's jobs go to another one a few of these after it died. */
const LOCK_SECONDS = 2;

/**
 * A worker process SIGKILLed while it holds deliver jobs inside their transactions, during `import --enqueue-only`:
 * a second worker's stalled-job check (BullMQ's) takes the jobs up, the import finishes without sending anything
 * again, and the store is what an uninterrupted run leaves.
 */
describe('a worker killed while holding jobs', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aitu-fault-worker-'));
  const file = path.join(dir, 'history.jsonl');
  const children: ChildProcess[] = [];
  let redis: PrivateRedis;
  let reference: FaultStore;
  let faulted: FaultStore;

  before(async () => {
    writeJsonl(file, makeMessages(TOTAL, { chats: 4 }));
    redis = await startPrivateRedis({ persistence: false });
    reference = await createFaultStore({ redisUrl: redis.url, dataDir: path.join(dir, 'reference'), slug: 'mvd' });
    faulted = await createFaultStore({ redisUrl: redis.url, dataDir: path.join(dir, 'faulted'), slug: 'mvd' });
  });
  after(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all([reference?.drop(), faulted?.drop()]);
    await redis?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const importArgs = ['import', 'jsonl', file, '--agency', 'mvd', '--json', '--no-progress'];
  const startWorker = (env: NodeJS.ProcessEnv) => {
    const worker = spawnCli(['worker', '--concurrency', '2', '--lock-duration', String(LOCK_SECONDS)], {
      ...faulted.env,
      ...env,
    });
    children.push(worker.child);
    return worker;
  };

  it('its jobs are taken up by another worker, delivered once, and the store equals an uninterrupted run', async () => {
    const straight = await spawnCli(importArgs, reference.env).done;
    assert.equal(straight.code, 0, straight.stderr);

    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const eventsConnection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const prefix = faulted.env.AITU_GATEWAY_QUEUE_PREFIX!;
    const deliver = new Queue('deliver', { connection, prefix });
    const events = new QueueEvents('deliver', { connection: eventsConnection, prefix });
    const stalled = new Set<string>();
    events.on('stalled', ({ jobId }) => stalled.add(jobId));
    try {
      await events.waitUntilReady();
      // the first worker holds every delivery open long after writing it, so it dies inside its transactions
      const first = startWorker({ AITU_GATEWAY_FAULT_DELIVER_DELAY_MS: '60000' });
      await waitFor(async () => (await deliver.getWorkersCount()) > 0, 'the first worker', 30_000);
      const { child: importer, done: imported } = spawnCli([...importArgs, '--enqueue-only'], faulted.env);
      children.push(importer);

      const database = faulted.db.name;
      // two deliver jobs taken; one delivery written and held in its transaction (the other may wait on its locks)
      await waitFor(
        async () =>
          (await deliver.getActiveCount()) === 2 &&
          (await faulted.count(
            `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND state = 'idle in transaction'`,
            [database],
          )) >= 1,
        'two deliveries held open by the first worker',
        30_000,
      );
      const held = (await deliver.getJobs(['active'])).map((job) => job.id!).sort();
      first.child.kill('SIGKILL');
      assert.equal((await first.done).signal, 'SIGKILL');
      assert.equal(await faulted.count(`SELECT count(*) AS n FROM messages`), 0, 'nothing it held was committed');

      const second = startWorker({});
      const result = await imported;
      assert.equal(result.code, 0, result.stderr);
      const summary = JSON.parse(result.stdout) as Summary;
      assertBalanced(summary);
      assert.equal(summary.status, 'completed');
      assert.equal(summary.delivered, TOTAL);
      assert.equal(summary.redeliveries, 0, 'taken up by the stalled-job check, not sent again by the import');
      for (const id of held) assert.ok(stalled.has(id), `job ${id}, held by the killed worker, was found stalled`);

      second.child.kill('SIGTERM');
      assert.equal((await second.done).code, 0);
      await assertSameAsReference(faulted, reference);
    } finally {
      await events.close();
      await deliver.close();
      connection.disconnect();
      eventsConnection.disconnect();
    }
  });
});
