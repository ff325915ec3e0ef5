import { packageRoot } from '../core/package-root.ts';
import { createRequire } from 'node:module';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import { parse as parseConnectionString } from 'pg-connection-string';
import type { MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm';

/**
 * Migrations through Prisma's own schema engine compiled to WebAssembly: Prisma 7's CLI would download a
 * native engine, which this network cannot reach. prisma/ stays the one source of truth: schema.prisma
 * and prisma/migrations/<timestamp>_<name>/migration.sql, recorded in Prisma's _prisma_migrations table.
 */
const projectRoot = packageRoot(import.meta.url);
export const schemaPath = path.join(projectRoot, 'prisma/schema.prisma');
export const migrationsDir = path.join(projectRoot, 'prisma/migrations');

type WasmApi = {
  instantiate(
    bytes: Uint8Array,
    imports: Record<string, unknown>,
  ): Promise<{ instance: { exports: Record<string, unknown> } }>;
};
type EngineModule = typeof import('@prisma/schema-engine-wasm');
let engineModule: Promise<EngineModule> | undefined;

/** Instantiates the wasm by hand so no `--experimental-wasm-modules` flag is needed. */
function loadEngineModule(): Promise<EngineModule> {
  engineModule ??= (async () => {
    const require = createRequire(import.meta.url);
    const entry = require.resolve('@prisma/schema-engine-wasm');
    const bindings = (await import('@prisma/schema-engine-wasm/schema_engine_bg')) as EngineModule & {
      __wbg_set_wasm(exports: Record<string, unknown>): void;
    };
    // the lib typings here carry no WebAssembly namespace; Node 20 has it at run time
    const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const bytes = await readFile(path.join(path.dirname(entry), 'schema_engine_bg.wasm'));
    const { instance } = await wasm.instantiate(bytes, { './schema_engine_bg.js': bindings as never });
    bindings.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return bindings;
  })();
  return engineModule;
}

/** pg pool settings from a URL, as fields: the adapter's shadow database overrides `database`. */
export function poolConfigFromUrl(databaseUrl: string) {
  const parsed = parseConnectionString(databaseUrl);
  return {
    host: parsed.host ?? '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 5432,
    user: parsed.user ?? 'postgres',
    password: parsed.password ?? undefined,
    database: parsed.database ?? 'postgres',
    max: 2,
  };
}

type PgResult = { fields: { dataTypeID: number }[] };
type Queryable = {
  client: { query(sql: string): Promise<unknown> };
  performIO(query: unknown): Promise<PgResult>;
  onError(error: unknown): never;
  executeScript?(script: string): Promise<void>;
  startTransaction?(...args: unknown[]): Promise<unknown>;
};

/**
 * Two gaps between @prisma/adapter-pg and the schema engine, closed here:
 * - the engine's schema describer reads catalog columns of PostgreSQL's one-byte "char" type (OID 18), which
 *   the adapter refuses as unsupported; their text form is exactly what the engine expects;
 * - the adapter runs a migration script split naively on ";", which breaks dollar-quoted function bodies;
 *   PostgreSQL's simple query protocol takes the whole script at once.
 */
function adaptForSchemaEngine<T extends object>(adapter: T): T {
  const queryable = adapter as unknown as Queryable;
  if (queryable.executeScript) {
    queryable.executeScript = async (script) => {
      try {
        await queryable.client.query(script);
      } catch (error) {
        queryable.onError(error);
      }
    };
  }
  const performIO = queryable.performIO.bind(queryable);
  queryable.performIO = async (query) => {
    const result = await performIO(query);
    for (const field of result.fields) if (field.dataTypeID === 18) field.dataTypeID = 25;
    return result;
  };
  if (queryable.startTransaction) {
    const startTransaction = queryable.startTransaction.bind(queryable);
    queryable.startTransaction = async (...args) => adaptForSchemaEngine((await startTransaction(...args)) as object);
  }
  return adapter;
}

/**
 * PrismaPg's own shadow database is dropped while its pool still holds a connection (the DROP fails), so
 * the shadow database is made here and dropped WITH (FORCE) after the adapter is disposed.
 */
function adapterFactory(databaseUrl: string) {
  const config = poolConfigFromUrl(databaseUrl);
  const main = new PrismaPg(config);
  const factory: SqlMigrationAwareDriverAdapterFactory = {
    provider: main.provider,
    adapterName: main.adapterName,
    connect: async () => adaptForSchemaEngine(await main.connect()),
    async connectToShadowDb() {
      const name = `aitu_shadow_${randomUUID().replace(/-/g, '')}`;
      const admin = new pg.Client({ ...config, database: 'postgres' });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE "${name}"`);
      } finally {
        await admin.end();
      }
      const adapter = adaptForSchemaEngine(await new PrismaPg({ ...config, database: name }).connect());
      const dispose = adapter.dispose.bind(adapter);
      adapter.dispose = async () => {
        await dispose();
        const dropper = new pg.Client({ ...config, database: 'postgres' });
        await dropper.connect();
        try {
          await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        } finally {
          await dropper.end();
        }
      };
      return adapter;
    },
  };
  return factory;
}

async function withEngine<T>(databaseUrl: string, work: (engine: SchemaEngine) => Promise<T>): Promise<T> {
  const { SchemaEngine } = await loadEngineModule();
  const schema = await readFile(schemaPath, 'utf8');
  const adapter = bindMigrationAwareSqlAdapterFactory(adapterFactory(databaseUrl));
  const engine = await SchemaEngine.new(
    { datamodels: [[schemaPath, schema]] },
    () => {
      /* engine log lines: not needed */
    },
    adapter,
  );
  try {
    return await work(engine);
  } finally {
    engine.free();
  }
}

/** The migration folders shipped in prisma/migrations, in order. */
export async function listMigrationNames(): Promise<string[]> {
  await mkdir(migrationsDir, { recursive: true });
  return (await readdir(migrationsDir, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

async function readMigrationList(): Promise<MigrationList> {
  const entries = await listMigrationNames();
  const migrationDirectories = await Promise.all(
    entries.map(async (name) => {
      const file = path.join(migrationsDir, name, 'migration.sql');
      const content = await readFile(file, 'utf8').then(
        (sql) => ({ tag: 'ok' as const, value: sql }),
        (error: Error) => ({ tag: 'error' as const, value: error.message }),
      );
      return { path: name, migrationFile: { path: 'migration.sql', content } };
    }),
  );
  const lockfilePath = path.join(migrationsDir, 'migration_lock.toml');
  const lockContent = await readFile(lockfilePath, 'utf8').catch(async () => {
    // the engine reads the provider from the lockfile, even for an empty history
    const content =
      '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n';
    await writeFile(lockfilePath, content);
    return content;
  });
  return {
    baseDir: migrationsDir,
    lockfile: { path: 'migration_lock.toml', content: lockContent },
    shadowDbInitScript: '',
    migrationDirectories,
  };
}

/** Applies every migration not yet recorded in _prisma_migrations; idempotent. Returns the names applied. */
export async function applyMigrations(databaseUrl: string): Promise<string[]> {
  const migrationsList = await readMigrationList();
  return withEngine(databaseUrl, async (engine) => {
    const result = await engine.applyMigrations({
      migrationsList,
      filters: { externalTables: [], externalEnums: [] },
    });
    return result.appliedMigrationNames;
  });
}

/** Migrations in prisma/migrations that the database has not applied yet. */
export async function pendingMigrations(databaseUrl: string): Promise<string[]> {
  const migrationsList = await readMigrationList();
  return withEngine(databaseUrl, async (engine) => {
    const result = await engine.diagnoseMigrationHistory({
      migrationsList,
      optInToShadowDatabase: false,
      filters: { externalTables: [], externalEnums: [] },
    } as never);
    const history = (result as { history: { diagnostic: string; unappliedMigrationNames?: string[] } | null }).history;
    if (history?.diagnostic === 'databaseIsBehind') return history.unappliedMigrationNames ?? [];
    return [];
  });
}

/**
 * Writes the SQL that takes the migrations so far to the current schema.prisma into a new migration folder.
 * Uses a throw-away shadow database (created and dropped by the adapter). Returns null when nothing changed.
 */
export async function createMigration(databaseUrl: string, name: string, extraSql = ''): Promise<string | null> {
  const migrationsList = await readMigrationList();
  const schema = await readFile(schemaPath, 'utf8');
  return withEngine(databaseUrl, async (engine) => {
    const result = await engine.diff({
      from: { tag: 'migrations', ...migrationsList },
      to: { tag: 'schemaDatamodel', files: [{ path: schemaPath, content: schema }] },
      script: true,
      exitCode: null,
      filters: { externalTables: [], externalEnums: [] },
    });
    const sql = (result.stdout ?? '').trim();
    if ((sql === '' || sql.startsWith('-- This is an empty migration')) && extraSql === '') return null;
    const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
    const folder = `${stamp}_${name.replace(/[^a-z0-9_]+/gi, '_').toLowerCase()}`;
    await mkdir(path.join(migrationsDir, folder), { recursive: true });
    await writeFile(path.join(migrationsDir, folder, 'migration.sql'), `${sql}\n${extraSql}`);
    return folder;
  });
}
