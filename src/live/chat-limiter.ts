import { createHmac } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { SendLimits } from '../core/connector.ts';

/**
 * A token bucket per chat in Redis, for the limits BullMQ's queue limiter cannot key by chat (Telegram: 1 message a
 * second per chat, 20 a minute per group). Atomic in one script, so every bridge process of an agency shares it.
 * Returns 0 when a token was taken, else how many milliseconds until one is free (nothing taken).
 */
const TAKE = `
local now = tonumber(ARGV[1])
local function level(i)
  local max = tonumber(ARGV[i * 2])
  local per = tonumber(ARGV[i * 2 + 1])
  local b = redis.call('HMGET', KEYS[i], 'tokens', 'at')
  local tokens = tonumber(b[1]) or max
  local at = tonumber(b[2]) or now
  return math.min(max, tokens + (now - at) * max / per), max, per
end
local wait = 0
for i = 1, #KEYS do
  local tokens, max, per = level(i)
  if tokens < 1 then wait = math.max(wait, math.ceil((1 - tokens) * per / max)) end
end
if wait > 0 then return wait end
for i = 1, #KEYS do
  local tokens, max, per = level(i)
  redis.call('HSET', KEYS[i], 'tokens', tokens - 1, 'at', now)
  redis.call('PEXPIRE', KEYS[i], per * 2)
end
return 0
`;

export class ChatLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly platform: string,
    private readonly limits: SendLimits,
    /** chat ids are keyed by their HMAC: a WhatsApp chat id is a phone number */
    private readonly key: Buffer,
  ) {}

  /** 0 when the chat may be sent to now (its token taken), else the milliseconds to wait. */
  async take(chatId: string, now = Date.now()): Promise<number> {
    const id = createHmac('sha256', this.key).update(`${this.platform}\u0000${chatId}`).digest('hex').slice(0, 32);
    const buckets: { max: number; durationMs: number }[] = [this.limits.perChat];
    if (this.limits.perGroup && this.limits.isGroup(chatId)) buckets.push(this.limits.perGroup);
    const keys = buckets.map((_, i) => `${this.prefix}:chat-bucket:${this.platform}:${id}:${i}`);
    const args = [now, ...buckets.flatMap((b) => [b.max, b.durationMs])];
    return Number(await this.redis.eval(TAKE, keys.length, ...keys, ...args));
  }
}
