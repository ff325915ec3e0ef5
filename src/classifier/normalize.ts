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
}

// The fast path: most chat messages contain none of these, and then the text is used as is.
const NEEDS_NORMALIZING =
  /[\u00A0\u00AD\u180E\u2000-\u2015\u202A-\u202F\u205F-\u2064\u2066-\u2069\u2212\u3000\uFE58\uFE63\uFEFF\uFF01-\uFF5E]|(?![0-9])\p{Nd}/u;
const REMOVED = /^[\u00AD\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]$/u;
const SPACE = /^[\u00A0\u2000-\u200A\u202F\u205F\u3000]$/u;
const DASH = /^[\u2010-\u2015\u2212\uFE58\uFE63]$/u;
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

// Cheaper first look: ASCII, Latin-1 letters and Cyrillic (Kazakh included) never need normalizing.
const OUTSIDE_COMMON_SCRIPTS = /[^\x00-\x9f\u00a1-\u00ac\u00ae-\u052f]/;

export function normalize(text: string): Normalized {
  if (!OUTSIDE_COMMON_SCRIPTS.test(text) || !NEEDS_NORMALIZING.test(text)) return { text, starts: null, ends: null };
  const starts = new Int32Array(text.length + 1);
  const ends = new Int32Array(text.length + 1);
  const out: string[] = [];
  let n = 0;
  let sameOffsets = true;
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i) as number;
    const width = cp > 0xffff ? 2 : 1;
    const ch = width === 2 ? text.slice(i, i + 2) : text[i] as string;
    let replacement: string | null = ch;
    if (cp < 0xa0) {
      // ASCII and Latin-1 controls pass through untouched
    } else if (cp >= 0xff01 && cp <= 0xff5e) {
      replacement = String.fromCharCode(cp - 0xfee0);
    } else if (REMOVED.test(ch)) {
      replacement = null;
    } else if (SPACE.test(ch)) {
      replacement = ' ';
    } else if (DASH.test(ch)) {
      replacement = '-';
    } else if (DIGIT.test(ch)) {
      replacement = String.fromCharCode(48 + digitValue(cp));
    }
    if (replacement === null) {
      sameOffsets = false;
    } else {
      if (width === 2 && replacement.length === 1) sameOffsets = false;
      for (let k = 0; k < replacement.length; k++) {
        starts[n] = i;
        ends[n] = i + width;
        n++;
      }
      out.push(replacement);
    }
    i += width;
  }
  const normalized = out.join('');
  if (sameOffsets) return { text: normalized, starts: null, ends: null };
  return { text: normalized, starts, ends };
}

/** Maps a normalized span [start, end) back to the original text. */
export function originalSpan(norm: Normalized, start: number, end: number): [number, number] {
  if (norm.starts === null || norm.ends === null) return [start, end];
  const s = norm.starts[start] ?? 0;
  const e = end > start ? (norm.ends[end - 1] ?? s) : s;
  return [s, e];
}
