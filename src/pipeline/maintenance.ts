/**
 * The maintenance queue (issue 24): jobs that carry no personal data, only what to do — enforcing retention (a
 * repeatable job, daily by default) and re-keying the subject index after `keys rotate --index`. A `worker` runs
 * them beside its stages; more workers share them as they share any queue.
 */
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import { writeAudit } from '../audit/log.ts';
import { loadKeyring } from '../core/keys.ts';
import { machineActor } from '../core/machine-actor.ts';
import { enforceRetention } from '../service/retention.ts';
import { rekeyIndex } from '../service/subject-index.ts';
import type { Store } from '../store/database.ts';

export const MAINTENANCE_QUEUE = 'maintenance';
export type MaintenanceJob = 'retention' | 'rekey-index';

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
  store: Store;
  keyFile: string;
  dataDir: string;
  connection: ConnectionOptions;
  prefix: string;
}): Worker {
  return new Worker(
    MAINTENANCE_QUEUE,
    async (job) => {
      const actor = machineActor();
      if (job.name === 'retention') return enforceRetention(options.store.pool, actor, options.dataDir);
      if (job.name === 'rekey-index') {
        // the key file as it is now: the rotation that asked for this added a key after this worker started
        const counts = await rekeyIndex(options.store.pool, await loadKeyring(options.keyFile));
        await writeAudit(options.store.pool, { actor, action: 'keys.rekey-index', details: { ...counts } });
        return counts;
      }
      throw new Error(`unknown maintenance job ${job.name}`);
    },
    { connection: options.connection, prefix: options.prefix, concurrency: 1 },
  );
}
