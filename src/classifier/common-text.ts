import { codeUnitRanges } from './chars.ts';

/**
 * The classifier's word regexes read letters and digits through `\p{L}` and `\p{N}` (inflections, word boundaries,
 * context words), and V8 builds those classes afresh for each regex it compiles, once per occurrence: about a
 * millisecond for a vocabulary term at its first use, tens of milliseconds for a long list of context words, in
 * every process and thread (much of a classifier's warm-up; docs/benchmarks.md). A common text, one with no letter
 * or digit from COMMON_LIMIT up (the classifier's scripts, Latin, Greek and Cyrillic with the Kazakh letters, lie
 * below it), is matched by a regex whose `\p{L}` and `\p{N}` are narrowed to the code units below the limit that
 * match them under the regex's own flags: exactly as by the properties (a character from the limit up that the
 * narrowed class matches, through case folding, the property matches too, and a common text has none), and compiled
 * many times faster. Any other text is matched by the regex as written (test: common-text.test.ts).
 */
export const COMMON_LIMIT = 0x530;

/** each property narrowed, by the regex's case-insensitivity: what `\p{L}` matches under `iu` is a little more */
const NARROWED = new Map<string, string>();
for (const property of ['L', 'N'])
  for (const flags of ['u', 'iu'])
    NARROWED.set(`\\p{${property}}/${flags}`, codeUnitRanges(new RegExp(`^\\p{${property}}$`, flags), COMMON_LIMIT));

// eslint-disable-next-line no-control-regex -- \x00 is only the start of the range, matched on purpose
const BEYOND_LIMIT = /[^\x00-\u052f]/;
// eslint-disable-next-line no-control-regex -- as above
const LETTER_OR_DIGIT_BEYOND_LIMIT = /(?![\x00-\u052f])[\p{L}\p{N}]/u;

/** Whether `text` holds no letter or digit from COMMON_LIMIT up, so that a CommonRegex may read it narrowed. */
export function isCommonText(text: string): boolean {
  return !BEYOND_LIMIT.test(text) || !LETTER_OR_DIGIT_BEYOND_LIMIT.test(text);
}

/**
 * `source` with each `\p{L}` and `\p{N}` narrowed for `flags` (see COMMON_LIMIT), in character classes and out of
 * them; null when it uses another property, which is then left to the regex as written, or when `flags` lack `u`
 * (without it `\p{L}` is no property).
 */
export function narrowedSource(source: string, flags: string): string | null {
  if (!flags.includes('u')) return null;
  const caseless = flags.includes('i') ? 'iu' : 'u';
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const char = source[i] as string;
    if (char === '\\') {
      const escape = source.slice(i, i + 2);
      if (escape !== '\\p' && escape !== '\\P') {
        out += escape;
        i++;
        continue;
      }
      const property = source.slice(i, source.indexOf('}', i) + 1);
      const ranges = NARROWED.get(`${property}/${caseless}`);
      if (ranges === undefined) return null;
      out += inClass ? ranges : `[${ranges}]`;
      i += property.length - 1;
      continue;
    }
    if (char === '[' && !inClass) inClass = true;
    else if (char === ']' && inClass) inClass = false;
    out += char;
  }
  return out;
}

/**
 * A regex (with the `u` flag) compiled at its first use, narrowed for common texts and, apart, as written for the
 * others: `for(isCommonText(s))` is the regex to run on `s` or on any part of it.
 */
export class CommonRegex {
  private narrowed: RegExp | null = null;
  private asWritten: RegExp | null = null;

  constructor(
    readonly source: string,
    readonly flags: string,
  ) {}

  for(common: boolean): RegExp {
    if (!common) return (this.asWritten ??= new RegExp(this.source, this.flags));
    return (this.narrowed ??= new RegExp(narrowedSource(this.source, this.flags) ?? this.source, this.flags));
  }
}
