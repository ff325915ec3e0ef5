import { redact } from '../classifier/index.ts';
import type { Finding, RedactionOperator } from '../classifier/index.ts';
import { BUILT_IN_ACTIONS } from './defaults.ts';
import {
  POLICY_CATEGORIES,
  type Direction,
  type Policy,
  type PolicyAction,
  type PolicyCategory,
} from './policy-schema.ts';

/** Why one category present in a message got its action; `rule` names only categories and actions, never data. */
export interface PolicyReason {
  category: PolicyCategory;
  action: PolicyAction;
  rule: string;
}

/** What policy decided for one message, and the rule that decided it (never the personal data itself). */
export interface PolicyDecision {
  action: PolicyAction;
  /** the deciding category's rule, e.g. `inbound.IIN=quarantine (default)`, or `no personal data found` */
  rule: string;
  /** the distinct categories found, sorted */
  categories: PolicyCategory[];
  /** the text to deliver: the original, a redacted copy, or '' when blocked */
  deliveredText: string;
  redacted: boolean;
  /** one entry per category present, in the classifier's category order */
  reasons: PolicyReason[];
}

export const NO_FINDINGS_RULE = 'no personal data found';

const SEVERITY: Readonly<Record<PolicyAction, number>> = { allow: 0, redact: 1, quarantine: 2, block: 3 };

/** The most severe of the actions (block > quarantine > redact > allow); allow for none. */
export function mostSevere(actions: readonly PolicyAction[]): PolicyAction {
  let worst: PolicyAction = 'allow';
  for (const action of actions) if (SEVERITY[action] > SEVERITY[worst]) worst = action;
  return worst;
}

/**
 * The action for one category in one direction: the file's entry for it, else the file's `default` for the
 * direction, else the built-in — except outbound HEALTH, which only an explicit `outbound.HEALTH` entry can release.
 */
export function ruleFor(direction: Direction, category: PolicyCategory, policy: Policy): PolicyReason {
  const rules = policy[direction];
  const explicit = rules[category];
  if (explicit !== undefined) return reason(direction, category, explicit, 'agency policy');
  if (direction === 'outbound' && category === 'HEALTH') {
    return reason(direction, category, 'block', 'health never leaves without an explicit override');
  }
  if (rules.default !== undefined) return reason(direction, category, rules.default, 'agency policy default');
  // a category this module does not know yet (a newer classifier) is held back rather than let through
  return reason(direction, category, BUILT_IN_ACTIONS[direction][category] ?? 'block', 'default');
}

function reason(direction: Direction, category: PolicyCategory, action: PolicyAction, source: string): PolicyReason {
  return { category, action, rule: `${direction}.${category}=${action} (${source})` };
}

/**
 * Decides one message: each category present gets its action, the message takes the most severe of them, and
 * the delivered text carries only what that action lets through. Pure; never throws on any findings.
 */
export function decide(
  direction: Direction,
  text: string,
  findings: readonly Finding[],
  policy: Policy,
  options: { hashKey?: Buffer | undefined } = {},
): PolicyDecision {
  // most messages: nothing to collect or sort
  if (findings.length === 0)
    return {
      action: 'allow',
      rule: NO_FINDINGS_RULE,
      categories: [],
      deliveredText: text,
      redacted: false,
      reasons: [],
    };
  const present = new Set(findings.map((f) => f.category));
  const categories = [...present].sort();
  // the classifier's category order, so the deciding rule among equally severe ones is stable (IIN before HEALTH)
  const reasons = orderedCategories(present).map((category) => ruleFor(direction, category, policy));
  const action = mostSevere(reasons.map((r) => r.action));
  const deciding = reasons.find((r) => r.action === action) as PolicyReason;
  const deliveredText = deliver(action, text, findings, reasons, policy, options.hashKey);
  return { action, rule: deciding.rule, categories, deliveredText, redacted: deliveredText !== text, reasons };
}

function orderedCategories(present: ReadonlySet<PolicyCategory>): PolicyCategory[] {
  return [
    ...POLICY_CATEGORIES.filter((c) => present.has(c)),
    ...[...present].filter((c) => !POLICY_CATEGORIES.includes(c)).sort(),
  ];
}

function deliver(
  action: PolicyAction,
  text: string,
  findings: readonly Finding[],
  reasons: readonly PolicyReason[],
  policy: Policy,
  hashKey: Buffer | undefined,
): string {
  switch (action) {
    case 'allow':
      return text;
    case 'block':
      return '';
    case 'quarantine':
      // the reviewer opens the encrypted original; the delivered copy names what was removed and nothing more
      return redact(text, findings, { kind: 'tag' });
    case 'redact': {
      const redacted = new Set(reasons.filter((r) => r.action === 'redact').map((r) => r.category));
      return redact(
        text,
        findings.filter((f) => redacted.has(f.category)),
        operatorFor(policy, hashKey),
      );
    }
  }
}

/** The policy's operator; a hash without a key falls back to tags rather than to an unkeyed (guessable) hash. */
export function operatorFor(policy: Policy, hashKey: Buffer | undefined): RedactionOperator {
  const setting = policy.redaction;
  switch (setting.operator) {
    case 'tag':
      return { kind: 'tag' };
    case 'mask':
      return { kind: 'mask', keepLast: setting.keepLast };
    case 'hash':
      return hashKey ? { kind: 'hash', key: hashKey } : { kind: 'tag' };
  }
}

/**
 * A message's decision with what its attachments hold (`categories`: what was found in them, UNINSPECTED for one
 * that could not be read). An attachment whose categories call for any action but allow holds the message back:
 * outbound it is blocked; inbound it is quarantined (or blocked, where policy says block), so an officer sees it
 * before anyone relies on it. The one exception: inbound, where every category calls for redact at most and
 * `filesRedacted` says each such file has a copy with black boxes (fileRedaction), the message is redacted.
 */
export function withAttachments(
  direction: Direction,
  decision: PolicyDecision,
  categories: readonly PolicyCategory[],
  policy: Policy,
  options: { filesRedacted?: boolean } = {},
): PolicyDecision {
  if (categories.length === 0) return decision;
  const present = new Set<PolicyCategory>(categories);
  const reasons = orderedCategories(present).map((category) => ruleFor(direction, category, policy));
  const fileAction = mostSevere(reasons.map((r) => r.action));
  const all = [...new Set([...decision.categories, ...present])].sort();
  const merged = { ...decision, categories: all, reasons: [...decision.reasons, ...reasons] };
  if (fileAction === 'allow') return merged;
  const held: PolicyAction =
    direction === 'outbound' || fileAction === 'block'
      ? 'block'
      : fileAction === 'redact' && options.filesRedacted
        ? 'redact'
        : 'quarantine';
  if (SEVERITY[decision.action] >= SEVERITY[held]) return merged;
  const deciding = reasons.find((r) => r.action === fileAction) as PolicyReason;
  const how =
    fileAction === held ? (held === 'redact' ? ' (black boxes)' : '') : ` (a file is not redacted in place: ${held})`;
  return {
    ...merged,
    action: held,
    rule: `attachment: ${deciding.rule}${how}`,
    deliveredText: held === 'block' ? '' : decision.deliveredText,
    redacted: held === 'block' ? false : decision.redacted,
  };
}

/**
 * Whether a file whose findings have these categories gets a copy with black boxes (inbound): the agency's policy
 * asks for it (`redaction.attachments: boxes`) and the categories call for redact at most. Returns the categories to
 * black out, or null when the file is not redacted.
 */
export function fileRedaction(categories: readonly PolicyCategory[], policy: Policy): Set<PolicyCategory> | null {
  if (policy.redaction.attachments !== 'boxes') return null;
  const reasons = categories.map((category) => ruleFor('inbound', category, policy));
  if (mostSevere(['allow', ...reasons.map((r) => r.action)]) !== 'redact') return null;
  return new Set(reasons.filter((r) => r.action === 'redact').map((r) => r.category));
}

/** The most severe action policy names for one file's categories (allow for none). */
export function fileAction(direction: Direction, categories: readonly PolicyCategory[], policy: Policy): PolicyAction {
  return mostSevere(['allow', ...categories.map((category) => ruleFor(direction, category, policy).action)]);
}
