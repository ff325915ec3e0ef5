import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { addAgency } from '../../src/store/agencies.ts';
import { BATCH_SIZE } from '../../src/pipeline/queues.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { faultSnapshot } from '../helpers/fault-snapshot.ts';
import { assertBalanced, spawnCli, type Summary } from '../helpers/import.ts';
import { initTestInstallation } from '../helpers/installation.ts';
import { makeMessages, writeJsonl } from '../helpers/messages.ts';
import { startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.ts';
import { removePrefix, testPrefix } from '../helpers/redis.ts';
import { sleep, waitFor } from '../helpers/wait.ts';

// ten batches: a fault after the second still has most of the import ahead of it
const TOTAL = 10 * BATCH_SIZE;

/**
 * `aitu-gateway import jsonl` as a child process, its store on a private PostgreSQL cluster that is restarted, stopped
 * for 10 s, or stopped as the run records its end; Redis is the shared one under the test's own queue prefixes. Each
 * store is compared with an uninterrupted import of the same file.
 */
describe('PostgreSQL away in the middle of an import', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aitu-pg-import-'));
  const file = path.join(dir, 'history.jsonl');
  const importArgs = ['import', 'jsonl', file, '--agency', 'mvd', '--json', '--no-progress'];
  let cluster: PrivatePostgres;
  let reference: TestDatabase;
  let expected: unknown;
  const databases: TestDatabase[] = [];
  const prefixes: string[] = [];

  /** A database with the agency and an installation of its own, and the environment of an import into it. */
  async function installation(make: () => Promise<TestDatabase>) {
    const db = await make();
    databases.push(db);
    await addAgency(db.store.prisma, { slug: 'mvd', name: 'MVD' });
    const prefix = testPrefix();
    prefixes.push(prefix);
    const env = {
      DATABASE_URL: db.url,
      AITU_GATEWAY_QUEUE_PREFIX: prefix,
      AITU_GATEWAY_DATA_DIR: path.join(dir, prefix),
      LOG_LEVEL: 'warn',
    };
    await initTestInstallation(env);
    return { db, env };
  }

  /** Rows of the database, or null while the cluster is away. */
  const count = async (db: TestDatabase, sql: string) =>
    db.store.pool.query<{ n: number }>(sql).then(
      (result) => result.rows[0]!.n,
      () => null,
    );

  before(async () => {
    writeJsonl(file, makeMessages(TOTAL, { chats: 4 }));
    cluster = await startPrivatePostgres();
    const straight = await installation(createTestDatabase);
    reference = straight.db;
    const run = await spawnCli(importArgs, straight.env).done;
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout) as Summary;
    assertBalanced(summary);
    assert.equal(summary.delivered, TOTAL);
    expected = await faultSnapshot(reference.store.pool);
  });
  after(async () => {
    await Promise.all(prefixes.map(removePrefix));
    for (const db of databases) await db.drop().catch(() => {});
    await cluster?.teardown();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Imports into a database of the private cluster with each delivery transaction held open a while, applies the
   * fault once two batches are committed and a third is being written, and returns the import's outcome.
   */
  async function importThrough(fault: (db: TestDatabase) => Promise<void>) {
    const { db, env } = await installation(() => cluster.createDatabase());
    const run = spawnCli(importArgs, { ...env, AITU_GATEWAY_FAULT_DELIVER_DELAY_MS: '150' });
    await waitFor(
      async () => {
        assert.equal(run.child.exitCode, null, 'the import ended before its fault');
        return (
          ((await count(db, `SELECT count(*)::int AS n FROM import_batches`)) ?? 0) >= 2 &&
          ((await count(
            db,
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'`,
          )) ?? 0) > 0
        );
      },
      'a delivery transaction open after two batches',
      60_000,
    );
    await fault(db);
    return { db, env, result: await run.done };
  }

  async function assertLikeUninterrupted(db: TestDatabase): Promise<void> {
    assert.equal(await count(db, `SELECT count(*)::int AS n FROM messages`), TOTAL);
    assert.deepEqual(await faultSnapshot(db.store.pool), expected);
  }

  it('restarted while a batch is being written: the batch is retried and the import completes', async () => {
    const { db, result } = await importThrough(() => cluster.restart());
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout) as Summary;
    assertBalanced(summary);
    assert.deepEqual([summary.status, summary.delivered, summary.duplicates], ['completed', TOTAL, 0]);
    assert.match(result.stderr, /deliver job will be retried/, 'the cut batch was retried');
    await assertLikeUninterrupted(db);
  });

  it('stopped for 10 s: deliveries wait and are retried, the import completes without a person', async () => {
    const { db, result } = await importThrough(() => cluster.unreachableFor(10_000));
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout) as Summary;
    assertBalanced(summary);
    assert.deepEqual([summary.status, summary.delivered], ['completed', TOTAL]);
    const waits = result.stderr.split('\n').filter((line) => line.includes('cannot read progress from the store'));
    assert.equal(waits.length, 1, `the wait is said once, not at every poll:\n${result.stderr.slice(0, 3000)}`);
    await assertLikeUninterrupted(db);
  });

  it('stopped as the run records its end: the import waits for the store and completes', async () => {
    // the run's row is held, so its closing UPDATE waits (batches only take a key share of it); then the cluster goes
    let holder: pg.Client | null = null;
    const { db, result } = await importThrough(async (target) => {
      holder = new pg.Client({ connectionString: target.url });
      holder.on('error', () => {});
      await holder.connect();
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM import_runs FOR NO KEY UPDATE`);
      await waitFor(
        async () =>
          ((await count(
            target,
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'UPDATE import_runs%'`,
          )) ?? 0) > 0,
        'the end of the run waiting for its row',
        // the whole import runs first: on a loaded machine that can take a while
        180_000,
      );
      // every backend at once: a fast shutdown could end the holder first and let the waiting UPDATE commit
      await cluster.unreachableFor(3000, 'immediate');
    });
    await holder!.end().catch(() => {});
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /cannot record the end of the run in the store; waiting for it/);
    const summary = JSON.parse(result.stdout) as Summary;
    assertBalanced(summary);
    assert.deepEqual([summary.status, summary.delivered], ['completed', TOTAL]);
    const [run] = (await db.store.pool.query(`SELECT status FROM import_runs`)).rows as { status: string }[];
    assert.equal(run!.status, 'completed', 'the run is recorded completed');
    await assertLikeUninterrupted(db);
  });

  it('away when the import starts: one clear line and exit 3; run again once it is back, it completes', async () => {
    const { db, env } = await installation(() => cluster.createDatabase());
    await cluster.stop();
    try {
      const refused = await spawnCli(importArgs, env).done;
      assert.equal(refused.code, 3, refused.stderr);
      assert.match(refused.stderr, /^aitu-gateway: PostgreSQL at 127\.0\.0\.1:\d+\/\w+ is unreachable; start it/);
      assert.equal(refused.stderr.trim().split('\n').length, 1, 'one line, no stack trace');
      assert.equal(refused.stdout, '');
    } finally {
      await cluster.start();
    }
    await sleep(100);
    const rerun = await spawnCli(importArgs, env).done;
    assert.equal(rerun.code, 0, rerun.stderr);
    assertBalanced(JSON.parse(rerun.stdout) as Summary);
    await assertLikeUninterrupted(db);
  });
});
