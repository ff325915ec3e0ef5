/**
 * The store's side of reading attachments (issue 23): which messages wait for their attachments to be read, what
 * each agency's copy of a file holds, and which pending messages can be decided. Spans and categories only: the
 * text read from a file is never stored.
 */
import type pg from 'pg';

type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/** An attachment's reading as the store keeps it. */
export interface StoredInspection {
  status: 'inspected' | 'uninspected';
  reason: string | null;
  pages: number;
  ocrPages: number;
  categories: string[];
  findings: {
    page: number;
    start: number;
    end: number;
    category: string;
    confidence: number;
    detector: string;
    explanation: unknown;
    /** [left, top, right, bottom] fractions of the page; null for a file without pages to draw on */
    boxes: (readonly number[])[] | null;
    /** the identifier's keyed digest and sealed value (base64) for the subject index; never the value in clear */
    subject?: { digest: string; sealed: string };
  }[];
  /** the index key the digests were made with */
  subjectKeyId?: string;
}

/**
 * Marks the messages among `ids` that hold attachment bytes as pending inspection, in the delivering transaction;
 * returns the files to read (distinct sha256).
 */
export async function markPendingInspection(
  db: Queryable,
  agencyId: string,
  ids: readonly string[],
): Promise<string[]> {
  if (ids.length === 0) return [];
  const result = await db.query<{ sha256: string }>(
    `WITH pending AS (
       UPDATE messages m SET inspection = 'pending'
        WHERE m.id = ANY($2::bigint[]) AND m.agency_id = $1 AND NOT m.withdrawn
          AND EXISTS (SELECT 1 FROM message_attachments a
                       WHERE a.message_id = m.id AND a.sha256 IS NOT NULL AND NOT a.missing AND NOT a.withheld)
       RETURNING m.id)
     SELECT DISTINCT a.sha256 FROM message_attachments a JOIN pending p ON p.id = a.message_id
      WHERE a.sha256 IS NOT NULL AND NOT a.missing AND NOT a.withheld`,
    [agencyId, ids],
  );
  return result.rows.map((r) => r.sha256);
}

export async function hasInspection(db: Queryable, agencyId: string, sha256: string): Promise<boolean> {
  const result = await db.query(`SELECT 1 FROM attachment_inspections WHERE agency_id = $1 AND sha256 = $2`, [
    agencyId,
    sha256,
  ]);
  return (result.rowCount ?? 0) > 0;
}

/** The categories an agency's copy of a file was found to hold ([] before it is read). */
export async function inspectionCategories(db: Queryable, agencyId: string, sha256: string): Promise<string[]> {
  const result = await db.query<{ categories: string[] | null }>(
    `SELECT categories FROM attachment_inspections WHERE agency_id = $1 AND sha256 = $2`,
    [agencyId, sha256],
  );
  return result.rows[0]?.categories ?? [];
}

/** Records a reading; a second reading of the same file for the agency (a retried job) changes nothing. */
export async function recordInspection(
  db: Queryable,
  agencyId: string,
  sha256: string,
  inspection: StoredInspection,
): Promise<void> {
  const inserted = await db.query(
    `INSERT INTO attachment_inspections (agency_id, sha256, status, reason, pages, ocr_pages, categories)
     VALUES ($1, $2, $3, $4, $5, $6, $7::text[]) ON CONFLICT DO NOTHING`,
    [
      agencyId,
      sha256,
      inspection.status,
      inspection.reason,
      inspection.pages,
      inspection.ocrPages,
      inspection.categories,
    ],
  );
  if ((inserted.rowCount ?? 0) === 0 || inspection.findings.length === 0) return;
  // the findings and, for identifiers, their subject index rows in one statement (a finding is one per page, span
  // and category)
  await db.query(
    `WITH f AS (SELECT * FROM jsonb_to_recordset($3::jsonb)
                  AS f(page int, start int, "end" int, category text, confidence float8, detector text,
                       explanation jsonb, boxes jsonb, subject jsonb)),
          written AS (
            INSERT INTO attachment_findings (agency_id, sha256, page, start, "end", category, confidence, detector, explanation, boxes)
            SELECT $1, $2, f.page, f.start, f."end", f.category, f.confidence, f.detector, f.explanation, f.boxes FROM f
            RETURNING id, page, start, "end", category)
     INSERT INTO subject_index (agency_id, category, digest, sealed, key_id, sha256, attachment_finding_id)
     SELECT $1, w.category, decode(f.subject->>'digest', 'base64'), decode(f.subject->>'sealed', 'base64'), $4, $2, w.id
       FROM written w JOIN f ON f.page = w.page AND f.start = w.start AND f."end" = w."end" AND f.category = w.category
      WHERE f.subject IS NOT NULL AND $4::text IS NOT NULL`,
    [agencyId, sha256, JSON.stringify(inspection.findings), inspection.subjectKeyId ?? null],
  );
}

/** A pending message whose attachments have all been read, with what they hold and the decision it was stored under. */
export interface SettleableMessage {
  id: string;
  runId: string | null;
  /** the distinct categories of its attachments (UNINSPECTED for one not read) */
  categories: string[];
  /** why its unread attachments were not read */
  reasons: string[];
  /** each attachment read: its categories, and whether the agency holds a copy with black boxes */
  files: { categories: string[]; redacted: boolean }[];
  decision: { action: string; rule: string; categories: string[]; reasons: unknown };
}

/** The agency's pending messages holding `sha256` whose attachments have all been read (locked for the caller). */
export async function settleableMessages(
  db: Queryable,
  agencyId: string,
  sha256: string,
): Promise<SettleableMessage[]> {
  const result = await db.query<{
    id: string;
    import_run_id: string | null;
    categories: string[] | null;
    reasons: string[] | null;
    files: { categories: string[] | null; redacted: boolean }[];
    action: string;
    rule: string;
    decision_categories: string[];
    decision_reasons: unknown;
  }>(
    `SELECT m.id::text AS id, m.import_run_id,
            (SELECT array_agg(DISTINCT c) FROM message_attachments a
               JOIN attachment_inspections i ON i.agency_id = m.agency_id AND i.sha256 = a.sha256,
               unnest(i.categories) c
              WHERE a.message_id = m.id AND NOT a.missing AND NOT a.withheld) AS categories,
            (SELECT array_agg(DISTINCT i.reason) FROM message_attachments a
               JOIN attachment_inspections i ON i.agency_id = m.agency_id AND i.sha256 = a.sha256
              WHERE a.message_id = m.id AND i.reason IS NOT NULL) AS reasons,
            (SELECT coalesce(jsonb_agg(jsonb_build_object('categories', i.categories, 'redacted', r.sha256 IS NOT NULL)), '[]')
               FROM message_attachments a
               JOIN attachment_inspections i ON i.agency_id = m.agency_id AND i.sha256 = a.sha256
               LEFT JOIN attachment_redactions r ON r.agency_id = m.agency_id AND r.sha256 = a.sha256
              WHERE a.message_id = m.id AND NOT a.missing AND NOT a.withheld) AS files,
            d.action, d.rule, d.categories AS decision_categories, d.reasons AS decision_reasons
       FROM messages m JOIN decisions d ON d.id = m.decision_id
      WHERE m.agency_id = $1 AND m.inspection = 'pending'
        AND EXISTS (SELECT 1 FROM message_attachments a WHERE a.message_id = m.id AND a.sha256 = $2)
        AND NOT EXISTS (SELECT 1 FROM message_attachments a
                         WHERE a.message_id = m.id AND a.sha256 IS NOT NULL AND NOT a.missing AND NOT a.withheld
                           AND NOT EXISTS (SELECT 1 FROM attachment_inspections i
                                            WHERE i.agency_id = m.agency_id AND i.sha256 = a.sha256))
      ORDER BY m.id
        FOR UPDATE OF m`,
    [agencyId, sha256],
  );
  return result.rows.map((r) => ({
    id: r.id,
    runId: r.import_run_id,
    categories: r.categories ?? [],
    reasons: r.reasons ?? [],
    files: r.files.map((f) => ({ categories: f.categories ?? [], redacted: f.redacted })),
    decision: { action: r.action, rule: r.rule, categories: r.decision_categories, reasons: r.decision_reasons },
  }));
}

/** The files of pending messages (agency, sha256): what an extract worker reads again after a crash lost its jobs. */
export async function pendingFiles(db: Queryable): Promise<{ agencyId: string; sha256: string }[]> {
  const result = await db.query<{ agency_id: string; sha256: string }>(
    `SELECT DISTINCT m.agency_id, a.sha256 FROM messages m JOIN message_attachments a ON a.message_id = m.id
      WHERE m.inspection = 'pending' AND a.sha256 IS NOT NULL AND NOT a.missing AND NOT a.withheld`,
  );
  return result.rows.map((r) => ({ agencyId: r.agency_id, sha256: r.sha256 }));
}

/** Attachments (with their bytes held) of a run's or an agency's messages by what became of them. */
export async function inspectionCounts(
  db: Queryable,
  scope: { runId: string } | { agencyId: string },
): Promise<{ inspected: number; uninspected: number; pending: number }> {
  const [column, value] = 'runId' in scope ? ['import_run_id', scope.runId] : ['agency_id', scope.agencyId];
  const result = await db.query<{ inspected: number; uninspected: number; pending: number }>(
    `SELECT count(*) FILTER (WHERE i.status = 'inspected')::int AS inspected,
            count(*) FILTER (WHERE i.status = 'uninspected')::int AS uninspected,
            count(*) FILTER (WHERE i.status IS NULL)::int AS pending
       FROM messages m JOIN message_attachments a ON a.message_id = m.id
       LEFT JOIN attachment_inspections i ON i.agency_id = m.agency_id AND i.sha256 = a.sha256
      WHERE m.${column} = $1 AND a.sha256 IS NOT NULL AND NOT a.missing`,
    [value],
  );
  return result.rows[0] ?? { inspected: 0, uninspected: 0, pending: 0 };
}
