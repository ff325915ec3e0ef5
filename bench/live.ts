/**
 * `npm run bench:live`: the Telegram bridge under load, as an agency runs it — `aitu-gateway bridge telegram` as its
 * own process, long polling a local fake Bot API (test/helpers/fake-telegram.ts), delivering into PostgreSQL.
 *
 * Two phases of 30 s: 200 then 1,000 text updates a second into one mapped group, pushed every 10 ms. Printed:
 * latency p50/p99/max from the update being served (the fake's getUpdates answer) to its row being seen committed
 * (the bench polls the store every 20 ms, so a latency is at most ≈ 20 ms above the commit), rows committed at
 * 30 s against updates served, and CPU per event (the bridge process, PostgreSQL and Redis).
 * Targets on a 2-core machine: p99 < 500 ms at 200/s; at 1,000/s, 30 s in, rows committed ≥ updates served − 1,000.
 * PASS/MISS are printed, not asserted; exit 1 only when messages are lost or duplicated.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { addAgency } from '../src/store/agencies.ts';
import { addMapping } from '../src/store/chat-map.ts';
import { createTestDatabase, type TestDatabase } from '../test/helpers/database.ts';
import { FakeTelegram } from '../test/helpers/fake-telegram.ts';
import { initTestInstallation } from '../test/helpers/installation.ts';
import { cleanUpBench, cpuReport, cpuSampler, fmt, hostSpeedLine, runBench } from './helpers.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PHASE_SECONDS = Number(process.env.BENCH_LIVE_SECONDS ?? 30);
const RATES = (process.env.BENCH_LIVE_RATES ?? '200,1000').split(',').map(Number);
const CHAT = '-1001500000001';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Phase {
  rate: number;
  /** update id → message id, for the updates of this phase */
  pushed: Map<number, string>;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Watches the store: when each message id was first seen committed. */
function commitWatcher(db: TestDatabase) {
  const seenAt = new Map<string, number>();
  let lastId = 0n;
  let running = true;
  const loop = (async () => {
    while (running) {
      const rows = await db.store.pool.query<{ id: string; source_message_id: string }>(
        `SELECT id, source_message_id FROM messages WHERE id > $1 ORDER BY id`,
        [lastId.toString()],
      );
      const now = Date.now();
      for (const row of rows.rows) {
        if (!seenAt.has(row.source_message_id)) seenAt.set(row.source_message_id, now);
        lastId = BigInt(row.id);
      }
      await sleep(20);
    }
  })();
  return {
    seenAt,
    async stop() {
      running = false;
      await loop;
    },
  };
}

let nextMessageId = 1;

/** Pushes `rate` updates a second for `seconds`, in slices every 10 ms; returns what it pushed. */
async function push(fake: FakeTelegram, rate: number, seconds: number): Promise<Phase> {
  const phase: Phase = { rate, pushed: new Map() };
  const started = Date.now();
  let sent = 0;
  while (Date.now() - started < seconds * 1000) {
    const due = Math.floor(((Date.now() - started) / 1000) * rate);
    for (; sent < due; sent++) {
      const messageId = nextMessageId++;
      const updateId = fake.push({
        message: {
          message_id: messageId,
          date: Math.floor(Date.now() / 1000),
          chat: { id: Number(CHAT), type: 'supergroup', title: 'Штаб' },
          from: { id: 100 + (messageId % 50), is_bot: false, first_name: `Сотрудник ${messageId % 50}` },
          text: `Сводка №${messageId}: совещание перенесено на 15:00, кабинет ${messageId % 300}`,
        },
      });
      phase.pushed.set(updateId, String(messageId));
    }
    await sleep(10);
  }
  return phase;
}

function report(
  phase: Phase,
  fake: FakeTelegram,
  seenAt: Map<string, number>,
  atEnd: { served: number; committed: number },
): void {
  const latencies: number[] = [];
  for (const [updateId, messageId] of phase.pushed) {
    const served = fake.servedAt(updateId);
    const committed = seenAt.get(messageId);
    if (served !== undefined && committed !== undefined) latencies.push(committed - served);
  }
  latencies.sort((a, b) => a - b);
  const label = `${fmt(phase.rate)} updates/s`;
  console.log(
    `${label}: ${fmt(phase.pushed.size)} pushed, ${fmt(atEnd.served)} served and ${fmt(atEnd.committed)} committed ${PHASE_SECONDS} s in; ` +
      `latency served → committed p50 ${quantile(latencies, 0.5)} ms, p99 ${quantile(latencies, 0.99)} ms, max ${latencies.at(-1)} ms (${fmt(latencies.length)} measured)`,
  );
  if (phase.rate <= 200) {
    const p99 = quantile(latencies, 0.99);
    console.log(p99 < 500 ? `PASS ${label}: p99 ${p99} ms < 500 ms` : `MISS ${label}: p99 ${p99} ms >= 500 ms`);
  } else {
    const ok = atEnd.committed >= atEnd.served - 1000;
    console.log(
      `${ok ? 'PASS' : 'MISS'} ${label}: ${fmt(atEnd.committed)} committed ${ok ? '>=' : '<'} ${fmt(atEnd.served)} served − 1,000 at ${PHASE_SECONDS} s`,
    );
  }
}

function startBridge(env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(
    process.execPath,
    [path.join(root, 'bin/aitu-gateway.js'), 'bridge', 'telegram', '--agency', 'bench'],
    { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr!.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  return child;
}

async function main(): Promise<void> {
  console.log(await hostSpeedLine());
  const dir = await mkdtemp(path.join(os.tmpdir(), 'aitu-bench-live-'));
  const db = await createTestDatabase();
  const prefix = `bench-live-${process.pid}`;
  const redis = new Redis(REDIS_URL);
  const fake = await FakeTelegram.start();
  let bridge: ChildProcess | null = null;
  try {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: db.url,
      REDIS_URL,
      AITU_GATEWAY_QUEUE_PREFIX: prefix,
      AITU_GATEWAY_DATA_DIR: path.join(dir, 'data'),
      LOG_LEVEL: 'warn',
      TELEGRAM_API_ROOT: fake.apiRoot,
      TELEGRAM_BOT_TOKEN: fake.token,
    };
    await initTestInstallation(env);
    const agency = await addAgency(db.store.prisma, { slug: 'bench', name: 'Bench agency' });
    await addMapping(db.store.pool, agency.id, 'telegram', CHAT, 'Штаб');
    bridge = startBridge(env);
    const child = bridge;
    // connected: the bridge has asked for updates
    while (fake.calls('getUpdates').length === 0) {
      if (child.exitCode !== null) throw new Error(`the bridge exited (${child.exitCode}) before polling`);
      await sleep(50);
    }
    const watcher = commitWatcher(db);
    for (const rate of RATES) {
      const before = { served: fake.servedCount, committed: watcher.seenAt.size };
      const cpu = cpuSampler({ database: db.name, redis, importer: () => child.pid });
      const phase = await push(fake, rate, PHASE_SECONDS);
      const atEnd = { served: fake.servedCount - before.served, committed: watcher.seenAt.size - before.committed };
      const use = await cpu.stop();
      // let the rest arrive before the next phase, so each phase is measured on its own
      const until = Date.now() + 120_000;
      while (watcher.seenAt.size < nextMessageId - 1 && Date.now() < until) await sleep(100);
      report(phase, fake, watcher.seenAt, atEnd);
      for (const line of cpuReport(use, phase.pushed.size))
        console.log(`${fmt(rate)}/s ${line.replace(/message/g, 'event')}`);
    }
    await watcher.stop();
    const rows = await db.store.pool.query<{ n: string; distinct: string }>(
      `SELECT count(*) AS n, count(DISTINCT source_message_id) AS distinct FROM messages`,
    );
    const expected = nextMessageId - 1;
    const { n, distinct } = rows.rows[0]!;
    if (Number(n) !== expected || Number(distinct) !== expected) {
      console.log(`FAIL stored ${n} rows (${distinct} distinct) for ${expected} updates`);
      process.exitCode = 1;
    } else console.log(`all ${fmt(expected)} updates stored once`);
  } finally {
    if (bridge && bridge.exitCode === null) {
      bridge.kill('SIGTERM');
      await new Promise((r) => bridge!.once('exit', r));
    }
    await fake.close();
    console.log(await cleanUpBench({ redis, prefix, db, dir }));
    redis.disconnect();
  }
}

await runBench(main);
