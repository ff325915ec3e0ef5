/**
 * The import command as a child process, the way an operator runs it, measured: wall time, the CPU of the importer,
 * of each deliver worker process it starts (its children, from /proc) and of PostgreSQL and Redis, every node
 * process's peak RSS as the process itself reports it at exit (test/helpers/max-rss.cjs, which the import passes on to
 * its children with its other node flags), and Redis's used_memory sampled along the run. Linux only (/proc).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { initTestInstallation } from '../test/helpers/installation.ts';
import { cpuSampler, infoField, peakSampler, type CpuUse } from './helpers.ts';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cliPath = path.join(projectRoot, 'bin/aitu-gateway.js');
const maxRssHook = path.join(projectRoot, 'test/helpers/max-rss.cjs');
const SAMPLE_MS = 200;
const seconds = (startedNs: bigint) => Number(process.hrtime.bigint() - startedNs) / 1e9;

/** The children of `pid` (Linux's /proc/<pid>/task/<pid>/children). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export interface ImportRun {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
  importerPid: number;
  workerPids: number[];
  /** peak RSS (bytes) of the importer and of each worker process, as the processes themselves reported at exit */
  importerRss: number;
  workerRss: number[];
  cpu: CpuUse;
  redisPeak: number;
  redisBefore: number;
  profileDir: string | null;
}

/** Runs the import command as a child process, sampling the CPU of every process and Redis's memory. */
export async function runImportProcess(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  options: { database: string; redis: Redis; profile?: boolean },
): Promise<ImportRun> {
  const { redis } = options;
  const profileDir = options.profile ? await mkdtemp(path.join(os.tmpdir(), 'aitu-bench-prof-')) : null;
  const nodeFlags = [
    '--require',
    maxRssHook,
    ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
    // BENCH_NODE_FLAGS: V8 or node flags for the importer (its worker processes inherit them), to compare settings
    ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
  ];
  const workers = new Set<number>();
  const redisBefore = Number(infoField(await redis.info('memory'), 'used_memory') ?? 0);
  const redisSampler = peakSampler(
    async () => Number(infoField(await redis.info('memory'), 'used_memory') ?? 0),
    SAMPLE_MS,
  );
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [...nodeFlags, cliPath, ...args], {
    cwd: projectRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const importerPid = child.pid!;
  // the importer is a few milliseconds old at the first sample; its worker processes start later and count in full
  const cpu = cpuSampler({
    database: options.database,
    redis,
    importer: () => importerPid,
    workers: () => {
      for (const pid of childrenOf(importerPid)) workers.add(pid);
      return [...workers];
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode) => resolve(exitCode));
  });
  const elapsed = seconds(started);
  const [cpuUse, redisPeak] = await Promise.all([cpu.stop(), redisSampler.stop()]);
  // max-rss.cjs: one line per process at its exit; the worker processes exit before the import that stops them
  const reported = [...stderr.matchAll(/max-rss-kib: (\d+)/g)].map((m) => Number(m[1]) * 1024);
  const run: ImportRun = {
    code,
    stdout,
    stderr: stderr.replace(/\n?max-rss-kib: \d+\n/g, '\n').trim(),
    seconds: elapsed,
    importerPid: child.pid!,
    workerPids: [...workers],
    importerRss: reported.at(-1) ?? 0,
    workerRss: reported.slice(0, -1),
    cpu: cpuUse,
    redisPeak,
    redisBefore,
    profileDir,
  };
  return run;
}

/**
 * The environment of an import into `databaseUrl` with a key file and data directory of its own under `runDir`
 * (the installation made, as `keys init` would): what every bench's import child runs with.
 */
export async function benchImportEnv(
  databaseUrl: string,
  redisUrl: string,
  prefix: string,
  runDir: string,
  logLevel = 'warn',
): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    AITU_GATEWAY_QUEUE_PREFIX: prefix,
    AITU_GATEWAY_DATA_DIR: path.join(runDir, 'data'),
    AITU_GATEWAY_KEY_FILE: path.join(runDir, 'keys.json'),
    LOG_LEVEL: logLevel,
  };
  await initTestInstallation(env);
  return env;
}
