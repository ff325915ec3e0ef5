/**
 * Reading the evaluation set: `tune/*.jsonl` and `holdout/*.jsonl`, one labelled message a line. Shared by the
 * runner and the set's own test, so both refuse the same malformed lines.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { CATEGORIES, type Category } from '../../src/classifier/types.ts';

export const SET_DIR = fileURLToPath(new URL('.', import.meta.url));
/**
 * The parts in the order they were written: `holdout2` is HEALTH's held-out part; `holdout3` on are identifier parts,
 * each read once on the floors and then retired into tuning when the next was written (README.md).
 */
export const SPLITS = [
  'tune',
  'holdout',
  'holdout2',
  'holdout3',
  'holdout4',
  'holdout5',
  'holdout6',
  'holdout7',
  'holdout8',
  'holdout9',
  'holdout10',
  'holdout11',
  'holdout12',
  'holdout13',
  'holdout14',
  'holdout15',
] as const;
export type Split = (typeof SPLITS)[number];
/** The parts written for the identifier categories alone, in order; the last is their held-out part (README.md). */
export const IDENTIFIER_PARTS = SPLITS.slice(SPLITS.indexOf('holdout3'));
export const IDENTIFIER_HELD_OUT: Split = IDENTIFIER_PARTS[IDENTIFIER_PARTS.length - 1]!;
/** The identifier parts read once on the floors and then retired into tuning. */
export const RETIRED_IDENTIFIER_PARTS = IDENTIFIER_PARTS.slice(0, -1);

export const LANGS = ['kk', 'kk-latn', 'ru', 'en', 'mixed'] as const;
export type Lang = (typeof LANGS)[number];

export interface LabelledMessage {
  id: string;
  lang: Lang;
  text: string;
  /** the categories of personal data the message holds; empty for a clean message */
  labels: Category[];
  /** the categories this message was written to trip up (a look-alike, a business sense, an institution) */
  hard?: Category[];
  note?: string;
  /** where it was read from, for error messages */
  file: string;
  line: number;
  split: Split;
}

export class MalformedSetError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
  }
}

const KNOWN = new Set<string>(CATEGORIES);

function categoryList(value: unknown, field: string, file: string, line: number): Category[] {
  if (!Array.isArray(value)) throw new MalformedSetError(file, line, `"${field}" must be an array`);
  for (const c of value) {
    if (typeof c !== 'string' || !KNOWN.has(c))
      throw new MalformedSetError(file, line, `unknown category ${JSON.stringify(c)} in "${field}"`);
  }
  if (new Set(value).size !== value.length) throw new MalformedSetError(file, line, `repeated category in "${field}"`);
  return value as Category[];
}

export function parseLine(raw: string, file: string, line: number, split: Split): LabelledMessage {
  let obj: unknown;
  try {
    obj = JSON.parse(raw);
  } catch {
    throw new MalformedSetError(file, line, 'not a JSON object');
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj))
    throw new MalformedSetError(file, line, 'not a JSON object');
  const o = obj as Record<string, unknown>;
  const allowed = new Set(['id', 'lang', 'text', 'labels', 'hard', 'note']);
  for (const key of Object.keys(o))
    if (!allowed.has(key)) throw new MalformedSetError(file, line, `unknown field "${key}"`);
  if (typeof o.id !== 'string' || o.id === '')
    throw new MalformedSetError(file, line, '"id" must be a non-empty string');
  if (typeof o.lang !== 'string' || !(LANGS as readonly string[]).includes(o.lang))
    throw new MalformedSetError(file, line, `unknown lang ${JSON.stringify(o.lang)}`);
  if (typeof o.text !== 'string' || o.text.trim() === '')
    throw new MalformedSetError(file, line, '"text" must be a non-empty string');
  if (o.note !== undefined && typeof o.note !== 'string')
    throw new MalformedSetError(file, line, '"note" must be a string');
  const labels = categoryList(o.labels, 'labels', file, line);
  const hard = o.hard === undefined ? undefined : categoryList(o.hard, 'hard', file, line);
  if (hard?.some((c) => labels.includes(c)))
    throw new MalformedSetError(file, line, 'a category is both a label and a hard negative');
  const message: LabelledMessage = { id: o.id, lang: o.lang as Lang, text: o.text, labels, file, line, split };
  if (hard !== undefined) message.hard = hard;
  if (o.note !== undefined) message.note = o.note as string;
  return message;
}

export function splitFiles(split: Split, dir = SET_DIR): string[] {
  return readdirSync(join(dir, split))
    .filter((name) => name.endsWith('.jsonl'))
    .sort()
    .map((name) => join(dir, split, name));
}

/** Every message of one split; throws MalformedSetError at the first bad line or repeated id. */
export function loadSplit(split: Split, dir = SET_DIR, seen = new Map<string, string>()): LabelledMessage[] {
  const messages: LabelledMessage[] = [];
  for (const path of splitFiles(split, dir)) {
    const file = path.slice(dir.length).replace(/^\/+/, '');
    readFileSync(path, 'utf8')
      .split('\n')
      .forEach((raw, i) => {
        if (raw.trim() === '') return;
        const m = parseLine(raw, file, i + 1, split);
        const before = seen.get(m.id);
        if (before !== undefined) throw new MalformedSetError(file, i + 1, `id ${m.id} repeats ${before}`);
        seen.set(m.id, `${file}:${i + 1}`);
        messages.push(m);
      });
  }
  return messages;
}

export function loadSet(dir = SET_DIR): Record<Split, LabelledMessage[]> {
  const seen = new Map<string, string>();
  return Object.fromEntries(SPLITS.map((split) => [split, loadSplit(split, dir, seen)])) as Record<
    Split,
    LabelledMessage[]
  >;
}
