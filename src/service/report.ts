import { writeAudit } from '../audit/log.ts';
import { canSeeAgency, ForbiddenError, requireRole, type Actor } from '../auth/roles.ts';
import { agencyReport, findingsOverTime, type AgencyReport, type FindingsTimeline } from '../review/report.ts';
import { requireAgency } from '../store/agencies.ts';
import type { Store } from '../store/database.ts';

/**
 * An agency's compliance report (counts only): auditors (all agencies, or those they are limited to), officers of
 * that agency, admins. Anyone else is refused, an officer of another agency too. Audited with its totals and the
 * format the front end renders it in. `timeline`: findings per category over time too (the console's chart).
 */
export async function reportFor(
  store: Store,
  actor: Actor,
  slug: string,
  options: { format?: 'text' | 'json' | 'csv' | 'html'; timeline?: boolean } = {},
): Promise<AgencyReport & { timeline?: FindingsTimeline }> {
  requireRole(actor, ['auditor', 'officer', 'admin'], 'read reports');
  const agency = await requireAgency(store.pool, slug);
  if (!canSeeAgency(actor, agency.id))
    throw new ForbiddenError(`${actor.name} (${actor.role}) may not read the report of ${agency.slug}`, 'agency');
  const report: AgencyReport & { timeline?: FindingsTimeline } = await agencyReport(store.pool, {
    id: agency.id,
    slug: agency.slug,
    name: agency.name,
  });
  if (options.timeline) report.timeline = await findingsOverTime(store.pool, agency.id);
  await writeAudit(store.pool, {
    actor,
    action: 'report.generate',
    agencyId: agency.id,
    subject: agency.slug,
    details: { format: options.format ?? 'text', totals: report.totals },
  });
  return report;
}
