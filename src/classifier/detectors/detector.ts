import type { Category } from '../types.ts';

/**
 * The shape of one run of digits found by the combined pass: a "run" is digits joined by the separators people
 * put inside numbers (spaces, dashes, dots, brackets), after normalization.
 */
export interface DigitShape {
  /** the digits only */
  digits: string;
  /** the span starts with `+` */
  plus: boolean;
  /** lengths of the digit groups between separators */
  groups: readonly number[];
  /** the separators between the groups (groups.length - 1 of them) */
  separators: readonly string[];
  /** the span is the whole run, not a slice of a longer one cut at a space */
  wholeRun: boolean;
}

/** A detector's judgement of one candidate: which validator passed and the score of the bare match. */
export interface Verdict {
  validator: string;
  baseScore: number;
  /** a checksum/date/structure check accepted the value (beats unvalidated findings in overlaps) */
  validated: boolean;
  note?: string;
}

export interface DetectorBase {
  readonly name: string;
  readonly category: Category;
  /** words in Kazakh, Russian and English that, found near the match, raise its score to `contextScore` */
  readonly context: ContextWords | null;
  readonly contextScore: number;
}

/** A detector judging runs of digits found by the shared digit pattern of the combined pass. */
export interface DigitDetector extends DetectorBase {
  readonly kind: 'digits';
  readonly minDigits: number;
  readonly maxDigits: number;
  evaluate(shape: DigitShape): Verdict | null;
}

/** A detector with its own alternative (a named group) in the combined pass. */
export interface PatternDetector extends DetectorBase {
  readonly kind: 'pattern';
  /** regex source (u flag, no capturing groups), joined into the combined alternation under the detector's name */
  readonly pattern: string;
  /** judges the matched text; may shorten the match by returning `length` */
  evaluate(match: string): (Verdict & { length?: number }) | null;
}

const CONTEXT_BEFORE = 48;
const CONTEXT_AFTER = 24;

/**
 * Context words: matched as word prefixes (so Russian and Kazakh inflections such as "паспорта", "ИИН-і" count),
 * case-insensitively, with ё folded to е, in a window around the match.
 */
export class ContextWords {
  readonly words: readonly string[];
  private readonly pattern: RegExp;
  private readonly closest: RegExp;
  private readonly gap: RegExp | null;

  /**
   * `gap`, when given, makes the context strict: only the closest context word before the match counts, and the
   * text between it and the match must match `gap` (so "Диагноз: J18.9, кабинет E11" does not carry the
   * diagnosis over to the room number).
   */
  constructor(words: readonly string[], gap?: RegExp) {
    this.words = words;
    const alternatives = [...words]
      .sort((a, b) => b.length - a.length)
      .map((w) => escapeWord(w));
    const source = `(?<![\\p{L}\\p{N}])(?:${alternatives.join('|')})\\p{L}*`;
    this.pattern = new RegExp(source, 'iu');
    this.closest = new RegExp(source, 'giu');
    this.gap = gap ?? null;
  }

  /** the context word found near [start, end) of `text`, if any */
  find(text: string, start: number, end: number): string | undefined {
    const before = text.slice(Math.max(0, start - CONTEXT_BEFORE), start);
    if (this.gap !== null) {
      this.closest.lastIndex = 0;
      let last: RegExpExecArray | null = null;
      let m: RegExpExecArray | null;
      while ((m = this.closest.exec(before)) !== null) last = m;
      if (last === null) return undefined;
      return this.gap.test(before.slice(last.index + last[0].length)) ? last[0] : undefined;
    }
    const m = this.pattern.exec(before) ?? this.pattern.exec(text.slice(end, end + CONTEXT_AFTER));
    return m?.[0];
  }
}

/** Escapes a word for a regex, folds ё/е and lets a space match any run of spaces. */
export function escapeWord(word: string): string {
  return word
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/[её]/g, '[её]')
    .replace(/[ЕЁ]/g, '[ЕЁ]')
    .replace(/ /g, '\\s*');
}
