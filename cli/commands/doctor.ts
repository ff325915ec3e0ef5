import { randomUUID } from 'node:crypto';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { config, type Config } from '../../src/core/config.ts';
import { ExitCode, ServiceUnavailableError } from '../../src/core/errors.ts';
import { connectRedisOnce, redisVersion } from '../../src/core/redis.ts';
import { describeDatabase, openStore } from '../../src/store/database.ts';
import { listMigrationNames } from '../../src/store/migrate.ts';
import { action, printJson } from '../common.ts';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
  /** set when the failure is an unreachable service (exit 3) */
  unreachable?: boolean;
  /** worth saying, not a failure (a new installation without keys yet) */
  warning?: boolean;
}

function versionAtLeast(actual: string, wanted: [number, number, number]): boolean {
  const parts = actual.split('.').map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < 3; i++) {
    const a = parts[i] ?? 0;
    if (a !== wanted[i]) return a > wanted[i]!;
  }
  return true;
}

function checkNode(): Check {
  const version = process.versions.node;
  const ok = versionAtLeast(version, [20, 19, 0]);
  return { name: 'Node.js', ok, detail: `v${version}`, fix: ok ? undefined : 'install Node.js 20.19 or newer' };
}

async function checkRedis(cfg: Config): Promise<Check> {
  try {
    const redis = await connectRedisOnce(cfg.redisUrl);
    try {
      const version = await redisVersion(redis);
      const ok = versionAtLeast(version, [6, 2, 0]);
      return {
        name: 'Redis',
        ok,
        detail: `${version} at ${new URL(cfg.redisUrl).host}`,
        fix: ok ? undefined : 'BullMQ needs Redis 6.2 or newer',
      };
    } finally {
      redis.disconnect();
    }
  } catch (error) {
    if (error instanceof ServiceUnavailableError)
      return { name: 'Redis', ok: false, detail: error.message, unreachable: true };
    return { name: 'Redis', ok: false, detail: (error as Error).message };
  }
}

async function checkPostgres(cfg: Config): Promise<Check[]> {
  let store;
  try {
    store = await openStore(cfg.databaseUrl, { max: 1, connectTimeoutMs: 4000 });
  } catch (error) {
    const missingDatabase = (error as { cause?: { code?: string } }).cause?.code === '3D000';
    return [
      {
        name: 'PostgreSQL',
        ok: false,
        detail: (error as Error).message,
        unreachable: !missingDatabase,
        fix: missingDatabase ? 'npx aitu-gateway db migrate' : undefined,
      },
    ];
  }
  try {
    const version =
      (await store.pool.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? '?';
    const checks: Check[] = [
      { name: 'PostgreSQL', ok: true, detail: `${version} — ${describeDatabase(cfg.databaseUrl)}` },
    ];
    const expected = await listMigrationNames();
    const applied = await store.pool
      .query<{ migration_name: string }>(
        'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
      )
      .then((r) => new Set(r.rows.map((row) => row.migration_name)))
      .catch(() => new Set<string>());
    const pending = expected.filter((name) => !applied.has(name));
    checks.push(
      pending.length === 0
        ? { name: 'migrations', ok: true, detail: `${expected.length} applied` }
        : {
            name: 'migrations',
            ok: false,
            detail: `${pending.length} pending: ${pending.join(', ')}`,
            fix: 'npx aitu-gateway db migrate',
          },
    );
    return checks;
  } finally {
    await store.close();
  }
}

async function checkDataDir(cfg: Config): Promise<Check> {
  const probe = path.join(cfg.dataDir, `.doctor-${randomUUID()}`);
  try {
    await mkdir(cfg.dataDir, { recursive: true });
    await writeFile(probe, 'ok');
    await rm(probe);
    return { name: 'data directory', ok: true, detail: cfg.dataDir };
  } catch (error) {
    return {
      name: 'data directory',
      ok: false,
      detail: `${cfg.dataDir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      fix: 'make it writable or set AITU_GATEWAY_DATA_DIR',
    };
  }
}

/**
 * The key file and the audit signing key are the installation's secrets: readable by its OS user alone (0600), in
 * a data directory of its own (0700). A group- or world-readable key is a failure; a missing one a warning (a new
 * installation makes them with `keys init`).
 */
async function checkSecretFile(name: string, file: string): Promise<Check> {
  const info = await stat(file).catch(() => null);
  if (!info) return { name, ok: true, warning: true, detail: `${file}: none yet`, fix: 'aitu-gateway keys init' };
  const loose = info.mode & 0o077;
  if (loose !== 0)
    return {
      name,
      ok: false,
      detail: `${file}: mode ${(info.mode & 0o777).toString(8)}, readable beyond its owner`,
      fix: `chmod 600 ${file}`,
    };
  if (typeof process.getuid === 'function' && info.uid !== process.getuid()) {
    return {
      name,
      ok: false,
      detail: `${file}: owned by uid ${info.uid}, not this user`,
      fix: `run as the installation's OS user, or chown it`,
    };
  }
  return { name, ok: true, detail: `${file}: 0600, this user's` };
}

async function checkDataDirMode(cfg: Config): Promise<Check> {
  const info = await stat(cfg.dataDir).catch(() => null);
  if (!info || (info.mode & 0o077) === 0)
    return { name: 'data directory mode', ok: true, detail: info ? '0700' : 'not created yet' };
  return {
    name: 'data directory mode',
    ok: true,
    warning: true,
    detail: `${cfg.dataDir}: mode ${(info.mode & 0o777).toString(8)}`,
    fix: `chmod 700 ${cfg.dataDir} (docs/security.md)`,
  };
}

/** Every check runs at once, each bounded by its own connect timeout, so the whole stays under 10 seconds. */
export async function runDoctor(cfg: Config): Promise<Check[]> {
  const [redis, postgres, dataDir, keyFile, signingKey, dataDirMode] = await Promise.all([
    checkRedis(cfg),
    checkPostgres(cfg),
    checkDataDir(cfg),
    checkSecretFile('key file', cfg.keyFile),
    checkSecretFile('audit signing key', cfg.chainKeyFile),
    checkDataDirMode(cfg),
  ]);
  return [checkNode(), redis, ...postgres, dataDir, dataDirMode, keyFile, signingKey];
}

export function doctorExitCode(checks: readonly Check[]): number {
  if (checks.some((c) => c.unreachable)) return ExitCode.serviceUnavailable;
  return checks.every((c) => c.ok) ? ExitCode.ok : ExitCode.failed;
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description(
      'check Node, Redis, PostgreSQL, migrations, the data directory and the key files; say how to fix problems',
    )
    .option('--json', 'print the checks as JSON')
    .action(
      action(async (options: { json?: boolean }) => {
        const checks = await runDoctor(config());
        if (options.json) printJson({ ok: checks.every((c) => c.ok), checks });
        else
          for (const c of checks) {
            process.stdout.write(`${c.warning ? 'warn' : c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}\n`);
            if ((!c.ok || c.warning) && c.fix) process.stdout.write(`     fix: ${c.fix}\n`);
          }
        return doctorExitCode(checks);
      }),
    );
}
