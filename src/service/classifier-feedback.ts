import type pg from 'pg';
import { writeAudit } from '../audit/log.ts';
import { canSeeAgency, ForbiddenError, requireRole, visibleAgencies, type Actor } from '../auth/roles.ts';
import { wordOf } from '../classifier/index.ts';
import { policyFromStored } from '../policy/index.ts';
import { requireAgency } from '../store/agencies.ts';

/** How often one detector (and, for vocabulary detectors, one term) was judged a false positive by officers. */
export interface FeedbackRow {
  detector: string;
  category: string;
  /** the vocabulary term (`health:ru:hospital`, or an agency's `agency:HEALTH:0`); null for pattern detectors */
  termId: string | null;
  /** the term as the vocabulary (or, with an agency, its policy) writes it; never message text */
  term: string | null;
  /** findings of it in items an officer decided false-positive */
  falsePositives: number;
  /** its findings in every decided review item: the share that were false positives is falsePositives / reviewed */
  reviewed: number;
  /** falsePositives / reviewed, rounded to three places; null when nothing of it was reviewed */
  share: number | null;
}

export interface ClassifierFeedback {
  /** the agency asked about; null: every agency the reader may see */
  agency: { id: string; slug: string; name: string } | null;
  generatedAt: string;
  /** most false positives first */
  rows: FeedbackRow[];
  totalFalsePositives: number;
}

/**
 * Which detectors and terms officers' false-positive decisions overturn, and how often, for tuning (an agency's
 * `classifier.ignore` list, or the vocabulary). Counts only: never a message or a matched value. Auditors, officers
 * (their agencies) and admins; the read is audited like a report.
 */
export async function classifierFeedback(
  pool: pg.Pool,
  actor: Actor,
  options: { agencySlug?: string; format?: 'text' | 'json' } = {},
  now = new Date(),
): Promise<ClassifierFeedback> {
  requireRole(actor, ['auditor', 'officer', 'admin'], 'read classifier feedback');
  let agency: ClassifierFeedback['agency'] = null;
  let agencyIds: readonly string[] | null;
  if (options.agencySlug !== undefined) {
    agency = await requireAgency(pool, options.agencySlug);
    if (!canSeeAgency(actor, agency.id))
      throw new ForbiddenError(`${actor.name} (${actor.role}) may not read the classifier feedback of ${agency.slug}`);
    agencyIds = [agency.id];
  } else {
    agencyIds = visibleAgencies(actor);
  }
  const rows = await feedbackRows(pool, agencyIds);
  const entryOf = agency ? await agencyEntries(pool, agency.id) : () => undefined;
  const result: ClassifierFeedback = {
    agency,
    generatedAt: now.toISOString(),
    rows: rows.map((r) => ({
      detector: r.detector,
      category: r.category,
      termId: r.term_id,
      term: r.term_id === null ? null : (wordOf(r.term_id) ?? entryOf(r.detector, r.term_id) ?? null),
      falsePositives: r.false_positives,
      reviewed: r.reviewed,
      share: r.reviewed > 0 ? Math.round((r.false_positives / r.reviewed) * 1000) / 1000 : null,
    })),
    totalFalsePositives: rows.reduce((n, r) => n + r.false_positives, 0),
  };
  await writeAudit(pool, {
    actor,
    action: 'classifier.feedback',
    agencyId: agency?.id ?? null,
    subject: agency?.slug ?? null,
    details: { format: options.format ?? 'text', rows: result.rows.length, falsePositives: result.totalFalsePositives },
  });
  return result;
}

interface Row {
  detector: string;
  category: string;
  term_id: string | null;
  false_positives: number;
  reviewed: number;
}

/** `agencyIds` null: every agency. */
async function feedbackRows(pool: pg.Pool, agencyIds: readonly string[] | null): Promise<Row[]> {
  const result = await pool.query<Row>(
    `WITH fp AS (
       SELECT detector, category, term_id, count(*)::int AS n
         FROM detector_feedback
        WHERE verdict = 'false_positive' AND ($1::uuid[] IS NULL OR agency_id = ANY($1::uuid[]))
        GROUP BY 1, 2, 3
     ), reviewed AS (
       SELECT f.detector, f.category, f.explanation->>'termId' AS term_id, count(*)::int AS n
         FROM review_items r JOIN findings f ON f.message_id = r.message_id
        WHERE r.status NOT IN ('open', 'escalated') AND ($1::uuid[] IS NULL OR r.agency_id = ANY($1::uuid[]))
        GROUP BY 1, 2, 3
     )
     SELECT fp.detector, fp.category, fp.term_id, fp.n AS false_positives, coalesce(rv.n, 0)::int AS reviewed
       FROM fp LEFT JOIN reviewed rv
         ON rv.detector = fp.detector AND rv.category = fp.category AND rv.term_id IS NOT DISTINCT FROM fp.term_id
      ORDER BY fp.n DESC, fp.detector, fp.category, fp.term_id NULLS FIRST`,
    [agencyIds === null ? null : [...agencyIds]],
  );
  return result.rows;
}

/** The agency's own terms and patterns by id, from its policy (an unreadable stored policy names none). */
async function agencyEntries(
  pool: pg.Pool,
  agencyId: string,
): Promise<(detector: string, termId: string) => string | undefined> {
  const row = await pool.query<{ policy: unknown }>(`SELECT policy FROM agencies WHERE id = $1`, [agencyId]);
  try {
    const custom = policyFromStored(row.rows[0]?.policy ?? null).classifier;
    return (detector, termId) => custom?.entryOf(detector, termId);
  } catch {
    return () => undefined;
  }
}
