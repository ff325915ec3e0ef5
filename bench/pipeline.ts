/**
 * `npm run bench:pipeline`: pushes N synthetic, already-parsed Telegram messages through the whole import
 * pipeline (runImport → classify → deliver queue → PostgreSQL) twice, each time for an agency of its own: first with
 * the pipeline's workers in this process (what one `import` command does alone), then with the deliver stage in an
 * `aitu-gateway worker --stages deliver` process started beside it (the documented way to add capacity; it runs
 * already when the clock starts, as a service does). Then it times each stage's core alone: runClassifyStage
 * (ingest + classify + policy, one core) and deliverBatch (the set-based write, no Redis). Also a replay of the
 * same import (all duplicates), peak RSS, Redis memory and the CPU per message of every process.
 *
 * It works in a throw-away database (test/helpers/database.ts) and under a unique BullMQ prefix, and removes
 * both at the end. Figures only: a MISS is printed, not asserted; exit 1 only when the counts are wrong.
 *
 * Environment: BENCH_MESSAGES (default 200000), BENCH_CONCURRENCY (workers' concurrency and deliver lanes,
 * default 4), BENCH_POSITIVE_RATE (share of texts with personal data, default 0.1), BENCH_WORKER_PROCESSES
 * (deliver worker processes of the second run, default 1; 0 skips it), BENCH_WORKER_CPU_PROF=<dir> (their CPU
 * profiles), REDIS_URL, DATABASE_URL, LOG_LEVEL (the pipeline's own logs on stderr, default warn),
 * BENCH_E2E_ONLY=1 (only the end-to-end runs, for profiling).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';

import { createLogger } from '../src/core/logger.ts';
import type { CanonicalMessageInput } from '../src/core/message.ts';
import { runImport, type ImportContext, type ImportSummary } from '../src/pipeline/import-run.ts';
import { BATCH_SIZE, type ClassifyPayload, type DeliverPayload } from '../src/pipeline/queues.ts';
import { loadKeyring } from '../src/core/keys.ts';
import { runClassifyStage } from '../src/pipeline/stages/classify.processor.ts';
import { open, queueSealer, seal } from '../src/pipeline/sealed-payload.ts';
import { deliverBatch } from '../src/pipeline/stages/deliver.ts';
import { addAgency } from '../src/store/agencies.ts';
import type { Store } from '../src/store/database.ts';
import { createTestDatabase, type TestDatabase } from '../test/helpers/database.ts';
import { createTestKeyFile, initTestInstallation } from '../test/helpers/installation.ts';
import {
  cleanUpBench,
  collectGarbage,
  cpuReport,
  cpuSampler,
  runBench,
  fmt,
  hostSpeedLine,
  infoField,
  mb,
  MemoryHistorySource,
  peakSampler,
  rate,
  startWorkerProcesses,
  syntheticMessages,
  table,
} from './helpers.ts';

const TARGET_MSG_S = 40_000;
const N = Number(process.env.BENCH_MESSAGES ?? 200_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const POSITIVE_RATE = Number(process.env.BENCH_POSITIVE_RATE ?? 0.1);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const STAGE_BATCH = 500;
/** `aitu-gateway worker --stages deliver` processes for the second end-to-end run (0: skip it) */
const WORKER_PROCESSES = Number(process.env.BENCH_WORKER_PROCESSES ?? 1);

const seconds = (startedNs: bigint) => Number(process.hrtime.bigint() - startedNs) / 1e9;
const failures: string[] = [];
function check(ok: boolean, what: string): void {
  if (!ok) failures.push(what);
}

async function countMessages(store: Store, agencyId: string): Promise<number> {
  const result = await store.pool.query<{ n: string }>(`SELECT count(*) AS n FROM messages WHERE agency_id = $1`, [
    agencyId,
  ]);
  return Number(result.rows[0]?.n ?? 0);
}

interface Row {
  stage: string;
  messages: number;
  seconds: number;
  note: string;
}

async function timedImport(context: ImportContext, agencyId: string, source: MemoryHistorySource, inputFile: string) {
  const started = process.hrtime.bigint();
  const summary: ImportSummary = await runImport(context, {
    agencyId,
    sourceKind: 'telegram',
    source,
    inputFile,
    options: { bench: 'pipeline' },
    enqueueOnly: false,
    concurrency: CONCURRENCY,
    showProgress: false,
  });
  return { summary, seconds: seconds(started) };
}

/** deliverBatch alone over prepared payloads, `lanes` batches at a time (as the deliver worker's concurrency). */
async function timedDeliver(
  store: Store,
  agencyId: string,
  payloads: readonly DeliverPayload[],
  lanes: number,
  keyFile: string,
) {
  const runId = randomUUID();
  await store.pool.query(
    `INSERT INTO import_runs (id, agency_id, source, input_path, input_size, input_hash, status)
     VALUES ($1, $2, 'telegram', '/bench/deliver-only', 0, 'bench', 'running')`,
    [runId, agencyId],
  );
  const jobs = payloads.map((p, seq) => ({ ...p, agencyId, runId, seq }));
  let next = 0;
  let delivered = 0;
  let duplicates = 0;
  const deps = {
    keyring: await createTestKeyFile(keyFile).then(() => loadKeyring(keyFile)),
    deadLetter: async () => {
      throw new Error('the bench has no dead-letter queue: a message was refused by the store');
    },
  };
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < jobs.length) {
        const job = jobs[next++]!;
        const { counts } = await deliverBatch(store.pool, job, deps);
        delivered += counts.delivered;
        duplicates += counts.duplicates;
      }
    }),
  );
  const elapsed = seconds(started);
  await store.pool.query(`UPDATE import_runs SET status = 'completed', finished_at = now() WHERE id = $1`, [runId]);
  return { seconds: elapsed, delivered, duplicates };
}

async function main(): Promise<void> {
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });
  const prefix = `bench-${randomUUID()}`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  redis.on('error', () => {});
  let db: TestDatabase | null = null;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'aitu-bench-'));
  const rows: Row[] = [];

  try {
    const serverInfo = await redis.info('server');
    db = await createTestDatabase();
    const store = db.store;
    const pgVersion =
      (await store.pool.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0]?.v ?? '?';
    console.log(
      `bench:pipeline: ${fmt(N)} messages, batches of ${BATCH_SIZE}, concurrency ${CONCURRENCY}, ${POSITIVE_RATE * 100}% with personal data; ` +
        `node ${process.version}, ${os.cpus().length} cores, PostgreSQL ${pgVersion}, Redis ${infoField(serverInfo, 'redis_version') ?? '?'}`,
    );
    console.log(await hostSpeedLine());

    const e2eAgency = await addAgency(store.prisma, { slug: 'bench-e2e', name: 'Bench end-to-end' });
    const deliverAgency = await addAgency(store.prisma, { slug: 'bench-deliver', name: 'Bench deliver stage' });
    const deliverAgency1 = await addAgency(store.prisma, {
      slug: 'bench-deliver-1',
      name: 'Bench deliver stage, one lane',
    });
    const workerAgency = await addAgency(store.prisma, {
      slug: 'bench-e2e-worker',
      name: 'Bench end-to-end, deliver worker process',
    });

    const started = process.hrtime.bigint();
    const messages: CanonicalMessageInput[] = syntheticMessages({ count: N, positiveRate: POSITIVE_RATE });
    const textBytes = messages.reduce((sum, m) => sum + Buffer.byteLength(m.text ?? ''), 0);
    console.log(
      `generated ${fmt(N)} canonical messages (${mb(textBytes)} of text) in ${seconds(started).toFixed(1)} s (not timed below)`,
    );

    // the run's input identity: a small file standing for the export
    const inputFile = path.join(dir, 'synthetic-export.json');
    await writeFile(
      inputFile,
      JSON.stringify({ synthetic: true, messages: N, seed: 20240601, positiveRate: POSITIVE_RATE }),
    );
    const source = new MemoryHistorySource(inputFile, messages);
    const context: ImportContext = {
      store,
      redisUrl: REDIS_URL,
      prefix,
      dataDir: path.join(dir, 'data'),
      keyFile: path.join(dir, 'data', 'keys.json'),
      logger,
    };
    await initTestInstallation({
      DATABASE_URL: db.url,
      AITU_GATEWAY_DATA_DIR: context.dataDir,
      AITU_GATEWAY_KEY_FILE: context.keyFile,
    });

    // warm-up outside the clock: the classifier's regexes and zod's parser tier up (a real import runs long)
    const warm = syntheticMessages({ count: 2 * STAGE_BATCH, seed: 7, positiveRate: POSITIVE_RATE });
    for (let i = 0; i < warm.length; i += STAGE_BATCH) {
      runClassifyStage({
        agencyId: e2eAgency.id,
        runId: null,
        seq: null,
        checkpoint: null,
        messages: warm.slice(i, i + STAGE_BATCH),
      });
    }

    // ---------- end to end: in this process alone, then with the deliver stage in a worker process beside it ----------
    const endToEnd = async (agencyId: string, workerProcesses: number) => {
      const workers =
        workerProcesses > 0
          ? await startWorkerProcesses({
              count: workerProcesses,
              stages: ['deliver'],
              concurrency: CONCURRENCY,
              env: {
                DATABASE_URL: db!.url,
                REDIS_URL,
                AITU_GATEWAY_QUEUE_PREFIX: prefix,
                AITU_GATEWAY_KEY_FILE: context.keyFile,
                AITU_GATEWAY_DATA_DIR: context.dataDir,
                LOG_LEVEL: 'warn',
              },
              redisUrl: REDIS_URL,
              prefix,
            })
          : null;
      collectGarbage();
      const redisBefore = Number(infoField(await redis.info('memory'), 'used_memory') ?? 0);
      const rssSampler = peakSampler(() => process.memoryUsage().rss);
      const redisSampler = peakSampler(async () => Number(infoField(await redis.info('memory'), 'used_memory') ?? 0));
      const cpu = cpuSampler({ database: db!.name, redis, importer: 'self', workers: () => workers?.pids ?? [] });
      try {
        const run = await timedImport(context, agencyId, source, inputFile);
        const [cpuUse, peakRedis, peakRss] = await Promise.all([cpu.stop(), redisSampler.stop(), rssSampler.stop()]);
        const workersRss = workers?.peakRss() ?? [];
        const stored = await countMessages(store, agencyId);
        const s = run.summary;
        const what = workerProcesses > 0 ? 'end-to-end run with a deliver worker process' : 'end-to-end run';
        check(s.status === 'completed', `${what}: status ${s.status}${s.error ? `: ${s.error}` : ''}`);
        check(s.read === N, `${what}: read ${s.read} != ${N}`);
        check(s.delivered === N, `${what}: delivered ${s.delivered} != ${N}`);
        check(stored === N, `${what}: the messages table holds ${stored} rows for the agency, expected ${N}`);
        const flagged = Object.entries(s.flaggedByCategory).reduce((sum, [, n]) => sum + n, 0);
        rows.push({
          stage:
            workerProcesses > 0
              ? `end to end, deliver in ${workerProcesses === 1 ? 'a `worker` process' : `${workerProcesses} \`worker\` processes`} (×${CONCURRENCY})`
              : `end to end (runImport, in-process workers ×${CONCURRENCY})`,
          messages: N,
          seconds: run.seconds,
          note: `read ${fmt(s.read)}, delivered ${fmt(s.delivered)}, in table ${fmt(stored)}, ${fmt(flagged)} category flags`,
        });
        return { seconds: run.seconds, cpuUse, redisBefore, peakRedis, peakRss, workersRss };
      } finally {
        await workers?.stop();
      }
    };
    const e2e = await endToEnd(e2eAgency.id, 0);
    const { peakRss, redisBefore, peakRedis, cpuUse } = e2e;
    const redisPeakHuman = infoField(await redis.info('memory'), 'used_memory_peak_human') ?? '?';
    const withWorker = WORKER_PROCESSES > 0 ? await endToEnd(workerAgency.id, WORKER_PROCESSES) : null;

    // BENCH_E2E_ONLY=1 stops here (for profiling the end-to-end run alone)
    const stagesToo = process.env.BENCH_E2E_ONLY !== '1';
    // ---------- replay: the same import again, everything is a duplicate ----------
    if (stagesToo) {
      collectGarbage();
      const replay = await timedImport(context, e2eAgency.id, source, inputFile);
      const r = replay.summary;
      const storedAfterReplay = await countMessages(store, e2eAgency.id);
      check(r.status === 'completed', `replay status ${r.status}${r.error ? `: ${r.error}` : ''}`);
      check(
        r.read === N && r.duplicates === N && r.delivered === 0,
        `replay read ${r.read}, duplicates ${r.duplicates}, delivered ${r.delivered}; expected ${N}/${N}/0`,
      );
      check(storedAfterReplay === N, `after the replay the table holds ${storedAfterReplay} rows, expected ${N}`);
      rows.push({
        stage: 'replay (same import again, all duplicates)',
        messages: N,
        seconds: replay.seconds,
        note: `duplicates ${fmt(r.duplicates)}, delivered ${fmt(r.delivered)}`,
      });

      // ---------- classify stage alone (pure CPU, one core) ----------
      const payloads: DeliverPayload[] = [];
      let classifyNs = 0n;
      let refused = 0;
      for (let i = 0, seq = 0; i < N; i += STAGE_BATCH, seq++) {
        const batch: ClassifyPayload = {
          agencyId: deliverAgency.id,
          runId: null,
          seq,
          checkpoint: { index: Math.min(i + STAGE_BATCH, N) },
          messages: messages.slice(i, i + STAGE_BATCH),
        };
        const t = process.hrtime.bigint();
        const { deliver, deadLetters } = runClassifyStage(batch);
        classifyNs += process.hrtime.bigint() - t;
        refused += deadLetters.length;
        payloads.push(deliver);
      }
      check(refused === 0, `the classify stage refused ${refused} synthetic messages`);
      rows.push({
        stage: 'classify stage (runClassifyStage: ingest+classify+policy, 1 core)',
        messages: N,
        seconds: Number(classifyNs) / 1e9,
        note: `batches of ${STAGE_BATCH}, refused ${refused}`,
      });

      // ---------- what the two queue hops cost in node: the job's JSON (BullMQ) as UTF-8 bytes (ioredis) and back ----------
      // sealed as the hops are now (seal, JSON of the sealed job, open), and in clear as they were before, to compare
      const sealer = queueSealer(randomBytes(32));
      const hop = () => ({ clear: { ns: 0n, bytes: 0 }, sealed: { ns: 0n, bytes: 0 } });
      const hops = { classify: hop(), deliver: hop() };
      for (let i = 0, seq = 0; i < N; i += STAGE_BATCH, seq++) {
        const classifyPayload = {
          agencyId: deliverAgency.id,
          runId: null,
          seq,
          checkpoint: { index: i },
          messages: messages.slice(i, i + STAGE_BATCH),
        };
        const route = { agencyId: deliverAgency.id, runId: null, seq };
        for (const [queue, payload] of [
          ['classify', classifyPayload],
          ['deliver', payloads[seq]],
        ] as const) {
          let t = process.hrtime.bigint();
          const clear = Buffer.from(JSON.stringify(payload), 'utf8');
          JSON.parse(clear.toString('utf8'));
          hops[queue].clear.ns += process.hrtime.bigint() - t;
          t = process.hrtime.bigint();
          const sealed = Buffer.from(JSON.stringify(seal(sealer, queue, `job-${seq}`, route, payload)), 'utf8');
          open(sealer, queue, { id: `job-${seq}`, data: JSON.parse(sealed.toString('utf8')) });
          hops[queue].sealed.ns += process.hrtime.bigint() - t;
          hops[queue].clear.bytes += clear.length;
          hops[queue].sealed.bytes += sealed.length;
        }
      }
      for (const queue of ['classify', 'deliver'] as const) {
        const { clear, sealed } = hops[queue];
        rows.push({
          stage: `${queue} hop in node, in clear (before payloads were sealed)`,
          messages: N,
          seconds: Number(clear.ns) / 1e9,
          note: `${mb(clear.bytes)} through Redis`,
        });
        rows.push({
          stage: `${queue} hop in node, sealed (seal, JSON, UTF-8, open)`,
          messages: N,
          seconds: Number(sealed.ns) / 1e9,
          note: `${mb(sealed.bytes)} through Redis; one seal per job`,
        });
      }

      // ---------- deliver stage alone (pure DB core, no Redis) ----------
      for (const [agency, lanes] of [
        [deliverAgency1, 1],
        [deliverAgency, CONCURRENCY],
      ] as const) {
        const d = await timedDeliver(store, agency.id, payloads, lanes, path.join(dir, 'deliver-only-keys.json'));
        const inTable = await countMessages(store, agency.id);
        check(
          d.delivered === N && inTable === N,
          `deliver stage (${lanes} lane(s)) delivered ${d.delivered}, table holds ${inTable}, expected ${N}`,
        );
        rows.push({
          stage: `deliver stage (deliverBatch, ${lanes} lane${lanes === 1 ? '' : 's'}, no Redis)`,
          messages: N,
          seconds: d.seconds,
          note: `delivered ${fmt(d.delivered)}, in table ${fmt(inTable)}`,
        });
      }
    }

    // ---------- report ----------
    console.log('');
    console.log(
      table(
        ['stage', 'messages', 'seconds', 'msg/s', 'notes'],
        rows.map((row) => [
          row.stage,
          fmt(row.messages),
          row.seconds.toFixed(2),
          fmt(rate(row.messages, row.seconds)),
          row.note,
        ]),
        [1, 2, 3],
      ),
    );
    console.log('');
    const maxRss = process.resourceUsage().maxRSS * 1024;
    console.log(
      `peak RSS during the end-to-end run (sampled every 100 ms): ${mb(peakRss)}; whole process max RSS: ${mb(maxRss)} (holds the ${fmt(N)} input messages${stagesToo ? ' and the stage payloads' : ''})`,
    );
    console.log(
      `Redis used_memory during the end-to-end run: ${mb(redisBefore)} before, ${mb(peakRedis)} peak sampled (+${mb(Math.max(0, peakRedis - redisBefore))}); ` +
        `server used_memory_peak_human since start: ${redisPeakHuman}`,
    );
    for (const line of cpuReport(cpuUse, N)) console.log(`${line.startsWith('  ') ? '' : 'end-to-end run '}${line}`);
    if (withWorker) {
      console.log(
        `end-to-end run with the deliver worker process: this process's peak RSS ${mb(withWorker.peakRss)}, the worker process's ${withWorker.workersRss.map(mb).join(', ')} (VmHWM); ` +
          `Redis +${mb(Math.max(0, withWorker.peakRedis - withWorker.redisBefore))}`,
      );
      for (const line of cpuReport(withWorker.cpuUse, N))
        console.log(`${line.startsWith('  ') ? '' : 'end-to-end run with the deliver worker process: '}${line}`);
    }
    if (failures.length > 0) {
      for (const f of failures) console.log(`FAIL ${f}`);
      process.exitCode = 1;
    }
    for (const [label, run] of [
      ['end-to-end', e2e],
      ['end-to-end with a deliver worker process', withWorker],
    ] as const) {
      if (!run) continue;
      const e2eRate = rate(N, run.seconds);
      console.log(
        e2eRate >= TARGET_MSG_S
          ? `PASS ${label} ${fmt(e2eRate)} msg/s >= ${fmt(TARGET_MSG_S)}`
          : `MISS ${label} ${fmt(e2eRate)} msg/s < ${fmt(TARGET_MSG_S)}`,
      );
    }
  } finally {
    console.error(`bench: cleaned up (${await cleanUpBench({ redis, prefix, db, dir })})`);
  }
}

await runBench(main);
