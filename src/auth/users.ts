import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { UsageError } from '../core/errors.ts';
import { AuthenticationError, isRole, ROLES, type Actor, type Role } from './roles.ts';

import { TOKEN_VARIABLE } from './token-variable.ts';

export { TOKEN_VARIABLE };
/** How a person passes a token, for messages that ask for one. */
export const TOKEN_HINT = `--token-file <file> (- for standard input) or ${TOKEN_VARIABLE}`;
const tokenPrefix = 'agt_';

/** A fresh token: 32 random bytes, base64url, with a recognisable prefix. */
export function newToken(): string {
  return `${tokenPrefix}${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Enough of a token's sha256 to tell two refused tokens apart in the audit log, too little to look one up. */
export function tokenFingerprint(token: string): string {
  return hashToken(token).slice(0, 12);
}

export interface UserSummary {
  id: string;
  name: string;
  role: Role;
  agencies: string[];
  disabled: boolean;
  createdBy: string | null;
  createdAt: Date;
  /** when the current token was issued (user add, user token) */
  issuedAt: Date;
  /** null: the token does not expire */
  expiresAt: Date | null;
}

const namePattern = /^[\p{L}\p{N}][\p{L}\p{N}._-]{0,62}$/u;
const durationPattern = /^(\d{1,6})\s*(s|m|h|d|w)$/;
const durationUnitMs = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;

/**
 * `--expires`: a duration from now (`90d`, `12h`, `2w`, `30m`, `45s`) or an ISO date or time (a date alone is
 * midnight UTC). A time already past, or anything else, is a usage error.
 */
export function parseExpiry(value: string, now = new Date()): Date {
  const trimmed = value.trim();
  const duration = durationPattern.exec(trimmed);
  const at = duration
    ? new Date(now.getTime() + Number(duration[1]) * durationUnitMs[duration[2] as keyof typeof durationUnitMs])
    : /^\d{4}-\d{2}-\d{2}/.test(trimmed)
      ? new Date(trimmed)
      : new Date(Number.NaN);
  if (Number.isNaN(at.getTime()))
    throw new UsageError(`--expires "${value}": give a duration (90d, 12h, 2w, 30m) or a date (2027-01-31)`);
  if (at.getTime() <= now.getTime()) throw new UsageError(`--expires "${value}" is not in the future`);
  return at;
}

/** A user's row as authentication reads it. */
export interface UserRow {
  id: string;
  name: string;
  role: string;
  agency_ids: string[] | null;
  disabled: boolean;
  expires_at: Date | null;
}

/**
 * The actor a user's row stands for, when its token may act now: an unknown role, a disabled user or an expired
 * token is an AuthenticationError naming the holder. What a token and a console session signed in with it share.
 */
export function actorOf(row: UserRow, now = new Date()): Actor {
  if (!isRole(row.role)) throw new AuthenticationError(`user ${row.name} has an unknown role "${row.role}"`);
  const holder: Actor = { id: row.id, name: row.name, role: row.role, agencyIds: row.agency_ids ?? [] };
  if (row.disabled) throw new AuthenticationError(`the token belongs to ${row.name}, who is disabled`, { holder });
  if (row.expires_at && row.expires_at.getTime() <= now.getTime()) {
    throw new AuthenticationError(
      `the token of ${row.name} expired at ${row.expires_at.toISOString()}; an admin issues a new one with: aitu-gateway user token ${row.name}`,
      { holder },
    );
  }
  return holder;
}

/**
 * The holder of a token. No token, an unknown one, a disabled user's or an expired one is an AuthenticationError
 * (exit 2) carrying what the refusal may be audited with.
 */
export async function authenticate(
  pool: Pick<pg.Pool, 'query'>,
  token: string | undefined,
  now = new Date(),
): Promise<Actor> {
  const given = token?.trim();
  if (!given)
    throw new AuthenticationError(
      `this command needs a token: pass ${TOKEN_HINT} (an admin creates one with: aitu-gateway user add)`,
    );
  const result = await pool.query<UserRow>(
    `SELECT id, name, role, agency_ids, disabled, expires_at FROM users WHERE token_hash = $1`,
    [hashToken(given)],
  );
  const row = result.rows[0];
  if (!row)
    throw new AuthenticationError('the token is not valid: no user has it', { tokenSha256: tokenFingerprint(given) });
  return actorOf(row, now);
}

/** The languages a person may choose for the console. */
export const LANGUAGES = ['kk', 'ru', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** Remembers the person's language (a person's own setting: not audited). */
export async function setUserLanguage(pool: Pick<pg.Pool, 'query'>, userId: string, language: Language): Promise<void> {
  await pool.query(`UPDATE users SET language = $2 WHERE id = $1`, [userId, language]);
}

/** Agency slugs → ids; an unknown slug is a usage error naming it. */
export async function agencyIdsOf(pool: pg.Pool | pg.PoolClient, slugs: readonly string[]): Promise<string[]> {
  if (slugs.length === 0) return [];
  const result = await pool.query<{ id: string; slug: string }>(
    `SELECT id, slug FROM agencies WHERE slug = ANY($1::text[])`,
    [slugs],
  );
  const bySlug = new Map(result.rows.map((r) => [r.slug, r.id]));
  const unknown = slugs.filter((s) => !bySlug.has(s));
  if (unknown.length > 0)
    throw new UsageError(`unknown agency ${unknown.map((s) => `"${s}"`).join(', ')}; see: aitu-gateway agency list`);
  return slugs.map((s) => bySlug.get(s)!);
}

/** A new user's name, role and agencies checked (a usage error naming what is wrong); returns the role. */
export function validateNewUser(input: { name: string; role: string; agencies: readonly string[] }): Role {
  if (!namePattern.test(input.name))
    throw new UsageError(`user name "${input.name}" is invalid: letters, digits, ".", "_" and "-", up to 63`);
  if (!isRole(input.role)) throw new UsageError(`unknown role "${input.role}": use one of ${ROLES.join(', ')}`);
  const role = input.role;
  if (role === 'officer' && input.agencies.length === 0)
    throw new UsageError('an officer needs at least one --agency <slug>');
  if ((role === 'admin' || role === 'operator') && input.agencies.length > 0)
    throw new UsageError(`--agency applies to officers and auditors, not to ${role}s`);
  return role;
}

/**
 * Serializes changes to the users for the rest of the transaction: two "first admins" must not both slip through,
 * nor the last two admins disable each other.
 */
export async function lockUsers(client: pg.PoolClient): Promise<void> {
  await client.query(`SELECT pg_advisory_xact_lock(hashtext('aitu-gateway-users'))`);
}

export async function countEnabledAdmins(client: pg.PoolClient): Promise<number> {
  const result = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM users WHERE role = 'admin' AND NOT disabled`,
  );
  return result.rows[0]!.n;
}

/** Inserts a user with only the token's hash; a name taken already is a usage error. */
export async function insertUser(
  client: pg.PoolClient,
  user: {
    name: string;
    role: Role;
    agencyIds: readonly string[];
    tokenHash: string;
    createdBy: string | null;
    expiresAt: Date | null;
  },
): Promise<{ id: string; createdAt: Date; issuedAt: Date }> {
  const existing = await client.query(`SELECT 1 FROM users WHERE name = $1`, [user.name]);
  if (existing.rowCount) throw new UsageError(`user "${user.name}" already exists`);
  const inserted = await client.query<{ id: string; created_at: Date; token_issued_at: Date }>(
    `INSERT INTO users (id, name, role, agency_ids, token_hash, created_by, expires_at)
     VALUES (gen_random_uuid(), $1, $2, $3::uuid[], $4, $5, $6) RETURNING id, created_at, token_issued_at`,
    [user.name, user.role, user.agencyIds, user.tokenHash, user.createdBy, user.expiresAt],
  );
  const row = inserted.rows[0]!;
  return { id: row.id, createdAt: row.created_at, issuedAt: row.token_issued_at };
}

/** Every user, by name, with their agencies' slugs; never a token or its hash. */
export async function readUsers(pool: Pick<pg.Pool, 'query'>): Promise<UserSummary[]> {
  const result = await pool.query<{
    id: string;
    name: string;
    role: Role;
    slugs: string[];
    disabled: boolean;
    created_by: string | null;
    created_at: Date;
    token_issued_at: Date;
    expires_at: Date | null;
  }>(
    `SELECT u.id, u.name, u.role, u.disabled, u.created_by, u.created_at, u.token_issued_at, u.expires_at,
            coalesce(array(SELECT a.slug FROM agencies a WHERE a.id = ANY(u.agency_ids) ORDER BY a.slug), '{}') AS slugs
       FROM users u ORDER BY u.name`,
  );
  return result.rows.map((r) => ({
    id: r.id,
    name: r.name,
    role: r.role,
    agencies: r.slugs,
    disabled: r.disabled,
    createdBy: r.created_by,
    createdAt: r.created_at,
    issuedAt: r.token_issued_at,
    expiresAt: r.expires_at,
  }));
}

/**
 * The user by name, locked for the rest of the transaction (after lockUsers); a usage error naming the name when
 * there is none.
 */
export async function lockUser(
  client: pg.PoolClient,
  name: string,
): Promise<{ id: string; role: string; disabled: boolean }> {
  await lockUsers(client);
  const found = await client.query<{ id: string; role: string; disabled: boolean }>(
    `SELECT id, role, disabled FROM users WHERE name = $1 FOR UPDATE`,
    [name],
  );
  const user = found.rows[0];
  if (!user) throw new UsageError(`no user "${name}"; see: aitu-gateway user list`);
  return user;
}

export async function setUserDisabled(client: pg.PoolClient, id: string, disabled: boolean): Promise<void> {
  await client.query(`UPDATE users SET disabled = $2 WHERE id = $1`, [id, disabled]);
}

/** Replaces the user's token (by its hash): the old one stops working when the transaction commits. */
export async function setUserToken(
  client: pg.PoolClient,
  id: string,
  tokenHash: string,
  expiresAt: Date | null,
): Promise<void> {
  await client.query(`UPDATE users SET token_hash = $2, token_issued_at = now(), expires_at = $3 WHERE id = $1`, [
    id,
    tokenHash,
    expiresAt,
  ]);
}
