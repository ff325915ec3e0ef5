import type { Job } from 'bullmq';
import { observer } from '../metrics/observer.ts';
import type { DeadLetterPayload, Queues, RouteOf } from './queues.ts';
import { isSealed, keyedJobId, type Sealed } from './sealed-payload.ts';

type DeadLetterJob = Job<Sealed<RouteOf['dead-letter']>>;

/**
 * Adds dead letters, each sealed with its raw entry (so a retry after a fix can succeed). The job id derives from
 * the message and its run, keyed with the queue key, so a replayed failure is kept once.
 */
export async function addDeadLetters(
  queues: Pick<Queues, 'dead-letter'>,
  entries: readonly DeadLetterPayload[],
): Promise<void> {
  if (entries.length === 0) return;
  const queue = queues['dead-letter'];
  if (!queue.sealer) throw new Error('the dead-letter queue was opened without the queue key');
  const sealer = queue.sealer;
  const added = await queue.addSealedBulk(
    entries.map((entry) => ({
      jobName: entry.stage,
      payload: entry,
      options: {
        jobId: keyedJobId(sealer, 'dead', [
          entry.agencyId,
          entry.runId ?? '',
          entry.stage,
          JSON.stringify(identityOf(entry)),
        ]),
        // dead letters wait for an operator: no worker takes them, and they are never aged out
        removeOnComplete: false,
        removeOnFail: false,
        attempts: 1,
      },
    })),
  );
  const byStage: Record<string, number> = {};
  for (const job of added) byStage[job.name] = (byStage[job.name] ?? 0) + 1;
  for (const [stage, count] of Object.entries(byStage)) observer().deadLetters(stage, count);
}

/** The message's source ids when it has them; an unreadable entry is known only by its reason (file and line). */
function identityOf(entry: DeadLetterPayload): unknown {
  const m = entry.message;
  if (m && typeof m === 'object') {
    const { platform, chatId, messageId } = m as Record<string, unknown>;
    if (platform !== undefined && messageId !== undefined) return [platform, chatId, messageId];
  }
  return [entry.reason, m];
}

export interface DeadLetterView {
  id: string;
  stage: string;
  agencyId: string;
  runId: string | null;
  reason: string;
  failedAt: string;
  /** the message's source identity (platform, chat and message ids), never its text */
  source: string;
}

/** The source ids of a dead letter's raw entry. */
function sourceOf(message: unknown): string {
  const m = (message ?? {}) as Record<string, unknown>;
  return typeof m.platform === 'string'
    ? `${m.platform}:${String(m.chatId)}/${String(m.messageId)}`
    : '(unreadable entry)';
}

/**
 * What `dlq list` shows of a dead letter: its clear routing fields and, opened with the queue key, the source ids
 * of its entry. One that does not open (another key, altered, or left in clear by an earlier version) is listed
 * with why, never with any of its contents.
 */
export function viewDeadLetter(queues: Pick<Queues, 'dead-letter'>, job: DeadLetterJob): DeadLetterView {
  const data: unknown = job.data;
  if (!isSealed(data)) {
    const legacy = (data ?? {}) as Partial<DeadLetterPayload>;
    return {
      id: job.id ?? '',
      stage: String(legacy.stage ?? job.name),
      agencyId: String(legacy.agencyId ?? ''),
      runId: legacy.runId ?? null,
      reason: String(legacy.reason ?? ''),
      failedAt: String(legacy.failedAt ?? new Date(job.timestamp).toISOString()),
      source: '(not sealed: left in clear by an earlier version; it cannot be retried, purge it)',
    };
  }
  const route = (data as Sealed<RouteOf['dead-letter']>).route;
  let source: string;
  try {
    source = sourceOf(queues['dead-letter'].open(job).message);
  } catch (error) {
    source = `(${(error as Error).message})`;
  }
  return {
    id: job.id ?? '',
    stage: route.stage,
    agencyId: route.agencyId,
    runId: route.runId,
    reason: route.reason,
    failedAt: route.failedAt,
    source,
  };
}

export async function listDeadLetters(queues: Pick<Queues, 'dead-letter'>, limit = 1000): Promise<DeadLetterJob[]> {
  return queues['dead-letter'].getJobs(['waiting', 'prioritized', 'delayed'], 0, limit - 1, true);
}

export interface RetryOutcome {
  retried: string[];
  /** dead letters that could not be opened, with why; they stay in the queue */
  refused: { id: string; reason: string }[];
}

/**
 * Sends dead letters (all, or those with the given ids) through the pipeline again: each raw entry is opened with
 * the queue key and re-enqueued, sealed, as a classify batch of one, then the dead letter is removed.
 */
export async function retryDeadLetters(
  queues: Pick<Queues, 'dead-letter' | 'classify'>,
  ids: readonly string[] = [],
): Promise<RetryOutcome> {
  const jobs = (await listDeadLetters(queues)).filter((job) => ids.length === 0 || ids.includes(job.id ?? ''));
  const outcome: RetryOutcome = { retried: [], refused: [] };
  for (const job of jobs) {
    let entry: DeadLetterPayload;
    try {
      entry = queues['dead-letter'].open(job);
    } catch (error) {
      outcome.refused.push({ id: job.id ?? '', reason: (error as Error).message });
      continue;
    }
    const retryId = `retry-${job.id}-${Date.now()}`;
    await queues.classify.addSealed(
      { agencyId: entry.agencyId, runId: null, seq: null, checkpoint: null, messages: [entry.message as never] },
      { jobId: retryId },
      'retry',
    );
    await job.remove();
    outcome.retried.push(job.id ?? '');
  }
  return outcome;
}
