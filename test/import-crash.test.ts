import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';
import { initTestInstallation } from './helpers/installation.ts';
import { assertBalanced, spawnCli, storeSnapshot, type Summary } from './helpers/import.ts';
import { makeMessages, writeJsonl } from './helpers/messages.ts';
import { removePrefix, testPrefix } from './helpers/redis.ts';
import { addAgency } from '../src/store/agencies.ts';
import { BATCH_SIZE } from '../src/pipeline/queues.ts';

// ten batches: after the kill points below the last run still has several to go, so it is killed mid-run, not as it ends
const TOTAL = 10 * BATCH_SIZE;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('an import killed at any point and run again', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aitu-crash-'));
  const file = path.join(dir, 'history.jsonl');
  let reference: TestDatabase;
  let crashed: TestDatabase;
  const prefixes = [testPrefix(), testPrefix()];

  before(async () => {
    writeJsonl(file, makeMessages(TOTAL, { chats: 4 }));
    [reference, crashed] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    for (const db of [reference, crashed]) await addAgency(db.store.prisma, { slug: 'mvd', name: 'MVD' });
    await initTestInstallation(envFor(reference, prefixes[0]!));
    await initTestInstallation(envFor(crashed, prefixes[1]!));
  });
  after(async () => {
    await Promise.all(prefixes.map(removePrefix));
    await Promise.all([reference?.drop(), crashed?.drop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const envFor = (db: TestDatabase, prefix: string, extra: NodeJS.ProcessEnv = {}) => ({
    DATABASE_URL: db.url,
    AITU_GATEWAY_QUEUE_PREFIX: prefix,
    AITU_GATEWAY_DATA_DIR: path.join(dir, prefix),
    LOG_LEVEL: 'warn',
    ...extra,
  });
  const importArgs = ['import', 'jsonl', file, '--agency', 'mvd', '--json', '--no-progress'];
  const scalar = async (db: TestDatabase, sql: string) => {
    const params = sql.includes('$1') ? [new URL(db.url).pathname.slice(1)] : [];
    return Number((await db.store.pool.query(sql, params)).rows[0]?.n ?? 0);
  };

  /** Starts the import and SIGKILLs it as soon as `when` holds; returns whether it was killed mid-run. */
  async function killWhen(when: () => Promise<boolean>): Promise<void> {
    const { child, done } = spawnCli(
      importArgs,
      envFor(crashed, prefixes[1]!, { AITU_GATEWAY_FAULT_DELIVER_DELAY_MS: '120' }),
    );
    for (;;) {
      if (child.exitCode !== null) assert.fail(`the import finished before its kill point: ${(await done).stderr}`);
      if (await when()) break;
      await sleep(10);
    }
    child.kill('SIGKILL');
    const result = await done;
    assert.equal(result.signal, 'SIGKILL');
  }

  it('leaves the store identical to an uninterrupted run, with no loss and no duplicates', async () => {
    const straight = await spawnCli(importArgs, envFor(reference, prefixes[0]!)).done;
    assert.equal(straight.code, 0, straight.stderr);
    const uninterrupted = JSON.parse(straight.stdout) as Summary;
    assertBalanced(uninterrupted);
    assert.equal(uninterrupted.delivered, TOTAL);

    // 1: the run is recorded, nothing committed yet
    await killWhen(async () => (await scalar(crashed, `SELECT count(*) AS n FROM import_runs`)) > 0);
    // 2: inside a delivery transaction: messages written, not committed
    await killWhen(
      async () =>
        (await scalar(crashed, `SELECT count(*) AS n FROM import_batches`)) >= 2 &&
        (await scalar(
          crashed,
          `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND state = 'idle in transaction'`,
        )) > 0,
    );
    const committedBefore = await scalar(crashed, `SELECT count(*) AS n FROM messages`);
    // 3: between batches, later on, once this run has a checkpoint of its own (its first batches committed)
    await killWhen(
      async () =>
        (await scalar(crashed, `SELECT count(*) AS n FROM messages`)) >= committedBefore + 1500 &&
        (await scalar(
          crashed,
          `SELECT count(*) AS n FROM import_batches b JOIN (SELECT id FROM import_runs ORDER BY started_at DESC LIMIT 1) r ON r.id = b.run_id WHERE b.seq < 2`,
        )) === 2,
    );

    const finish = await spawnCli(importArgs, envFor(crashed, prefixes[1]!)).done;
    assert.equal(finish.code, 0, finish.stderr);
    const resumed = JSON.parse(finish.stdout) as Summary;
    assertBalanced(resumed);
    assert.ok(resumed.resumedFrom, 'the last run resumed an unfinished one');
    assert.ok(resumed.read < TOTAL, `resumed from the checkpoint, not from the start (read ${resumed.read})`);

    assert.deepEqual(await storeSnapshot(crashed.store.pool), await storeSnapshot(reference.store.pool));
    assert.equal(await scalar(crashed, `SELECT count(*) AS n FROM messages`), TOTAL);
  });
});
