import type { Category } from '../types.ts';
import { codeAt, codeUnitTable } from '../chars.ts';
import { CommonRegex } from '../common-text.ts';

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

/** A form's template (N00000000, 000000000): one digit repeated is no one's document number. */
export function isTemplateNumber(digits: string): boolean {
  return /^(\d)\1+$/.test(digits);
}

const CONTEXT_BEFORE = 48;
const CONTEXT_AFTER = 24;
/** how far before and after a context word its detector's guard looks: the phrase the word stands in */
const GUARD_BEFORE = 32;
const GUARD_AFTER = 16;
/** the characters right before a number that hold its own label */
const OWN_LABEL = 24;
const NEGATED_BEFORE =
  /(?<![\p{L}])(?:не|not|no)\s+(?:(?:an?|the|our|my|his|her|their|your|наш\p{L}*|мой|мои|его|её|ее|их|ваш\p{L}*|біздің|менің)\s+)?$/iu;
const NEGATED_AFTER = /^[\s-]*(?:(?:керек|kerek|қажет|qajet|бойынша|boiynsha)\s+)?(?:емес|emes)(?![\p{L}])/iu;

/**
 * Context words: matched as word prefixes (so Russian and Kazakh inflections such as "паспорта", "ИИН-і" count),
 * case-insensitively, with ё folded to е, in a window around the match. A finding names the word that raised it
 * by its id (`context:<detector>:<word in Latin letters>`), never by the text found in the message.
 */
export interface ContextOptions {
  /**
   * Makes the context strict: only the closest context word before the match counts, and the text between it and
   * the match must match `gap` (so "Диагноз: J18.9, кабинет E11" does not carry the diagnosis over to the room number).
   */
  gap?: RegExp;
  /** a phrase around a context word (or right before the match) that makes the word name something else */
  guard?: RegExp;
  /** how far before the match a context word may stand (default CONTEXT_BEFORE) */
  before?: number;
  /** and how far after it (default CONTEXT_AFTER) */
  after?: number;
}

export class ContextWords {
  readonly words: readonly string[];
  /** the words, global, without the word-start check (matchAtWordStart makes it) */
  private readonly pattern: CommonRegex;
  /** each word folded (see foldWord) with its id, longest first: the first that prefixes a match is the one that matched */
  private readonly byPrefix: readonly (readonly [string, string])[];

  private readonly gap: RegExp | null;
  private readonly guard: RegExp | null;
  private readonly reachBefore: number;
  private readonly reachAfter: number;

  /** `detector` names the ids' namespace. */
  constructor(detector: string, words: readonly string[], options: ContextOptions = {}) {
    this.words = words;
    // a word ending in `$` is matched whole ("уд$": not "удобно"); the others as prefixes of a longer word
    const entries = words.map((w) => ({ word: w.replace(/\$$/, ''), whole: w.endsWith('$') }));
    const alternatives = [...words]
      .sort((a, b) => b.length - a.length)
      .map((w) => (w.endsWith('$') ? `${escapeWord(w.slice(0, -1))}(?![\\p{L}])` : `${escapeWord(w)}\\p{L}*`));
    this.pattern = new CommonRegex(`(?:${alternatives.join('|')})`, 'giu');
    this.gap = options.gap ?? null;
    this.guard = options.guard ?? null;
    this.reachBefore = options.before ?? CONTEXT_BEFORE;
    this.reachAfter = options.after ?? CONTEXT_AFTER;
    this.byPrefix = entries
      .map(({ word }) => [foldWord(word), contextId(detector, word)] as const)
      .sort((a, b) => b[0].length - a[0].length);
    // the first word of an id names it, as before the list was sorted
    for (const { word } of [...entries].reverse()) CONTEXT_WORDS.set(contextId(detector, word), word);
  }

  /**
   * the id of the context word found near [start, end) of `text`, if any; `common`: `text` is a common text
   * (common-text.ts)
   */
  find(text: string, start: number, end: number, common: boolean): string | undefined {
    const from = Math.max(0, start - this.reachBefore);
    const after = end + this.reachAfter;
    const words = this.pattern.for(common);
    const before = text.slice(from, start);
    if (this.gap !== null) {
      let last: RegExpExecArray | null = null;
      for (
        let m = matchAtWordStart(words, before, 0);
        m !== null;
        m = matchAtWordStart(words, before, m.index + m[0].length)
      )
        last = m;
      if (last === null) return undefined;
      return this.gap.test(before.slice(last.index + last[0].length)) ? this.idOf(last[0]) : undefined;
    }
    if (matchAtWordStart(words, before, 0) === null && matchAtWordStart(words, text.slice(end, after), 0) === null)
      return undefined;
    // the number's own label names another document: "тіркеу куәлігі N 01245789, төлқұжатпен бірге"
    if (this.guard?.test(text.slice(Math.max(0, start - OWN_LABEL), start))) return undefined;
    return this.counted(words, text, from, start) ?? this.counted(words, text, end, after);
  }

  /**
   * The first context word in text[from, to) that counts: not negated ("не БИН", "куәлік емес", "not a passport")
   * and not in a phrase the detector's guard names (a building's technical passport, a driving licence).
   */
  private counted(words: RegExp, text: string, from: number, to: number): string | undefined {
    const window = text.slice(from, to);
    for (
      let m = matchAtWordStart(words, window, 0);
      m !== null;
      m = matchAtWordStart(words, window, m.index + m[0].length)
    ) {
      const at = from + m.index;
      const after = at + m[0].length;
      if (NEGATED_BEFORE.test(text.slice(Math.max(0, at - 16), at))) continue;
      if (NEGATED_AFTER.test(text.slice(after, after + 20))) continue;
      if (this.guard?.test(text.slice(Math.max(0, at - GUARD_BEFORE), after + GUARD_AFTER))) continue;
      return this.idOf(m[0]);
    }
    return undefined;
  }

  private idOf(matched: string): string | undefined {
    const folded = foldWord(matched);
    return this.byPrefix.find(([word]) => folded.startsWith(word))?.[1];
  }
}

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const IS_LETTER_OR_DIGIT = codeUnitTable(LETTER_OR_DIGIT, 0x500);

/** The code point ending right before `at` is a letter or a digit. */
function letterOrDigitBefore(text: string, at: number): boolean {
  const code = codeAt(text, at - 1);
  if (code < 0x500) return IS_LETTER_OR_DIGIT[code] === 1;
  const high = at >= 2 ? codeAt(text, at - 2) : 0;
  const point = code >= 0xdc00 && code <= 0xdfff && high >= 0xd800 && high <= 0xdbff ? text.codePointAt(at - 2)! : code;
  return LETTER_OR_DIGIT.test(String.fromCodePoint(point));
}

/**
 * The first match of the global regex `re` at or after `from` that starts a word: the match a leading
 * `(?<![\p{L}\p{N}])` would give (that check depends on the position only, so a failed start is simply passed
 * over). V8 runs a leading look-behind at every position of the text; this is several times faster.
 */
export function matchAtWordStart(re: RegExp, text: string, from: number): RegExpExecArray | null {
  re.lastIndex = from;
  for (;;) {
    const m = re.exec(text);
    if (m === null || m.index === 0 || !letterOrDigitBefore(text, m.index)) return m;
    re.lastIndex = m.index + 1;
  }
}

/** Lower case, ё as е, no spaces: a context word and the text it matched compare equal on their common prefix. */
function foldWord(text: string): string {
  return text.toLowerCase().replace(/ё/g, 'е').replace(/\s+/g, '');
}

/** Every context word by its id, for a tool that shows its own user why their text was flagged (scan). */
export const CONTEXT_WORDS = new Map<string, string>();

const LATIN: Record<string, string> = {
  а: 'a',
  б: 'b',
  в: 'v',
  г: 'g',
  д: 'd',
  е: 'e',
  ё: 'e',
  ж: 'zh',
  з: 'z',
  и: 'i',
  й: 'i',
  к: 'k',
  л: 'l',
  м: 'm',
  н: 'n',
  о: 'o',
  п: 'p',
  р: 'r',
  с: 's',
  т: 't',
  у: 'u',
  ф: 'f',
  х: 'kh',
  ц: 'ts',
  ч: 'ch',
  ш: 'sh',
  щ: 'shch',
  ъ: '',
  ы: 'y',
  ь: '',
  э: 'e',
  ю: 'yu',
  я: 'ya',
  ә: 'a',
  ғ: 'gh',
  қ: 'q',
  ң: 'ng',
  ө: 'o',
  ұ: 'u',
  ү: 'u',
  һ: 'h',
  і: 'i',
};

/** `context:<detector>:<the word in Latin letters>`: stable while the word stays in its list. */
export function contextId(detector: string, word: string): string {
  const latin = [...word.toLowerCase()].map((ch) => LATIN[ch] ?? ch).join('');
  return `context:${detector}:${latin.replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;
}

/**
 * Escapes a word for a regex, folds ё/е and lets a space match `space`: any run of spaces, none included (the
 * default), or `\\s+` where a space must stay one (a context word ending in a space ends a word).
 */
export function escapeWord(word: string, space = '\\s*'): string {
  return word
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/[её]/g, '[её]')
    .replace(/[ЕЁ]/g, '[ЕЁ]')
    .replace(/ /g, space);
}
