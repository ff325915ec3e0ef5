import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A BullMQ key prefix of this test file's own. */
export function testPrefix(): string {
  return `test-${randomUUID().slice(0, 12)}`;
}

/** Deletes every key under `${prefix}:` with SCAN + UNLINK; returns how many went. */
export async function unlinkPrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let removed = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) removed += await redis.unlink(...keys);
  } while (cursor !== '0');
  return removed;
}

/** Removes every key under the prefix. */
export async function removePrefix(prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  try {
    await unlinkPrefix(redis, prefix);
  } finally {
    redis.disconnect();
  }
}
