import type pg from 'pg';
import { csvField } from '../core/csv.ts';
import { inspectionCounts } from '../store/inspections.ts';

/** One CSV row: a metric in one section, by whichever dimensions that section has (the others empty). */
export interface ReportRow {
  section:
    | 'imported'
    | 'findings'
    | 'quarantined'
    | 'decided'
    | 'pending'
    | 'escalated'
    | 'blocked_inbound'
    | 'blocked_outbound'
    | 'attachment_findings'
    | 'attachments';
  source: string;
  chat: string;
  category: string;
  decision: string;
  decidedBy: string;
  count: number;
}

export const REPORT_CSV_COLUMNS = ['section', 'source', 'chat', 'category', 'decision', 'decided_by', 'count'] as const;

export interface AgencyReport {
  agency: { id: string; slug: string; name: string };
  generatedAt: string;
  rows: ReportRow[];
  totals: {
    imported: number;
    findings: number;
    quarantined: number;
    decided: number;
    open: number;
    escalatedNow: number;
    escalatedEver: number;
    blockedInbound: number;
    blockedOutbound: number;
  };
}

const row = (
  section: ReportRow['section'],
  fields: Partial<Omit<ReportRow, 'section' | 'count'>>,
  count: number,
): ReportRow => ({
  section,
  source: fields.source ?? '',
  chat: fields.chat ?? '',
  category: fields.category ?? '',
  decision: fields.decision ?? '',
  decidedBy: fields.decidedBy ?? '',
  count,
});

/** What an agency hands its auditors: counts only, computed in SQL; never a message text or a matched value. */
export async function agencyReport(
  pool: pg.Pool,
  agency: { id: string; slug: string; name: string },
  now = new Date(),
): Promise<AgencyReport> {
  const q = async <T extends pg.QueryResultRow>(sql: string) => (await pool.query<T>(sql, [agency.id])).rows;
  const rows: ReportRow[] = [];
  const imported = await q<{ source: string; chat: string; n: number }>(
    `SELECT m.platform AS source, coalesce(c.title, m.source_chat_id) AS chat, count(*)::int AS n
       FROM messages m LEFT JOIN chats c ON c.id = m.chat_id WHERE m.agency_id = $1 GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  for (const r of imported) rows.push(row('imported', { source: r.source, chat: r.chat }, r.n));
  const findings = await q<{ category: string; n: number }>(
    `SELECT f.category, count(*)::int AS n FROM findings f JOIN messages m ON m.id = f.message_id WHERE m.agency_id = $1 GROUP BY 1 ORDER BY 1`,
  );
  for (const r of findings) rows.push(row('findings', { category: r.category }, r.n));
  // in attachments: by category, and the agency's messages' files by what became of them (read, unreadable, pending)
  const inFiles = await q<{ category: string; n: number }>(
    `SELECT category, count(*)::int AS n FROM attachment_findings WHERE agency_id = $1 GROUP BY 1 ORDER BY 1`,
  );
  for (const r of inFiles) rows.push(row('attachment_findings', { category: r.category }, r.n));
  const files = await inspectionCounts(pool, { agencyId: agency.id });
  for (const status of ['inspected', 'pending', 'uninspected'] as const)
    if (files[status] > 0) rows.push(row('attachments', { decision: status }, files[status]));
  const quarantined = await q<{ category: string; n: number }>(
    `SELECT c AS category, count(*)::int AS n FROM review_items r, unnest(r.categories) AS c WHERE r.agency_id = $1 GROUP BY 1 ORDER BY 1`,
  );
  for (const r of quarantined) rows.push(row('quarantined', { category: r.category }, r.n));
  const statuses = await q<{ status: string; decided_by: string | null; escalated: boolean; n: number }>(
    `SELECT status, decided_by, escalated_at IS NOT NULL AS escalated, count(*)::int AS n FROM review_items WHERE agency_id = $1 GROUP BY 1, 2, 3 ORDER BY 1, 2`,
  );
  const sum = (list: readonly { n: number }[]) => list.reduce((s, r) => s + r.n, 0);
  const decided = new Map<string, { decision: string; decidedBy: string; n: number }>();
  for (const r of statuses.filter((s) => s.status !== 'open' && s.status !== 'escalated')) {
    const key = `${r.status}\u0000${r.decided_by ?? ''}`;
    const entry = decided.get(key) ?? { decision: r.status, decidedBy: r.decided_by ?? '', n: 0 };
    entry.n += r.n;
    decided.set(key, entry);
  }
  for (const d of decided.values()) rows.push(row('decided', { decision: d.decision, decidedBy: d.decidedBy }, d.n));
  const open = sum(statuses.filter((s) => s.status === 'open'));
  const escalatedNow = sum(statuses.filter((s) => s.status === 'escalated'));
  const escalatedEver = sum(statuses.filter((s) => s.escalated));
  rows.push(
    row('pending', { decision: 'open' }, open),
    row('pending', { decision: 'escalated' }, escalatedNow),
    row('escalated', {}, escalatedEver),
  );
  const blockedInbound = (
    await q<{ n: number }>(
      `SELECT coalesce(sum((details->>'blocked')::int), 0)::int AS n FROM audit_log WHERE agency_id = $1 AND action = 'deliver.batch'`,
    )
  )[0]!.n;
  rows.push(row('blocked_inbound', {}, blockedInbound));
  const outbound = await q<{ source: string; chat: string; category: string; n: number }>(
    `SELECT o.target_platform AS source, o.target_chat_id AS chat, coalesce(c.category, '') AS category, count(*)::int AS n
       FROM outbound_attempts o LEFT JOIN LATERAL jsonb_array_elements_text(coalesce(o.reason->'categories', '[]'::jsonb)) AS c(category) ON true
      WHERE o.agency_id = $1 AND o.status = 'blocked' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
  );
  for (const r of outbound)
    rows.push(row('blocked_outbound', { source: r.source, chat: r.chat, category: r.category }, r.n));
  const blockedOutbound = (
    await q<{ n: number }>(
      `SELECT count(*)::int AS n FROM outbound_attempts WHERE agency_id = $1 AND status = 'blocked'`,
    )
  )[0]!.n;
  return {
    agency,
    generatedAt: now.toISOString(),
    rows,
    totals: {
      imported: sum(imported),
      findings: sum(findings),
      quarantined: sum(statuses),
      decided: [...decided.values()].reduce((s, d) => s + d.n, 0),
      open,
      escalatedNow,
      escalatedEver,
      blockedInbound,
      blockedOutbound,
    },
  };
}

/** Findings per category over time, in periods of a day, a week or a month (UTC), every period present. */
export interface FindingsTimeline {
  bucket: 'day' | 'week' | 'month';
  /** each period's first day, `YYYY-MM-DD`, oldest first */
  periods: string[];
  /** category → findings in each period (same order as periods); only categories with a finding */
  series: Record<string, number[]>;
}

/**
 * Findings of the agency's messages by the time the message was sent, in days when they span up to two months,
 * weeks up to about a year, months beyond. Counts only.
 */
export async function findingsOverTime(pool: pg.Pool, agencyId: string): Promise<FindingsTimeline> {
  const span = (
    await pool.query<{ first: Date | null; last: Date | null }>(
      `SELECT min(m.sent_at) AS first, max(m.sent_at) AS last FROM findings f JOIN messages m ON m.id = f.message_id WHERE m.agency_id = $1`,
      [agencyId],
    )
  ).rows[0];
  if (!span?.first || !span.last) return { bucket: 'day', periods: [], series: {} };
  const days = (span.last.getTime() - span.first.getTime()) / 86_400_000;
  const bucket = days <= 62 ? 'day' : days <= 370 ? 'week' : 'month';
  const rows = await pool.query<{ period: string; category: string; n: number }>(
    `SELECT to_char(date_trunc($2, m.sent_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS period, f.category, count(*)::int AS n
       FROM findings f JOIN messages m ON m.id = f.message_id WHERE m.agency_id = $1 GROUP BY 1, 2 ORDER BY 1, 2`,
    [agencyId, bucket],
  );
  const periods = periodsBetween(rows.rows[0]!.period, rows.rows.at(-1)!.period, bucket);
  const index = new Map(periods.map((p, i) => [p, i]));
  const series: Record<string, number[]> = {};
  for (const r of rows.rows) (series[r.category] ??= periods.map(() => 0))[index.get(r.period)!] = r.n;
  return { bucket, periods, series };
}

/** Every period's first day from `first` to `last` (both already period starts). */
function periodsBetween(first: string, last: string, bucket: FindingsTimeline['bucket']): string[] {
  const periods: string[] = [];
  const at = new Date(`${first}T00:00:00Z`);
  const end = new Date(`${last}T00:00:00Z`).getTime();
  while (at.getTime() <= end) {
    periods.push(at.toISOString().slice(0, 10));
    if (bucket === 'day') at.setUTCDate(at.getUTCDate() + 1);
    else if (bucket === 'week') at.setUTCDate(at.getUTCDate() + 7);
    else at.setUTCMonth(at.getUTCMonth() + 1);
  }
  return periods;
}

export function reportCsv(report: AgencyReport): string {
  const lines = [REPORT_CSV_COLUMNS.join(',')];
  for (const r of report.rows)
    lines.push([r.section, r.source, r.chat, r.category, r.decision, r.decidedBy, r.count].map(csvField).join(','));
  return `${lines.join('\n')}\n`;
}
