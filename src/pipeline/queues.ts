import { createHash } from 'node:crypto';
import { Queue, type ConnectionOptions, type DefaultJobOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { CanonicalMessageInput } from '../core/message.ts';
import type { Checkpoint } from '../core/history.ts';
import type { DeliveryBatch } from '../store/delivery.ts';

/**
 * Every queue is named here, with its payload. Jobs carry batches (up to BATCH_SIZE messages): BullMQ moves
 * ≈ 22,000 jobs/s but ≈ 250,000+ messages/s when a job carries hundreds, so a queue hop is only worth it where
 * it buys something:
 * - `classify`: ingest (validation), classification and policy — pure CPU, scaled by adding workers on any machine;
 * - `deliver`: the set-based write into PostgreSQL, with its own concurrency bounded by database connections,
 *   and retried on its own when the database is briefly away, without classifying again;
 * - `outbound`: sends to a foreign messenger's bridge, retried independently of everything inbound;
 * - `dead-letter`: messages that keep failing, with their reason, until an operator retries or purges them.
 */
export const QueueName = {
  classify: 'classify',
  deliver: 'deliver',
  outbound: 'outbound',
  deadLetter: 'dead-letter',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

/**
 * 2,000 rather than 1,000: each batch also pays a fixed share (a job, a delivery statement with its reference
 * checks, a committed-batch row); halving their number took PostgreSQL from 15–17 to 14–15 µs per message and the
 * Telegram import with a deliver worker from 29,500–30,200 to 31,100–31,900 msg/s, for ≈ 30 MB more importer RSS.
 */
export const BATCH_SIZE = 2000;

/** Where a batch comes from: an import run (ordered batches with checkpoints) or a live bridge. */
export interface BatchOrigin {
  agencyId: string;
  runId: string | null;
  seq: number | null;
  /** the reader's position just after the batch's last entry (import runs only) */
  checkpoint: Checkpoint | null;
}

export interface ClassifyPayload extends BatchOrigin {
  /** unvalidated canonical messages: ingest validates them */
  messages: CanonicalMessageInput[];
}

/** A classified batch, ready for the store column by column (see DeliveryBatch); blocked messages are only counted. */
export interface DeliverPayload extends BatchOrigin, DeliveryBatch {
  /** messages policy blocked: never delivered */
  blocked: number;
  /** messages refused before delivery (already in the dead-letter queue) */
  failed: number;
  /** category → messages of this batch with at least one finding of it (duplicates included) */
  flaggedByCategory: Record<string, number>;
}

export interface OutboundPayload {
  agencyId: string;
  attemptId: string;
  target: { platform: string; chatId: string };
  text: string;
}

export interface DeadLetterPayload {
  agencyId: string;
  runId: string | null;
  stage: 'ingest' | 'deliver' | 'outbound';
  /** why it failed, masked: never personal data */
  reason: string;
  /** the message as it was handed in (it may be malformed), kept to be retried */
  message: unknown;
  failedAt: string;
}

export interface PayloadOf {
  classify: ClassifyPayload;
  deliver: DeliverPayload;
  outbound: OutboundPayload;
  'dead-letter': DeadLetterPayload;
}

export const defaultJobOptions: DefaultJobOptions = {
  // transient failures (database or Redis briefly away) are retried for ≈ 8 minutes in all
  attempts: 10,
  backoff: { type: 'exponential', delay: 500 },
  // a completed batch's record lives in the store (import_batches, audit_log); the last few stay so a
  // repeated enqueue of a recent job is still ignored, without Redis growing with the size of every import
  removeOnComplete: { count: 10 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** BullMQ job ids must not contain ':'; they derive from what the job carries so a repeated add is ignored. */
export function contentJobId(kind: string, parts: readonly string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\u0000');
  return `${kind}-${hash.digest('hex').slice(0, 32)}`;
}

export interface QueueContext {
  redisUrl: string;
  prefix: string;
}

/** Workers need a connection that retries forever (BullMQ's requirement); producers give up after a while. */
export function workerConnection(redisUrl: string): Redis {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null, enableReadyCheck: true });
  redis.on('error', () => {});
  return redis;
}

export function producerConnection(redisUrl: string): Redis {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 20, connectTimeout: 5000 });
  redis.on('error', () => {});
  return redis;
}

export type Queues = { [K in QueueName]: Queue<PayloadOf[K]> } & { connection: Redis; close(): Promise<void> };

export function openQueues(context: QueueContext, connection: ConnectionOptions = producerConnection(context.redisUrl)): Queues {
  const make = <K extends QueueName>(name: K) =>
    new Queue<PayloadOf[K]>(name, {
      connection,
      prefix: context.prefix,
      // sends are small and their results are looked up by `send --wait`: keep them a day
      defaultJobOptions: name === 'outbound' ? { ...defaultJobOptions, removeOnComplete: { age: 24 * 3600, count: 10_000 } } : defaultJobOptions,
    }) as Queue<PayloadOf[K]>;
  const queues = {
    classify: make('classify'),
    deliver: make('deliver'),
    outbound: make('outbound'),
    'dead-letter': make('dead-letter'),
  };
  return {
    ...queues,
    connection: connection as Redis,
    async close() {
      await Promise.all(Object.values(queues).map((q) => q.close().catch(() => {})));
      (connection as Redis).disconnect();
    },
  };
}
