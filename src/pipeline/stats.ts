import type { Redis } from 'ioredis';

/** Messages per stage per minute, kept an hour, for `status` (jobs are batches: BullMQ's own metrics count jobs). */
export async function countProcessed(
  redis: Redis,
  prefix: string,
  stage: string,
  messages: number,
  now = Date.now(),
): Promise<void> {
  if (messages <= 0) return;
  const key = `${prefix}:aitu-stats:${stage}:${Math.floor(now / 60_000)}`;
  await redis.multi().incrby(key, messages).expire(key, 3600).exec();
}

/** Messages processed by a stage over the last 60 seconds (the current and the previous minute, weighted). */
export async function processedLastMinute(
  redis: Redis,
  prefix: string,
  stage: string,
  now = Date.now(),
): Promise<number> {
  const minute = Math.floor(now / 60_000);
  const [current, previous] = await redis.mget(
    `${prefix}:aitu-stats:${stage}:${minute}`,
    `${prefix}:aitu-stats:${stage}:${minute - 1}`,
  );
  const fractionOfCurrent = (now % 60_000) / 60_000;
  return Math.round(Number(current ?? 0) + Number(previous ?? 0) * (1 - fractionOfCurrent));
}
