import { GatewayError, ExitCode } from '../core/errors.ts';

/**
 * Who may do what:
 * - operator: maps chats, sends through the outbound gate, retries and purges dead letters (with a token, like
 *   everyone); imports, bridges and workers run as the installation's configuration and need no token;
 * - officer: reviews the items of their agencies (views originals, decides open items, escalates);
 * - auditor: reads the audit log and reports, and review items as redacted text; never an original;
 * - admin: everything, and alone creates agencies, changes policies, decides escalated items, manages people and keys.
 */
export const ROLES = ['operator', 'officer', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** The person behind a token, as every authorization check sees them. */
export interface Actor {
  id: string;
  name: string;
  role: Role;
  /** officers: their agencies; auditors: the agencies they may read, empty meaning all */
  agencyIds: readonly string[];
}

/**
 * Why a request was refused, for a front end that words refusals itself (the console, in three languages):
 * - role: the role may not do this at all; agency: not for this agency;
 * - decided: the item was decided already; escalated: only an admin decides an escalated item;
 * - already-escalated: the item is escalated already.
 */
export type RefusalReason = 'role' | 'agency' | 'decided' | 'escalated' | 'already-escalated';

/** The token is valid but its holder may not do this (exit 1: the command ran and was refused). */
export class ForbiddenError extends GatewayError {
  constructor(
    message: string,
    readonly reason: RefusalReason = 'role',
  ) {
    super(message, ExitCode.failed);
  }
}

/**
 * No usable token: none given, unknown, disabled or expired (exit 2). `holder` is the user the token belongs to
 * when there is one; `tokenSha256` a prefix of an unknown token's hash, so a refusal can be audited without it.
 */
export class AuthenticationError extends GatewayError {
  readonly holder: Actor | undefined;
  readonly tokenSha256: string | undefined;

  constructor(message: string, options: { holder?: Actor; tokenSha256?: string } = {}) {
    super(message, ExitCode.usage);
    this.holder = options.holder;
    this.tokenSha256 = options.tokenSha256;
  }
}

/** A refusal to audit: no usable token, or a token whose holder may not do this. */
export function isRefusal(error: unknown): error is AuthenticationError | ForbiddenError {
  return error instanceof AuthenticationError || error instanceof ForbiddenError;
}

/** Operators and admins: mapping, sending, dead letters. */
export const OPERATORS: readonly Role[] = ['operator', 'admin'];

export function requireRole(actor: Actor, roles: readonly Role[], what: string): void {
  if (!roles.includes(actor.role)) {
    throw new ForbiddenError(`${actor.name} (${actor.role}) may not ${what}: it needs the role ${roles.join(' or ')}`);
  }
}

/** Whether the actor may see this agency's review items, reports and figures at all. */
export function canSeeAgency(actor: Actor, agencyId: string): boolean {
  switch (actor.role) {
    case 'admin':
      return true;
    case 'officer':
      return actor.agencyIds.includes(agencyId);
    case 'auditor':
      return actor.agencyIds.length === 0 || actor.agencyIds.includes(agencyId);
    case 'operator':
      return false;
  }
}

/** The agencies whose rows the actor may read (null: all of them). */
export function visibleAgencies(actor: Actor): readonly string[] | null {
  if (actor.role === 'admin') return null;
  if (actor.role === 'auditor' && actor.agencyIds.length === 0) return null;
  if (actor.role === 'operator') return [];
  return actor.agencyIds;
}

/** Only an officer of the item's agency or an admin reads a decrypted original; auditors never do. */
export function canViewOriginal(actor: Actor, agencyId: string): boolean {
  return actor.role === 'admin' || (actor.role === 'officer' && actor.agencyIds.includes(agencyId));
}

/**
 * Whether the actor may decide (or escalate) an item in this state: open items by an officer of the agency or an
 * admin, escalated items by an admin only; decided items never again (a decision is final).
 * Returns the reason when not.
 */
export function decisionRefusal(
  actor: Actor,
  item: { agencyId: string; status: string },
  kind: 'decide' | 'escalate',
): string | null {
  return decisionRefusalOf(actor, item, kind)?.message ?? null;
}

/** As decisionRefusal, with the reason's code beside its wording. */
export function decisionRefusalOf(
  actor: Actor,
  item: { agencyId: string; status: string },
  kind: 'decide' | 'escalate',
): { reason: RefusalReason; message: string } | null {
  if (item.status !== 'open' && item.status !== 'escalated')
    return { reason: 'decided', message: `it was already decided (${item.status}); a decision is final` };
  if (item.status === 'escalated' && kind === 'escalate')
    return { reason: 'already-escalated', message: 'it is already escalated' };
  if (actor.role === 'admin') return null;
  if (actor.role !== 'officer' || !actor.agencyIds.includes(item.agencyId))
    return { reason: 'agency', message: `${actor.name} (${actor.role}) is not an officer of its agency` };
  if (item.status === 'escalated')
    return { reason: 'escalated', message: 'it is escalated: only an admin may decide it' };
  return null;
}
