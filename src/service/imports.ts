import type pg from 'pg';
import { writeAudit, type AuditInput } from '../audit/log.ts';
import type { ImportSummary } from '../pipeline/import-run.ts';

/**
 * An import runs as the installation's configuration (no token); its entries name the OS user and host that ran
 * it (see machineActor). The start is written before anything is read, so an import that dies leaves its trace.
 */
export async function recordImportStart(
  pool: Pick<pg.Pool, 'query'>,
  actor: AuditInput['actor'],
  input: { agencyId: string; sourceKind: string; enqueueOnly: boolean },
): Promise<void> {
  await writeAudit(pool, {
    actor,
    action: 'import.start',
    agencyId: input.agencyId,
    details: { source: input.sourceKind, enqueueOnly: input.enqueueOnly, pid: process.pid },
  });
}

/** The run's outcome and counts (never its error text, which may quote the input). */
export async function recordImportFinish(
  pool: Pick<pg.Pool, 'query'>,
  actor: AuditInput['actor'],
  input: { agencyId: string; sourceKind: string },
  summary: ImportSummary | null,
): Promise<void> {
  await writeAudit(pool, {
    actor,
    action: 'import.finish',
    agencyId: input.agencyId,
    subject: summary?.runId ? `import-run:${summary.runId}` : null,
    details: summary
      ? {
          source: input.sourceKind,
          status: summary.status,
          resumedFrom: summary.resumedFrom,
          read: summary.read,
          delivered: summary.delivered,
          edited: summary.edited,
          duplicates: summary.duplicates,
          blocked: summary.blocked,
          failed: summary.failed,
          quarantined: summary.quarantined,
          redacted: summary.redacted,
        }
      : { source: input.sourceKind, status: 'failed', pid: process.pid },
  });
}
