/**
 * `npm run bench`: the import end to end against what the hardware allows (issue 22, "Scale").
 *   1. Where a message's microseconds go: each stage alone in this process on the 100,000-message Telegram export
 *      (reading, classification, the deliver queue's round trip through Redis, delivery into PostgreSQL).
 *   2. Imports with the plain command a newcomer runs (`aitu-gateway import telegram|whatsapp <file> --agency <slug>`,
 *      plus `--json` to read its summary), each into a fresh database under a queue prefix of its own: a generated
 *      Telegram export of 100,000 and 1,000,000 messages (bridges/telegram/export/generate.ts), WhatsApp exports of
 *      100,000 and 300,000 lines (bridges/whatsapp/export/generate.ts). `--quick`: the 100,000 sizes only.
 *   3. After each import, the physical floor for the same rows: the import's `messages` rows COPYed (text format) into
 *      an UNLOGGED staging table of a fresh database, then `INSERT … SELECT … ON CONFLICT DO NOTHING` into a table made
 *      `LIKE messages INCLUDING ALL` (the same unique key and indexes): no parsing, queues or classification.
 *   Below 1,000,000 messages each import and each floor is run twice and the faster kept (BENCH_REPEAT sets how many
 *   times): a run of a few seconds on a shared host moves from one minute to the next, the floor's as much as the
 *   import's, and one run of each would make the ratio a measure of the host's moment (docs/benchmarks.md).
 * It prints one table (messages/s, the ratio of import time to floor time, the CPU of every process, the peak RSS of
 * every node process — the import's own deliver worker processes included, from test/helpers/max-rss.cjs —, Redis
 * memory, database size) with PASS/MISS against the targets; a MISS is printed, not asserted. Exit 1 only when an
 * import itself is wrong (status, counts, rows in the store).
 *
 * Options: --quick (100,000 only), --profile (the importer and its children under --cpu-prof: self time by part).
 * Environment: BENCH_EXPORT_DIR (keep the generated exports there and reuse them), BENCH_IMPORT_ARGS (added to the
 * import command, e.g. `--workers 0` to compare), BENCH_KEEP_PROFILES=1, BENCH_SKIP_STAGES=1,
 * BENCH_SKIP_FLOOR=1, BENCH_REPEAT (runs of each import and floor below 1,000,000 messages, default 2), REDIS_URL,
 * DATABASE_URL (the server the throw-away databases are made on). Linux only (/proc).
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';

import { writeTelegramExport } from '../bridges/telegram/export/generate.ts';
import { openTelegramExport } from '../bridges/telegram/export/reader.ts';
import { writeWhatsAppExport } from '../bridges/whatsapp/export/generate.ts';
import { loadKeyring } from '../src/core/keys.ts';
import type { CanonicalMessageInput } from '../src/core/message.ts';
import type { ImportSummary } from '../src/pipeline/import-run.ts';
import { BATCH_SIZE, openQueues, type DeliverPayload } from '../src/pipeline/queues.ts';
import { runClassifyStage } from '../src/pipeline/stages/classify.processor.ts';
import { deliverBatch } from '../src/pipeline/stages/deliver.ts';
import { policyFromStored } from '../src/policy/index.ts';
import { addAgency } from '../src/store/agencies.ts';
import { createTestDatabase, type TestDatabase } from '../test/helpers/database.ts';
import { summarizeProfile, top } from './cpu-profile.ts';
import { benchImportEnv, runImportProcess, type ImportRun } from './import-process.ts';
import {
  cleanUpBench,
  collectGarbage,
  cpuSampler,
  fmt,
  hostSpeedLine,
  infoField,
  mb,
  runBench,
  table,
} from './helpers.ts';

const QUICK = process.argv.includes('--quick');
/** How many times an import below a million messages, and its floor, is run; the fastest counts. */
const REPEATS = Math.max(1, Math.floor(Number(process.env.BENCH_REPEAT ?? 2)));
const repeatsFor = (size: number): number => (size >= 1_000_000 ? 1 : REPEATS);
const PROFILE = process.argv.includes('--profile');
const TARGET_TELEGRAM_MSG_S = 30_000;
const TARGET_RATIO = 3;
const RSS_LIMIT = 400 * 1024 * 1024;
const REDIS_LIMIT = 256 * 1024 * 1024;
const PERSONAL_DATA_RATE = 0.1;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const seconds = (startedNs: bigint) => Number(process.hrtime.bigint() - startedNs) / 1e9;
const loadAverage = () => os.loadavg()[0]!.toFixed(2);
const usPer = (secondsSpent: number, messages: number) => (secondsSpent / messages) * 1e6;
const failures: string[] = [];
function check(ok: boolean, what: string): void {
  if (!ok) failures.push(what);
}

interface Size {
  kind: 'telegram' | 'whatsapp';
  /** Telegram: messages; WhatsApp: lines */
  size: number;
}

/** BENCH_SIZES=telegram:20000,whatsapp:20000 replaces the sizes (a smoke test of the bench itself) */
const SIZES: Size[] = process.env.BENCH_SIZES
  ? process.env.BENCH_SIZES.split(',').map((part) => {
      const [kind, size] = part.split(':');
      if (kind !== 'telegram' && kind !== 'whatsapp') throw new Error(`BENCH_SIZES: unknown kind ${kind}`);
      return { kind, size: Number(size) };
    })
  : QUICK
    ? [
        { kind: 'telegram', size: 100_000 },
        { kind: 'whatsapp', size: 100_000 },
      ]
    : [
        { kind: 'telegram', size: 100_000 },
        { kind: 'telegram', size: 1_000_000 },
        { kind: 'whatsapp', size: 100_000 },
        { kind: 'whatsapp', size: 300_000 },
      ];

/** Whether the CLI runs compiled (dist/, what an installation runs) or its sources through tsx (a stale build). */
function cliMode(): string {
  const stamp = path.join(projectRoot, 'dist', '.built');
  return existsSync(stamp)
    ? `compiled dist/ of ${readFileSync(stamp, 'utf8').trim()} (bin/ falls back to tsx when a source is newer)`
    : 'TypeScript sources through tsx (no dist/: npm run build)';
}

// ---------- the exports ----------

async function exportFile(dir: string, { kind, size }: Size): Promise<{ file: string; bytes: number }> {
  const file =
    kind === 'telegram'
      ? path.join(dir, `telegram-${size}`, 'result.json')
      : path.join(dir, `WhatsApp Chat with Bench ${size}.txt`);
  if (!existsSync(file)) {
    await mkdir(path.dirname(file), { recursive: true });
    const started = process.hrtime.bigint();
    if (kind === 'telegram')
      await writeTelegramExport(file, { messages: size, seed: 20240601, personalDataRate: PERSONAL_DATA_RATE });
    else await writeWhatsAppExport(file, { lines: size, seed: 20240601, personalDataRate: PERSONAL_DATA_RATE });
    console.log(`generated ${path.basename(file)}: ${mb((await stat(file)).size)} in ${seconds(started).toFixed(1)} s`);
  }
  return { file, bytes: (await stat(file)).size };
}

// ---------- the physical floor ----------

interface Floor {
  seconds: number;
  rows: number;
  copySeconds: number;
  postgresCpu: number | null;
}

/**
 * The same rows as the import stored, written the cheapest way PostgreSQL offers: COPY into an UNLOGGED staging
 * table, then one INSERT … SELECT … ON CONFLICT DO NOTHING into a table with the messages table's unique key and
 * indexes, in a fresh database. The rows are dumped from the import's database first (not timed).
 */
async function measureFloor(source: TestDatabase, dir: string, redis: Redis): Promise<Floor> {
  const dump = path.join(dir, 'messages.copy');
  const reader = await source.store.pool.connect();
  try {
    await pipeline(reader.query(copyTo(`COPY messages TO STDOUT`)), createWriteStream(dump));
  } finally {
    reader.release();
  }
  const db = await createTestDatabase();
  try {
    await db.store.pool.query(`CREATE UNLOGGED TABLE floor_staging (LIKE messages INCLUDING DEFAULTS)`);
    await db.store.pool.query(`CREATE TABLE floor_messages (LIKE messages INCLUDING ALL)`);
    await db.store.pool.query(`CHECKPOINT`);
    const cpu = cpuSampler({ database: db.name, redis, importer: 'self' });
    const client = await db.store.pool.connect();
    try {
      const started = process.hrtime.bigint();
      await pipeline(
        createReadStream(dump, { highWaterMark: 1 << 20 }),
        client.query(copyFrom(`COPY floor_staging FROM STDIN`)),
      );
      const copySeconds = seconds(started);
      const inserted = await client.query(
        `INSERT INTO floor_messages SELECT * FROM floor_staging
           ON CONFLICT (agency_id, platform, source_chat_id, source_message_id) DO NOTHING`,
      );
      const elapsed = seconds(started);
      const use = await cpu.stop();
      return { seconds: elapsed, rows: inserted.rowCount ?? 0, copySeconds, postgresCpu: use.postgres };
    } finally {
      client.release();
    }
  } finally {
    await db.drop();
    await rm(dump, { force: true });
  }
}

// ---------- one import, reported ----------

interface Result {
  size: Size;
  exportBytes: number;
  summary: ImportSummary | null;
  run: ImportRun;
  floor: Floor | null;
  databaseBytes: number;
  messagesBytes: number;
  loadBefore: string;
  loadAfter: string;
}

/** The one of `items` that took the least time. */
function fastest<T>(items: readonly T[], seconds: (item: T) => number): T {
  return items.reduce((best, item) => (seconds(item) < seconds(best) ? item : best));
}

/**
 * `repeatsFor(size)` imports of the same export, one after the other, each with its floor: the fastest import, and
 * beside it the fastest floor measured after any of them (each run's rows are the same export's).
 */
async function fastestImport(size: Size, file: string, exportBytes: number, dir: string): Promise<Result> {
  const runs: Result[] = [];
  for (let k = 0; k < repeatsFor(size.size); k++) {
    const one = await importOnce(size, file, exportBytes, dir);
    console.error(`bench: ${size.kind} ${fmt(size.size)}: ${fmt(one.summary?.read ?? 0)} in ${ms(one.run.seconds)}`);
    runs.push(one);
  }
  const floors = runs.flatMap((r) => (r.floor ? [r.floor] : []));
  const best = fastest(runs, (r) => r.run.seconds);
  return { ...best, floor: floors.length > 0 ? fastest(floors, (f) => f.seconds) : null };
}

async function importOnce(size: Size, file: string, exportBytes: number, dir: string): Promise<Result> {
  const prefix = `bench-all-${randomUUID().slice(0, 12)}`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  redis.on('error', () => {});
  const runDir = await mkdtemp(path.join(dir, 'run-'));
  let db: TestDatabase | null = null;
  const label = `${size.kind} ${fmt(size.size)}`;
  try {
    db = await createTestDatabase();
    const slug = `bench-${size.kind}`;
    const agency = await addAgency(db.store.prisma, { slug, name: `Bench ${size.kind}` });
    const env = await benchImportEnv(db.url, REDIS_URL, prefix, runDir);
    const loadBefore = loadAverage();
    const extra = (process.env.BENCH_IMPORT_ARGS ?? '').split(' ').filter(Boolean);
    const run = await runImportProcess(['import', size.kind, file, '--agency', slug, '--json', ...extra], env, {
      database: db.name,
      redis,
      profile: PROFILE,
    });
    const loadAfter = loadAverage();
    let summary: ImportSummary | null = null;
    try {
      summary = JSON.parse(run.stdout) as ImportSummary;
    } catch {
      failures.push(`${label}: no JSON summary (exit ${run.code}): ${run.stderr.slice(-2000)}`);
    }
    const stored = Number(
      (await db.store.pool.query<{ n: string }>(`SELECT count(*) AS n FROM messages WHERE agency_id = $1`, [agency.id]))
        .rows[0]?.n ?? 0,
    );
    check(run.code === 0, `${label}: the import exited ${run.code}: ${run.stderr.slice(-1000)}`);
    if (summary) {
      check(summary.status === 'completed', `${label}: status ${summary.status} ${summary.error ?? ''}`);
      check(summary.failed === 0, `${label}: ${summary.failed} failed`);
      check(stored === summary.delivered, `${label}: delivered ${summary.delivered}, in the table ${stored}`);
    }
    const sizes = (
      await db.store.pool.query<{ db: string; messages: string }>(
        `SELECT pg_database_size(current_database()) AS db, pg_total_relation_size('messages') AS messages`,
      )
    ).rows[0]!;
    const floor = process.env.BENCH_SKIP_FLOOR === '1' ? null : await measureFloor(db, runDir, redis);
    if (floor) check(floor.rows === stored, `${label}: the floor inserted ${floor.rows} rows, the import ${stored}`);
    return {
      size,
      exportBytes,
      summary,
      run,
      floor,
      databaseBytes: Number(sizes.db),
      messagesBytes: Number(sizes.messages),
      loadBefore,
      loadAfter,
    };
  } finally {
    console.error(`bench: ${label} cleaned up (${await cleanUpBench({ redis, prefix, db, dir: runDir })})`);
  }
}

// ---------- where the microseconds go ----------

interface StageRow {
  stage: string;
  us: number;
  note: string;
}

/**
 * Each stage alone, in this process, on the same export: its wall time per message (node, one thread), and for the
 * delivery PostgreSQL's CPU as well. Classification and delivery take the reader's own messages.
 */
async function stageCosts(file: string, dir: string): Promise<StageRow[]> {
  const rows: StageRow[] = [];
  const prefix = `bench-stages-${randomUUID().slice(0, 12)}`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  redis.on('error', () => {});
  const runDir = await mkdtemp(path.join(dir, 'stages-'));
  let db: TestDatabase | null = null;
  try {
    db = await createTestDatabase();
    const agency = await addAgency(db.store.prisma, { slug: 'bench-stages', name: 'Bench stages' });
    const env = await benchImportEnv(db.url, REDIS_URL, prefix, runDir);
    const keyring = await loadKeyring(env.AITU_GATEWAY_KEY_FILE!);

    // reading: the index pass and every entry, as the import reads them
    collectGarbage();
    let started = process.hrtime.bigint();
    const source = await openTelegramExport(file, {});
    const messages: CanonicalMessageInput[] = [];
    for await (const entry of source.entries()) if (!entry.problem) messages.push(entry.message);
    await source.close();
    const n = messages.length;
    rows.push({
      stage: 'reading (Telegram export reader: index pass, JSON, conversion)',
      us: usPer(seconds(started), n),
      note: `${fmt(n)} messages`,
    });

    // classification: ingest, classifiers, policy, in batches as the importer makes them
    collectGarbage();
    const policy = policyFromStored(null);
    const payloads: DeliverPayload[] = [];
    started = process.hrtime.bigint();
    for (let i = 0, seq = 0; i < n; i += BATCH_SIZE, seq++) {
      const { deliver } = runClassifyStage(
        { agencyId: agency.id, runId: null, seq, checkpoint: null, messages: messages.slice(i, i + BATCH_SIZE) },
        { policy, hashKey: keyring.hashKey },
      );
      payloads.push(deliver);
    }
    rows.push({
      stage: 'classification (ingest, detectors, policy; the column batch)',
      us: usPer(seconds(started), n),
      note: `batches of ${fmt(BATCH_SIZE)}`,
    });

    // the deliver queue's round trip: seal, add, a worker takes the job and opens it, completes it
    collectGarbage();
    const queues = openQueues({ redisUrl: REDIS_URL, prefix, queueKey: keyring.queueKey });
    const workerConnection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    let done = 0;
    let wake: (() => void) | null = null;
    const worker = new Worker(
      'deliver',
      async (job) => {
        await queues.deliver.openStored(job);
        return { ok: 1 };
      },
      { connection: workerConnection, prefix, concurrency: 4 },
    );
    worker.on('completed', (job) => {
      // as the deliver worker does (src/pipeline/workers.ts): the payload resting beside the job goes with it
      queues.deliver.releaseStored(job.id).catch(() => {});
      done++;
      wake?.();
    });
    await worker.waitUntilReady();
    const redisCpu = async () => {
      const info = await redis.info('cpu');
      return Number(infoField(info, 'used_cpu_sys')) + Number(infoField(info, 'used_cpu_user'));
    };
    const redisStart = await redisCpu();
    const cpuStart = process.cpuUsage();
    started = process.hrtime.bigint();
    for (let seq = 0; seq < payloads.length; seq++) {
      await queues.deliver.addSealed({ ...payloads[seq]!, seq }, { jobId: `stage-${seq}` });
      while (seq + 1 - done > 4) await new Promise<void>((resolve) => (wake = resolve));
    }
    while (done < payloads.length) await new Promise<void>((resolve) => (wake = resolve));
    const hopSeconds = seconds(started);
    const hopCpu = process.cpuUsage(cpuStart);
    const hopRedis = (await redisCpu()) - redisStart;
    await worker.close();
    workerConnection.disconnect();
    await queues.close();
    rows.push({
      stage: 'deliver queue round trip (seal, Redis, a worker takes and opens it)',
      us: usPer(hopSeconds, n),
      note: `node CPU ${usPer((hopCpu.user + hopCpu.system) / 1e6, n).toFixed(1)} µs, Redis ${usPer(hopRedis, n).toFixed(1)} µs per message`,
    });

    // delivery: the set-based write, 4 lanes as the deliver workers' concurrency, no Redis
    collectGarbage();
    const runId = randomUUID();
    await db.store.pool.query(
      `INSERT INTO import_runs (id, agency_id, source, input_path, input_size, input_hash, status)
       VALUES ($1, $2, 'telegram', '/bench/stages', 0, 'bench', 'running')`,
      [runId, agency.id],
    );
    const cpu = cpuSampler({ database: db.name, redis, importer: 'self' });
    let next = 0;
    started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < payloads.length) {
          const seq = next++;
          await deliverBatch(
            db!.store.pool,
            { ...payloads[seq]!, runId, seq },
            {
              keyring,
              deadLetter: async () => {
                throw new Error('a message was refused by the store');
              },
            },
          );
        }
      }),
    );
    const deliverSeconds = seconds(started);
    const use = await cpu.stop();
    rows.push({
      stage: 'delivery (deliverBatch: encode, PostgreSQL statement, commit; 4 lanes)',
      us: usPer(deliverSeconds, n),
      note: `node CPU ${usPer(use.importer, n).toFixed(1)} µs, PostgreSQL CPU ${use.postgres === null ? 'n/a' : usPer(use.postgres, n).toFixed(1)} µs per message`,
    });
    return rows;
  } finally {
    console.error(`bench: stages cleaned up (${await cleanUpBench({ redis, prefix, db, dir: runDir })})`);
  }
}

// ---------- report ----------

const ms = (s: number) => `${s.toFixed(1)} s`;

function resultRow(r: Result): string[] {
  const read = r.summary?.read ?? 0;
  const ratio = r.floor ? r.run.seconds / r.floor.seconds : NaN;
  const cpu = r.run.cpu;
  const perMessage = (s: number | null) => (s === null ? 'n/a' : usPer(s, read).toFixed(0));
  return [
    `${r.size.kind} ${fmt(r.size.size)}${r.size.kind === 'whatsapp' ? ' lines' : ''}`,
    fmt(read),
    ms(r.run.seconds),
    fmt(Math.round(read / r.run.seconds)),
    r.floor ? `${ms(r.floor.seconds)} (${fmt(Math.round(r.floor.rows / r.floor.seconds))}/s)` : 'n/a',
    r.floor ? `${ratio.toFixed(2)}×` : 'n/a',
    `${perMessage(cpu.importer)} + ${cpu.workers.map(perMessage).join(' + ') || '0'} + ${perMessage(cpu.postgres)} + ${perMessage(cpu.redis)}`,
    `${mb(r.run.importerRss)}; ${r.run.workerRss.map(mb).join(', ') || 'none'}`,
    `${mb(r.run.redisPeak)} (+${mb(Math.max(0, r.run.redisPeak - r.run.redisBefore))})`,
    `${mb(r.databaseBytes)} (messages ${mb(r.messagesBytes)})`,
    `${r.loadBefore} → ${r.loadAfter}`,
  ];
}

function verdicts(r: Result): string[] {
  const lines: string[] = [];
  const label = `${r.size.kind} ${fmt(r.size.size)}`;
  const read = r.summary?.read ?? 0;
  const rate = read / r.run.seconds;
  const say = (ok: boolean, what: string) => lines.push(`${ok ? 'PASS' : 'MISS'} ${label}: ${what}`);
  if (r.size.kind === 'telegram')
    say(
      rate >= TARGET_TELEGRAM_MSG_S,
      `${fmt(Math.round(rate))} messages/s ${rate >= TARGET_TELEGRAM_MSG_S ? '≥' : `< (${((100 * rate) / TARGET_TELEGRAM_MSG_S).toFixed(0)}% of)`} ${fmt(TARGET_TELEGRAM_MSG_S)} for the plain command`,
    );
  if (r.floor) {
    const ratio = r.run.seconds / r.floor.seconds;
    say(ratio <= TARGET_RATIO, `import ${ratio.toFixed(2)}× the floor (target ≤ ${TARGET_RATIO})`);
  }
  const largest = Math.max(r.run.importerRss, ...r.run.workerRss);
  say(
    largest < RSS_LIMIT,
    `largest node process RSS ${mb(largest)} (importer ${mb(r.run.importerRss)}, workers ${r.run.workerRss.map(mb).join(', ') || 'none'}; limit ${mb(RSS_LIMIT)})`,
  );
  if (r.size.size === 1_000_000)
    say(
      r.run.redisPeak < REDIS_LIMIT,
      `Redis used_memory peaked at ${mb(r.run.redisPeak)} (limit ${mb(REDIS_LIMIT)}; the whole shared server)`,
    );
  return lines;
}

async function profileReport(r: Result): Promise<void> {
  if (!r.run.profileDir) return;
  const files = (await readdir(r.run.profileDir)).filter((f) => f.endsWith('.cpuprofile')).sort();
  console.log(
    `\nCPU profiles of ${r.size.kind} ${fmt(r.size.size)} (self time by part; the importer first, then its worker processes):`,
  );
  for (const f of files) {
    const summary = await summarizeProfile(path.join(r.run.profileDir, f));
    const read = r.summary?.read ?? 1;
    console.log(
      `  ${f}: ${ms(summary.totalMs / 1000)} sampled, ${usPer(summary.totalMs / 1000, read).toFixed(1)} µs/message`,
    );
    for (const [part, t] of top(summary.byPart, 10))
      console.log(
        `    ${usPer(t / 1000, read)
          .toFixed(1)
          .padStart(6)} µs/message  ${part}`,
      );
    for (const [fn, t] of top(summary.byFunction, 12))
      console.log(`      ${((100 * t) / summary.totalMs).toFixed(1).padStart(5)}%  ${fn}`);
  }
  if (process.env.BENCH_KEEP_PROFILES === '1') console.log(`  profiles kept in ${r.run.profileDir}`);
  else await rm(r.run.profileDir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  redis.on('error', () => {});
  const keep = process.env.BENCH_EXPORT_DIR;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'aitu-bench-all-'));
  const exportsDir = keep ? path.resolve(keep) : path.join(dir, 'exports');
  try {
    const probe = await createTestDatabase();
    const pgVersion =
      (await probe.store.pool.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0]?.v ?? '?';
    await probe.drop();
    console.log(
      `npm run bench${QUICK ? ' -- --quick' : ''}: node ${process.version}, ${os.cpus().length} cores (${os.availableParallelism()} available), ` +
        `PostgreSQL ${pgVersion}, Redis ${infoField(await redis.info('server'), 'redis_version') ?? '?'}; load average ${os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
    );
    console.log(`CLI: ${cliMode()}`);
    console.log(await hostSpeedLine());

    const exports = new Map<string, { file: string; bytes: number }>();
    for (const size of SIZES) exports.set(`${size.kind}-${size.size}`, await exportFile(exportsDir, size));

    if (process.env.BENCH_SKIP_STAGES !== '1') {
      const load = loadAverage();
      const first = SIZES.find((s) => s.kind === 'telegram') ?? { kind: 'telegram', size: 100_000 };
      const { file } = exports.get(`telegram-${first.size}`) ?? (await exportFile(exportsDir, first));
      const rows = await stageCosts(file, dir);
      console.log(
        `\nWhere a message's time goes: each stage alone in one process, Telegram ${fmt(first.size)} (load average ${load} → ${loadAverage()})`,
      );
      console.log(
        table(
          ['stage', 'µs/message', 'notes'],
          rows.map((r) => [r.stage, r.us.toFixed(1), r.note]),
          [1],
        ),
      );
      console.log(
        `  sum of the stages: ${rows.reduce((sum, r) => sum + r.us, 0).toFixed(1)} µs/message of wall time in one thread`,
      );
    }

    const results: Result[] = [];
    for (const size of SIZES) {
      const { file, bytes } = exports.get(`${size.kind}-${size.size}`)!;
      results.push(await fastestImport(size, file, bytes, dir));
    }

    console.log(
      '\nImports with the plain command (`aitu-gateway import <kind> <file> --agency <slug> --json`), each into a fresh database' +
        (SIZES.some((s) => repeatsFor(s.size) > 1)
          ? `; below 1,000,000 messages the faster of ${REPEATS} runs${process.env.BENCH_SKIP_FLOOR === '1' ? '' : ', and of as many floors'}`
          : ''),
    );
    console.log(
      table(
        [
          'import',
          'read',
          'time',
          'msg/s',
          'floor',
          'ratio',
          'CPU µs/msg: importer + workers + PostgreSQL + Redis',
          'peak RSS: importer; workers',
          'Redis used_memory peak',
          'database size',
          'load avg',
        ],
        results.map(resultRow),
        [1, 2, 3],
      ),
    );
    for (const r of results) {
      const cpu = r.run.cpu;
      const read = r.summary?.read ?? 1;
      const total = cpu.node + (cpu.postgres ?? 0) + (cpu.redis ?? 0);
      console.log(
        `  ${r.size.kind} ${fmt(r.size.size)}: ${mb(r.exportBytes)} export; ${r.run.workerPids.length} worker process(es); ` +
          `${usPer(total, read).toFixed(0)} µs of CPU per message in all, which ${os.cpus().length} cores allow at most ${fmt(Math.round((os.cpus().length * read) / total))} messages/s; ` +
          (r.floor
            ? `floor: COPY ${ms(r.floor.copySeconds)} + INSERT … SELECT ${ms(r.floor.seconds - r.floor.copySeconds)}, PostgreSQL CPU ${r.floor.postgresCpu === null ? 'n/a' : ms(r.floor.postgresCpu)}`
            : ''),
      );
    }
    // linearity: time = fixed + n × marginal, from the small size and the large one
    for (const kind of ['telegram', 'whatsapp'] as const) {
      const runs = results.filter((r) => r.size.kind === kind);
      if (runs.length < 2) continue;
      const [small, large] = [runs[0]!, runs.at(-1)!];
      const n = (r: Result) => r.summary?.read ?? 1;
      const marginal = (large.run.seconds - small.run.seconds) / (n(large) - n(small));
      const fixed = small.run.seconds - marginal * n(small);
      const floorMarginal =
        small.floor && large.floor ? (large.floor.seconds - small.floor.seconds) / (n(large) - n(small)) : NaN;
      console.log(
        `  linearity, ${kind}: ${usPer(small.run.seconds, n(small)).toFixed(1)} µs/message of wall time at ${fmt(n(small))} messages, ` +
          `${usPer(large.run.seconds, n(large)).toFixed(1)} at ${fmt(n(large))}: ${(marginal * 1e6).toFixed(1)} µs for each message more ` +
          `and ${fixed.toFixed(1)} s whatever the size (start-up, the index pass, the last batches)` +
          (Number.isFinite(floorMarginal)
            ? `; the floor ${(floorMarginal * 1e6).toFixed(1)} µs for each row more`
            : ''),
      );
    }
    console.log('');
    for (const r of results) for (const line of verdicts(r)) console.log(line);
    for (const r of results) await profileReport(r);
    for (const f of failures) console.log(`FAIL ${f}`);
    if (failures.length > 0) process.exitCode = 1;
  } finally {
    redis.disconnect();
    await rm(dir, { recursive: true, force: true });
    console.error(`bench: ${dir} removed${keep ? `; exports kept in ${exportsDir}` : ''}`);
  }
}

await runBench(main);
