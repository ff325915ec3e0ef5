import { Redis, type RedisOptions } from './ioredis.ts';
import { ServiceUnavailableError } from './errors.ts';

export const redisHint =
  'start it with scripts/services.sh (or: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no), or set REDIS_URL';

export function describeRedis(redisUrl: string): string {
  const url = new URL(redisUrl);
  return `Redis at ${url.hostname}:${url.port || '6379'}`;
}

/**
 * A connection for one-off commands (doctor, status, dlq): it gives up instead of retrying forever,
 * unlike the connections BullMQ workers need.
 */
export async function connectRedisOnce(redisUrl: string, options: RedisOptions = {}): Promise<Redis> {
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    ...options,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return redis;
  } catch (error) {
    redis.disconnect();
    throw new ServiceUnavailableError('Redis', `${describeRedis(redisUrl)} is unreachable; ${redisHint}`, {
      cause: error,
    });
  }
}

/** The server's version, from INFO server. */
export async function redisVersion(redis: Redis): Promise<string> {
  const info = await redis.info('server');
  return /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? 'unknown';
}
