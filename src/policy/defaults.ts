import { POLICY_CATEGORIES } from './policy-schema.ts';
import type { Direction, Policy, PolicyAction, PolicyCategory } from './policy-schema.ts';

/**
 * Identifiers and data whose inbound copy an officer must review before anyone relies on it; and an attachment
 * nobody could read, which might hold any of them.
 */
const INBOUND_QUARANTINE: ReadonlySet<PolicyCategory> = new Set([
  'IIN',
  'HEALTH',
  'CARD',
  'IBAN',
  'PASSPORT',
  'ID_CARD',
  'UNINSPECTED',
]);

/**
 * The built-in action per direction and category, used where the agency's file says nothing (neither the
 * category nor the direction's `default`): inbound sensitive identifiers and health data are quarantined, other
 * inbound data redacted; outbound, any personal data is blocked.
 */
type Actions = Readonly<Record<PolicyCategory, PolicyAction>>;
export const BUILT_IN_ACTIONS: Readonly<Record<Direction, Actions>> = Object.freeze({
  inbound: Object.freeze(
    Object.fromEntries(POLICY_CATEGORIES.map((c) => [c, INBOUND_QUARANTINE.has(c) ? 'quarantine' : 'redact'])),
  ) as Actions,
  outbound: Object.freeze(Object.fromEntries(POLICY_CATEGORIES.map((c) => [c, 'block']))) as Actions,
});

/** The policy of an agency without a file: no explicit entries, so every decision falls to the built-in actions. */
export const DEFAULT_POLICY: Policy = Object.freeze({
  version: 1,
  inbound: Object.freeze({}),
  outbound: Object.freeze({}),
  redaction: Object.freeze({ operator: 'tag' }),
});
