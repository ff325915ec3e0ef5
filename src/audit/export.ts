import type pg from 'pg';
import { csvField } from '../core/csv.ts';

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
  const rows = await pool.query<{
    id: string;
    at: Date;
    actor: string;
    action: string;
    slug: string | null;
    subject: string | null;
    details: unknown;
    seq: string | null;
    hash: string | null;
  }>(
    `SELECT a.id::text, a.at, a.actor, a.action, ag.slug, a.subject, a.details, c.seq::text, c.hash
       FROM audit_log a LEFT JOIN agencies ag ON ag.id = a.agency_id LEFT JOIN audit_chain c ON c.entry_id = a.id
      WHERE a.at >= $1 ${scope} ORDER BY a.id`,
    params,
  );
  return rows.rows.map((r) => ({
    id: r.id,
    at: r.at.toISOString(),
    actor: r.actor,
    action: r.action,
    agency: r.slug,
    subject: r.subject,
    details: r.details,
    seq: r.seq,
    hash: r.hash,
  }));
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
