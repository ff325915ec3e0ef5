import { classifyFor, type CustomClassifier, type Finding } from '../../classifier/index.ts';
import type { CanonicalMessage } from '../../core/message.ts';

/** Keys of `extra` the gateway itself writes, which hold no one's words. */
const GATEWAY_KEYS = new Set(['originalEntities', 'rawType']);

export interface ExtraLeaf {
  path: (string | number)[];
  value: string;
}

/**
 * Every string inside a message's structured payloads (a shared contact card's phone, a poll's question and
 * answers, a place's address…): personal data there must meet the same policy as in the text.
 */
export function extraLeaves(extra: CanonicalMessage['extra']): ExtraLeaf[] {
  const leaves: ExtraLeaf[] = [];
  // most messages have no structured payload: called for every message, this returns before allocating more
  for (const key in extra) if (!GATEWAY_KEYS.has(key)) collectLeaves(extra[key], [key], leaves);
  return leaves;
}

function collectLeaves(value: unknown, path: (string | number)[], leaves: ExtraLeaf[]): void {
  if (typeof value === 'string') {
    if (value.trim().length >= 3) leaves.push({ path, value });
  } else if (Array.isArray(value)) value.forEach((item, i) => collectLeaves(item, [...path, i], leaves));
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) collectLeaves(v, [...path, k], leaves);
}

/** A copy of `extra` with the strings at the given paths replaced. */
export function replaceLeaves(
  extra: CanonicalMessage['extra'],
  replacements: readonly ExtraLeaf[],
): CanonicalMessage['extra'] {
  const copy = structuredClone(extra);
  for (const { path, value } of replacements) {
    let node: Record<string | number, unknown> = copy;
    for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
    node[path.at(-1)!] = value;
  }
  return copy;
}

export interface CombinedText {
  /** the text and every leaf, joined by a separator no finding spans */
  text: string;
  findings: Finding[];
  leaves: ExtraLeaf[];
  /** the payloads' findings as stored for officers: spans into their own field, named in the explanation */
  fieldFindings: Finding[];
}

export const SEPARATOR = '\u0000';

/**
 * The text and the structured payloads' strings as one text for the policy to decide on, or null when the
 * payloads hold no personal data (the common case: then only the text's findings count). The payloads are classified
 * as the text is, with the agency's `classifier:` section when it has one.
 */
export function combineWithExtra(
  message: CanonicalMessage,
  textFindings: readonly Finding[],
  custom?: CustomClassifier,
): CombinedText | null {
  const leaves = extraLeaves(message.extra);
  if (leaves.length === 0) return null;
  const found = leaves.map((leaf) => classifyFor(leaf.value, custom));
  if (found.every((f) => f.length === 0)) return null;
  const findings = [...textFindings];
  const fieldFindings: Finding[] = [];
  let offset = message.text.length + SEPARATOR.length;
  leaves.forEach((leaf, i) => {
    for (const f of found[i]!) {
      findings.push({ ...f, start: f.start + offset, end: f.end + offset });
      fieldFindings.push({ ...f, explanation: { ...f.explanation, note: `in extra.${leaf.path.join('.')}` } });
    }
    offset += leaf.value.length + SEPARATOR.length;
  });
  return { text: [message.text, ...leaves.map((l) => l.value)].join(SEPARATOR), findings, leaves, fieldFindings };
}
