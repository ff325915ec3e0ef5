import { AGENCY_PATTERN_DETECTOR, CATEGORIES } from '../classifier/index.ts';
import type { CustomEffect, Finding } from '../classifier/index.ts';
import { decide } from './decide.ts';
import type { PolicyDecision } from './decide.ts';
import { DIRECTIONS } from './policy-schema.ts';
import type { Direction, Policy } from './policy-schema.ts';

const HEADINGS: Readonly<Record<Direction, string>> = {
  inbound: 'inbound (foreign messenger → Aitu)',
  outbound: 'outbound (Aitu → foreign messenger)',
};

/**
 * The human explanation behind `aitu-gateway policy check <slug> "text…"`: for each direction, the message's
 * action and deciding rule, each category's action and rule, and the text as it would be delivered. The only
 * place the message text appears is that delivered text, so a matched value is printed only where the policy
 * allows it through. `effect` (from classifyWithEffect) is what the policy's `classifier:` section changed: each
 * finding it dropped or added is named with the entry responsible, never with the text it matched.
 */
export function explainPolicyCheck(
  text: string,
  findings: readonly Finding[],
  policy: Policy,
  options: { hashKey?: Buffer | undefined; effect?: CustomEffect } = {},
): string {
  const lines: string[] = [];
  const counts = new Map<string, number>();
  for (const f of findings) counts.set(f.category, (counts.get(f.category) ?? 0) + 1);
  // the classifier's category order, as in the per-direction lines below
  const found = [...counts].sort(([a], [b]) => rank(a) - rank(b));
  lines.push(
    found.length === 0
      ? 'found: no personal data'
      : `found: ${found.map(([category, n]) => (n === 1 ? category : `${category} ×${n}`)).join(', ')}`,
  );
  if (policy.classifier) lines.push('', ...customLines(policy, options.effect));
  for (const direction of DIRECTIONS) {
    const decision = decide(direction, text, findings, policy, options);
    lines.push('', `${HEADINGS[direction]}: ${decision.action.toUpperCase()} — ${decision.rule}`);
    const width = Math.max(0, ...decision.reasons.map((r) => r.category.length));
    for (const r of decision.reasons) lines.push(`  ${r.category.padEnd(width)}  ${r.action.padEnd(10)}  ${r.rule}`);
    lines.push(`  ${outcome(direction, decision)}`);
  }
  if (policy.redaction.operator === 'hash' && !options.hashKey) {
    lines.push('', 'note: the policy redacts with a keyed hash; without the key, tags are shown in its place');
  }
  return lines.join('\n');
}

/** What the policy's `classifier:` section did to this text, entry by entry. */
function customLines(policy: Policy, effect: CustomEffect | undefined): string[] {
  const spec = policy.classifier?.spec ?? {};
  if (!effect || (effect.dropped.length === 0 && effect.added.length === 0)) {
    return ["the policy's classifier section: dropped nothing, added nothing"];
  }
  const lines = ["the policy's classifier section:"];
  for (const { finding, ignore } of effect.dropped) {
    const entry = spec.ignore?.[finding.category]?.[ignore];
    const term = finding.explanation.termId ? `, ${finding.explanation.termId}` : '';
    lines.push(
      `  dropped ${finding.category} (${finding.detector}${term}): ignored by classifier.ignore.${finding.category}.${ignore} ${JSON.stringify(entry ?? '?')}`,
    );
  }
  for (const finding of effect.added) {
    const section = finding.detector === AGENCY_PATTERN_DETECTOR ? 'patterns' : 'terms';
    const index = finding.explanation.termId?.split(':').at(-1) ?? '?';
    const entry = policy.classifier?.entryOf(finding.detector, finding.explanation.termId);
    lines.push(
      `  added   ${finding.category} (${finding.detector}): by classifier.${section}.${finding.category}.${index} ${JSON.stringify(entry ?? '?')}`,
    );
  }
  return lines;
}

function rank(category: string): number {
  const at = (CATEGORIES as readonly string[]).indexOf(category);
  return at === -1 ? CATEGORIES.length : at;
}

function outcome(direction: Direction, decision: PolicyDecision): string {
  const verb = direction === 'inbound' ? 'delivered to Aitu' : 'sent abroad';
  const shown = JSON.stringify(decision.deliveredText);
  switch (decision.action) {
    case 'allow':
      return `${verb} as written: ${shown}`;
    case 'redact':
      return `${verb} redacted: ${shown}`;
    case 'quarantine':
      return `${verb} as a tagged copy: ${shown}; the original is kept encrypted and a review item is opened`;
    case 'block':
      return direction === 'inbound' ? 'not delivered: the message is blocked' : 'not sent: the message is blocked';
  }
}
