import { createHash } from 'node:crypto';
import { DelayedError, UnrecoverableError, Worker } from '../core/bullmq.ts';
import type { Job } from 'bullmq';
import type { Logger } from 'winston';
import { isLanguage, translator } from '../i18n/index.ts';
import { RateLimitedError } from '../core/bridge.ts';
import type { NationalPoster } from '../core/connector.ts';
import { loadKeyring, requireQueueKey } from '../core/keys.ts';
import { observed, observer } from '../metrics/observer.ts';
import {
  openQueues,
  relayQueueName,
  workerConnection,
  type QueueContext,
  type RelayPayload,
  type RouteOf,
} from '../pipeline/queues.ts';
import type { Sealed } from '../pipeline/sealed-payload.ts';
import { countProcessed } from '../pipeline/stats.ts';
import { logWorkerFailures } from '../pipeline/worker-log.ts';
import { requestRelay } from '../pipeline/relay-requests.ts';
import type { Store } from '../store/database.ts';
import { ChatLimiter } from './chat-limiter.ts';
import {
  GroupLimitedError,
  PostIdLostError,
  sendPart,
  syncMessagePost,
  unrelayedMessages,
  type SyncContext,
} from './national-relay.ts';

export interface RelayConsumerOptions extends QueueContext {
  store: Store;
  keyFile: string;
  dataDir: string;
  logger: Logger;
  agencyId: string;
  poster: NationalPoster;
  /** how long a post whose answer was lost waits for MessageIdAssigned before it is sent again (default 30 s) */
  assignWaitMs?: number;
  /** how often review decisions are looked for (default 2 s) */
  reviewPollMs?: number;
}

export interface RelayConsumer {
  worker: Worker;
  close(): Promise<void>;
}

/** How long a job refused by Aitu's 429 without a Retry-After waits (the limiters already pace the bot). */
const RATE_LIMITED_RETRY_MS = 500;

/**
 * Takes an agency's relay jobs and brings its Aitu posts in line with the store, within Aitu's limits: the bot's
 * rate through BullMQ's limiter, each group's through the token bucket in Redis (a job over it is delayed, never
 * dropped), and Aitu's 429 (a Retry-After pauses the queue, else the job alone waits). One job at a time, so a
 * group's posts keep their order. Review decisions (approve: the post shows the original; reject: it is deleted)
 * are picked up from the store every few seconds.
 */
export async function startRelayConsumer(options: RelayConsumerOptions): Promise<RelayConsumer> {
  const { agencyId, poster, logger: log } = options;
  const queueKey = requireQueueKey(await loadKeyring(options.keyFile));
  const queues = openQueues({ ...options, queueKey }, workerConnection(options.redisUrl));
  const queue = queues.relayFor(agencyId);
  const limiter = new ChatLimiter(queues.connection, options.prefix, 'aitu', poster.relayLimits, queueKey);
  const context: SyncContext = {
    db: options.store.pool,
    poster,
    agencyId,
    assignWaitMs: options.assignWaitMs ?? 30_000,
    takeToken: (groupId) => limiter.take(groupId),
  };
  const connection = workerConnection(options.redisUrl);
  const { perAccount } = poster.relayLimits;
  const worker: Worker = new Worker<Sealed<RouteOf['relay']>>(
    relayQueueName(agencyId),
    async (job: Job<Sealed<RouteOf['relay']>>, token?: string) => {
      const payload = queue.open(job);
      if (payload.agencyId !== agencyId) throw new UnrecoverableError(`relay job ${job.id} is not for this agency`);
      try {
        await observed('relay', () => relayOne(context, options, payload));
        await countProcessed(queues.connection, options.prefix, 'relay', 1);
        observer().messages('relay', { [payload.kind === 'message' ? 'synced' : 'notices']: 1 });
      } catch (error) {
        if (error instanceof GroupLimitedError) return delay(job, error.waitMs, token);
        if (error instanceof PostIdLostError) return log.warn(error.message);
        if (!(error instanceof RateLimitedError)) throw error;
        if (error.retryAfterMs <= 0) return delay(job, RATE_LIMITED_RETRY_MS, token);
        log.warn('Aitu asked to slow down: relay paused', { retryAfterMs: error.retryAfterMs });
        await worker.rateLimit(error.retryAfterMs);
        throw Worker.RateLimitError();
      }
    },
    {
      connection,
      prefix: options.prefix,
      concurrency: 1,
      limiter: { max: perAccount.max, duration: perAccount.durationMs },
    },
  );
  // a relay waiting for its MessageIdAssigned is retried as a matter of course: not worth a warning
  logWorkerFailures(worker, log, 'relay', 'debug');
  await worker.waitUntilReady();
  const missed = await unrelayedMessages(options.store.pool, agencyId);
  if (missed.length > 0) {
    log.info('relaying live messages whose relay jobs were lost', { messages: missed.length });
    await requestRelay(queues, agencyId, missed);
  }
  const decisions = followReviewDecisions(options, (ids) => requestRelay(queues, agencyId, ids));
  return {
    worker,
    async close() {
      decisions.stop();
      await worker.close();
      await queues.close();
      connection.disconnect();
    },
  };
}

async function delay(job: Job, ms: number, token: string | undefined): Promise<never> {
  await job.moveToDelayed(Date.now() + ms, token);
  throw new DelayedError();
}

async function relayOne(context: SyncContext, options: RelayConsumerOptions, payload: RelayPayload): Promise<void> {
  if (payload.kind === 'message') return syncMessagePost(context, options.dataDir, payload.messageId);
  const content = await noticeText(context, payload.categories);
  await sendNotice(context, payload.groupId, payload.replyTo, content);
}

/** "not forwarded: contains …" in the agency's language, naming categories only. */
async function noticeText(context: SyncContext, categories: readonly string[]): Promise<string> {
  const row = await context.db.query<{ language: string }>(`SELECT language FROM agencies WHERE id = $1`, [
    context.agencyId,
  ]);
  const language = row.rows[0]?.language;
  const t = translator(language && isLanguage(language) ? language : 'kk', 'UTC');
  const names = categories.map((c) => {
    const key = `category.${c}` as Parameters<typeof t.t>[0];
    return t.t(key) === key ? c : t.t(key);
  });
  return t.t('notice.notForwarded', { categories: names.join(', ') });
}

/** The bot's answer, once: its localId derives from the Aitu message it answers. */
async function sendNotice(context: SyncContext, groupId: string, replyTo: string, content: string): Promise<void> {
  const localId = `agw-n-${createHash('sha256').update(replyTo).digest('hex').slice(0, 32)}`;
  const existing = await context.db.query<{ state: string; waited_ms: number; aitu_message_id: string | null }>(
    `SELECT state, aitu_message_id, (extract(epoch FROM now() - sent_at) * 1000)::int AS waited_ms FROM aitu_posts WHERE local_id = $1`,
    [localId],
  );
  const post = existing.rows[0];
  const part = { messageId: null, groupId, part: 0, content, media: [], digest: '', replyTo };
  if (!post) return sendPart(context, { ...part, localId: null }, () => localId);
  if (post.aitu_message_id || post.state !== 'sending') return;
  if (post.waited_ms >= context.assignWaitMs) return sendPart(context, { ...part, localId });
  throw new Error(`Aitu notice ${localId}: waiting for MessageIdAssigned before sending again`);
}

/**
 * Review decisions on relayed messages, looked for every few seconds: each asks for the message's post to follow
 * (the store already shows the decided copy). Starts a day back, so decisions made while the bridge was down are
 * followed too; repeated requests do nothing.
 */
function followReviewDecisions(
  options: RelayConsumerOptions,
  request: (ids: string[]) => Promise<void>,
): { stop(): void } {
  let since = new Date(Date.now() - 24 * 3600 * 1000);
  let running: Promise<void> | null = null;
  const look = async () => {
    const rows = await options.store.pool.query<{ message_id: string; decided_at: Date }>(
      `SELECT DISTINCT r.message_id::text AS message_id, r.decided_at FROM review_items r
         JOIN aitu_posts p ON p.message_id = r.message_id
        WHERE r.agency_id = $1 AND r.decided_at > $2 ORDER BY r.decided_at`,
      [options.agencyId, since],
    );
    if (rows.rows.length === 0) return;
    await request(rows.rows.map((r) => r.message_id));
    since = rows.rows.at(-1)!.decided_at;
  };
  const timer = setInterval(() => {
    running ??= look()
      .catch((error: Error) => {
        options.logger.warn(`relay: reading review decisions failed: ${error.message}`);
      })
      .finally(() => (running = null));
  }, options.reviewPollMs ?? 2000);
  return { stop: () => clearInterval(timer) };
}
