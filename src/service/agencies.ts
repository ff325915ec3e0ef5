import { writeAudit } from '../audit/log.ts';
import { requireRole, type Actor } from '../auth/roles.ts';
import { isLanguage, LANGUAGES } from '../auth/users.ts';
import { UsageError } from '../core/errors.ts';
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

/** Sets the language the agency's bots speak in its messengers (admin), audited with the old and new value. */
export async function setAgencyLanguage(store: Store, actor: Actor, slug: string, language: string): Promise<void> {
  requireRole(actor, ['admin'], 'change agencies');
  if (!isLanguage(language)) throw new UsageError(`language must be one of ${LANGUAGES.join(', ')}, not "${language}"`);
  const agency = await requireAgency(store.pool, slug);
  await inTransaction(store.pool, async (client) => {
    const before = await client.query<{ language: string }>(
      `UPDATE agencies a SET language = $2 FROM agencies old WHERE a.id = $1 AND old.id = a.id RETURNING old.language`,
      [agency.id, language],
    );
    await writeAudit(client, {
      actor,
      action: 'agency.set-language',
      agencyId: agency.id,
      subject: slug,
      details: { from: before.rows[0]?.language ?? null, to: language },
    });
  });
}
