import { QueueEvents } from '../core/bullmq.ts';
import type { Logger } from 'winston';
import type { CanonicalMessageInput } from '../core/message.ts';
import { emptyColumn } from '../core/columns.ts';
import { loadKeyring, requireQueueKey, type Keyring } from '../core/keys.ts';
import type { Store } from '../store/database.ts';
import { batchSize } from '../store/delivery.ts';
import { observer } from '../metrics/observer.ts';
import { addDeadLetters } from './dead-letter.ts';
import {
  openQueues,
  producerConnection,
  workerConnection,
  type BatchOrigin,
  type QueueContext,
  type Queues,
} from './queues.ts';
import { ClassifyStage } from './stages/classify.processor.ts';
import type { PolicyContext } from './stages/policy.ts';
import { deliverJobId, policyLoader, startWorkers, type Stage, type WorkerSet } from './workers.ts';

/**
 * What imports and live bridges share to put batches into the pipeline: the queues, classification in this
 * process when no classify worker runs (sending a batch through the classify queue only to take it back here would
 * cost a Redis round trip of every message), deliver workers in this process when none run, and the events that
 * tell a producer its batches were delivered or given up on.
 */
export interface FeedContext extends QueueContext {
  store: Store;
  keyFile: string;
  logger: Logger;
  /** the data directory: attachments are read there by an extract worker this process starts when none runs */
  dataDir?: string;
  /** the key file as the caller already read it (else it is read from `keyFile`) */
  keyring?: Keyring;
}

export interface FeedOptions {
  agencyId: string;
  /** job ids of this producer start with it: only their completions and failures are followed */
  jobPrefix: string;
  /** leave the work to running workers instead of starting them in this process */
  enqueueOnly?: boolean;
  concurrency?: number;
}

/** Messages handed to the classify stage at a time while a batch is assembled (see ClassifyStage). */
const CLASSIFY_CHUNK = 100;

export class PipelineFeed {
  /** the first reason the pipeline gave up on one of this producer's batches */
  failure: string | null = null;
  /** batches of this producer delivered (or given up on) since it opened */
  completed = 0;
  /** the delivered batches' counts, summed (delivered, edited, duplicates, blocked, failed, quarantined, redacted) */
  readonly totals: Record<string, number> = {};
  private readonly wakers = new Set<() => void>();
  private messages = emptyColumn<CanonicalMessageInput>();
  private identity = emptyColumn<string>();
  private stage: ClassifyStage | null;

  private constructor(
    readonly queues: Queues,
    readonly keyring: Keyring,
    private classifyHere: PolicyContext | null,
    private readonly refreshPolicy: () => Promise<PolicyContext['policy']>,
    private readonly workers: WorkerSet | null,
    private readonly events: QueueEvents[],
    private readonly connections: ReturnType<typeof workerConnection>[],
    private readonly jobPrefix: string,
  ) {
    this.stage = classifyHere ? new ClassifyStage(classifyHere) : null;
  }

  static async open(context: FeedContext, options: FeedOptions): Promise<PipelineFeed> {
    const keyring = context.keyring ?? (await loadKeyring(context.keyFile));
    const queues = openQueues({ ...context, queueKey: requireQueueKey(keyring) }, producerConnection(context.redisUrl));
    const connections = [workerConnection(context.redisUrl), workerConnection(context.redisUrl)];
    const events = [
      new QueueEvents('deliver', { connection: connections[0]!, prefix: context.prefix }),
      new QueueEvents('classify', { connection: connections[1]!, prefix: context.prefix }),
    ];
    // reconnections are the connection's business (see openQueues); unheard, BullMQ prints each error raw
    for (const e of events) e.on('error', () => {});
    let classifyHere: PolicyContext | null = null;
    let workers: WorkerSet | null = null;
    try {
      await Promise.all(events.map((e) => e.waitUntilReady()));
      if (!options.enqueueOnly) {
        if ((await queues.classify.getWorkersCount().catch(() => 0)) === 0) {
          classifyHere = { policy: await policyLoader(context.store)(options.agencyId), hashKey: keyring.hashKey };
        }
        const idle = async (queue: { getWorkersCount(): Promise<number> }) =>
          (await queue.getWorkersCount().catch(() => 0)) === 0;
        const stages: Stage[] = [
          ...((await idle(queues.deliver)) ? (['deliver'] as const) : []),
          ...(context.dataDir && (await idle(queues.extract)) ? (['extract'] as const) : []),
        ];
        if (stages.length > 0)
          workers = await startWorkers({ ...context, stages, concurrency: options.concurrency ?? 4 });
        if (classifyHere || workers) {
          context.logger.info('no running workers found: processing in this process', {
            stages: [...(classifyHere ? ['classify'] : []), ...stages],
          });
        }
      }
    } catch (error) {
      await Promise.all(events.map((e) => e.close().catch(() => {})));
      for (const c of connections) c.disconnect();
      await queues.close();
      throw error;
    }
    const policyFor = policyLoader(context.store);
    const feed = new PipelineFeed(
      queues,
      keyring,
      classifyHere,
      () => policyFor(options.agencyId),
      workers,
      events,
      connections,
      options.jobPrefix,
    );
    feed.follow();
    return feed;
  }

  private follow(): void {
    const mine = (jobId: string) => jobId.startsWith(this.jobPrefix);
    const [deliverEvents, classifyEvents] = this.events;
    const onFailed = ({ jobId, failedReason }: { jobId: string; failedReason: string }) => {
      if (!mine(jobId)) return;
      this.failure ??= failedReason;
      this.wake();
    };
    deliverEvents!.on('failed', onFailed);
    classifyEvents!.on('failed', onFailed);
    deliverEvents!.on('completed', ({ jobId, returnvalue }: { jobId: string; returnvalue: unknown }) => {
      if (!mine(jobId)) return;
      this.completed++;
      this.addCounts(returnvalue);
      this.wake();
    });
  }

  private addCounts(counts: unknown): void {
    if (counts === null || typeof counts !== 'object') return;
    for (const [name, value] of Object.entries(counts))
      if (typeof value === 'number') this.totals[name] = (this.totals[name] ?? 0) + value;
  }

  private wake(): void {
    for (const wake of this.wakers) wake();
    this.wakers.clear();
  }

  /** Resolves when one of this producer's batches completes or fails, or after `ms`. */
  nextCompletion(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  /** Messages in the batch being assembled. */
  get pending(): number {
    return this.identity.length;
  }

  /** Adds a message to the batch being assembled (classified here CLASSIFY_CHUNK at a time when this process classifies). */
  add(message: CanonicalMessageInput): void {
    this.identity.push(`${String(message.platform)}/${String(message.chatId)}/${String(message.messageId)}`);
    this.messages.push(message);
    if (this.stage && this.messages.length >= CLASSIFY_CHUNK) {
      this.stage.add(this.messages);
      this.messages = emptyColumn();
    }
  }

  /** The assembled batch's identities (for a job id that derives from its content). */
  get batchIdentity(): readonly string[] {
    return this.identity;
  }

  /** Puts the assembled batch into Redis: classified here into the deliver queue, or into the classify queue. */
  async flush(origin: BatchOrigin, jobId: string): Promise<void> {
    if (this.identity.length === 0) return;
    const messages = this.messages;
    this.messages = emptyColumn();
    this.identity = emptyColumn();
    if (this.stage && this.classifyHere) {
      // assembled and swapped synchronously: a live producer may add messages while this batch is being written
      this.stage.add(messages);
      const { deliver, deadLetters } = this.stage.finish(origin);
      this.stage = new ClassifyStage(this.classifyHere);
      observer().messages('classify', {
        classified: batchSize(deliver) + deliver.blocked,
        refused: deadLetters.length,
      });
      this.followPolicy();
      await addDeadLetters(this.queues, deadLetters);
      await this.queues.deliver.addSealed(deliver, { jobId: deliverJobId(jobId) });
    } else {
      await this.queues.classify.addSealed({ ...origin, messages }, { jobId }, 'batch');
    }
  }

  /** A long-running producer (a live bridge) follows `agency set-policy`: later batches classify with the new policy. */
  private followPolicy(): void {
    this.refreshPolicy().then(
      (policy) => {
        if (this.classifyHere && policy !== this.classifyHere.policy)
          this.classifyHere = { ...this.classifyHere, policy };
      },
      () => {},
    );
  }

  /** Whether this process classifies (no classify worker was running when it opened). */
  get classifiesHere(): boolean {
    return this.classifyHere !== null;
  }

  async close(): Promise<void> {
    this.wake();
    await this.workers?.close();
    await Promise.all(this.events.map((e) => e.close().catch(() => {})));
    for (const connection of this.connections) connection.disconnect();
    await this.queues.close();
  }
}
