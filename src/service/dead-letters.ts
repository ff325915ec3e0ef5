import type pg from 'pg';
import { writeAudit } from '../audit/log.ts';
import { OPERATORS, requireRole, type Actor } from '../auth/roles.ts';
import { idDigest } from '../audit/fields.ts';
import { listDeadLetters, retryDeadLetters, viewDeadLetter, type RetryOutcome } from '../pipeline/dead-letter.ts';
import type { Queues } from '../pipeline/queues.ts';

export type DeadLetterChange = 'retry' | 'purge';

/** Retrying and purging dead letters is for operators and admins. */
export function authorizeDeadLetterChange(actor: Actor, change: DeadLetterChange): void {
  requireRole(actor, OPERATORS, `${change} dead letters`);
}

/**
 * Audits a retry or purge with the person and the dead letters' ids (never their content), per agency.
 * Called after the change, with the letters it touched.
 */
export async function auditDeadLetterChange(
  pool: Pick<pg.Pool, 'query'>,
  actor: Actor,
  change: DeadLetterChange,
  letters: readonly { id: string; agencyId: string }[],
): Promise<void> {
  const byAgency: Record<string, number> = {};
  for (const letter of letters) byAgency[letter.agencyId] = (byAgency[letter.agencyId] ?? 0) + 1;
  const agencies = Object.keys(byAgency);
  await writeAudit(pool, {
    actor,
    action: `dlq.${change}`,
    agencyId: agencies.length === 1 && isUuid(agencies[0]!) ? agencies[0] : null,
    details: { ...idDigest(letters.map((letter) => letter.id)), byAgency },
  });
}

function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

/**
 * Sends dead letters (all, or those with the given ids) through the pipeline again (operators, admins), audited
 * with the ones that went; a letter that does not open stays, with why.
 */
export async function retryDeadLetterItems(
  pool: Pick<pg.Pool, 'query'>,
  actor: Actor,
  queues: Pick<Queues, 'dead-letter' | 'classify'>,
  ids: readonly string[] = [],
): Promise<RetryOutcome> {
  authorizeDeadLetterChange(actor, 'retry');
  const letters = (await listDeadLetters(queues)).map((job) => viewDeadLetter(queues, job));
  const outcome = await retryDeadLetters(queues, ids);
  await auditDeadLetterChange(
    pool,
    actor,
    'retry',
    letters.filter((letter) => outcome.retried.includes(letter.id)),
  );
  return outcome;
}

/** Deletes every dead letter (operators, admins), audited with their ids; returns how many went. */
export async function purgeDeadLetterItems(
  pool: Pick<pg.Pool, 'query'>,
  actor: Actor,
  queues: Pick<Queues, 'dead-letter'>,
): Promise<number> {
  authorizeDeadLetterChange(actor, 'purge');
  const jobs = await listDeadLetters(queues);
  const letters = jobs.map((job) => viewDeadLetter(queues, job));
  for (const job of jobs) await job.remove();
  await auditDeadLetterChange(pool, actor, 'purge', letters);
  return jobs.length;
}
