/**
 * The maintenance queue (issue 24): jobs that carry no personal data, only what to do — enforcing retention (a
 * repeatable job, daily by default) and re-keying the subject index after `keys rotate --index`. A `worker` runs
 * them beside its stages; more workers share them as they share any queue. What each job does is the service
 * layer's (src/service/maintenance.ts): this is only its queue.
 */
import { Queue, Worker } from '../core/bullmq.ts';
import type { ConnectionOptions } from 'bullmq';

export const MAINTENANCE_QUEUE = 'maintenance';
export type MaintenanceJob = 'retention' | 'rekey-index';
export type MaintenanceHandlers = Record<MaintenanceJob, () => Promise<unknown>>;

export function maintenanceQueue(connection: ConnectionOptions, prefix: string): Queue {
  return new Queue(MAINTENANCE_QUEUE, { connection, prefix });
}

/** Retention every `everyHours` (one schedule however many workers start it). */
export async function scheduleRetention(queue: Queue, everyHours: number): Promise<void> {
  await queue.upsertJobScheduler('retention', { every: everyHours * 3_600_000 }, { name: 'retention' });
}

export async function requestRekey(queue: Queue): Promise<void> {
  await queue.add('rekey-index', {}, { jobId: `rekey-index-${Date.now()}`, removeOnComplete: 100, removeOnFail: 100 });
}

export function maintenanceWorker(options: {
  handlers: MaintenanceHandlers;
  connection: ConnectionOptions;
  prefix: string;
}): Worker {
  return new Worker(
    MAINTENANCE_QUEUE,
    async (job) => {
      const handler = options.handlers[job.name as MaintenanceJob];
      if (!handler) throw new Error(`unknown maintenance job ${job.name}`);
      return handler();
    },
    { connection: options.connection, prefix: options.prefix, concurrency: 1 },
  );
}
