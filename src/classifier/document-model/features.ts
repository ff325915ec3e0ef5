/**
 * What the document-number model reads about one passport or ID-card candidate: the words around it (stems, by
 * how near they stand), the number's written form, and what the rules saw (a context word, a document's own label,
 * a name right before it). Feature names are plain strings: the model's weights are readable, and an explanation
 * can name the strongest ones without quoting the message.
 */
import type { Candidate } from '../types.ts';

/** how far before and after the number words are read */
const BEFORE = 48;
const AFTER = 32;
/** the words nearest the number on each side count apart from the rest */
const NEAR = 3;
const STEM = 5;
/** how far before the number its own label may stand */
const LABEL = 24;
const WORD = /\p{L}+/gu;
/** a person's name right before the number, as in a list: "2) Қасымова Әйгерім – N…" */
const NAME_BEFORE = /\p{Lu}\p{Ll}+\s+\p{Lu}[\p{Ll}.]*\s*[–—:-]?\s*(?:№\s*)?$/u;

function stems(text: string): string[] {
  return [...text.matchAll(WORD)].map((m) => m[0].toLowerCase().replace(/ё/g, 'е').slice(0, STEM));
}

/** The written form of the number: its first character and its grouping. */
function shapeOf(category: Candidate['category'], value: string): string[] {
  const groups = value
    .replace(/^[^\d]+/, '')
    .split(/[^\d]+/)
    .filter((g) => g !== '')
    .map((g) => g.length)
    .join('-');
  const lead = /^\d/.test(value)
    ? 'digit'
    : /^[Nn]/.test(value)
      ? 'latin-n'
      : /^[Нн]/.test(value)
        ? 'cyrillic-n'
        : 'sign';
  return [`shape:${category}:${lead}`, `groups:${category}:${groups}`, `lower:${value[0] === 'n' || value[0] === 'н'}`];
}

export interface RuleSignals {
  /** the context word the rules found, if any */
  contextId?: string;
  /** a document's own label (invoice, waybill…) stands right before the number */
  documentLabel: boolean;
}

/** The features of a candidate at [start, end) of the normalized text `t`. */
export function documentFeatures(
  t: string,
  category: Candidate['category'],
  start: number,
  end: number,
  rules: RuleSignals,
): string[] {
  const before = t.slice(Math.max(0, start - BEFORE), start);
  const after = t.slice(end, end + AFTER);
  const out = [`bias:${category}`, ...shapeOf(category, t.slice(start, end))];
  // only the nearest words: a message's topic (accepting applications, a list of citizens) says nothing about a number
  for (const s of stems(before).slice(-NEAR)) out.push(`near-before:${s}`);
  // the word right before the number is usually its label: "путевка №…", "bronu: …", "паспорт N…"
  const label = stems(t.slice(Math.max(0, start - LABEL), start)).at(-1);
  if (label !== undefined) out.push(`label:${label}`);
  for (const s of stems(after).slice(0, NEAR)) out.push(`near-after:${s}`);
  if (rules.contextId !== undefined) out.push('rule:context', `rule:${rules.contextId}`);
  if (rules.documentLabel) out.push('rule:document-label');
  if (NAME_BEFORE.test(before)) out.push('rule:name-before');
  if (LIST_ITEM.test(before)) out.push('rule:list-item');
  return out;
}

const LIST_ITEM = /\n\s*\d{1,2}[.)]\s*[^\n]*$/;

/**
 * Whether the rules saw evidence of a person's document (`rule:context`, `rule:name-before` or `rule:list-item`
 * among the features above), without making the features.
 */
export function ruleEvidence(t: string, start: number, contextId: string | undefined): boolean {
  if (contextId !== undefined) return true;
  const before = t.slice(Math.max(0, start - BEFORE), start);
  return NAME_BEFORE.test(before) || LIST_ITEM.test(before);
}
