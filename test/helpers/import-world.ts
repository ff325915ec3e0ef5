import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { addAgency } from '../../src/store/agencies.ts';
import { projectRoot, runCli, type CliResult } from './cli.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { initTestInstallation } from './installation.ts';
import type { Summary } from './import.ts';
import { removePrefix, testPrefix } from './redis.ts';

/** A database of its own, a queue prefix, a temporary folder with a data directory, and agencies by slug. */
export interface ImportWorld {
  db: TestDatabase;
  dir: string;
  dataDir: string;
  env: NodeJS.ProcessEnv;
  agencies: Record<string, string>;
  cli(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<CliResult>;
  /** runs `import … --json` and returns the exit code, the summary (when printed) and the standard error */
  importJson(
    args: readonly string[],
    env?: NodeJS.ProcessEnv,
  ): Promise<{ code: number | null; summary: Summary | null; stderr: string }>;
  /** the reasons of the dead letters as `dlq list` shows them */
  deadLetterReasons(): Promise<string[]>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/** `database` makes the world's database (default: one on the shared server; fault tests pass a private cluster's). */
export async function createImportWorld(
  slugs: readonly string[] = ['a'],
  database: () => Promise<TestDatabase> = createTestDatabase,
): Promise<ImportWorld> {
  const db = await database();
  const dir = mkdtempSync(path.join(tmpdir(), 'aitu-security-'));
  const dataDir = path.join(dir, 'data');
  const prefix = testPrefix();
  const env: NodeJS.ProcessEnv = {
    DATABASE_URL: db.url,
    AITU_GATEWAY_QUEUE_PREFIX: prefix,
    AITU_GATEWAY_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
  };
  await initTestInstallation(env);
  const agencies: Record<string, string> = {};
  for (const slug of slugs) agencies[slug] = (await addAgency(db.store.prisma, { slug, name: `Agency ${slug}` })).id;
  const world: ImportWorld = {
    db,
    dir,
    dataDir,
    env,
    agencies,
    cli: (args, extra = {}) => runCli(args, { env: { ...env, ...extra } }),
    async importJson(args, extra = {}) {
      const result = await world.cli([...args, '--json', '--no-progress'], extra);
      let summary: Summary | null;
      try {
        summary = JSON.parse(result.stdout) as Summary;
      } catch {
        summary = null;
      }
      return { code: result.code, summary, stderr: result.stderr };
    },
    async deadLetterReasons() {
      const result = await world.cli(['dlq', 'list', '--json']);
      assert.equal(result.code, 0, result.stderr);
      return (JSON.parse(result.stdout) as { reason: string }[]).map((letter) => letter.reason);
    },
    async query(sql, params = []) {
      return (await db.store.pool.query(sql, params)).rows;
    },
    async close() {
      await removePrefix(prefix);
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return world;
}

/** The peak RSS (MiB) a CLI child reported through test/helpers/max-rss.cjs, or null when it died before exiting. */
export function maxRssMiB(stderr: string): number | null {
  const match = /max-rss-kib: (\d+)/.exec(stderr);
  return match ? Number(match[1]) / 1024 : null;
}

/** Environment that makes a CLI child report its peak RSS on exit. */
export function measuringEnv(): NodeJS.ProcessEnv {
  const reporter = path.join(projectRoot, 'test/helpers/max-rss.cjs');
  return { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${reporter}`.trim() };
}
