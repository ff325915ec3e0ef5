/**
 * `npm run bench:beyond`: the layouts of docs/operations.md "Beyond one machine", measured as far as one machine
 * allows, with the plain import command (`import telegram`, BENCH_MESSAGES messages, default 100,000), each run into a
 * fresh database:
 *   1. deliver worker processes against one Redis: `--workers 0` (delivery in the import process), 1 and 2;
 *   2. a hash-tagged queue prefix (`{…}`, what Redis Cluster needs so that a queue's keys share a slot) on one Redis;
 *   3. PostgreSQL behind PgBouncer (Debian 12's 1.18, started here on a free port) in session mode and in transaction
 *      mode: the import's rate, or the error it stops with.
 * Environment: BENCH_MESSAGES, BENCH_EXPORT_DIR (keep the export there), BENCH_SKIP_PGBOUNCER=1, REDIS_URL,
 * DATABASE_URL. Needs `pgbouncer` on the PATH (apt-get install pgbouncer) for part 3; Linux only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';

import { writeTelegramExport } from '../bridges/telegram/export/generate.ts';
import type { ImportSummary } from '../src/pipeline/import-run.ts';
import { addAgency } from '../src/store/agencies.ts';
import { createTestDatabase } from '../test/helpers/database.ts';
import { unlinkPrefix } from '../test/helpers/redis.ts';
import { fmt, hostSpeedLine, mb, runBench, table } from './helpers.ts';
import { benchImportEnv, runImportProcess } from './import-process.ts';

const N = Number(process.env.BENCH_MESSAGES ?? 100_000);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const loadAverage = () => os.loadavg()[0]!.toFixed(2);

interface Layout {
  label: string;
  args?: string[];
  prefix?: (id: string) => string;
  databaseUrl?: (direct: string) => string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** PgBouncer on a free port in front of the local server, in `mode`; stopped by the returned function. */
async function startPgBouncer(mode: 'session' | 'transaction'): Promise<{ port: number; stop(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'aitu-pgbouncer-'));
  await chmod(dir, 0o777);
  const port = await freePort();
  const server = new URL(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/aitu_gateway');
  await writeFile(path.join(dir, 'users.txt'), `"postgres" ""\n`);
  await writeFile(
    path.join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${server.hostname} port=${server.port || 5432}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${path.join(dir, 'users.txt')}`,
      `pool_mode = ${mode}`,
      'max_client_conn = 400',
      'default_pool_size = 40',
      'ignore_startup_parameters = extra_float_digits,options',
      `logfile = ${path.join(dir, 'pgbouncer.log')}`,
      '',
    ].join('\n'),
  );
  await chmod(path.join(dir, 'users.txt'), 0o644);
  // PgBouncer refuses to run as root: as the server's own user then
  const asUser = process.getuid?.() === 0 ? ['-u', 'postgres'] : [];
  const child: ChildProcess = spawn('pgbouncer', [...asUser, path.join(dir, 'pgbouncer.ini')], {
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  for (const started = Date.now(); ;) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = createServer().listen(port, '127.0.0.1');
      socket.once('listening', () => socket.close(() => resolve(false)));
      socket.once('error', () => resolve(true));
    });
    if (up) break;
    if (child.exitCode !== null) throw new Error(`pgbouncer exited with code ${child.exitCode}`);
    if (Date.now() - started > 10_000) throw new Error('pgbouncer did not listen within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    port,
    async stop() {
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function importWith(layout: Layout, file: string, dir: string): Promise<string[]> {
  const id = randomUUID().slice(0, 12);
  const prefix = layout.prefix?.(id) ?? `bench-beyond-${id}`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  redis.on('error', () => {});
  const db = await createTestDatabase();
  const runDir = await mkdtemp(path.join(dir, 'run-'));
  try {
    await addAgency(db.store.prisma, { slug: 'beyond', name: 'Beyond one machine' });
    const env = await benchImportEnv(db.url, REDIS_URL, prefix, runDir);
    const load = loadAverage();
    const run = await runImportProcess(
      ['import', 'telegram', file, '--agency', 'beyond', '--json', ...(layout.args ?? [])],
      { ...env, DATABASE_URL: layout.databaseUrl?.(db.url) ?? db.url },
      { database: db.name, redis },
    );
    let summary: ImportSummary | null = null;
    try {
      summary = JSON.parse(run.stdout) as ImportSummary;
    } catch {
      // no summary: the error is on standard error
    }
    const ok = run.code === 0 && summary?.status === 'completed' && summary.delivered === N;
    const outcome = ok
      ? `${fmt(Math.round(N / run.seconds))} msg/s`
      : `FAILED (exit ${run.code}): ${(summary?.error ?? run.stderr.split('\n').find((l) => l.startsWith('aitu-gateway:')) ?? run.stderr.slice(-300)).slice(0, 200)}`;
    const perMessage = (s: number | null) => (s === null ? 'n/a' : ((s / N) * 1e6).toFixed(0));
    const keys = layout.prefix ? await unlinkPrefix(redis, prefix) : 0;
    // a deliver job that failed and was tried again (the workers log each at warn level)
    const retried = (run.stderr.match(/job will be retried/g) ?? []).length;
    const errors = [...new Set(run.stderr.match(/"error":"[^"]{0,120}/g) ?? [])].slice(0, 2).join('; ');
    return [
      layout.label,
      outcome,
      `${run.seconds.toFixed(1)} s`,
      `${perMessage(run.cpu.importer)} + ${run.cpu.workers.map(perMessage).join(' + ') || '0'} + ${perMessage(run.cpu.postgres)} + ${perMessage(run.cpu.redis)}`,
      `${mb(run.importerRss)}; ${run.workerRss.map(mb).join(', ') || 'none'}`,
      `${retried}${errors ? ` (${errors.replace(/"error":"/g, '')})` : ''}`,
      layout.prefix ? `${keys} keys left under ${prefix}:` : '',
      `${load} → ${loadAverage()}`,
    ];
  } finally {
    await unlinkPrefix(redis, prefix).catch(() => 0);
    redis.disconnect();
    await db.drop();
    await rm(runDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'aitu-bench-beyond-'));
  const exportsDir = process.env.BENCH_EXPORT_DIR ? path.resolve(process.env.BENCH_EXPORT_DIR) : dir;
  try {
    console.log(
      `bench:beyond: Telegram ${fmt(N)} messages; node ${process.version}, ${os.cpus().length} cores; load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    console.log(await hostSpeedLine());
    const file = path.join(exportsDir, `telegram-${N}`, 'result.json');
    if (!existsSync(file)) {
      await mkdir(path.dirname(file), { recursive: true });
      await writeTelegramExport(file, { messages: N, seed: 20240601, personalDataRate: 0.1 });
    }
    const layouts: Layout[] = [
      { label: '--workers 0 (delivery in the import process)', args: ['--workers', '0'] },
      { label: '--workers 1 (one deliver worker process)', args: ['--workers', '1'] },
      { label: '--workers 2 (two deliver worker processes)', args: ['--workers', '2'] },
      { label: 'hash-tagged queue prefix {…}, default workers', prefix: (id) => `{bench-beyond-${id}}` },
    ];
    const rows: string[][] = [];
    for (const layout of layouts) rows.push(await importWith(layout, file, dir));
    if (process.env.BENCH_SKIP_PGBOUNCER !== '1') {
      for (const mode of ['session', 'transaction'] as const) {
        const bouncer = await startPgBouncer(mode);
        try {
          rows.push(
            await importWith(
              {
                label: `PgBouncer 1.18, ${mode} mode, default workers`,
                databaseUrl: (direct) => {
                  const url = new URL(direct);
                  url.port = String(bouncer.port);
                  return url.toString();
                },
              },
              file,
              dir,
            ),
          );
        } finally {
          await bouncer.stop();
        }
      }
    }
    console.log(
      table(
        [
          'layout',
          'outcome',
          'time',
          'CPU µs/msg: importer + workers + PostgreSQL + Redis',
          'peak RSS: importer; workers',
          'jobs retried',
          'keys',
          'load avg',
        ],
        rows,
      ),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await runBench(main);
