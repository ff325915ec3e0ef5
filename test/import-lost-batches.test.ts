import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../src/core/logger.ts';
import { openJsonlSource } from '../src/importers/jsonl-source.ts';
import { runImport } from '../src/pipeline/import-run.ts';
import { openQueues, type Queues } from '../src/pipeline/queues.ts';
import { addAgency } from '../src/store/agencies.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';
import { createTestKeyFile } from './helpers/installation.ts';
import { makeMessages, writeJsonl } from './helpers/messages.ts';
import { redisUrl, removePrefix, testPrefix } from './helpers/redis.ts';
import { waitFor } from './helpers/wait.ts';

describe('an import whose batches are lost in the pipeline', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aitu-lost-'));
  const prefix = testPrefix();
  let db: TestDatabase;
  let queues: Queues;
  let agencyId: string;

  before(async () => {
    db = await createTestDatabase();
    agencyId = (await addAgency(db.store.prisma, { slug: 'lost', name: 'Lost' })).id;
    queues = openQueues({ redisUrl, prefix });
  });
  after(async () => {
    await queues?.close();
    await removePrefix(prefix);
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops with a clear message instead of waiting forever, and the next run resumes', async () => {
    const file = path.join(dir, 'history.jsonl');
    writeJsonl(file, makeMessages(30));
    const context = {
      store: db.store,
      redisUrl,
      prefix,
      dataDir: path.join(dir, 'data'),
      keyFile: path.join(dir, 'keys.json'),
      logger: createLogger({ level: 'error' }),
    };
    await createTestKeyFile(context.keyFile);
    // no worker takes the batch; it is then removed from Redis, as an emptied queue or a lost commit would do
    const running = runImport(context, {
      agencyId,
      sourceKind: 'jsonl',
      source: await openJsonlSource(file),
      inputFile: file,
      enqueueOnly: true,
      showProgress: false,
      stallCheckMs: 500,
    });
    await waitFor(
      async () => (await queues.classify.getJobCounts('waiting')).waiting === 1,
      'the batch in the classify queue',
    );
    await queues.classify.drain();
    const summary = await running;
    assert.equal(summary.status, 'failed');
    assert.match(
      summary.error ?? '',
      /1 batch\(es\) of this import were lost in the pipeline; run the same command again to resume/,
    );

    const again = await runImport(context, {
      agencyId,
      sourceKind: 'jsonl',
      source: await openJsonlSource(file),
      inputFile: file,
      showProgress: false,
    });
    assert.equal(again.status, 'completed');
    assert.equal(again.resumedFrom, summary.runId);
    assert.equal(again.delivered, 30);
  });
});
