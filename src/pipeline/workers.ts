import { UnrecoverableError, Worker } from '../core/bullmq.ts';
import type { Job } from 'bullmq';
import type { Logger } from 'winston';
import { loadKeyring, requireQueueKey, type Keyring } from '../core/keys.ts';
import { policyFromStored, type Policy } from '../policy/index.ts';
import type { Store } from '../store/database.ts';
import { batchSize } from '../store/delivery.ts';
import { observed, observer } from '../metrics/observer.ts';
import { addDeadLetters } from './dead-letter.ts';
import {
  openQueues,
  QueueName,
  requestExtract,
  workerConnection,
  type QueueContext,
  type Queues,
  type RouteOf,
} from './queues.ts';
import { maintenanceQueue, maintenanceWorker, scheduleRetention, type MaintenanceHandlers } from './maintenance.ts';
import { extractAttachment } from './stages/extract.ts';
import { MissingToolError } from '../extract/extract.ts';
import { pendingFiles } from '../store/inspections.ts';
import { attachmentLimits } from '../core/limits.ts';
import type { Sealed } from './sealed-payload.ts';
import { runClassifyStage } from './stages/classify.processor.ts';
import { deliverBatch } from './stages/deliver.ts';
import { countProcessed } from './stats.ts';
import { logWorkerFailures } from './worker-log.ts';
import { relayCandidates, requestRelay } from './relay-requests.ts';

/** The shared stages; outbound sends are taken by each agency's bridge process (src/live/outbound-consumer.ts). */
export const STAGES = ['classify', 'deliver', 'extract', 'maintenance'] as const;
export type Stage = (typeof STAGES)[number];

export interface WorkerSetOptions extends QueueContext {
  stages: readonly Stage[];
  concurrency: number;
  store: Store;
  logger: Logger;
  /** the key file: encrypted originals, the hash operator's key, the queue key that seals payloads */
  keyFile: string;
  /**
   * How long a job stays locked to a worker that stops renewing the lock (a killed one), and how often this worker
   * looks for such jobs: another worker takes them up within about two to three times this. BullMQ's default
   * when absent.
   */
  lockMs?: number;
  /** the data directory: the extract stage reads attachments' bytes there */
  dataDir?: string;
  /** attachments read at once (OCR is heavy: one a core at most); default 1 */
  extractConcurrency?: number;
  /** how often the maintenance stage enforces retention; default 24 */
  retentionEveryHours?: number;
  /** what the maintenance stage's jobs do (the service layer's: src/service/maintenance.ts) */
  maintenance?: MaintenanceHandlers;
}

/** An agency's policy, re-read at most every few seconds so `agency set-policy` takes effect without restarts. */
export function policyLoader(store: Store, ttlMs = 5000): (agencyId: string) => Promise<Policy> {
  const cache = new Map<string, { policy: Policy; at: number }>();
  return async (agencyId) => {
    const hit = cache.get(agencyId);
    if (hit && Date.now() - hit.at < ttlMs) return hit.policy;
    const row = await store.pool.query<{ policy: unknown }>(`SELECT policy FROM agencies WHERE id = $1`, [agencyId]);
    const policy = policyFromStored(row.rows[0]?.policy ?? null);
    cache.set(agencyId, { policy, at: Date.now() });
    return policy;
  };
}

export interface WorkerSet {
  workers: Worker[];
  /** stops taking jobs and waits for the ones in flight (SIGTERM drains) */
  close(): Promise<void>;
}

export function deliverJobId(classifyJobId: string): string {
  return `${classifyJobId}-d`;
}

/** Registers each stage's processor: a thin queue layer around the stage's pure or database core. */
export async function startWorkers(options: WorkerSetOptions): Promise<WorkerSet> {
  const keyring: Keyring = await loadKeyring(options.keyFile);
  const queues: Queues = openQueues(
    { ...options, queueKey: requireQueueKey(keyring) },
    workerConnection(options.redisUrl),
  );
  const log = options.logger;
  const policyFor = policyLoader(options.store);
  const workers: Worker[] = [];
  const connections: ReturnType<typeof workerConnection>[] = [];
  const connection = () => {
    const redis = workerConnection(options.redisUrl);
    connections.push(redis);
    return redis;
  };
  const common = {
    prefix: options.prefix,
    concurrency: options.concurrency,
    ...(options.lockMs ? { lockDuration: options.lockMs, stalledInterval: options.lockMs } : {}),
  };

  if (options.stages.includes('classify')) {
    workers.push(
      new Worker<Sealed<RouteOf['classify']>>(
        QueueName.classify,
        (job: Job<Sealed<RouteOf['classify']>>) =>
          observed('classify', async () => {
            const payload = queues.classify.open(job);
            if (!Array.isArray(payload.messages))
              throw new UnrecoverableError(`classify job ${job.id} without a messages array`);
            const policy = await policyFor(payload.agencyId);
            const { deliver, deadLetters } = runClassifyStage(payload, { policy, hashKey: keyring.hashKey });
            await addDeadLetters(queues, deadLetters);
            await queues.deliver.addSealed(deliver, { jobId: deliverJobId(job.id!) });
            await countProcessed(queues.connection, options.prefix, 'classify', payload.messages.length);
            observer().messages('classify', {
              classified: payload.messages.length - deadLetters.length,
              refused: deadLetters.length,
            });
            return { messages: payload.messages.length, refused: deadLetters.length };
          }),
        { ...common, connection: connection() },
      ),
    );
  }
  if (options.stages.includes('deliver')) {
    workers.push(
      new Worker<Sealed<RouteOf['deliver']>>(
        QueueName.deliver,
        (job: Job<Sealed<RouteOf['deliver']>>) =>
          observed(
            'deliver',
            async () => {
              const payload = await queues.deliver.openStored(job);
              // a job of another shape (enqueued by an older version of the gateway) would fail the same way on every retry
              if (!Array.isArray(payload.messages?.chat))
                throw new UnrecoverableError(
                  `deliver job ${job.id} without a column batch (enqueued by another version?)`,
                );
              const result = await deliverBatch(options.store.pool, payload, {
                keyring,
                deadLetter: (entries) => addDeadLetters(queues, entries),
              });
              await requestExtract(queues, payload.agencyId, result.toInspect);
              // a live message (or a `--relay` import's) in a chat mapped to an Aitu group: its post follows the store
              await requestRelay(
                queues,
                payload.agencyId,
                await relayCandidates(options.store.pool, payload, result.changedIds),
              );
              if (!result.replayed) {
                await countProcessed(
                  queues.connection,
                  options.prefix,
                  'deliver',
                  batchSize(payload) + payload.blocked,
                );
                const { delivered, edited, duplicates, blocked, failed } = result.counts;
                observer().messages('deliver', { delivered, edited, duplicate: duplicates, blocked, failed });
                observer().findings(payload.flaggedByCategory ?? {});
              }
              return result;
            },
            (result) => (result.replayed ? 'replayed' : 'completed'),
          ).then((result) => result.counts),
        { ...common, connection: connection() },
      )
        .on('completed', (job) => {
          // once BullMQ has recorded the job done: a job retried after a crash still finds its payload
          queues.deliver.releaseStored(job.id).catch(() => {});
        })
        .on('failed', (job) => {
          // kept while BullMQ keeps the failed job (a retry completes in minutes and releases it)
          if (job) queues.deliver.expireStored(job.id).catch(() => {});
        }),
    );
  }
  if (options.stages.includes('extract')) workers.push(await extractWorker(options, queues, keyring, connection()));
  if (options.stages.includes('maintenance')) {
    if (!options.maintenance) throw new Error('the maintenance stage needs its jobs (src/service/maintenance.ts)');
    const schedule = maintenanceQueue(connection(), options.prefix);
    await scheduleRetention(schedule, options.retentionEveryHours ?? 24);
    await schedule.close();
    const handlers = options.maintenance;
    workers.push(maintenanceWorker({ handlers, prefix: options.prefix, connection: connection() }));
  }
  for (const worker of workers) logWorkerFailures(worker, log, worker.name);
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  return {
    workers,
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await queues.close();
      for (const redis of connections) redis.disconnect();
    },
  };
}

/**
 * The extract stage: reads one agency's file and decides the pending messages that carry it, on a queue of its own
 * with a small concurrency. At start it queues the files of messages still pending (their jobs lost with a crash or
 * an emptied Redis), so none waits for ever.
 */
async function extractWorker(
  options: WorkerSetOptions,
  queues: Queues,
  keyring: Keyring,
  connection: ReturnType<typeof workerConnection>,
): Promise<Worker> {
  const dataDir = options.dataDir;
  if (!dataDir) throw new Error('the extract stage reads attachments: it needs the data directory');
  const policyFor = policyLoader(options.store);
  const worker = new Worker<Sealed<RouteOf['extract']>>(
    QueueName.extract,
    (job: Job<Sealed<RouteOf['extract']>>) =>
      observed('extract', async () => {
        const payload = queues.extract.open(job);
        const settled = await extractAttachment(options.store.pool, payload, {
          dataDir,
          keyring,
          policyFor,
          limits: attachmentLimits(),
        }).catch((error: unknown) => {
          // a tool missing from the machine fails every retry alike: said at once
          throw error instanceof MissingToolError ? new UnrecoverableError(error.message) : error;
        });
        // held until now: their posts in Aitu follow the decision that covers the attachments
        for (const runId of new Set(settled.map((m) => m.runId))) {
          const ids = settled.filter((m) => m.runId === runId).map((m) => m.id);
          const route = { agencyId: payload.agencyId, runId };
          await requestRelay(queues, payload.agencyId, await relayCandidates(options.store.pool, route, ids));
        }
        return { settled: settled.length };
      }),
    {
      prefix: options.prefix,
      concurrency: options.extractConcurrency ?? 1,
      connection,
      // reading a large scanned PDF takes minutes: the lock is renewed while it runs, and lost only with the process
      ...(options.lockMs ? { lockDuration: options.lockMs, stalledInterval: options.lockMs } : {}),
    },
  );
  const byAgency = new Map<string, string[]>();
  for (const { agencyId, sha256 } of await pendingFiles(options.store.pool))
    byAgency.set(agencyId, [...(byAgency.get(agencyId) ?? []), sha256]);
  for (const [agencyId, files] of byAgency) await requestExtract(queues, agencyId, files);
  return worker;
}
