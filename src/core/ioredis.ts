// ioredis's Redis client, loaded with `require`, for the reason src/core/bullmq.ts gives (node lexes a CommonJS module
// imported from an ES module); its types come from the package with `import type`.
import { createRequire } from 'node:module';
import type * as IORedis from 'ioredis';

export const { Redis } = createRequire(import.meta.url)('ioredis') as typeof IORedis;
export type Redis = IORedis.Redis;
export type { RedisOptions } from 'ioredis';
