import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { UsageError } from '../core/errors.ts';
import { inTransaction } from '../store/database.ts';
import { writeAudit } from '../audit/log.ts';
import { ForbiddenError, isRole, ROLES, type Actor, type Role } from './roles.ts';

export const TOKEN_VARIABLE = 'AITU_GATEWAY_TOKEN';
const tokenPrefix = 'agt_';

/** A fresh token: 32 random bytes, base64url, with a recognisable prefix. */
export function newToken(): string {
  return `${tokenPrefix}${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface UserSummary {
  id: string;
  name: string;
  role: Role;
  agencies: string[];
  disabled: boolean;
  createdBy: string | null;
  createdAt: Date;
}

const namePattern = /^[\p{L}\p{N}][\p{L}\p{N}._-]{0,62}$/u;

/** The holder of a token, or a usage error saying how to pass one (exit 2). */
export async function authenticate(pool: pg.Pool, token: string | undefined): Promise<Actor> {
  if (!token) throw new UsageError(`this command needs a token: pass --token <token> or set ${TOKEN_VARIABLE} (an admin creates one with: aitu-gateway user add)`);
  const result = await pool.query<{ id: string; name: string; role: string; agency_ids: string[] | null; disabled: boolean }>(
    `SELECT id, name, role, agency_ids, disabled FROM users WHERE token_hash = $1`,
    [hashToken(token.trim())],
  );
  const row = result.rows[0];
  if (!row) throw new UsageError(`the token (--token or ${TOKEN_VARIABLE}) is not valid: no user has it`);
  if (row.disabled) throw new UsageError(`the token (--token or ${TOKEN_VARIABLE}) belongs to ${row.name}, who is disabled`);
  if (!isRole(row.role)) throw new UsageError(`user ${row.name} has an unknown role "${row.role}"`);
  return { id: row.id, name: row.name, role: row.role, agencyIds: row.agency_ids ?? [] };
}

/** Agency slugs → ids; an unknown slug is a usage error naming it. */
export async function agencyIdsOf(pool: pg.Pool | pg.PoolClient, slugs: readonly string[]): Promise<string[]> {
  if (slugs.length === 0) return [];
  const result = await pool.query<{ id: string; slug: string }>(`SELECT id, slug FROM agencies WHERE slug = ANY($1::text[])`, [slugs]);
  const bySlug = new Map(result.rows.map((r) => [r.slug, r.id]));
  const unknown = slugs.filter((s) => !bySlug.has(s));
  if (unknown.length > 0) throw new UsageError(`unknown agency ${unknown.map((s) => `"${s}"`).join(', ')}; see: aitu-gateway agency list`);
  return slugs.map((s) => bySlug.get(s)!);
}

/**
 * Creates a user and returns the token (printed once; only its hash is kept). While no enabled admin exists,
 * anyone with database access may create the first admin (`by` null); after that `by` must be an admin.
 */
export async function addUser(
  pool: pg.Pool,
  input: { name: string; role: string; agencies: readonly string[] },
  by: Actor | null,
): Promise<{ user: UserSummary; token: string }> {
  if (!namePattern.test(input.name)) throw new UsageError(`user name "${input.name}" is invalid: letters, digits, ".", "_" and "-", up to 63`);
  if (!isRole(input.role)) throw new UsageError(`unknown role "${input.role}": use one of ${ROLES.join(', ')}`);
  const role = input.role;
  if (role === 'officer' && input.agencies.length === 0) throw new UsageError('an officer needs at least one --agency <slug>');
  if ((role === 'admin' || role === 'operator') && input.agencies.length > 0) throw new UsageError(`--agency applies to officers and auditors, not to ${role}s`);
  const token = newToken();
  return inTransaction(pool, async (client) => {
    // one bootstrap at a time: two "first admins" must not both slip through
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('aitu-gateway-users'))`);
    const admins = (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM users WHERE role = 'admin' AND NOT disabled`)).rows[0]!.n;
    if (!by) {
      if (admins > 0) throw new UsageError(`an admin exists: adding users needs an admin's token (--token or ${TOKEN_VARIABLE})`);
      if (role !== 'admin') throw new UsageError('no admin exists yet: create the first admin first (aitu-gateway user add <name> --role admin)');
    } else if (by.role !== 'admin') {
      throw new ForbiddenError(`${by.name} (${by.role}) may not add users: it needs the role admin`);
    }
    const agencyIds = await agencyIdsOf(client, input.agencies);
    const existing = await client.query(`SELECT 1 FROM users WHERE name = $1`, [input.name]);
    if (existing.rowCount) throw new UsageError(`user "${input.name}" already exists`);
    const inserted = await client.query<{ id: string; created_at: Date }>(
      `INSERT INTO users (id, name, role, agency_ids, token_hash, created_by) VALUES (gen_random_uuid(), $1, $2, $3::uuid[], $4, $5) RETURNING id, created_at`,
      [input.name, role, agencyIds, hashToken(token), by?.name ?? null],
    );
    const row = inserted.rows[0]!;
    await writeAudit(client, {
      actor: by ?? { name: 'bootstrap' },
      action: by ? 'user.add' : 'user.add-first-admin',
      subject: `user:${row.id}`,
      details: { name: input.name, role, agencies: [...input.agencies] },
    });
    return {
      token,
      user: { id: row.id, name: input.name, role, agencies: [...input.agencies], disabled: false, createdBy: by?.name ?? null, createdAt: row.created_at },
    };
  });
}

export async function listUsers(pool: pg.Pool): Promise<UserSummary[]> {
  const result = await pool.query<{ id: string; name: string; role: Role; slugs: string[]; disabled: boolean; created_by: string | null; created_at: Date }>(
    `SELECT u.id, u.name, u.role, u.disabled, u.created_by, u.created_at,
            coalesce(array(SELECT a.slug FROM agencies a WHERE a.id = ANY(u.agency_ids) ORDER BY a.slug), '{}') AS slugs
       FROM users u ORDER BY u.name`,
  );
  return result.rows.map((r) => ({ id: r.id, name: r.name, role: r.role, agencies: r.slugs, disabled: r.disabled, createdBy: r.created_by, createdAt: r.created_at }));
}

/** Disables a user: their token stops working at once. The last enabled admin cannot be disabled. */
export async function disableUser(pool: pg.Pool, name: string, by: Actor): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('aitu-gateway-users'))`);
    const found = await client.query<{ id: string; role: string; disabled: boolean }>(`SELECT id, role, disabled FROM users WHERE name = $1`, [name]);
    const user = found.rows[0];
    if (!user) throw new UsageError(`no user "${name}"; see: aitu-gateway user list`);
    if (user.disabled) throw new UsageError(`user "${name}" is already disabled`);
    if (user.role === 'admin') {
      const admins = (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM users WHERE role = 'admin' AND NOT disabled`)).rows[0]!.n;
      if (admins <= 1) throw new UsageError(`"${name}" is the last enabled admin; add another admin first`);
    }
    await client.query(`UPDATE users SET disabled = true WHERE id = $1`, [user.id]);
    await writeAudit(client, { actor: by, action: 'user.disable', subject: `user:${user.id}`, details: { name, role: user.role } });
  });
}
