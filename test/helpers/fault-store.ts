import assert from 'node:assert/strict';
import path from 'node:path';
import { addAgency } from '../../src/store/agencies.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { storeSnapshot } from './import.ts';
import { initTestInstallation } from './installation.ts';
import { testPrefix } from './redis.ts';

/** One installation of a fault test: a database of its own, a queue prefix on the test's private Redis, a data directory. */
export interface FaultStore {
  db: TestDatabase;
  /** the environment of its CLI children */
  env: NodeJS.ProcessEnv;
  count(sql: string, params?: unknown[]): Promise<number>;
  drop(): Promise<void>;
}

/**
 * A migrated database with agency `slug`, its installation (`keys init`) in `dataDir`, and the environment that
 * points CLI children at it and at `redisUrl` (a private Redis: a fault test never uses the shared one).
 */
export async function createFaultStore(options: {
  redisUrl: string;
  dataDir: string;
  slug: string;
}): Promise<FaultStore> {
  const db = await createTestDatabase();
  await addAgency(db.store.prisma, { slug: options.slug, name: `Agency ${options.slug}` });
  const env: NodeJS.ProcessEnv = {
    DATABASE_URL: db.url,
    REDIS_URL: options.redisUrl,
    AITU_GATEWAY_QUEUE_PREFIX: testPrefix(),
    AITU_GATEWAY_DATA_DIR: path.resolve(options.dataDir),
    LOG_LEVEL: 'warn',
  };
  await initTestInstallation(env);
  return {
    db,
    env,
    async count(sql, params = []) {
      return Number((await db.store.pool.query<{ n: string }>(sql, params)).rows[0]?.n ?? 0);
    },
    drop: () => db.drop(),
  };
}

/**
 * The fault tests' verdict: the store holds what an uninterrupted run of the same input left (no message lost or
 * duplicated, the same findings and attachments), and every batch was written once: one audit entry per recorded
 * batch, and the batches' delivered counts add up to the messages stored.
 */
export async function assertSameAsReference(faulted: FaultStore, reference: FaultStore): Promise<void> {
  assert.deepEqual(await storeSnapshot(faulted.db.store.pool), await storeSnapshot(reference.db.store.pool));
  const twice = await faulted.db.store.pool.query<{ subject: string }>(
    `SELECT subject FROM audit_log WHERE action = 'deliver.batch' GROUP BY subject HAVING count(*) > 1`,
  );
  assert.deepEqual(
    twice.rows.map((r) => r.subject),
    [],
    'no batch has two delivery audit entries',
  );
  assert.equal(
    await faulted.count(`SELECT count(*) AS n FROM audit_log WHERE action = 'deliver.batch'`),
    await faulted.count(`SELECT count(*) AS n FROM import_batches`),
    'one delivery audit entry per recorded batch',
  );
  assert.equal(
    await faulted.count(`SELECT coalesce(sum((counts->>'delivered')::int), 0) AS n FROM import_batches`),
    await faulted.count(`SELECT count(*) AS n FROM messages`),
    'each stored message was delivered by exactly one batch',
  );
}
