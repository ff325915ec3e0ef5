import { CATEGORIES } from '../classifier/index.ts';
import type { Category } from '../classifier/index.ts';
import type { Direction, Policy, PolicyAction } from './policy-schema.ts';

/** Identifiers and data whose inbound copy an officer must review before anyone relies on it. */
const INBOUND_QUARANTINE: ReadonlySet<Category> = new Set(['IIN', 'HEALTH', 'CARD', 'IBAN', 'PASSPORT', 'ID_CARD']);

/**
 * The built-in action per direction and category, used where the agency's file says nothing (neither the
 * category nor the direction's `default`): inbound sensitive identifiers and health data are quarantined, other
 * inbound data redacted; outbound, any personal data is blocked.
 */
export const BUILT_IN_ACTIONS: Readonly<Record<Direction, Readonly<Record<Category, PolicyAction>>>> = Object.freeze({
  inbound: Object.freeze(
    Object.fromEntries(CATEGORIES.map((c) => [c, INBOUND_QUARANTINE.has(c) ? 'quarantine' : 'redact'])) as Record<
      Category,
      PolicyAction
    >,
  ),
  outbound: Object.freeze(Object.fromEntries(CATEGORIES.map((c) => [c, 'block'])) as Record<Category, PolicyAction>),
});

/** The policy of an agency without a file: no explicit entries, so every decision falls to the built-in actions. */
export const DEFAULT_POLICY: Policy = Object.freeze({
  version: 1,
  inbound: Object.freeze({}),
  outbound: Object.freeze({}),
  redaction: Object.freeze({ operator: 'tag' }),
});
