import { isCommonText } from './common-text.ts';

/**
 * Folds the ways chat apps and people disguise identifiers into plain ASCII digits and separators, keeping a
 * map back to the original text so findings are reported at their original UTF-16 offsets.
 *
 * - zero-width and bidi format characters (U+200B–U+200F, U+2060…, U+FEFF, soft hyphen) are removed;
 * - full-width ASCII (U+FF01–U+FF5E) becomes ASCII, every other Unicode decimal digit (Arabic-Indic,
 *   Devanagari, mathematical bold…) becomes its ASCII digit;
 * - no-break, thin and other Unicode spaces become a space; Unicode dashes and minus become `-`.
 *
 * Letters are not case-folded here: the detectors' patterns are case-insensitive where that matters, and
 * keeping letters untouched keeps the map one-to-one for almost all text.
 */
export interface Normalized {
  text: string;
  /**
   * `starts[i]` is the original offset of the character that produced normalized character i, `ends[i]` the
   * original offset just after it; both null when the normalized text has the same offsets as the original.
   */
  starts: Int32Array | null;
  ends: Int32Array | null;
  /** `text` holds no letter or digit from U+0530 up: its regexes may run narrowed (common-text.ts) */
  common: boolean;
}

// Characters that normalizing changes; the `g` copy finds them one by one. ASCII and Cyrillic never match.
const SPECIAL_SOURCE =
  '[\\u00A0\\u00AD\\u180E\\u2000-\\u2015\\u202A-\\u202F\\u205F-\\u2064\\u2066-\\u2069\\u2212\\u3000\\uFE58\\uFE63\\uFEFF\\uFF01-\\uFF5E]|(?![\\x00-\\u065f])\\p{Nd}';
const NEEDS_NORMALIZING = new RegExp(SPECIAL_SOURCE, 'u');
const SPECIAL = new RegExp(SPECIAL_SOURCE, 'gu');
// Cheaper first look: ASCII, Latin-1 letters and Cyrillic (Kazakh included) never need normalizing.
// eslint-disable-next-line no-control-regex -- \x00 is only the start of the ASCII range, matched on purpose
const OUTSIDE_COMMON_SCRIPTS = /[^\x00-\x9f\u00a1-\u00ac\u00ae-\u052f]/;
const REMOVED = /^[\u00AD\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]$/u;
const SPACE = /^[\u00A0\u2000-\u200A\u202F\u205F\u3000]$/u;
const DIGIT = /^\p{Nd}$/u;

const digitValues = new Map<number, number>();

/**
 * Unicode lays every decimal digit set out as runs of ten consecutive code points 0..9 (the mathematical
 * digits are five such runs back to back), so the value is the distance from the start of the run, mod 10.
 */
function digitValue(codePoint: number): number {
  const cached = digitValues.get(codePoint);
  if (cached !== undefined) return cached;
  let k = 0;
  while (k < 60 && DIGIT.test(String.fromCodePoint(codePoint - k - 1))) k++;
  const value = k % 10;
  digitValues.set(codePoint, value);
  return value;
}

/** The replacement of one special character: '' removes it. */
function replacementOf(ch: string): string {
  const cp = ch.codePointAt(0) as number;
  if (cp >= 0xff01 && cp <= 0xff5e) return String.fromCharCode(cp - 0xfee0);
  if (REMOVED.test(ch)) return '';
  if (SPACE.test(ch)) return ' ';
  if ((cp >= 0x2010 && cp <= 0x2015) || cp === 0x2212 || cp === 0xfe58 || cp === 0xfe63) return '-';
  if (DIGIT.test(ch)) return String.fromCharCode(48 + digitValue(cp));
  return ch;
}

/** Look-alike letters of the two scripts, one for one (so offsets do not move). */
const CYRILLIC_TO_LATIN: Record<string, string> = {
  а: 'a',
  е: 'e',
  о: 'o',
  р: 'p',
  с: 'c',
  у: 'y',
  х: 'x',
  і: 'i',
  к: 'k',
  А: 'A',
  Е: 'E',
  О: 'O',
  Р: 'P',
  С: 'C',
  Т: 'T',
  Х: 'X',
  К: 'K',
  М: 'M',
  Н: 'H',
  В: 'B',
  І: 'I',
};
const LATIN_TO_CYRILLIC: Record<string, string> = Object.fromEntries(
  Object.entries(CYRILLIC_TO_LATIN).map(([c, l]) => [l, c]),
);
const MIXED = /[A-Za-z][\u0400-\u04ff]|[\u0400-\u04ff][A-Za-z]/;
const WORD = /[\p{L}]+/gu;
const LATIN_LETTER = /[A-Za-z\u00c0-\u024f]/g;
const CYRILLIC_LETTER = /[\u0400-\u04ff]/g;

/**
 * A word that mixes scripts (a Cyrillic "а" typed inside a Latin word, or the reverse) gets the look-alikes of its
 * minority script in its majority script, so that the vocabulary, written in one script, matches it.
 */
export function foldMixedScripts(text: string): string {
  if (!MIXED.test(text)) return text;
  return text.replace(WORD, (word) => {
    const latin = word.match(LATIN_LETTER)?.length ?? 0;
    const cyrillic = word.match(CYRILLIC_LETTER)?.length ?? 0;
    if (latin === 0 || cyrillic === 0) return word;
    const map = latin >= cyrillic ? CYRILLIC_TO_LATIN : LATIN_TO_CYRILLIC;
    return [...word].map((ch) => map[ch] ?? ch).join('');
  });
}

/**
 * What either step below looks for, in one scan: a word mixing scripts or a character outside the common scripts.
 * Most messages have neither and are returned as they are after this one look.
 */
// eslint-disable-next-line no-control-regex -- \x00 is only the start of the ASCII range, matched on purpose
const MIXED_OR_OUTSIDE = /[A-Za-z][\u0400-\u04ff]|[\u0400-\u04ff][A-Za-z]|[^\x00-\x9f\u00a1-\u00ac\u00ae-\u052f]/;

export function normalize(input: string): Normalized {
  // no word of two scripts and no character outside the common ones: only code units below U+0530
  if (!MIXED_OR_OUTSIDE.test(input)) return { text: input, starts: null, ends: null, common: true };
  const text = foldMixedScripts(input);
  if (!OUTSIDE_COMMON_SCRIPTS.test(text)) return { text, starts: null, ends: null, common: true };
  if (!NEEDS_NORMALIZING.test(text)) return { text, starts: null, ends: null, common: isCommonText(text) };
  // only the special characters go through JavaScript; everything between is copied as slices
  const parts: string[] = [];
  const edits: number[] = []; // triples: original offset, original length, replacement length
  let sameOffsets = true;
  let at = 0;
  SPECIAL.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = SPECIAL.exec(text)) !== null) {
    const ch = m[0];
    const replacement = replacementOf(ch);
    parts.push(text.slice(at, m.index), replacement);
    edits.push(m.index, ch.length, replacement.length);
    if (replacement.length !== ch.length) sameOffsets = false;
    at = m.index + ch.length;
  }
  parts.push(text.slice(at));
  const normalized = parts.join('');
  const common = isCommonText(normalized);
  if (sameOffsets) return { text: normalized, starts: null, ends: null, common };
  const starts = new Int32Array(normalized.length + 1);
  const ends = new Int32Array(normalized.length + 1);
  let n = 0;
  let o = 0;
  for (let e = 0; e <= edits.length; e += 3) {
    const editAt = e < edits.length ? (edits[e] as number) : text.length;
    for (; o < editAt; o++, n++) {
      starts[n] = o;
      ends[n] = o + 1;
    }
    if (e === edits.length) break;
    const originalLength = edits[e + 1] as number;
    const replacementLength = edits[e + 2] as number;
    for (let k = 0; k < replacementLength; k++, n++) {
      starts[n] = o;
      ends[n] = o + originalLength;
    }
    o += originalLength;
  }
  starts[n] = text.length;
  ends[n] = text.length;
  return { text: normalized, starts, ends, common };
}

/** Maps a normalized span [start, end) back to the original text. */
export function originalSpan(norm: Normalized, start: number, end: number): [number, number] {
  if (norm.starts === null || norm.ends === null) return [start, end];
  const s = norm.starts[start] ?? 0;
  const e = end > start ? (norm.ends[end - 1] ?? s) : s;
  return [s, e];
}
