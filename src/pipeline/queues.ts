import { createHash } from 'node:crypto';
import { Queue } from '../core/bullmq.ts';
import type { DefaultJobOptions, Job, JobsOptions } from 'bullmq';
import { Redis } from '../core/ioredis.ts';
import { maskPersonalData } from '../core/mask.ts';
import type { CanonicalMessageInput } from '../core/message.ts';
import type { Checkpoint } from '../core/history.ts';
import type { DeliveryBatch } from '../store/delivery.ts';
import { open, queueSealer, seal, sealStored, type QueueSealer, type Sealed } from './sealed-payload.ts';

/**
 * Every queue is named here, with its payload. Jobs carry batches (up to BATCH_SIZE messages): BullMQ's cost is
 * per job far more than per message (figures: docs/benchmarks.md), so a queue hop is only worth it where
 * it buys something:
 * - `classify`: ingest (validation), classification and policy — pure CPU, scaled by adding workers on any machine;
 * - `deliver`: the set-based write into PostgreSQL, with its own concurrency bounded by database connections,
 *   and retried on its own when the database is briefly away, without classifying again;
 * - `outbound`: sends to a foreign messenger's bridge, retried independently of everything inbound; one queue per
 *   platform and agency (outboundQueueName), consumed by that agency's bridge process for that platform;
 * - `dead-letter`: messages that keep failing, with their reason, until an operator retries or purges them;
 * - `backfill`: requests to pull a chat's recent history, one queue per platform and agency (backfillQueueName),
 *   taken by that agency's running bridge, which holds the messenger's session;
 * - `relay`: stored messages to post, edit or delete in the national messenger's mapped group, and the bot's notices
 *   there; one queue per agency (relayQueueName), taken by its `bridge aitu` process within Aitu's limits;
 * - `extract`: attachments to read (PDF text, OCR, office documents), one job per agency and file, on a queue of their
 *   own with its own small concurrency, so that a long OCR never holds up text messages.
 */
export const QueueName = {
  classify: 'classify',
  deliver: 'deliver',
  outbound: 'outbound',
  deadLetter: 'dead-letter',
  backfill: 'backfill',
  relay: 'relay',
  extract: 'extract',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];
/** The queues every agency shares: what a process's metrics and the operations page report first. */
export const PIPELINE_QUEUES = [QueueName.classify, QueueName.deliver, QueueName.deadLetter] as const;

/**
 * 2,000 rather than 1,000: each batch also pays a fixed share (a job, a delivery statement with its reference
 * checks, a committed-batch row), paid half as often, for a larger importer RSS (the measured trade:
 * docs/benchmarks.md, "Figures behind design choices").
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
  /** the foreign id of the message it replies to, as the gate recorded it */
  replyTo?: string;
  /** a file from the attachment store, as the gate recorded it */
  attachment?: { sha256: string; name: string; mime?: string; kind: 'photo' | 'document' };
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

/** `bridge <platform> backfill`: pull up to `limit` messages older than where the chat's last backfill stopped. */
export interface BackfillPayload {
  agencyId: string;
  platform: string;
  chatId: string;
  limit: number;
  /** start again from the newest message, forgetting the stored cursor */
  restart?: boolean;
}

/**
 * `message`: bring the Aitu post of this stored message in line with the store (post, edit or delete it).
 * `notice`: the bot's answer to an Aitu message whose forwarding was blocked (categories only, never the value).
 */
export type RelayPayload =
  | { agencyId: string; kind: 'message'; messageId: string }
  | { agencyId: string; kind: 'notice'; groupId: string; replyTo: string; categories: string[] };

/** Read one file of one agency and decide the pending messages that carry it (src/pipeline/stages/extract.ts). */
export interface ExtractJobPayload {
  agencyId: string;
  sha256: string;
}

export interface PayloadOf {
  classify: ClassifyPayload;
  deliver: DeliverPayload;
  outbound: OutboundPayload;
  'dead-letter': DeadLetterPayload;
  backfill: BackfillPayload;
  relay: RelayPayload;
  extract: ExtractJobPayload;
}

/** Where a batch belongs: its agency, its run and its place in the run (ids only). */
export interface BatchRoute {
  agencyId: string;
  runId: string | null;
  seq: number | null;
}

/**
 * What each queue's jobs show in clear beside their sealed payload (src/pipeline/sealed-payload.ts): ids, the
 * stage and the masked reason of a dead letter, its time. Never message text, names, chat or message ids.
 */
export interface RouteOf {
  classify: BatchRoute;
  deliver: BatchRoute;
  outbound: { agencyId: string; attemptId: string };
  'dead-letter': {
    agencyId: string;
    runId: string | null;
    stage: DeadLetterPayload['stage'];
    reason: string;
    failedAt: string;
  };
  backfill: { agencyId: string; platform: string };
  relay: { agencyId: string; kind: RelayPayload['kind'] };
  extract: { agencyId: string };
}

const routeOf: { [K in QueueName]: (payload: PayloadOf[K]) => RouteOf[K] } = {
  classify: ({ agencyId, runId, seq }) => ({ agencyId, runId, seq }),
  deliver: ({ agencyId, runId, seq }) => ({ agencyId, runId, seq }),
  outbound: ({ agencyId, attemptId }) => ({ agencyId, attemptId }),
  // the reason is written to be free of personal data; masked once more here, since it is the one clear text field
  'dead-letter': ({ agencyId, runId, stage, reason, failedAt }) => ({
    agencyId,
    runId,
    stage,
    reason: maskPersonalData(reason),
    failedAt,
  }),
  backfill: ({ agencyId, platform }) => ({ agencyId, platform }),
  relay: ({ agencyId, kind }) => ({ agencyId, kind }),
  extract: ({ agencyId }) => ({ agencyId }),
};

/** The job id is bound into the seal, so a sealed job always names its own. */
export type SealedJobOptions = JobsOptions & { jobId: string };

/**
 * A pipeline queue: its jobs hold sealed payloads only. Producers add with `addSealed` (one seal per job),
 * processors read with `open`; a plain `add` takes only an already sealed payload.
 */
export interface PipelineQueue<K extends QueueName> extends Queue<Sealed<RouteOf[K]>> {
  /** the queue key's sealer; null for queues opened only to be counted (status) */
  readonly sealer: QueueSealer | null;
  addSealed(payload: PayloadOf[K], options: SealedJobOptions, jobName?: string): Promise<Job<Sealed<RouteOf[K]>>>;
  addSealedBulk(
    jobs: readonly { payload: PayloadOf[K]; options: SealedJobOptions; jobName?: string }[],
  ): Promise<Job<Sealed<RouteOf[K]>>[]>;
  /** the payload of one of this queue's jobs; PayloadRefused (an UnrecoverableError naming the job) when it does not open */
  open(job: { id?: string | undefined; data: unknown }): PayloadOf[K];
  /** `open`, for a job whose payload may rest beside it (STORED_PAYLOADS): read from its key first */
  openStored(job: { id?: string | undefined; data: unknown }): Promise<PayloadOf[K]>;
  /** drops the payload resting beside a job that is done (nothing for a job that carries its own) */
  releaseStored(jobId: string | undefined): Promise<void>;
  /** a job failed: its payload goes a day after BullMQ drops the failed job (removeOnFail), unless it completes */
  expireStored(jobId: string | undefined): Promise<void>;
}

/**
 * The queues whose payloads rest beside their jobs, as bytes under a key of their own: batches of up to BATCH_SIZE
 * messages, megabytes each, that as base64 inside the job's JSON were encoded and decoded five times over between
 * the importer, Redis and the worker (docs/benchmarks.md). The key has no expiry while its job waits (a payload
 * never expires before its job is taken), goes when the job completes, and expires after a failure a day after
 * BullMQ drops the failed job.
 */
const STORED_PAYLOADS: ReadonlySet<QueueName> = new Set<QueueName>(['deliver']);
/** how long BullMQ keeps a failed job (removeOnFail), with its sealed payload, to be looked at or retried */
const FAILED_JOB_SECONDS = 7 * 24 * 3600;
const FAILED_PAYLOAD_SECONDS = FAILED_JOB_SECONDS + 24 * 3600;

/** Where the payload of one job of a queue rests (`<prefix>:<queue>:payload:<job id>`, beside BullMQ's keys). */
export function storedPayloadKey(qualifiedQueueName: string, jobId: string): string {
  return `${qualifiedQueueName}:payload:${jobId}`;
}

export const defaultJobOptions: DefaultJobOptions = {
  // transient failures (database or Redis briefly away) are retried for ≈ 8 minutes in all
  attempts: 10,
  backoff: { type: 'exponential', delay: 500 },
  // a completed batch's record lives in the store (import_batches, audit_log); the last few classify jobs stay
  // so a repeated enqueue of a recent batch is still ignored, without Redis growing with the size of every import
  removeOnComplete: { count: 10 },
  // a failed job keeps its sealed payload (never clear text) for a week, to be looked at or retried
  removeOnFail: { age: FAILED_JOB_SECONDS },
};

/**
 * Deliver and outbound jobs go as soon as they complete: what they did is recorded in the store
 * (import_batches, audit_log, outbound_attempts), which is also what makes a repeated add of one safe — a
 * delivered batch finds its record, a sent attempt its status — so BullMQ's own duplicate check is not needed.
 */
const jobOptionsOf: { [K in QueueName]: DefaultJobOptions } = {
  classify: defaultJobOptions,
  deliver: { ...defaultJobOptions, removeOnComplete: true },
  outbound: { ...defaultJobOptions, removeOnComplete: true },
  'dead-letter': defaultJobOptions,
  // a backfill is asked for by a person waiting at the CLI: a few tries, and its result (counts) kept for an hour
  backfill: {
    attempts: 3,
    backoff: { type: 'exponential', delay: 2000 },
    removeOnComplete: { age: 3600 },
    removeOnFail: { age: FAILED_JOB_SECONDS },
  },
  // a relay job re-reads the store and Aitu's record of the post, so a repeated one does nothing; Aitu's 5xx and
  // the wait for MessageIdAssigned are retried for ≈ an hour in all
  relay: { ...defaultJobOptions, attempts: 20, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: true },
  // what a file holds is recorded in the store, so a repeated job reads nothing again; gone once done, so that a
  // later message with the same file can queue it again
  extract: { ...defaultJobOptions, removeOnComplete: true },
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

/** Queues that seal and open payloads: with the installation's queue key (requireQueueKey). */
export interface SealingQueueContext extends QueueContext {
  queueKey?: Buffer | undefined;
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

type SharedQueueName = Exclude<QueueName, 'outbound' | 'backfill' | 'relay'>;

export type Queues = { [K in SharedQueueName]: PipelineQueue<K> } & {
  /** the outbound queue of one platform and agency (opened on first use) */
  outboundFor(platform: string, agencyId: string): PipelineQueue<'outbound'>;
  /** the backfill queue of one platform and agency (opened on first use) */
  backfillFor(platform: string, agencyId: string): PipelineQueue<'backfill'>;
  /** the relay queue of one agency (opened on first use) */
  relayFor(agencyId: string): PipelineQueue<'relay'>;
  connection: Redis;
  close(): Promise<void>;
};

/** The BullMQ name of an agency's outbound queue for one platform: only that agency's bridge for it takes its jobs. */
export function outboundQueueName(platform: string, agencyId: string): string {
  return `${QueueName.outbound}-${platform}-${agencyId}`;
}

/** The BullMQ name of an agency's backfill queue for one platform: only that agency's bridge for it takes its jobs. */
export function backfillQueueName(platform: string, agencyId: string): string {
  return `${QueueName.backfill}-${platform}-${agencyId}`;
}

/** The BullMQ name of an agency's relay queue into Aitu: only that agency's `bridge aitu` takes its jobs. */
export function relayQueueName(agencyId: string): string {
  return `${QueueName.relay}-aitu-${agencyId}`;
}

function pipelineQueue<K extends QueueName>(
  name: K,
  queue: Queue<Sealed<RouteOf[K]>>,
  sealer: QueueSealer | null,
  redis: Redis,
): PipelineQueue<K> {
  const need = (): QueueSealer => {
    if (!sealer)
      throw new Error(`the ${name} queue was opened without the queue key: it can count jobs, not read or add them`);
    return sealer;
  };
  const sealed = (payload: PayloadOf[K], options: SealedJobOptions) =>
    seal(need(), name, options.jobId, routeOf[name](payload), payload);
  const keyOf = (jobId: string) => storedPayloadKey(queue.qualifiedName, jobId);
  /** the job's data; a stored payload's bytes are written first, so that a job never stands without them */
  const stored = async (payload: PayloadOf[K], options: SealedJobOptions): Promise<Sealed<RouteOf[K]>> => {
    if (!STORED_PAYLOADS.has(name)) return sealed(payload, options);
    const { data, bytes } = sealStored(need(), name, options.jobId, routeOf[name](payload), payload);
    await redis.set(keyOf(options.jobId), bytes);
    return data;
  };
  const openOne = (job: { id?: string | undefined; data: unknown }, bytes?: Buffer | null) =>
    open<PayloadOf[K]>(need(), name, job, bytes);
  // a lost connection is retried by the connection itself and a command that fails for good rejects where it was
  // called; without a listener BullMQ would print each reconnection attempt's error raw on standard error
  queue.on('error', () => {});
  return Object.assign(queue, {
    sealer,
    addSealed: async (payload: PayloadOf[K], options: SealedJobOptions, jobName: string = name) =>
      queue.add(jobName, await stored(payload, options), options),
    addSealedBulk: async (jobs: readonly { payload: PayloadOf[K]; options: SealedJobOptions; jobName?: string }[]) =>
      queue.addBulk(
        await Promise.all(
          jobs.map(async (j) => ({
            name: j.jobName ?? name,
            data: await stored(j.payload, j.options),
            opts: j.options,
          })),
        ),
      ),
    open: (job: { id?: string | undefined; data: unknown }) => openOne(job),
    openStored: async (job: { id?: string | undefined; data: unknown }) => {
      const data = job.data as Partial<Sealed> | null;
      if (data?.stored !== true) return openOne(job);
      return openOne(job, await redis.getBuffer(keyOf(job.id ?? '')));
    },
    releaseStored: async (jobId: string | undefined) => {
      if (STORED_PAYLOADS.has(name) && jobId !== undefined) await redis.del(keyOf(jobId));
    },
    expireStored: async (jobId: string | undefined) => {
      if (STORED_PAYLOADS.has(name) && jobId !== undefined) await redis.expire(keyOf(jobId), FAILED_PAYLOAD_SECONDS);
    },
  });
}

/** `connection`: a client of its own, not options: deliver payloads are written and read through it beside the jobs. */
export function openQueues(
  context: SealingQueueContext,
  connection: Redis = producerConnection(context.redisUrl),
): Queues {
  const sealer = context.queueKey ? queueSealer(context.queueKey) : null;
  const make = <K extends QueueName>(name: K, queueName: string = name) =>
    pipelineQueue(
      name,
      new Queue<Sealed<RouteOf[K]>>(queueName, {
        connection,
        prefix: context.prefix,
        defaultJobOptions: jobOptionsOf[name],
      }),
      sealer,
      connection,
    );
  const queues = {
    classify: make('classify'),
    deliver: make('deliver'),
    'dead-letter': make('dead-letter'),
    extract: make('extract'),
  };
  const outbound = new Map<string, PipelineQueue<'outbound'>>();
  const backfill = new Map<string, PipelineQueue<'backfill'>>();
  const relay = new Map<string, PipelineQueue<'relay'>>();
  return {
    ...queues,
    outboundFor(platform: string, agencyId: string) {
      const queueName = outboundQueueName(platform, agencyId);
      let queue = outbound.get(queueName);
      if (!queue) outbound.set(queueName, (queue = make('outbound', queueName)));
      return queue;
    },
    backfillFor(platform: string, agencyId: string) {
      const queueName = backfillQueueName(platform, agencyId);
      let queue = backfill.get(queueName);
      if (!queue) backfill.set(queueName, (queue = make('backfill', queueName)));
      return queue;
    },
    relayFor(agencyId: string) {
      const queueName = relayQueueName(agencyId);
      let queue = relay.get(queueName);
      if (!queue) relay.set(queueName, (queue = make('relay', queueName)));
      return queue;
    },
    connection: connection as Redis,
    async close() {
      await Promise.all(
        [...Object.values(queues), ...outbound.values(), ...backfill.values(), ...relay.values()].map((q) =>
          q.close().catch(() => {}),
        ),
      );
      (connection as Redis).disconnect();
    },
  };
}

export function outboundJobId(attemptId: string): string {
  return `out-${attemptId}`;
}

/** Queues an allowed outbound message for its bridge, sealed (the outbound gate's one call into the queues). */
export async function addOutbound(queues: Pick<Queues, 'outboundFor'>, payload: OutboundPayload): Promise<void> {
  await queues
    .outboundFor(payload.target.platform, payload.agencyId)
    .addSealed(payload, { jobId: outboundJobId(payload.attemptId) }, 'send');
}

/** Queues a read of each file for its agency (one job per agency and file while one is waiting). */
export async function requestExtract(queues: Pick<Queues, 'extract'>, agencyId: string, files: readonly string[]) {
  if (files.length === 0) return;
  await queues.extract.addSealedBulk(
    files.map((sha256) => ({
      payload: { agencyId, sha256 },
      options: { jobId: contentJobId('extract', [agencyId, sha256]) },
    })),
  );
}
