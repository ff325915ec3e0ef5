import { sealAuditLog, SealRefusedError, type ChainContext } from '../audit/chain.ts';
import { exportAudit, listAuditEntries, type AuditFilter, type ExportedEntry } from '../audit/export.ts';
import { writeAudit } from '../audit/log.ts';
import { verifyAuditChain, type VerifyResult } from '../audit/verify.ts';
import { requireRole, visibleAgencies, type Actor } from '../auth/roles.ts';
import type { Store } from '../store/database.ts';

/** Reading the audit log itself: auditors and admins; each read is audited in turn. */
const READERS = ['auditor', 'admin'] as const;

export interface AuditVerification {
  result: VerifyResult;
  /** why the seal before verifying was refused (the chain does not reach its head): the problems then say in full */
  sealRefused: string | null;
}

/**
 * Seals (where the chain's signing key is at hand), then recomputes the whole chain against its signed head (see
 * verifyAuditChain); audited with the outcome and the first problem. A failed verification is a result, not an
 * error: the front end decides how to report it.
 */
export async function verifyAuditLog(store: Store, actor: Actor, chain: ChainContext): Promise<AuditVerification> {
  requireRole(actor, READERS, 'verify the audit log');
  let sealRefused: string | null = null;
  if (chain.signingKey) {
    try {
      await sealAuditLog(store.pool, chain);
    } catch (error) {
      if (!(error instanceof SealRefusedError)) throw error;
      sealRefused = error.message;
    }
  }
  const result = await verifyAuditChain(store.pool, chain);
  await writeAudit(store.pool, {
    actor,
    action: 'audit.verify',
    details: {
      ok: result.ok,
      checked: result.checked,
      lastEntryId: result.last?.entryId ?? null,
      problems: result.problems.length,
      first: result.problems[0]?.message,
    },
  });
  return { result, sealRefused };
}

/**
 * Audit entries with their chain hashes, sealed first so every committed entry has its hash; an auditor limited to
 * some agencies gets only those agencies' entries. Audited with the count and the format the front end writes.
 */
export async function exportAuditLog(
  store: Store,
  actor: Actor,
  chain: ChainContext,
  options: { since?: Date; format?: 'text' | 'json' | 'csv' } = {},
): Promise<ExportedEntry[]> {
  requireRole(actor, READERS, 'export the audit log');
  await sealAuditLog(store.pool, chain);
  const entries = await exportAudit(store.pool, { since: options.since, agencyIds: visibleAgencies(actor) });
  await writeAudit(store.pool, {
    actor,
    action: 'audit.export',
    details: { since: options.since?.toISOString(), entries: entries.length, format: options.format ?? 'text' },
  });
  return entries;
}

/**
 * The newest audit entries matching the filter, for a screen (auditors, admins; an auditor limited to agencies gets
 * theirs). Not sealed first: an entry not yet in the chain shows without its hash. Audited with the filter and the
 * count.
 */
export async function readAuditEntries(
  store: Store,
  actor: Actor,
  filter: AuditFilter,
  options: { limit?: number } = {},
): Promise<ExportedEntry[]> {
  requireRole(actor, READERS, 'read the audit log');
  const entries = await listAuditEntries(store.pool, filter, {
    agencyIds: visibleAgencies(actor),
    limit: options.limit ?? 200,
  });
  await writeAudit(store.pool, {
    actor,
    action: 'audit.list',
    details: {
      filter: {
        action: filter.action,
        actor: filter.actor ? 'given' : undefined,
        since: filter.since?.toISOString(),
        until: filter.until?.toISOString(),
      },
      count: entries.length,
    },
  });
  return entries;
}
