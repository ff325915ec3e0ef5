import type { Job } from 'bullmq';
import { contentJobId, type DeadLetterPayload, type Queues } from './queues.ts';

/** Adds dead letters; the job id derives from the message and its run, so a replayed failure is kept once. */
export async function addDeadLetters(queues: Pick<Queues, 'dead-letter'>, entries: readonly DeadLetterPayload[]): Promise<void> {
  if (entries.length === 0) return;
  await queues['dead-letter'].addBulk(
    entries.map((entry) => ({
      name: entry.stage,
      data: entry,
      opts: {
        jobId: contentJobId('dead', [entry.agencyId, entry.runId ?? '', entry.stage, JSON.stringify(identityOf(entry))]),
        // dead letters wait for an operator: no worker takes them, and they are never aged out
        removeOnComplete: false,
        removeOnFail: false,
        attempts: 1,
      },
    })),
  );
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
  /** the message's source identity, never its text */
  source: string;
}

export function viewDeadLetter(job: Job<DeadLetterPayload>): DeadLetterView {
  const m = (job.data.message ?? {}) as Record<string, unknown>;
  const source = typeof m.platform === 'string' ? `${m.platform}:${String(m.chatId)}/${String(m.messageId)}` : '(unreadable entry)';
  return {
    id: job.id ?? '',
    stage: job.data.stage,
    agencyId: job.data.agencyId,
    runId: job.data.runId,
    reason: job.data.reason,
    failedAt: job.data.failedAt,
    source,
  };
}

export async function listDeadLetters(queues: Pick<Queues, 'dead-letter'>, limit = 1000): Promise<Job<DeadLetterPayload>[]> {
  return queues['dead-letter'].getJobs(['waiting', 'prioritized', 'delayed'], 0, limit - 1, true);
}
