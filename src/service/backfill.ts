import { randomUUID } from 'node:crypto';
import { QueueEvents } from '../core/bullmq.ts';
import type { Redis } from 'ioredis';
import { writeAudit } from '../audit/log.ts';
import { OPERATORS, requireRole, type Actor } from '../auth/roles.ts';
import { JobFailedError, UsageError } from '../core/errors.ts';
import type { Platform } from '../core/message.ts';
import { backfillQueueName, type Queues } from '../pipeline/queues.ts';
import type { BackfillResult } from '../live/backfill.ts';
import { requireAgency } from '../store/agencies.ts';
import type { Store } from '../store/database.ts';
import { auditableSource } from '../audit/fields.ts';

export interface BackfillRequest {
  agency: string;
  platform: Platform;
  chatId: string;
  limit: number;
  restart?: boolean;
  /** how long to wait for the running bridge's result */
  timeoutMs: number;
}

/**
 * Asks the agency's running bridge for a chat's recent history (operator, admin; audited with the actor): a sealed
 * job on the agency's backfill queue for the platform, then the bridge's counts. The messages themselves take the
 * pipeline, as live ones do.
 */
export async function requestBackfill(
  store: Store,
  queues: Pick<Queues, 'backfillFor'> & { connection: QueueEventsConnection },
  actor: Actor,
  request: BackfillRequest,
): Promise<BackfillResult> {
  requireRole(actor, OPERATORS, 'backfill chats');
  if (!Number.isSafeInteger(request.limit) || request.limit < 1 || request.limit > 10_000)
    throw new UsageError('--limit must be a whole number from 1 to 10000');
  const agency = await requireAgency(store.pool, request.agency);
  const jobId = `bf-${randomUUID()}`;
  const source = auditableSource(request.platform, request.chatId);
  await writeAudit(store.pool, {
    actor,
    action: 'bridge.backfill',
    agencyId: agency.id,
    subject: source,
    details: { source, limit: request.limit, restart: request.restart === true, jobId },
  });
  const queue = queues.backfillFor(request.platform, agency.id);
  // QueueEvents blocks on the stream: a connection of its own that retries (BullMQ's requirement)
  const connection = queues.connection.duplicate({ maxRetriesPerRequest: null });
  const events = new QueueEvents(backfillQueueName(request.platform, agency.id), {
    connection,
    prefix: queue.opts.prefix,
  });
  try {
    await events.waitUntilReady();
    const job = await queue.addSealed(
      {
        agencyId: agency.id,
        platform: request.platform,
        chatId: request.chatId,
        limit: request.limit,
        ...(request.restart ? { restart: true } : {}),
      },
      { jobId },
    );
    try {
      return (await job.waitUntilFinished(events, request.timeoutMs)) as BackfillResult;
    } catch (error) {
      const message = (error as Error).message;
      if (/timed out/i.test(message)) {
        throw new JobFailedError(
          `no ${request.platform} bridge finished the backfill within ${Math.round(request.timeoutMs / 1000)} s (is \`aitu-gateway bridge ${request.platform} --agency ${request.agency}\` running?); the request stays queued as ${jobId}`,
        );
      }
      throw new JobFailedError(`the ${request.platform} bridge could not backfill: ${message}`);
    }
  } finally {
    await events.close();
    connection.disconnect();
  }
}

type QueueEventsConnection = Pick<Redis, 'duplicate'>;
