import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { AuthenticationError, type Actor } from '../auth/roles.ts';
import { auditRefusal } from '../auth/session.ts';
import { actorOf, hashToken, isLanguage, type Language, type UserRow } from '../auth/users.ts';

/**
 * Console sessions, kept in PostgreSQL (`console_sessions`). The browser holds a random 256-bit id in its cookie;
 * the table holds only the id's sha256, so reading the table opens no session. A session ends after `idleMs`
 * without a request or `absoluteMs` after sign-in, at sign-out, and as soon as its person is disabled, their token
 * expires or a new token is issued to them: every request reads the person's row again, so roles and agencies are
 * always the current ones.
 */
export interface SessionLimits {
  idleMs: number;
  absoluteMs: number;
}

export interface ConsoleSession {
  /** sha256 of the cookie's id: the table's key, and what CSRF tokens are bound to */
  idHash: string;
  actor: Actor;
  language: Language | null;
  createdAt: Date;
}

/** A session id as the cookie carries it: 32 random bytes, base64url. */
const COOKIE_ID = /^[A-Za-z0-9_-]{43}$/;

/** A request's last_seen_at is written at most this often: a page's burst of requests costs one write. */
const TOUCH_EVERY_MS = 15_000;

function idHashOf(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}

/**
 * Opens a session for the person who signed in with `token` (already authenticated) and returns the id for the
 * cookie. Sessions past their limits are deleted on the way, so the table holds live sessions only.
 */
export async function openSession(
  pool: pg.Pool,
  actor: Actor,
  token: string,
  limits: SessionLimits,
  now: Date,
): Promise<{ cookieId: string; idHash: string }> {
  await deleteExpired(pool, limits, now);
  const cookieId = randomBytes(32).toString('base64url');
  const idHash = idHashOf(cookieId);
  await pool.query(
    `INSERT INTO console_sessions (id_hash, user_id, token_hash, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $4)`,
    [idHash, actor.id, hashToken(token.trim()), now],
  );
  return { cookieId, idHash };
}

export type SessionLookup =
  | { state: 'none' }
  /** the cookie named a session that is over (or never was): the person is asked to sign in again */
  | { state: 'ended' }
  | { state: 'live'; session: ConsoleSession };

type SessionRow = UserRow & {
  id_hash: string;
  created_at: Date;
  last_seen_at: Date;
  session_token_hash: string;
  token_hash: string;
  language: string | null;
};

/**
 * The live session a cookie names, its last request moved to `now`. A session over its idle or absolute limit, or
 * whose person may no longer act with the token it was opened with, is deleted; a disabled person or an expired
 * token is audited as a refusal, as a token refused at the CLI is.
 */
export async function readSession(
  pool: pg.Pool,
  cookieId: string | undefined,
  limits: SessionLimits,
  now: Date,
): Promise<SessionLookup> {
  if (!cookieId) return { state: 'none' };
  if (!COOKIE_ID.test(cookieId)) return { state: 'ended' };
  const idHash = idHashOf(cookieId);
  const found = await pool.query<SessionRow>(
    `SELECT s.id_hash, s.created_at, s.last_seen_at, s.token_hash AS session_token_hash,
            u.id, u.name, u.role, u.agency_ids, u.disabled, u.expires_at, u.token_hash, u.language
       FROM console_sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1`,
    [idHash],
  );
  const row = found.rows[0];
  if (!row) return { state: 'ended' };
  const idle = now.getTime() - row.last_seen_at.getTime() > limits.idleMs;
  const tooOld = now.getTime() - row.created_at.getTime() > limits.absoluteMs;
  if (idle || tooOld || row.token_hash !== row.session_token_hash) {
    await endSession(pool, idHash);
    return { state: 'ended' };
  }
  let actor: Actor;
  try {
    actor = actorOf(row, now);
  } catch (error) {
    if (!(error instanceof AuthenticationError)) throw error;
    await endSession(pool, idHash);
    await auditRefusal(pool, 'console', error, null);
    return { state: 'ended' };
  }
  if (now.getTime() - row.last_seen_at.getTime() >= TOUCH_EVERY_MS)
    await pool.query(`UPDATE console_sessions SET last_seen_at = $2 WHERE id_hash = $1`, [idHash, now]);
  return {
    state: 'live',
    session: {
      idHash,
      actor,
      language: isLanguage(row.language) ? row.language : null,
      createdAt: row.created_at,
    },
  };
}

export async function endSession(pool: pg.Pool, idHash: string): Promise<void> {
  await pool.query(`DELETE FROM console_sessions WHERE id_hash = $1`, [idHash]);
}

async function deleteExpired(pool: pg.Pool, limits: SessionLimits, now: Date): Promise<void> {
  await pool.query(`DELETE FROM console_sessions WHERE last_seen_at < $1 OR created_at < $2`, [
    new Date(now.getTime() - limits.idleMs),
    new Date(now.getTime() - limits.absoluteMs),
  ]);
}
