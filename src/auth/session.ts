import type pg from 'pg';
import { writeAudit } from '../audit/log.ts';
import { machineActor } from '../core/machine-actor.ts';
import { AuthenticationError, ForbiddenError, isRefusal, type Actor } from './roles.ts';
import { authenticate } from './users.ts';

type Queryable = Pick<pg.Pool, 'query'>;

/**
 * Writes the refusal to the audit log: the holder when the token has one (a disabled or expired user, or a user
 * whose role, agencies or the item's state do not allow it), else the OS user and host that ran the front end, with
 * a prefix of an unknown token's sha256; never the token.
 */
export async function auditRefusal(
  pool: Queryable,
  command: string,
  error: AuthenticationError | ForbiddenError,
  actor: Actor | null,
): Promise<void> {
  const holder = error instanceof AuthenticationError ? error.holder : actor;
  await writeAudit(pool, {
    actor: holder ?? actor ?? machineActor(),
    action: 'auth.refused',
    details: {
      command,
      reason: error.message,
      authenticated: error instanceof ForbiddenError,
      ...(error instanceof AuthenticationError && error.tokenSha256 ? { tokenSha256: error.tokenSha256 } : {}),
    },
  });
}

/**
 * Runs what a person asked (`command`, as the audit log names it) as the holder of `token`: authenticates, runs
 * `work` with the actor, and audits every refusal — no token, an unknown, disabled or expired one, or a service
 * operation that refused the actor — before it is passed on. Every front end runs a person's request through this,
 * so a refusal is audited whichever front end it came through. Reads no environment and writes to no stream: where
 * the token comes from is the front end's business.
 */
export function actAs<T>(
  pool: Queryable,
  token: string | undefined,
  command: string,
  work: (actor: Actor) => Promise<T>,
): Promise<T> {
  return act(pool, token, command, true, (actor) => work(actor!));
}

/**
 * As actAs, for the one request that may come without a token (the first admin's `user add`): `work` gets null
 * then. A token that is given must be valid.
 */
export function actAsOptional<T>(
  pool: Queryable,
  token: string | undefined,
  command: string,
  work: (actor: Actor | null) => Promise<T>,
): Promise<T> {
  return act(pool, token, command, false, work);
}

/**
 * As actAs, for a front end that authenticated the person before (the console, once per session): runs `work` with
 * the actor and audits a refusal by the service it calls before passing it on.
 */
export async function actAsSignedIn<T>(
  pool: Queryable,
  actor: Actor,
  command: string,
  work: (actor: Actor) => Promise<T>,
): Promise<T> {
  try {
    return await work(actor);
  } catch (error) {
    if (isRefusal(error)) await auditRefusal(pool, command, error, actor).catch(() => {});
    throw error;
  }
}

async function act<T>(
  pool: Queryable,
  token: string | undefined,
  command: string,
  tokenRequired: boolean,
  work: (actor: Actor | null) => Promise<T>,
): Promise<T> {
  let actor: Actor | null = null;
  try {
    if (token || tokenRequired) actor = await authenticate(pool, token);
    return await work(actor);
  } catch (error) {
    if (isRefusal(error)) await auditRefusal(pool, command, error, actor).catch(() => {});
    throw error;
  }
}
