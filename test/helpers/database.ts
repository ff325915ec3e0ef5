import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/database.ts';
import { applyMigrations, listMigrationNames, migrationsDir, poolConfigFromUrl } from '../../src/store/migrate.ts';

const baseUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/aitu_gateway';

export interface TestDatabase {
  url: string;
  /** the database's name */
  name: string;
  store: Store;
  /** closes the store and drops the database */
  drop(): Promise<void>;
}

export function urlFor(database: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** A connection to the server's `postgres` database as the test suite's (superuser) role. */
export async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ ...poolConfigFromUrl(baseUrl), database: 'postgres' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** One migrated template per migrations content, built once under an advisory lock and copied per test file. */
async function templateName(): Promise<string> {
  const hash = createHash('sha256');
  for (const name of await listMigrationNames()) {
    hash.update(name);
    hash.update(await readFile(path.join(migrationsDir, name, 'migration.sql')));
  }
  return `aitu_test_template_${hash.digest('hex').slice(0, 16)}`;
}

async function createFromTemplate(admin: pg.Client, name: string): Promise<void> {
  const template = await templateName();
  await admin.query(`SELECT pg_advisory_lock(hashtext('aitu-gateway-test-template'))`);
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
    if (!exists.rowCount) {
      const building = `${template}_building`;
      await admin.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${building}`);
      await applyMigrations(urlFor(building));
      // the engine's pool may linger; a template must have no other sessions
      await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
        [building],
      );
      await admin.query(`ALTER DATABASE ${building} RENAME TO ${template}`);
    }
    // under the lock too: a template being copied must have no other session
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  } finally {
    await admin.query(`SELECT pg_advisory_unlock(hashtext('aitu-gateway-test-template'))`);
  }
}

/** A fresh, migrated database of this test file's own. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = randomDatabaseName('aitu_test_', 20);
  await withAdmin((admin) => createFromTemplate(admin, name));
  const url = urlFor(name);
  const store = await openStore(url);
  return {
    url,
    name,
    store,
    async drop() {
      await store.close();
      await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/**
 * A fresh database name: the prefix and `length` random letters. Letters only: a long run of digits in a name reads
 * as a card number, and the error messages that name a database mask it.
 */
export function randomDatabaseName(prefix: string, length: number): string {
  const letters = randomUUID()
    .replace(/-/g, '')
    .slice(0, length)
    .replace(/[0-9]/g, (d) => 'ghijklmnop'[Number(d)]!);
  return `${prefix}${letters}`;
}
