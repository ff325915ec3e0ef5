import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { QueueName } from '../../src/pipeline/queues.ts';
import { addMapping } from '../../src/store/chat-map.ts';
import { BridgeProcess } from './bridge-process.ts';
import { FakeTelegram } from './fake-telegram.ts';
import type { ImportWorld } from './import-world.ts';
import { redisUrl } from './redis.ts';
import { sleep, waitFor } from './wait.ts';

/** The Telegram group the live fault tests stream into, mapped in each world. */
export const STREAM_GROUP = { id: -1001987650001, title: 'Приёмная отделения', type: 'supergroup' };
const people = [
  { id: 111222333, is_bot: false, first_name: 'Dana' },
  { id: 111222334, is_bot: false, first_name: 'Aigerim', last_name: 'S.' },
  { id: 111222335, is_bot: false, first_name: 'Нурлан' },
];
/** Personal data among ordinary lines, so findings and policy decisions are part of what is compared. */
const lines = [
  'Доброе утро, коллеги. Планерка в 10:00.',
  'ИИН заявителя 940101300123, прошу проверить.',
  'Пациенту поставлен диагноз туберкулез легких, больничный до пятницы.',
  'Пишите на aigerim.s@health.gov.kz или звоните +7 701 234 56 78.',
  'Жиналыс ертең сағат 15:00-де өтеді.',
  'Отчёт по закупкам отправлен.',
];
const FIRST_DATE = 1717230000;

/** The i-th update of the stream: the same for every run, so an interrupted run can be compared with a straight one. */
export function streamUpdate(i: number): Record<string, unknown> {
  return {
    message: {
      message_id: 1000 + i,
      from: people[i % people.length],
      chat: STREAM_GROUP,
      date: FIRST_DATE + i,
      text: `${lines[i % lines.length]} №${i}`,
    },
  };
}

export async function mapStreamGroup(world: ImportWorld): Promise<void> {
  await addMapping(world.db.store.pool, world.agencies.a!, 'telegram', String(STREAM_GROUP.id), 'Приёмная');
}

/** Pushes updates [from, to) to the fake Bot API, `burst` at a time with a pause between. */
export async function pushStream(fake: FakeTelegram, from: number, to: number, burst = 10, pauseMs = 15) {
  for (let i = from; i < to;) {
    for (let n = 0; n < burst && i < to; n++) fake.push(streamUpdate(i++));
    await sleep(pauseMs);
  }
}

/** Messages of the stream in the world's store. */
export async function streamStored(world: ImportWorld): Promise<number> {
  const [row] = await world.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM messages WHERE platform = 'telegram' AND source_chat_id = $1`,
    [String(STREAM_GROUP.id)],
  );
  return row!.n;
}

/**
 * Waits until `total` messages of the stream are stored (failing at once if `alive` says the bridge is gone), then
 * checks that each is stored exactly once.
 */
export async function assertStreamComplete(
  world: ImportWorld,
  total: number,
  ms: number,
  alive: () => boolean = () => true,
): Promise<void> {
  await waitFor(
    async () => {
      assert.ok(alive(), 'the bridge exited while the stream was being stored');
      return (await streamStored(world).catch(() => 0)) >= total;
    },
    `${total} messages stored`,
    ms,
  );
  // a repeat would come after the last one: give it the time a batch takes
  await sleep(1000);
  const rows = await world.query<{ id: string; n: number }>(
    `SELECT source_message_id AS id, count(*)::int AS n FROM messages WHERE platform = 'telegram' AND source_chat_id = $1 GROUP BY 1`,
    [String(STREAM_GROUP.id)],
  );
  assert.equal(rows.length, total, 'nothing lost');
  assert.deepEqual(
    rows.filter((r) => r.n !== 1),
    [],
    'nothing twice',
  );
}

/** `bridge telegram --agency a` of the world against the fake Bot API, once it runs. */
export async function startTelegramBridge(
  world: ImportWorld,
  fake: FakeTelegram,
  env: NodeJS.ProcessEnv = {},
): Promise<BridgeProcess> {
  const bridge = new BridgeProcess(world, ['telegram', '--agency', 'a'], {
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_API_ROOT: fake.apiRoot,
    ...env,
  });
  try {
    await bridge.running();
  } catch (error) {
    await bridge.stop('SIGKILL');
    throw error;
  }
  return bridge;
}

/** The stream's first `total` updates through a bridge left alone: the store an interrupted run is compared with. */
export async function streamUninterrupted(world: ImportWorld, total: number): Promise<void> {
  const fake = await FakeTelegram.start();
  try {
    const bridge = await startTelegramBridge(world, fake);
    try {
      await pushStream(fake, 0, total);
      await assertStreamComplete(world, total, 60_000, () => bridge.alive);
    } finally {
      assert.deepEqual(await bridge.stop(), { code: 0, signal: null }, bridge.output.slice(-3000));
    }
  } finally {
    await fake.close();
  }
}

/** Deliver jobs of the world's queues held by a worker now (a killed worker's stay held until BullMQ finds them stalled). */
export async function activeDeliveries(world: ImportWorld): Promise<number> {
  const queue = new Queue(QueueName.deliver, {
    connection: { url: redisUrl },
    prefix: world.env.AITU_GATEWAY_QUEUE_PREFIX!,
  });
  try {
    return await queue.getActiveCount();
  } finally {
    await queue.close();
  }
}

/**
 * Waits until a delivery is being written: a deliver job held and a transaction open in the world's database (with
 * AITU_GATEWAY_FAULT_DELIVER_DELAY_MS, a delivery's transaction stays open a while after its rows are written).
 */
export async function waitForDeliveryInFlight(world: ImportWorld, ms = 30_000): Promise<void> {
  await waitFor(
    async () =>
      (await activeDeliveries(world)) > 0 &&
      (
        await world.query(
          `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'`,
        )
      ).length > 0,
    'a delivery being written',
    ms,
  );
}
