import type { Redis } from 'ioredis';
import { requireRole, type Actor } from '../auth/roles.ts';
import { PLATFORMS } from '../core/message.ts';
import { readConnectorStatuses, type ConnectorStatus } from '../live/connector-status.ts';
import { listDeadLetters, viewDeadLetter, type DeadLetterView } from '../pipeline/dead-letter.ts';
import { PIPELINE_QUEUES, QueueName, type Queues } from '../pipeline/queues.ts';

/** One queue's jobs by state. */
export interface QueueCounts {
  name: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  workers: number;
}

export interface OperationsView {
  queues: QueueCounts[];
  deadLetters: DeadLetterView[];
  connectors: ConnectorStatus[];
}

const ADMINS = ['admin'] as const;

/**
 * What an admin watches in the console: the pipeline queues (the outbound ones of every agency summed), the dead
 * letters (source ids and reasons, never a text) and the live connectors' state. Ids and counts only, as `status`
 * and `dlq list` print them without a token: not audited. Changes go through retryDeadLetterItems and
 * purgeDeadLetterItems, which are. Null sources (a front end without Redis): null, after the same check.
 */
export async function readOperations(
  actor: Actor,
  sources: { queues: Queues; redis: Redis; prefix: string; agencyIds: readonly string[] } | null,
): Promise<OperationsView | null> {
  requireRole(actor, ADMINS, 'watch the queues');
  if (!sources) return null;
  const { queues } = sources;
  const counted: QueueCounts[] = [];
  for (const name of PIPELINE_QUEUES) counted.push(await countsOf(name, queues[name]));
  const outbound: QueueCounts = { name: QueueName.outbound, waiting: 0, active: 0, delayed: 0, failed: 0, workers: 0 };
  for (const agencyId of sources.agencyIds)
    for (const platform of PLATFORMS) {
      const one = await countsOf(QueueName.outbound, queues.outboundFor(platform, agencyId));
      outbound.waiting += one.waiting;
      outbound.active += one.active;
      outbound.delayed += one.delayed;
      outbound.failed += one.failed;
      outbound.workers += one.workers;
    }
  counted.push(outbound);
  const deadLetters = (await listDeadLetters(queues, 200)).map((job) => viewDeadLetter(queues, job));
  const connectors = await readConnectorStatuses(sources.redis, sources.prefix);
  return { queues: counted, deadLetters, connectors };
}

async function countsOf(
  name: string,
  queue: Pick<Queues['classify'], 'getJobCounts' | 'getWorkersCount'>,
): Promise<QueueCounts> {
  const counts = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
  return {
    name,
    waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
    active: counts.active ?? 0,
    delayed: counts.delayed ?? 0,
    failed: counts.failed ?? 0,
    workers: await queue.getWorkersCount(),
  };
}
