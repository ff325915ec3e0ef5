import { writeAudit } from '../audit/log.ts';
import { AuthenticationError, requireRole, type Actor } from '../auth/roles.ts';
import {
  agencyIdsOf,
  countEnabledAdmins,
  hashToken,
  insertUser,
  lockUser,
  lockUsers,
  newToken,
  readUsers,
  setUserDisabled,
  setUserToken,
  TOKEN_HINT,
  validateNewUser,
  type UserSummary,
} from '../auth/users.ts';
import { UsageError } from '../core/errors.ts';
import { inTransaction, type Store } from '../store/database.ts';

/**
 * The people who use the gateway, as an admin manages them: every change is the admin's, checked and audited in the
 * transaction that makes it (names, roles and agencies; never a token, which is returned once and kept only as its
 * sha256). The one exception is the first admin, whom anyone with database access may create while no enabled
 * admin exists.
 */

const ADMIN = ['admin'] as const;

export interface NewUser {
  name: string;
  role: string;
  /** agency slugs: an officer's agencies, or those an auditor is limited to */
  agencies: readonly string[];
  /** null or absent: the token does not expire */
  expiresAt?: Date | null;
}

/**
 * Creates a user and returns their token. `actor` null: the first admin, allowed only while no enabled admin exists
 * (an AuthenticationError after that, so the refusal is audited like a missing token); otherwise an admin.
 */
export async function addUser(
  store: Store,
  actor: Actor | null,
  input: NewUser,
): Promise<{ user: UserSummary; token: string }> {
  const role = validateNewUser(input);
  const token = newToken();
  const expiresAt = input.expiresAt ?? null;
  return inTransaction(store.pool, async (client) => {
    await lockUsers(client);
    if (!actor) {
      if ((await countEnabledAdmins(client)) > 0)
        throw new AuthenticationError(`an admin exists: adding users needs an admin's token (${TOKEN_HINT})`);
      if (role !== 'admin')
        throw new UsageError(
          'no admin exists yet: create the first admin first (aitu-gateway user add <name> --role admin)',
        );
    } else requireRole(actor, ADMIN, 'add users');
    const agencyIds = await agencyIdsOf(client, input.agencies);
    const created = await insertUser(client, {
      name: input.name,
      role,
      agencyIds,
      tokenHash: hashToken(token),
      createdBy: actor?.name ?? null,
      expiresAt,
    });
    await writeAudit(client, {
      actor: actor ?? { name: 'bootstrap' },
      action: actor ? 'user.add' : 'user.add-first-admin',
      subject: `user:${created.id}`,
      details: { name: input.name, role, agencies: [...input.agencies], expiresAt: expiresAt?.toISOString() ?? null },
    });
    return {
      token,
      user: {
        id: created.id,
        name: input.name,
        role,
        agencies: [...input.agencies],
        disabled: false,
        createdBy: actor?.name ?? null,
        createdAt: created.createdAt,
        issuedAt: created.issuedAt,
        expiresAt,
      },
    };
  });
}

/** Every user with their role, agencies, state and expiry (admin). */
export async function listUsers(store: Store, actor: Actor): Promise<UserSummary[]> {
  requireRole(actor, ADMIN, 'list users');
  return readUsers(store.pool);
}

/** Disables a user (admin): their token stops working at once. The last enabled admin cannot be disabled. */
export async function disableUser(store: Store, actor: Actor, name: string): Promise<void> {
  requireRole(actor, ADMIN, 'disable users');
  await inTransaction(store.pool, async (client) => {
    const user = await lockUser(client, name);
    if (user.disabled) throw new UsageError(`user "${name}" is already disabled`);
    if (user.role === 'admin' && (await countEnabledAdmins(client)) <= 1)
      throw new UsageError(`"${name}" is the last enabled admin; add another admin first`);
    await setUserDisabled(client, user.id, true);
    await writeAudit(client, {
      actor,
      action: 'user.disable',
      subject: `user:${user.id}`,
      details: { name, role: user.role },
    });
  });
}

/** Enables a disabled user again (admin): their token works again unless it has expired. */
export async function enableUser(store: Store, actor: Actor, name: string): Promise<void> {
  requireRole(actor, ADMIN, 'enable users');
  await inTransaction(store.pool, async (client) => {
    const user = await lockUser(client, name);
    if (!user.disabled) throw new UsageError(`user "${name}" is not disabled`);
    await setUserDisabled(client, user.id, false);
    await writeAudit(client, {
      actor,
      action: 'user.enable',
      subject: `user:${user.id}`,
      details: { name, role: user.role },
    });
  });
}

/**
 * Issues a user a new token (admin) and returns it; the old token stops working at once. The new token expires at
 * `expiresAt` (null: never). A disabled user stays disabled until enableUser.
 */
export async function reissueToken(
  store: Store,
  actor: Actor,
  name: string,
  expiresAt: Date | null,
): Promise<{ token: string; name: string; role: string; expiresAt: Date | null; disabled: boolean }> {
  requireRole(actor, ADMIN, 'issue tokens');
  const token = newToken();
  return inTransaction(store.pool, async (client) => {
    const user = await lockUser(client, name);
    await setUserToken(client, user.id, hashToken(token), expiresAt);
    await writeAudit(client, {
      actor,
      action: 'user.token',
      subject: `user:${user.id}`,
      details: { name, role: user.role, expiresAt: expiresAt?.toISOString() ?? null, disabled: user.disabled },
    });
    return { token, name, role: user.role, expiresAt, disabled: user.disabled };
  });
}
