import type pg from 'pg';
import { NotFoundError, UsageError } from '../core/errors.ts';
import type { Prisma } from './database.ts';

export interface AgencySummary {
  id: string;
  slug: string;
  name: string;
  hasPolicy: boolean;
  createdAt: Date;
}

const slugPattern = /^[a-z0-9][a-z0-9-]{0,62}$/;

export async function addAgency(
  prisma: Prisma,
  input: { slug: string; name: string; policy?: unknown },
): Promise<AgencySummary> {
  if (!slugPattern.test(input.slug)) {
    throw new UsageError(
      `agency slug "${input.slug}" is invalid: use lowercase letters, digits and dashes (e.g. health-ministry)`,
    );
  }
  if (!input.name.trim()) throw new UsageError('agency --name must not be empty');
  const existing = await prisma.agency.findUnique({ where: { slug: input.slug } });
  if (existing) throw new UsageError(`agency "${input.slug}" already exists (${existing.name})`);
  const created = await prisma.agency.create({
    data: { slug: input.slug, name: input.name.trim(), policy: (input.policy ?? undefined) as never },
  });
  return summarize(created);
}

export async function listAgencies(prisma: Prisma): Promise<AgencySummary[]> {
  const rows = await prisma.agency.findMany({ orderBy: { slug: 'asc' } });
  return rows.map(summarize);
}

/**
 * The agency with this slug; an unknown slug is a usage error that lists the known ones. Plain SQL, so the bulk
 * paths never load the Prisma client.
 */
export async function requireAgency(
  pool: Pick<pg.Pool, 'query'>,
  slug: string,
): Promise<{ id: string; slug: string; name: string }> {
  const found = await pool.query<{ id: string; name: string }>(`SELECT id, name FROM agencies WHERE slug = $1`, [slug]);
  if (found.rows[0]) return { id: found.rows[0].id, slug, name: found.rows[0].name };
  const known = (await pool.query<{ slug: string }>(`SELECT slug FROM agencies ORDER BY slug`)).rows.map((r) => r.slug);
  const list =
    known.length > 0
      ? `known agencies: ${known.join(', ')}`
      : 'no agency exists yet; create one with: aitu-gateway agency add <slug> --name "…"';
  throw new NotFoundError(`unknown agency "${slug}"; ${list}`, 'agency');
}

function summarize(row: { id: string; slug: string; name: string; policy: unknown; createdAt: Date }): AgencySummary {
  return { id: row.id, slug: row.slug, name: row.name, hasPolicy: row.policy !== null, createdAt: row.createdAt };
}
