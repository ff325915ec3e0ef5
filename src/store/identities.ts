import { randomUUID } from 'node:crypto';
import type pg from 'pg';

type Queryable = Pick<pg.PoolClient, 'query'>;

export interface ForeignIdentity {
  platform: string;
  platformId: string;
  displayName: string;
}

/**
 * Maps each foreign identity to a national person, creating the person on first sight. Must run inside a
 * transaction; creation (rare after the first batches) is serialized per agency so no person is made twice.
 */
export async function ensureIdentities(
  db: Queryable,
  agencyId: string,
  identities: readonly ForeignIdentity[],
): Promise<void> {
  const unique = new Map<string, ForeignIdentity>();
  for (const identity of identities) unique.set(`${identity.platform}\u0000${identity.platformId}`, identity);
  if (unique.size === 0) return;
  let missing = await selectMissing(db, agencyId, [...unique.values()]);
  if (missing.length === 0) return;
  await db.query(`SELECT pg_advisory_xact_lock(hashtext('aitu-identities:' || $1))`, [agencyId]);
  missing = await selectMissing(db, agencyId, missing);
  if (missing.length === 0) return;
  const personIds = missing.map(() => randomUUID());
  await db.query(
    `INSERT INTO people (id, agency_id, display_name) SELECT id, $1::uuid, name FROM unnest($2::uuid[], $3::text[]) AS t(id, name)`,
    [agencyId, personIds, missing.map((m) => m.displayName)],
  );
  await db.query(
    `INSERT INTO identities (id, agency_id, person_id, platform, platform_id, display_name)
     SELECT gen_random_uuid(), $1::uuid, person_id, platform, platform_id, name
       FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[]) AS t(person_id, platform, platform_id, name)`,
    [
      agencyId,
      personIds,
      missing.map((m) => m.platform),
      missing.map((m) => m.platformId),
      missing.map((m) => m.displayName),
    ],
  );
}

async function selectMissing(
  db: Queryable,
  agencyId: string,
  identities: readonly ForeignIdentity[],
): Promise<ForeignIdentity[]> {
  const known = await db.query<{ platform: string; platform_id: string }>({
    name: 'aitu-known-identities',
    text: `SELECT i.platform, i.platform_id FROM identities i
             JOIN unnest($2::text[], $3::text[]) AS w(platform, platform_id)
               ON i.platform = w.platform AND i.platform_id = w.platform_id
            WHERE i.agency_id = $1`,
    values: [agencyId, identities.map((i) => i.platform), identities.map((i) => i.platformId)],
  });
  const seen = new Set(known.rows.map((r) => `${r.platform}\u0000${r.platform_id}`));
  return identities.filter((i) => !seen.has(`${i.platform}\u0000${i.platformId}`));
}
