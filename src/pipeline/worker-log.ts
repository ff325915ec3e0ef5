import { UnrecoverableError } from '../core/bullmq.ts';
import type { Worker } from 'bullmq';
import type { Logger } from 'winston';

/**
 * Logs a worker's failed jobs — an error when the job is given up on, else at `retryLevel` since it will be tried
 * again — and the worker's own errors (Redis away). Ids, attempts and the error's message only: payloads are sealed.
 */
export function logWorkerFailures(
  worker: Worker,
  log: Logger,
  what: string,
  retryLevel: 'warn' | 'debug' = 'warn',
): void {
  worker.on('failed', (job, error) => {
    const final = !job || job.attemptsMade >= (job.opts.attempts ?? 1) || error instanceof UnrecoverableError;
    log[final ? 'error' : retryLevel](`${what} job ${final ? 'failed' : 'will be retried'}`, {
      job: job?.id,
      attempt: job?.attemptsMade,
      error: error.message,
    });
  });
  worker.on('error', (error) => log.warn(`${what} worker: ${error.message}`));
}
