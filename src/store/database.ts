import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { ServiceUnavailableError } from '../core/errors.ts';
import { PrismaClient } from '../generated/prisma/client.ts';
import { poolConfigFromUrl } from './migrate.ts';
import { isPostgresUnavailable } from './postgres-errors.ts';

export type Prisma = InstanceType<typeof PrismaClient>;

/**
 * The national store: one pg pool shared by the Prisma client (schema, ordinary queries) and by the
 * set-based SQL of the delivery hot path.
 */
export interface Store {
  prisma: Prisma;
  pool: pg.Pool;
  close(): Promise<void>;
}

export const postgresHint =
  'start it with scripts/services.sh (or: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start), or set DATABASE_URL';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `work`, and again while PostgreSQL is away (isPostgresUnavailable), every `everyMs`, for up to `forMs` in
 * all; then throws a ServiceUnavailableError saying to run the command again. For a step whose loss would waste the
 * work done before it (recording the end of an import). `work` must be safe to run twice. `onWait` is called once,
 * when the first attempt fails.
 */
export async function whileStoreAway<T>(
  work: () => Promise<T>,
  options: { forMs?: number; everyMs?: number; onWait?: (error: Error) => void } = {},
): Promise<T> {
  const forMs = options.forMs ?? 120_000;
  const until = Date.now() + forMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isPostgresUnavailable(error)) throw error;
      if (Date.now() >= until)
        throw new ServiceUnavailableError(
          'PostgreSQL',
          `PostgreSQL did not answer for ${Math.round(forMs / 1000)} s (${(error as Error).message}); run the same command again once it is back`,
          { cause: error },
        );
      if (attempt === 0) options.onWait?.(error as Error);
      await sleep(options.everyMs ?? 1000);
    }
  }
}

export function describeDatabase(databaseUrl: string): string {
  const c = poolConfigFromUrl(databaseUrl);
  return `PostgreSQL at ${c.host}:${c.port}/${c.database}`;
}

/** Opens the store and checks the connection (within `connectTimeoutMs`), so callers fail fast with exit 3. */
export async function openStore(
  databaseUrl: string,
  options: { max?: number; connectTimeoutMs?: number } = {},
): Promise<Store> {
  const pool = new pg.Pool({
    ...poolConfigFromUrl(databaseUrl),
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
  });
  // an idle client losing its server must not crash the process; the next query reports it
  pool.on('error', () => {});
  // nor a checked-out one between two statements of a transaction (the pool listens only to idle clients): its next
  // query fails, the work is retried as any transient error, and the pool drops the broken client on release
  pool.on('connect', (client) => client.on('error', () => {}));
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => {});
    throw storeConnectionError(databaseUrl, error);
  }
  // made on first use: the client's query compiler costs ≈ 80 MB, which the bulk paths (plain SQL) do not need
  let prisma: Prisma | undefined;
  return {
    get prisma() {
      prisma ??= new PrismaClient({ adapter: new PrismaPg(pool) });
      return prisma;
    },
    pool,
    async close() {
      await prisma?.$disconnect().catch(() => {});
      await pool.end().catch(() => {});
    },
  };
}

export function storeConnectionError(databaseUrl: string, error: unknown): Error {
  const where = describeDatabase(databaseUrl);
  const code = (error as { code?: string }).code;
  if (code === '3D000') {
    return new ServiceUnavailableError(
      'PostgreSQL',
      `${where}: the database does not exist; run: npx aitu-gateway db migrate`,
      { cause: error },
    );
  }
  if (isPostgresUnavailable(error)) {
    return new ServiceUnavailableError('PostgreSQL', `${where} is unreachable; ${postgresHint}`, { cause: error });
  }
  return new ServiceUnavailableError('PostgreSQL', `${where}: ${(error as Error).message}`, { cause: error });
}

/** Runs `work` in one transaction on one pooled connection. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** Creates the database named in the URL when it does not exist yet (connecting to `postgres`). */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const config = poolConfigFromUrl(databaseUrl);
  const admin = new pg.Client({ ...config, database: 'postgres', connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
  } catch (error) {
    throw storeConnectionError(databaseUrl, error);
  }
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [config.database]);
    if (exists.rowCount) return false;
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(config.database)}`);
    return true;
  } catch (error) {
    // two processes creating it at once: the loser sees a duplicate
    if ((error as { code?: string }).code === '42P04') return false;
    throw error;
  } finally {
    await admin.end();
  }
}
