import type pg from 'pg';
import { csvField } from '../core/csv.ts';

/** An audit entry as read with its agency's slug and its place in the chain. */
interface AuditRow {
  id: string;
  at: Date;
  actor: string;
  action: string;
  slug: string | null;
  subject: string | null;
  details: unknown;
  seq: string | null;
  hash: string | null;
}
function entryOf(r: AuditRow): ExportedEntry {
  return {
    id: r.id,
    at: r.at.toISOString(),
    actor: r.actor,
    action: r.action,
    agency: r.slug,
    subject: r.subject,
    details: r.details,
    seq: r.seq,
    hash: r.hash,
  };
}

const AUDIT_ROWS = `SELECT a.id::text, a.at, a.actor, a.action, ag.slug, a.subject, a.details, c.seq::text, c.hash
       FROM audit_log a LEFT JOIN agencies ag ON ag.id = a.agency_id LEFT JOIN audit_chain c ON c.entry_id = a.id`;

export interface ExportedEntry {
  id: string;
  at: string;
  actor: string;
  action: string;
  agency: string | null;
  subject: string | null;
  details: unknown;
  /** position and hash in the chain (null: not sealed yet) */
  seq: string | null;
  hash: string | null;
}

export const AUDIT_CSV_COLUMNS = [
  'id',
  'at',
  'actor',
  'action',
  'agency',
  'subject',
  'details',
  'seq',
  'hash',
] as const;

/** Audit entries in id order, with their seal; agencyIds limits to those agencies' entries (null: all). */
export async function exportAudit(
  pool: pg.Pool,
  options: { since?: Date; agencyIds: readonly string[] | null },
): Promise<ExportedEntry[]> {
  const params: unknown[] = [options.since ?? new Date(0)];
  let scope = '';
  if (options.agencyIds) {
    params.push(options.agencyIds);
    scope = `AND a.agency_id = ANY($2::uuid[])`;
  }
  const rows = await pool.query<AuditRow>(
    `${AUDIT_ROWS}
      WHERE a.at >= $1 ${scope} ORDER BY a.id`,
    params,
  );
  return rows.rows.map(entryOf);
}

export interface AuditFilter {
  /** an action (`review.decide`), or a prefix ending in a dot (`review.`) */
  action?: string;
  /** who acted, as the entry names them */
  actor?: string;
  since?: Date;
  until?: Date;
}

/**
 * The newest entries (up to `limit`) that match the filter, with their seal; agencyIds limits to those agencies'
 * entries (null: all). Newest first, since a screen shows the latest.
 */
export async function listAuditEntries(
  pool: pg.Pool,
  filter: AuditFilter,
  options: { agencyIds: readonly string[] | null; limit: number },
): Promise<ExportedEntry[]> {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const add = (sql: (p: string) => string, value: unknown) => {
    params.push(value);
    conditions.push(sql(`$${params.length}`));
  };
  if (options.agencyIds) add((p) => `a.agency_id = ANY(${p}::uuid[])`, options.agencyIds);
  if (filter.action?.endsWith('.')) add((p) => `starts_with(a.action, ${p})`, filter.action);
  else if (filter.action) add((p) => `a.action = ${p}`, filter.action);
  if (filter.actor) add((p) => `a.actor = ${p}`, filter.actor);
  if (filter.since) add((p) => `a.at >= ${p}`, filter.since);
  if (filter.until) add((p) => `a.at < ${p}`, filter.until);
  params.push(Math.max(1, Math.floor(options.limit)));
  const rows = await pool.query<AuditRow>(
    `${AUDIT_ROWS}
      ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''} ORDER BY a.id DESC LIMIT $${params.length}`,
    params,
  );
  return rows.rows.map(entryOf);
}

export function auditCsv(entries: readonly ExportedEntry[]): string {
  const lines = [AUDIT_CSV_COLUMNS.join(',')];
  for (const e of entries) {
    lines.push(
      [
        e.id,
        e.at,
        e.actor,
        e.action,
        e.agency ?? '',
        e.subject ?? '',
        JSON.stringify(e.details),
        e.seq ?? '',
        e.hash ?? '',
      ]
        .map(csvField)
        .join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}
