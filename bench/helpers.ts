/**
 * Shared pieces of the benchmarks: synthetic "already parsed" canonical messages, an in-memory HistorySource,
 * samplers for this process's RSS and Redis's memory, Redis clean-up by prefix, a plain text table, and a yardstick
 * of the host's speed.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { corpusStream } from '../src/classifier/corpus.ts';
import type { Checkpoint, HistoryChat, HistoryEntry, HistoryProgress, HistorySource } from '../src/core/history.ts';
import type { CanonicalMessageInput } from '../src/core/message.ts';
import { unlinkPrefix } from '../test/helpers/redis.ts';

export interface SyntheticOptions {
  count: number;
  chats?: number;
  senders?: number;
  seed?: number;
  /** share of texts with inserted personal data (and as many with a look-alike), as in bench/classify.ts */
  positiveRate?: number;
}

/**
 * N canonical Telegram messages as a parser hands them to the pipeline: a handful of chats, ~50 senders,
 * unique message ids, increasing times, texts from the seeded kk/ru/en corpus (so classification does real work).
 */
export function syntheticMessages(options: SyntheticOptions): CanonicalMessageInput[] {
  const chats = options.chats ?? 6;
  const senders = options.senders ?? 50;
  const rate = options.positiveRate ?? 0.1;
  const stream = corpusStream(options.seed ?? 20240601, { positiveRate: rate, negativeRate: rate });
  const start = Date.UTC(2023, 0, 1, 8, 0, 0);
  const perChat = new Array<number>(chats).fill(0);
  const out: CanonicalMessageInput[] = new Array(options.count);
  for (let i = 0; i < options.count; i++) {
    const chat = i % chats;
    const sender = (i * 7 + Math.floor(i / chats)) % senders;
    const text = (stream.next().value as { text: string }).text;
    out[i] = {
      platform: 'telegram',
      chatId: `-100${1_700_000_000 + chat}`,
      chatTitle: `Bench chat ${chat + 1}`,
      messageId: String(++perChat[chat]!),
      kind: 'message',
      sender: { id: `user${100_000 + sender}`, name: `Sender ${sender + 1}` },
      sentAt: new Date(start + i * 1000).toISOString(),
      text,
    };
  }
  return out;
}

/** An in-memory export: yields the given messages in order; the checkpoint is `{ index }` of the next entry. */
export class MemoryHistorySource implements HistorySource {
  readonly platform = 'telegram' as const;
  private read = 0;

  constructor(
    readonly inputPath: string,
    private readonly messages: readonly CanonicalMessageInput[],
  ) {}

  async chats(): Promise<HistoryChat[]> {
    const byId = new Map<string, HistoryChat>();
    for (const m of this.messages) {
      const chat = byId.get(m.chatId) ?? {
        platform: 'telegram',
        sourceChatId: m.chatId,
        title: m.chatTitle ?? '',
        expectedEntries: 0,
      };
      chat.expectedEntries = (chat.expectedEntries ?? 0) + 1;
      byId.set(m.chatId, chat);
    }
    return [...byId.values()];
  }

  async *entries(options: { resumeAfter?: Checkpoint | null } = {}): AsyncIterable<HistoryEntry> {
    const from = typeof options.resumeAfter?.index === 'number' ? options.resumeAfter.index : 0;
    for (let index = from; index < this.messages.length; index++) {
      this.read = index + 1;
      // a shallow copy, as a parser makes a fresh object per entry (the run may mark attachments on it)
      yield { message: { ...this.messages[index]! }, checkpoint: { index: index + 1 } };
    }
  }

  progress(): HistoryProgress {
    return { bytesRead: this.read, totalBytes: this.messages.length };
  }

  async openAttachment(): Promise<Readable | null> {
    return null;
  }

  async close(): Promise<void> {}
}

/** Runs `take` now and every `intervalMs` (never two at once), and once more on stop. */
function everyInterval(take: () => Promise<void>, intervalMs: number) {
  let pending = false;
  const once = async () => {
    if (pending) return;
    pending = true;
    try {
      await take();
    } catch {
      // a missed sample (e.g. Redis busy) is not a failure of the benchmark
    } finally {
      pending = false;
    }
  };
  void once();
  const timer = setInterval(() => void once(), intervalMs);
  return {
    async stop(): Promise<void> {
      clearInterval(timer);
      await once();
    },
  };
}

/** Samples a number every `intervalMs` and keeps the largest (plus a final sample on stop). */
export function peakSampler(sample: () => number | Promise<number>, intervalMs = 100) {
  let peak = 0;
  const sampling = everyInterval(async () => {
    const value = await sample();
    if (value > peak) peak = value;
  }, intervalMs);
  return {
    async stop(): Promise<number> {
      await sampling.stop();
      return peak;
    },
  };
}

export function infoField(info: string, field: string): string | null {
  return new RegExp(`^${field}:([^\\r\\n]*)`, 'm').exec(info)?.[1] ?? null;
}

export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
export const rate = (n: number, seconds: number) => Math.round(n / seconds);
export const fmt = (n: number) => n.toLocaleString('en-US');

/** A plain left/right-aligned text table. */
export function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  rightAligned: readonly number[] = [],
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (rightAligned.includes(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Removes what a bench made: its Redis keys, its database, its temporary folder. Returns what it did. */
export async function cleanUpBench(parts: {
  redis: Redis;
  prefix: string;
  db?: { drop(): Promise<void> } | null;
  dir: string;
}): Promise<string> {
  const removed = await unlinkPrefix(parts.redis, parts.prefix).catch((error: Error) => {
    console.error(`bench: could not remove the Redis keys under ${parts.prefix}: ${error.message}`);
    return 0;
  });
  parts.redis.disconnect();
  await parts.db
    ?.drop()
    .catch((error: Error) => console.error(`bench: could not drop the bench database: ${error.message}`));
  await rm(parts.dir, { recursive: true, force: true });
  return `database dropped, ${removed} Redis keys under ${parts.prefix} unlinked`;
}

/**
 * `npm run bench:classify`'s throughput on the machine the issues' targets were measured on (README), with the
 * classifier of then: issue 18's health model does more per message (the classifier of 9fc3201 measured 31.3 MB/s on
 * a host of this kind on 2026-12-05, the present one about half that), so the yardstick compares hosts at one commit.
 */
const REFERENCE_CLASSIFY_MB_S = '70–82';
const run = promisify(execFile);

/**
 * A yardstick of this host's single-core speed, printed beside a bench's figures: machines of the same kind have
 * run the same commit at half the speed of others, so a figure is only comparable with its host's yardstick.
 * `bench/classify.ts`'s throughput part over 24 MB, in a process of its own as `npm run bench:classify` runs it
 * (the JIT warms up differently in a bench's process, with its other modules loaded).
 */
export async function hostSpeedLine(): Promise<string> {
  const script = fileURLToPath(new URL('./classify.ts', import.meta.url));
  const { stdout } = await run(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, BENCH_MB: '24', BENCH_SKIP_JSONL: '1' },
  });
  const mbs = /classify: ([\d.]+) MB\/s/.exec(stdout)?.[1];
  return `host speed: classification alone runs ${mbs ?? '?'} MB/s on one core here (the classifier before issue 18 ran ${REFERENCE_CLASSIFY_MB_S} MB/s where the targets were set, 31 MB/s on a host of this kind: compare hosts at one commit)`;
}

/** Runs a bench's main, turning a crash into a FAIL line; then leaves at once (pg, ioredis or BullMQ may keep a timer alive). */
export async function runBench(main: () => Promise<void>): Promise<never> {
  try {
    await main();
  } catch (error) {
    console.log(`FAIL ${(error as Error).stack ?? String(error)}`);
    process.exitCode = 1;
  }
  process.exit(process.exitCode ?? 0);
}

export interface CpuUse {
  /** CPU seconds of each part over the sampled interval; null where it could not be read */
  node: number;
  /** of `node`: the importing process's own (reading, classification, and delivery when no worker process runs) */
  importer: number;
  /** of `node`: each `aitu-gateway worker` process's, when the bench runs some beside the importer */
  workers: number[];
  postgres: number | null;
  redis: number | null;
}

const CLOCK_TICKS_PER_SECOND = 100;

async function processTicks(pid: number): Promise<number | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (!stat) return null;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * PostgreSQL's processes working for `database` (its backends, autovacuum on it) and for every database (WAL,
 * checkpoints). `known` remembers each process's verdict across calls: only processes new since the last call are
 * read (reading every process's command line each sample cost ≈ 12 ms of CPU, taken from the run it measures).
 */
async function postgresPids(database: string, known: Map<number, boolean>): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    let wanted = known.get(pid);
    if (wanted === undefined) {
      const title = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
      wanted =
        title.startsWith('postgres:') &&
        (title.includes(` ${database} `) ||
          title.includes(` ${database}\u0000`) ||
          /walwriter|checkpointer|background writer/.test(title));
      // a backend just forked still shows the server's command line until it sets its title: asked again next time
      if (title.startsWith('postgres:') || !title.includes('postgres')) known.set(pid, wanted);
    }
    if (wanted) pids.push(pid);
  }
  return pids;
}

/**
 * The CPU time spent during a run by the node process(es) doing the work, by PostgreSQL for the bench's database
 * (read from /proc on this machine: null when the server runs elsewhere) and by Redis (its INFO cpu). It tells
 * where a message's cost goes and what the machine's cores allow: cores / (CPU per message).
 * `importer`: the importing process (`self`, this one, or a child's pid); `workers`: worker processes beside it.
 */
export function cpuSampler(
  parts: {
    database: string;
    redis: Redis;
    importer: 'self' | (() => number | undefined);
    workers?: () => readonly number[];
  },
  intervalMs = 200,
) {
  const started = process.cpuUsage();
  const seen = new Map<number, { first: number; last: number }>();
  let postgresReadable = false;
  const importerPid = () => (parts.importer === 'self' ? undefined : parts.importer());
  const nodePids = () => [...(importerPid() === undefined ? [] : [importerPid()!]), ...(parts.workers?.() ?? [])];
  const redisCpu = async () => {
    const info = await parts.redis.info('cpu');
    return Number(infoField(info, 'used_cpu_sys') ?? NaN) + Number(infoField(info, 'used_cpu_user') ?? NaN);
  };
  const track = async (pid: number, isNew: boolean) => {
    const ticks = await processTicks(pid);
    if (ticks === null) return;
    const entry = seen.get(pid);
    if (entry) entry.last = ticks;
    else seen.set(pid, { first: isNew ? 0 : ticks, last: ticks });
  };
  let samples = 0;
  const redisStart = redisCpu().catch(() => NaN);
  const knownProcesses = new Map<number, boolean>();
  const sampling = everyInterval(async () => {
    const postgres = await postgresPids(parts.database, knownProcesses);
    if (postgres.length > 0) postgresReadable = true;
    // a process first seen after the first sample started during the run: all its time counts
    await Promise.all([...postgres, ...nodePids()].map((pid) => track(pid, samples > 0)));
    samples++;
  }, intervalMs);
  return {
    async stop(): Promise<CpuUse> {
      await sampling.stop();
      const own = process.cpuUsage(started);
      const workerPids = new Set(parts.workers?.() ?? []);
      const secondsOf = (pid: number) => {
        const entry = seen.get(pid);
        return entry ? (entry.last - entry.first) / CLOCK_TICKS_PER_SECOND : 0;
      };
      let postgres = 0;
      for (const pid of seen.keys()) if (pid !== importerPid() && !workerPids.has(pid)) postgres += secondsOf(pid);
      const importer = parts.importer === 'self' ? (own.user + own.system) / 1e6 : secondsOf(importerPid() ?? -1);
      const workers = [...workerPids].map(secondsOf);
      const redisUsed = (await redisCpu().catch(() => NaN)) - (await redisStart);
      return {
        node: importer + workers.reduce((sum, w) => sum + w, 0),
        importer,
        workers,
        postgres: postgresReadable ? postgres : null,
        redis: Number.isFinite(redisUsed) ? redisUsed : null,
      };
    },
  };
}

/** "node 7.1 s (35 µs/message), PostgreSQL …": and what the cores allow at that cost. */
export function cpuReport(use: CpuUse, messages: number): string[] {
  const perMessage = (seconds: number) => `${((seconds / messages) * 1e6).toFixed(0)} µs/message`;
  const part = (name: string, seconds: number | null) =>
    seconds === null ? `${name} n/a` : `${name} ${seconds.toFixed(1)} s (${perMessage(seconds)})`;
  const split =
    use.workers.length > 0
      ? ` [importer ${perMessage(use.importer)}, ${use.workers.length === 1 ? 'worker process' : 'worker processes'} ${use.workers.map(perMessage).join(' + ')}]`
      : '';
  const lines = [
    `CPU: ${[part('node', use.node) + split, part('PostgreSQL', use.postgres), part('Redis', use.redis)].join(', ')}`,
  ];
  if (use.postgres !== null && use.redis !== null) {
    const total = use.node + use.postgres + use.redis;
    const cores = os.cpus().length;
    const busiest = Math.max(use.importer, ...use.workers);
    lines.push(
      `  ${perMessage(total)} in all: ${cores} cores allow at most ≈ ${fmt(Math.round((cores * messages) / total))} messages/s at this cost, ` +
        (use.workers.length === 0
          ? `and one node thread at most ≈ ${fmt(Math.round(messages / use.node))} (the importer's own process does its reading, classification and delivery)`
          : `and the busiest node process at most ≈ ${fmt(Math.round(messages / busiest))} (the importer reads and classifies, the worker processes deliver)`),
    );
  }
  return lines;
}

/** A /proc/<pid>/status field in bytes (VmRSS, VmHWM); 0 once the process is gone. */
export function procStatusBytes(pid: number, field: string): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

export interface WorkerProcesses {
  pids: number[];
  /** each process's peak RSS so far (VmHWM, bytes) */
  peakRss(): number[];
  /** SIGTERM (the workers drain their jobs in flight) and wait for every one to exit */
  stop(): Promise<void>;
}

/**
 * Starts `count` `aitu-gateway worker --stages <stages>` processes — the documented way to add capacity — with the
 * bench's database, Redis and queue prefix in `env`, and waits until BullMQ sees each of them on the queue of the
 * first stage: an import started then finds them running and leaves those stages to them.
 */
export async function startWorkerProcesses(options: {
  count: number;
  stages: readonly string[];
  concurrency: number;
  env: NodeJS.ProcessEnv;
  redisUrl: string;
  prefix: string;
}): Promise<WorkerProcesses> {
  const cli = fileURLToPath(new URL('../bin/aitu-gateway.js', import.meta.url));
  // BENCH_WORKER_CPU_PROF=<dir>: each worker process writes a .cpuprofile there when it exits
  const profile = process.env.BENCH_WORKER_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_WORKER_CPU_PROF}`]
    : [];
  const children: ChildProcess[] = Array.from({ length: options.count }, () =>
    spawn(
      process.execPath,
      [...profile, cli, 'worker', '--stages', options.stages.join(','), '--concurrency', String(options.concurrency)],
      {
        env: { ...process.env, ...options.env },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    ),
  );
  const stop = () =>
    Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    ).then(() => undefined);
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  connection.on('error', () => {});
  const queue = new Queue(options.stages[0]!, { connection, prefix: options.prefix });
  try {
    for (const started = Date.now(); (await queue.getWorkersCount()) < options.count;) {
      const exited = children.find((child) => child.exitCode !== null);
      if (exited) throw new Error(`a worker process exited with code ${exited.exitCode} before it took work`);
      if (Date.now() - started > 60_000)
        throw new Error(`${options.count} worker process(es) did not register within 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    await queue.close();
    connection.disconnect();
  }
  const pids = children.map((child) => child.pid).filter((pid) => pid !== undefined);
  return { pids, peakRss: () => pids.map((pid) => procStatusBytes(pid, 'VmHWM')), stop };
}

/**
 * A full garbage collection now, before a timed run: the bench process holds its input messages and the garbage of
 * the runs before, and a major collection of that heap falling inside the next run's clock cost it up to a quarter of
 * its throughput. (V8's `gc` is exposed at run time, the way its own flag would.)
 */
export function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}
