import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../src/core/logger.ts';
import { openJsonlSource } from '../src/importers/jsonl-source.ts';
import { runImport, type ImportContext, type ImportSummary } from '../src/pipeline/import-run.ts';
import { BATCH_SIZE, openQueues, type Queues } from '../src/pipeline/queues.ts';
import { startWorkers } from '../src/pipeline/workers.ts';
import { addAgency } from '../src/store/agencies.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';
import { assertBalanced } from './helpers/import.ts';
import { createTestKeyFile } from './helpers/installation.ts';
import { makeMessages, writeJsonl } from './helpers/messages.ts';
import { redisUrl, removePrefix, testPrefix } from './helpers/redis.ts';
import { sleep, waitFor } from './helpers/wait.ts';

/** The seq of an import batch's classify job: its id is imp-<run>-<seq>-[r<n>-]<content>. */
const seqOf = (jobId: string | undefined) => Number(/^imp-[0-9a-f-]{36}-(\d+)-/.exec(jobId ?? '')?.[1] ?? -1);

describe('an import whose batches are lost in the pipeline', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aitu-lost-'));
  const prefix = testPrefix();
  let db: TestDatabase;
  let queues: Queues;
  let agencyId: string;
  let context: ImportContext;

  before(async () => {
    db = await createTestDatabase();
    agencyId = (await addAgency(db.store.prisma, { slug: 'lost', name: 'Lost' })).id;
    context = {
      store: db.store,
      redisUrl,
      prefix,
      dataDir: path.join(dir, 'data'),
      keyFile: path.join(dir, 'keys.json'),
      logger: createLogger({ level: 'error' }),
    };
    await createTestKeyFile(context.keyFile);
    queues = openQueues({ redisUrl, prefix });
  });
  after(async () => {
    await queues?.close();
    await removePrefix(prefix);
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const count = async (sql: string, params: unknown[] = []) =>
    Number((await db.store.pool.query<{ n: string }>(sql, params)).rows[0]?.n ?? 0);

  /** No worker takes its batches: they wait in the classify queue for the test to lose or to process. */
  const importQueued = async (file: string): Promise<ImportSummary> =>
    runImport(context, {
      agencyId,
      sourceKind: 'jsonl',
      source: await openJsonlSource(file),
      inputFile: file,
      enqueueOnly: true,
      showProgress: false,
      stallCheckMs: 500,
    });

  it('sends a lost batch again from the last committed checkpoint, in the same run, counting nothing twice', async () => {
    const total = 2 * BATCH_SIZE + 30;
    const file = path.join(dir, 'three-batches.jsonl');
    writeJsonl(file, makeMessages(total, { idPrefix: 'three-' }));
    const running = importQueued(file);
    await waitFor(
      async () => (await queues.classify.getJobCounts('waiting')).waiting === 3,
      'the three batches in the classify queue',
    );
    // the middle batch is removed from Redis, as an emptied queue would lose it; the ones around it are delivered
    const waiting = await queues.classify.getJobs(['waiting']);
    const middle = waiting.find((job) => seqOf(job.id) === 1);
    assert.ok(middle, `batch 1 among ${waiting.map((job) => job.id).join(', ')}`);
    await middle.remove();
    const workers = await startWorkers({ ...context, stages: ['classify', 'deliver'], concurrency: 2 });
    let summary: ImportSummary;
    try {
      summary = await running;
    } finally {
      await workers.close();
    }

    assert.equal(summary.status, 'completed', summary.error);
    assert.equal(summary.resumedFrom, null, 'no second run: the same run finished');
    assert.equal(summary.redeliveries, 1);
    assertBalanced(summary);
    assert.equal(summary.read, total, 'the entries read again after batch 0 are counted once');
    assert.equal(summary.delivered, total);
    assert.equal(summary.duplicates, 0);
    assert.equal(await count(`SELECT count(*) AS n FROM messages WHERE agency_id = $1`, [agencyId]), total);
    // batch 2 had committed before the loss was noticed: sent again, it is recognised, not written twice
    assert.equal(await count(`SELECT count(*) AS n FROM import_batches WHERE run_id = $1`, [summary.runId]), 3);
    assert.equal(
      await count(`SELECT count(*) AS n FROM audit_log WHERE action = 'deliver.batch' AND subject LIKE $1`, [
        `import-run:${summary.runId}#%`,
      ]),
      3,
    );
  });

  it('gives up with a clear message when the batches keep getting lost, and the next run resumes', async () => {
    const file = path.join(dir, 'one-batch.jsonl');
    writeJsonl(file, makeMessages(30, { idPrefix: 'one-' }));
    let settled = false;
    const running = importQueued(file).finally(() => (settled = true));
    // every time the batch is sent (the first time and each time again) the queue is emptied
    let drained = 0;
    while (!settled) {
      if (((await queues.classify.getJobCounts('waiting')).waiting ?? 0) > 0) {
        await queues.classify.drain();
        drained++;
      }
      await sleep(50);
    }
    const summary = await running;
    assert.equal(drained, 4, 'sent once, then again three times');
    assert.equal(summary.status, 'failed');
    assert.equal(summary.redeliveries, 3);
    assert.match(
      summary.error ?? '',
      /^1 batch\(es\) of this import were lost in the pipeline, also after sending them again 3 times; run the same command again to resume$/,
    );

    const again = await runImport(context, {
      agencyId,
      sourceKind: 'jsonl',
      source: await openJsonlSource(file),
      inputFile: file,
      showProgress: false,
    });
    assert.equal(again.status, 'completed', again.error);
    assert.equal(again.resumedFrom, summary.runId);
    assert.equal(again.delivered, 30);
  });
});
