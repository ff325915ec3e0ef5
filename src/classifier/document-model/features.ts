/**
 * What the document-number model reads about one passport or ID-card candidate: the words around it (stems, by
 * how near they stand), the number's written form, and what the rules saw (a context word, a document's own label,
 * a name right before it). Feature names are plain strings: the model's weights are readable, and an explanation
 * can name the strongest ones without quoting the message.
 */
import type { Candidate } from '../types.ts';
import { codeAt, codeUnitTable } from '../chars.ts';

/** how far before and after the number words are read */
const BEFORE = 48;
const AFTER = 32;
/** the words nearest the number on each side count apart from the rest */
const NEAR = 3;
const STEM = 5;
/** how far before the number its own label may stand */
const LABEL = 24;
/** a person's name right before the number, as in a list: "2) Қасымова Әйгерім – N…" */
const NAME_BEFORE = /\p{Lu}\p{Ll}+\s+\p{Lu}[\p{Ll}.]*\s*[–—:-]?\s*(?:№\s*)?$/u;

function stem(word: string): string {
  return word.toLowerCase().replace(/ё/g, 'е').slice(0, STEM);
}

const LETTER = /^\p{L}$/u;
const TABLE_SIZE = 0x530; // ASCII, Latin-1, Latin Extended and Cyrillic (Kazakh letters included)
const IS_LETTER = codeUnitTable(LETTER, TABLE_SIZE);

/** The length of the letter (`\p{L}`, a code point) at `i`: 1 or 2 UTF-16 units, 0 when it is not a letter. */
function letterAt(text: string, i: number): number {
  const code = codeAt(text, i);
  if (code < TABLE_SIZE) return IS_LETTER[code] as number;
  if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
    const low = codeAt(text, i + 1);
    return low >= 0xdc00 && low <= 0xdfff && LETTER.test(text.slice(i, i + 2)) ? 2 : 0;
  }
  return code < 0xd800 || code > 0xdfff ? (LETTER.test(text[i] as string) ? 1 : 0) : 0;
}

/**
 * The stems of the words (`\p{L}+` runs) of `text`: the first `count` (from the start) or the last `count` (from the
 * end), in text order. A table scan, not the regex: the property's range table is consulted at every character, and
 * this runs per candidate over a hundred characters; only the words kept are lower-cased.
 */
function stems(text: string, count: number, fromEnd: boolean): string[] {
  const words: string[] = [];
  // read once: the windows are strings of several representations, and V8 looks `length` up the slow way on them
  const n = text.length;
  let i = 0;
  while (i < n) {
    let width = letterAt(text, i);
    if (width === 0) {
      i++;
      continue;
    }
    const start = i;
    while (width !== 0) {
      i += width;
      width = i < n ? letterAt(text, i) : 0;
    }
    words.push(text.slice(start, i));
    if (words.length === count && !fromEnd) break;
    if (words.length > count) words.shift();
  }
  return words.map(stem);
}

const DIGIT_0 = 48;
const DIGIT_9 = 57;
/** The lengths of the runs of ASCII digits in `value`, joined by `-` ("N 12 345678" → "2-6"). */
function digitGroups(value: string): string {
  let groups = '';
  let run = 0;
  for (let k = 0; k <= value.length; k++) {
    const c = k < value.length ? codeAt(value, k) : 0;
    if (c >= DIGIT_0 && c <= DIGIT_9) run++;
    else if (run > 0) {
      groups += groups === '' ? `${run}` : `-${run}`;
      run = 0;
    }
  }
  return groups;
}

/** The written form of the number: its first character and its grouping. */
function shapeOf(category: Candidate['category'], value: string): string[] {
  const first = value.charCodeAt(0);
  const lead =
    first >= DIGIT_0 && first <= DIGIT_9
      ? 'digit'
      : value[0] === 'N' || value[0] === 'n'
        ? 'latin-n'
        : value[0] === 'Н' || value[0] === 'н'
          ? 'cyrillic-n'
          : 'sign';
  return [
    `shape:${category}:${lead}`,
    `groups:${category}:${digitGroups(value)}`,
    `lower:${value[0] === 'n' || value[0] === 'н'}`,
  ];
}

export interface RuleSignals extends BeforeSignals {
  /** the context word the rules found, if any */
  contextId: string | undefined;
  /** a document's own label (invoice, waybill…) stands right before the number */
  documentLabel: boolean;
}

/** What the text right before a number shows: a person's name, or a list item's start on its line. */
export interface BeforeSignals {
  nameBefore: boolean;
  listItem: boolean;
}

/** The signals of the text before a candidate starting at `start`, read once for the evidence and the features. */
export function beforeSignals(t: string, start: number): BeforeSignals {
  const before = t.slice(Math.max(0, start - BEFORE), start);
  return { nameBefore: NAME_BEFORE.test(before), listItem: LIST_ITEM.test(before) };
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
  for (const s of stems(before, NEAR, true)) out.push(`near-before:${s}`);
  // the word right before the number is usually its label: "путевка №…", "bronu: …", "паспорт N…"
  const label = stems(t.slice(Math.max(0, start - LABEL), start), 1, true)[0];
  if (label !== undefined) out.push(`label:${label}`);
  for (const s of stems(after, NEAR, false)) out.push(`near-after:${s}`);
  if (rules.contextId !== undefined) out.push('rule:context', `rule:${rules.contextId}`);
  if (rules.documentLabel) out.push('rule:document-label');
  if (rules.nameBefore) out.push('rule:name-before');
  if (rules.listItem) out.push('rule:list-item');
  return out;
}

const LIST_ITEM = /\n\s*\d{1,2}[.)]\s*[^\n]*$/;

/**
 * Whether the rules saw evidence of a person's document (`rule:context`, `rule:name-before` or `rule:list-item`
 * among the features above), without making the features.
 */
export function ruleEvidence(signals: BeforeSignals, contextId: string | undefined): boolean {
  return contextId !== undefined || signals.nameBefore || signals.listItem;
}
