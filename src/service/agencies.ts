import { writeAudit } from '../audit/log.ts';
import { requireRole, type Actor } from '../auth/roles.ts';
import { addAgency, requireAgency, type AgencySummary } from '../store/agencies.ts';
import { inTransaction, type Store } from '../store/database.ts';

/** Creates an agency (admin), with its policy when given one; audited with the policy document (rules, no data). */
export async function createAgency(
  store: Store,
  actor: Actor,
  input: { slug: string; name: string; policy?: unknown },
): Promise<AgencySummary> {
  requireRole(actor, ['admin'], 'create agencies');
  const created = await addAgency(store.prisma, input);
  await writeAudit(store.pool, {
    actor,
    action: 'agency.add',
    agencyId: created.id,
    subject: created.slug,
    details: { name: created.name, policy: input.policy ?? null },
  });
  return created;
}

/** Replaces an agency's policy (admin) and audits the new document, in one transaction. */
export async function setAgencyPolicy(store: Store, actor: Actor, slug: string, policy: unknown): Promise<void> {
  requireRole(actor, ['admin'], 'change policies');
  const agency = await requireAgency(store.pool, slug);
  await inTransaction(store.pool, async (client) => {
    await client.query(`UPDATE agencies SET policy = $2 WHERE id = $1`, [agency.id, JSON.stringify(policy)]);
    await writeAudit(client, {
      actor,
      action: 'agency.set-policy',
      agencyId: agency.id,
      subject: slug,
      details: { policy },
    });
  });
}
