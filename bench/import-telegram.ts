/**
 * `npm run bench:import:telegram`: the Telegram importer end to end, the way an operator runs it. Generates a
 * synthetic single-chat Telegram Desktop export (bridges/telegram/export/generate.ts, ~1 KB per message, one message
 * in ten with personal data) to a temporary file, then imports it twice, each time into a throw-away database and
 * under a unique BullMQ prefix of its own:
 *   1. `aitu-gateway import telegram <file> --agency … --json --no-progress --workers 0` alone: the importer reads,
 *      classifies and delivers in its own process (the plain command, which starts its own deliver worker processes,
 *      is measured by `npm run bench`);
 *   2. the same command with an `aitu-gateway worker --stages deliver` process already running beside it (the
 *      documented way to add capacity): the importer reads and classifies, the worker process delivers.
 * For each it reports:
 *   - messages/s (read ÷ wall time of the importer, process start to exit, index pass and input hashing included);
 *   - the importer's peak RSS, sampled from /proc/<pid>/status (VmRSS) every 200 ms, and its VmHWM at exit (and the
 *     worker process's VmHWM, reported beside it);
 *   - Redis memory, sampled every 200 ms: the server's used_memory (INFO memory), peak minus the baseline before the
 *     run (other clients of a shared Redis count too), and the sum of MEMORY USAGE over the keys under this run's
 *     own prefix (what the import alone holds in Redis);
 *   - the CPU per message of every node process, PostgreSQL and Redis;
 * with PASS/MISS lines against ≥ 30,000 messages/s and RSS < 400 MB. A MISS is printed, not asserted; exit 1
 * only when an import itself is wrong (status, counts, rows in the store).
 *
 * Environment: BENCH_MESSAGES (default 1000000), BENCH_POSITIVE_RATE (share of messages with personal data, default
 * 0.1, as bench:pipeline's), BENCH_CONCURRENCY (--concurrency of the importer's in-process workers and of the worker
 * process, default: the CLI's / 4), BENCH_WORKER_PROCESSES (deliver worker processes of the second import, default
 * 1; 0 skips it), BENCH_KEEP_EXPORT=<file> (reuse/keep a generated export at this path),
 * BENCH_CPU_PROF=<dir> (run the importer under --cpu-prof, writing its .cpuprofile there), REDIS_URL,
 * DATABASE_URL (the server the throw-away database is made on), LOG_LEVEL (the importer's, default warn).
 * Linux only (reads /proc).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';

import { writeTelegramExport } from '../bridges/telegram/export/generate.ts';
import type { ImportSummary } from '../src/pipeline/import-run.ts';
import { loadKeyring, requireIndexKey } from '../src/core/keys.ts';
import { indexEntry, openSubject, type SubjectCategory } from '../src/core/subject.ts';
import { addAgency } from '../src/store/agencies.ts';
import { createTestDatabase, type TestDatabase } from '../test/helpers/database.ts';
import { benchImportEnv } from './import-process.ts';
import {
  cleanUpBench,
  cpuReport,
  cpuSampler,
  runBench,
  fmt,
  hostSpeedLine,
  infoField,
  mb,
  peakSampler,
  procStatusBytes,
  rate,
  startWorkerProcesses,
  type WorkerProcesses,
} from './helpers.ts';

const TARGET_MSG_S = 30_000;
const RSS_LIMIT = 400 * 1024 * 1024;
const SAMPLE_MS = 200;
const N = Number(process.env.BENCH_MESSAGES ?? 1_000_000);
const CONCURRENCY = process.env.BENCH_CONCURRENCY;
/** as bench:pipeline's default: one message in ten carries personal data, so flagging, redaction and quarantine run */
const PERSONAL_DATA_RATE = Number(process.env.BENCH_POSITIVE_RATE ?? 0.1);
const KEEP_EXPORT = process.env.BENCH_KEEP_EXPORT;
const CPU_PROF = process.env.BENCH_CPU_PROF;
/** `aitu-gateway worker --stages deliver` processes for the second import (0: skip it) */
const WORKER_PROCESSES = Number(process.env.BENCH_WORKER_PROCESSES ?? 1);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cliPath = path.join(projectRoot, 'bin/aitu-gateway.js');

const seconds = (startedNs: bigint) => Number(process.hrtime.bigint() - startedNs) / 1e9;
const failures: string[] = [];
function check(ok: boolean, what: string): void {
  if (!ok) failures.push(what);
}

interface ChildRun {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  seconds: number;
  peakRss: number;
  /** the kernel's own high-water mark, read just before the child exits (last sample that saw it alive) */
  hwm: number;
  /** [seconds since start, VmRSS] of every sample, to show whether memory stays flat */
  timeline: Array<[number, number]>;
}

/** The running importer's process id, for the CPU sampler. */
let importerPid: number | undefined;

/** Runs the CLI import as a child process, sampling its RSS every SAMPLE_MS. */
function runImporter(args: readonly string[], env: NodeJS.ProcessEnv): Promise<ChildRun> {
  const started = process.hrtime.bigint();
  const nodeFlags = CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(CPU_PROF)}`] : [];
  const child = spawn(process.execPath, [...nodeFlags, cliPath, ...args], {
    cwd: projectRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  importerPid = child.pid;
  let stdout = '';
  let stderr = '';
  let peakRss = 0;
  let hwm = 0;
  const timeline: Array<[number, number]> = [];
  const sample = () => {
    if (child.pid === undefined) return;
    const rss = procStatusBytes(child.pid, 'VmRSS');
    if (rss > 0) timeline.push([seconds(started), rss]);
    peakRss = Math.max(peakRss, rss);
    hwm = Math.max(hwm, procStatusBytes(child.pid, 'VmHWM'));
  };
  const timer = setInterval(sample, SAMPLE_MS);
  sample();
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', (error) => {
      clearInterval(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearInterval(timer);
      resolve({ code, signal, stdout, stderr, seconds: seconds(started), peakRss, hwm, timeline });
    });
  });
}

/**
 * What the keys under `prefix` take in Redis: MEMORY USAGE summed over the keys one SCAN finds (each once: SCAN may
 * return a key twice), asked in one pipeline so the sum is close to a single moment.
 */
async function prefixMemory(redis: Redis, prefix: string): Promise<number> {
  const keys = new Set<string>();
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of found) keys.add(key);
  } while (cursor !== '0');
  const pipeline = redis.pipeline();
  for (const key of keys) pipeline.memory('USAGE', key, 'SAMPLES', '0');
  const replies = (await pipeline.exec()) ?? [];
  return replies.reduce((sum, [error, bytes]) => sum + (error ? 0 : Number(bytes ?? 0)), 0);
}

/** VmRSS at a few points of the run, e.g. `10%: 180.2 MiB, 25%: …`. */
function rssAlongTheRun(timeline: ReadonlyArray<[number, number]>, total: number): string {
  return [0.1, 0.25, 0.5, 0.75, 0.95]
    .map((share) => {
      const at = timeline.find(([t]) => t >= share * total) ?? timeline.at(-1);
      return `${Math.round(share * 100)}%: ${at ? mb(at[1]) : '?'}`;
    })
    .join(', ');
}

/** One import of the export into a database and under a queue prefix of its own, reported; `workerProcesses` deliver beside it. */
async function importOnce(file: string, bytes: number, dir: string, workerProcesses: number): Promise<void> {
  const prefix = `bench-tg-${randomUUID().slice(0, 12)}`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  redis.on('error', () => {});
  let db: TestDatabase | null = null;
  let workers: WorkerProcesses | null = null;
  const runDir = await mkdtemp(path.join(dir, 'run-'));
  try {
    db = await createTestDatabase();
    const slug = 'bench-telegram';
    const agency = await addAgency(db.store.prisma, { slug, name: 'Bench Telegram import' });
    const env = await benchImportEnv(db.url, REDIS_URL, prefix, runDir, process.env.LOG_LEVEL ?? 'warn');
    const args = [
      'import',
      'telegram',
      file,
      '--agency',
      slug,
      '--json',
      '--no-progress',
      ...(CONCURRENCY ? ['--concurrency', CONCURRENCY] : []),
      // the import would start deliver worker processes of its own: this run measures one process (npm run bench, the default)
      ...(workerProcesses === 0 ? ['--workers', '0'] : []),
    ];
    const label =
      workerProcesses > 0
        ? `import, deliver stage in ${workerProcesses === 1 ? 'a worker process' : `${workerProcesses} worker processes`}`
        : 'import, one process';

    // worker processes are long-running services: started, and their start-up spent, before the clock
    workers =
      workerProcesses > 0
        ? await startWorkerProcesses({
            count: workerProcesses,
            stages: ['deliver'],
            concurrency: Number(CONCURRENCY ?? 4),
            env,
            redisUrl: REDIS_URL,
            prefix,
          })
        : null;
    const redisBefore = Number(infoField(await redis.info('memory'), 'used_memory') ?? 0);
    const redisSampler = peakSampler(
      async () => Number(infoField(await redis.info('memory'), 'used_memory') ?? 0),
      SAMPLE_MS,
    );
    const prefixSampler = peakSampler(() => prefixMemory(redis, prefix), SAMPLE_MS);
    const cpu = cpuSampler({
      database: db.name,
      redis,
      importer: () => importerPid,
      workers: () => workers?.pids ?? [],
    });
    const run = await runImporter(args, env);
    const workersRss = workers?.peakRss() ?? [];
    const cpuUse = await cpu.stop();
    const peakRedis = await redisSampler.stop();
    const peakPrefix = await prefixSampler.stop();

    let summary: ImportSummary | null = null;
    try {
      summary = JSON.parse(run.stdout) as ImportSummary;
    } catch {
      failures.push(
        `${label}: the importer printed no JSON summary (exit ${run.code ?? run.signal}): ${run.stderr.trim().slice(-2000)}`,
      );
    }
    const stored = Number(
      (await db.store.pool.query<{ n: string }>(`SELECT count(*) AS n FROM messages WHERE agency_id = $1`, [agency.id]))
        .rows[0]?.n ?? 0,
    );
    const failed = failures.length;
    check(
      run.code === 0,
      `${label}: the importer exited ${run.code ?? run.signal}${run.stderr ? `: ${run.stderr.trim().slice(-1000)}` : ''}`,
    );
    if (summary) {
      check(
        summary.status === 'completed',
        `${label}: status ${summary.status}${summary.error ? `: ${summary.error}` : ''}`,
      );
      check(summary.read === N, `${label}: read ${summary.read} != ${N}`);
      check(summary.delivered === N, `${label}: delivered ${summary.delivered} != ${N}`);
      check(
        summary.read === summary.delivered + summary.edited + summary.duplicates + summary.blocked + summary.failed,
        `${label}: the summary does not balance`,
      );
    }
    check(stored === N, `${label}: the messages table holds ${stored} rows for the agency, expected ${N}`);

    // ---------- report ----------
    const msgPerS = rate(summary?.read ?? 0, run.seconds);
    const peakRss = Math.max(run.peakRss, run.hwm);
    console.log('');
    console.log(`== ${label}`);
    if (summary) {
      console.log(
        `summary: read ${fmt(summary.read)}, delivered ${fmt(summary.delivered)}, duplicates ${fmt(summary.duplicates)}, ` +
          `service events ${fmt(summary.serviceEvents)}, attachments ${fmt(summary.attachments)} stored / ${fmt(summary.missingAttachments)} missing, ` +
          `flagged ${JSON.stringify(summary.flaggedByCategory)}, quarantined ${fmt(summary.quarantined)}, redacted ${fmt(summary.redacted)}; in the table ${fmt(stored)}`,
      );
    }
    console.log(
      `import: ${fmt(summary?.read ?? 0)} messages in ${run.seconds.toFixed(1)} s = ${fmt(msgPerS)} messages/s (${mb(bytes / run.seconds)}/s of export)`,
    );
    console.log(
      `importer peak RSS: ${mb(peakRss)} (VmRSS sampled every ${SAMPLE_MS} ms: ${mb(run.peakRss)}; VmHWM: ${mb(run.hwm)})`,
    );
    console.log(`importer VmRSS along the run: ${rssAlongTheRun(run.timeline, run.seconds)}`);
    if (workersRss.length > 0)
      console.log(
        `worker process peak RSS (VmHWM): ${workersRss.map(mb).join(', ')} — a process of its own, beside the importer's`,
      );
    console.log(
      `Redis memory: +${mb(Math.max(0, peakRedis - redisBefore))} server used_memory during the import (${mb(redisBefore)} before, ${mb(peakRedis)} peak sampled; ` +
        `a shared server counts other clients too); the import's own keys peaked at ${mb(peakPrefix)}`,
    );
    // the importer's CPU is sampled every SAMPLE_MS from /proc: its last moments before exit are not counted
    for (const line of cpuReport(cpuUse, summary?.read ?? N))
      console.log(`${line.startsWith('  ') ? '' : 'import '}${line}`);
    if (CPU_PROF) console.log(`CPU profile of the importer written to ${path.resolve(CPU_PROF)}`);
    console.log(await subjectIndexCost(db, agency.id, env.AITU_GATEWAY_KEY_FILE!, summary?.read ?? N, run.seconds));
    for (const f of failures.slice(failed)) console.log(`FAIL ${f}`);
    console.log(
      msgPerS >= TARGET_MSG_S
        ? `PASS ${label}: throughput ${fmt(msgPerS)} messages/s >= ${fmt(TARGET_MSG_S)}`
        : `MISS ${label}: throughput ${fmt(msgPerS)} messages/s < ${fmt(TARGET_MSG_S)}`,
    );
    console.log(
      peakRss < RSS_LIMIT
        ? `PASS ${label}: importer RSS ${mb(peakRss)} < ${mb(RSS_LIMIT)}`
        : `MISS ${label}: importer RSS ${mb(peakRss)} >= ${mb(RSS_LIMIT)}`,
    );
  } finally {
    await workers?.stop();
    console.error(`bench: cleaned up (${await cleanUpBench({ redis, prefix, db, dir: runDir })}, ${runDir} removed)`);
  }
}

/**
 * What the subject index (issue 24) costs this import: its rows' work — the keyed digest, the sealed value and the
 * set insert the deliver stage pays for them — done again alone over the run's own identifiers (opened from their
 * sealed values, the opening not timed) into a scratch table, against the import's wall time.
 */
async function subjectIndexCost(
  db: TestDatabase,
  agencyId: string,
  keyFile: string,
  messages: number,
  importSeconds: number,
): Promise<string> {
  const keys = requireIndexKey(await loadKeyring(keyFile));
  const rows = await db.store.pool.query<{ category: SubjectCategory; sealed: Buffer; message_id: string }>(
    `SELECT category, sealed, message_id::text FROM subject_index WHERE agency_id = $1 AND message_id IS NOT NULL`,
    [agencyId],
  );
  const values = rows.rows.map((r) => ({ ...r, value: openSubject(keys.current, r.category, r.sealed) }));
  const client = await db.store.pool.connect();
  try {
    await client.query(`CREATE TEMP TABLE index_cost (LIKE subject_index INCLUDING DEFAULTS)`);
    const started = process.hrtime.bigint();
    for (let i = 0; i < values.length; i += 2000) {
      const batch = values.slice(i, i + 2000);
      // what the deliver stage computes for each identifier it indexes
      const entries = batch.map((v) => indexEntry(keys.current, v.category, v.value)!);
      await client.query(
        `INSERT INTO index_cost (agency_id, category, digest, sealed, key_id, message_id)
         SELECT $1, c, d, s, $2, m FROM unnest($3::bigint[], $4::text[], $5::bytea[], $6::bytea[]) AS t(m, c, d, s)`,
        [
          agencyId,
          keys.currentId,
          batch.map((v) => v.message_id),
          batch.map((v) => v.category),
          entries.map((e) => e.digest),
          entries.map((e) => e.sealed),
        ],
      );
    }
    const cost = Number(process.hrtime.bigint() - started) / 1e9;
    return (
      `subject index: ${fmt(values.length)} rows for ${fmt(messages)} messages; their work alone (digest, sealed value, insert) ` +
      `${cost.toFixed(2)} s = ${((100 * cost) / importSeconds).toFixed(1)} % of the import's ${importSeconds.toFixed(1)} s; ` +
      `without it ≈ ${fmt(rate(messages, Math.max(0.001, importSeconds - cost)))} messages/s`
    );
  } finally {
    client.release();
  }
}

async function main(): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  redis.on('error', () => {});
  const dir = await mkdtemp(path.join(os.tmpdir(), 'aitu-bench-tg-'));
  const file = KEEP_EXPORT ?? path.join(dir, 'result.json');

  try {
    const serverInfo = await redis.info('server');
    const probe = await createTestDatabase();
    const pgVersion =
      (await probe.store.pool.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0]?.v ?? '?';
    await probe.drop();
    console.log(
      `bench:import:telegram: ${fmt(N)} messages; node ${process.version}, ${os.cpus().length} cores, ` +
        `PostgreSQL ${pgVersion}, Redis ${infoField(serverInfo, 'redis_version') ?? '?'}`,
    );

    console.log(await hostSpeedLine());

    // ---------- the export (not timed below) ----------
    const started = process.hrtime.bigint();
    let bytes: number;
    if (KEEP_EXPORT && existsSync(KEEP_EXPORT)) {
      bytes = (await stat(KEEP_EXPORT)).size;
      console.log(`reusing ${KEEP_EXPORT} (${mb(bytes)}); BENCH_MESSAGES must match how it was generated`);
    } else {
      ({ bytes } = await writeTelegramExport(file, {
        messages: N,
        seed: 20240601,
        personalDataRate: PERSONAL_DATA_RATE,
      }));
      console.log(`generated ${fmt(N)} messages, ${mb(bytes)} in ${seconds(started).toFixed(1)} s (not timed)`);
    }

    // the newcomer's one command first; then the deliver stage in a worker process beside it, the way to add capacity
    await importOnce(file, bytes, dir, 0);
    if (WORKER_PROCESSES > 0) await importOnce(file, bytes, dir, WORKER_PROCESSES);
    if (failures.length > 0) process.exitCode = 1;
  } finally {
    redis.disconnect();
    await rm(dir, { recursive: true, force: true });
    console.error(`bench: ${dir} removed${KEEP_EXPORT ? `; ${KEEP_EXPORT} kept` : ''}`);
  }
}

await runBench(main);
