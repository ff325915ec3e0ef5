import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { ServiceUnavailableError } from '../core/errors.ts';
import { PrismaClient } from '../generated/prisma/client.ts';
import { poolConfigFromUrl } from './migrate.ts';

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

const unreachableCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'ECONNRESET', '57P03']);

/** True when the error means PostgreSQL is away (as opposed to a bad query). */
export function isPostgresUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string; errors?: unknown[] } | undefined;
  if (!e) return false;
  if (e.code && unreachableCodes.has(e.code)) return true;
  if (Array.isArray(e.errors) && e.errors.some(isPostgresUnavailable)) return true;
  return /timeout exceeded when trying to connect|Connection terminated|connect ECONNREFUSED/i.test(e.message ?? '');
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
