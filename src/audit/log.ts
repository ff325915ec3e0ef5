import type pg from 'pg';

type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/**
 * Who an entry names: a person (their user id and role go into the details beside the name), or a named machine
 * actor (`os:<user>@<host>`, 'bootstrap'). Written out here rather than taken from src/auth, so the audit log
 * depends on no one who writes to it; src/auth's Actor is such a person.
 */
export type AuditActor = { id: string; name: string; role: string } | { name: string };

export interface AuditInput {
  actor: AuditActor;
  action: string;
  agencyId?: string | null;
  /** what the action was about: a review item id, `user:<id>`, `key:<id>`… never personal data */
  subject?: string | null;
  /** ids, counts, categories, decisions; never a message text, a note or a matched value */
  details?: Record<string, unknown>;
}

/**
 * Appends one audit entry (inside the caller's transaction when given one). The hash chain is added later by
 * the sealer, so writers never serialize on it.
 */
export async function writeAudit(db: Queryable, entry: AuditInput): Promise<bigint> {
  const who = 'role' in entry.actor ? { userId: entry.actor.id, role: entry.actor.role } : {};
  const result = await db.query<{ id: string }>(
    `INSERT INTO audit_log (actor, action, agency_id, subject, details) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [
      entry.actor.name,
      entry.action,
      entry.agencyId ?? null,
      entry.subject ?? null,
      JSON.stringify({ ...who, ...(entry.details ?? {}) }),
    ],
  );
  return BigInt(result.rows[0]!.id);
}
