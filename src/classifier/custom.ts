import { createRequire } from 'node:module';
import type { RE2JS } from 're2js';
import { classify } from './classify.ts';
import { HEALTH_MODEL_DETECTOR } from './detectors/health.detector.ts';
import { normalize, originalSpan, type Normalized } from './normalize.ts';
import { canonicalValue } from './redact.ts';
import { CATEGORIES, DEFAULT_MIN_CONFIDENCE, type Category, type ClassifyOptions, type Finding } from './types.ts';

/** RE2 is loaded when an agency's pattern is first compiled: every other classification (and `scan`) starts without it. */
let re2Class: typeof RE2JS | null = null;
function re2(): typeof RE2JS {
  return (re2Class ??= (createRequire(import.meta.url)('re2js') as { RE2JS: typeof RE2JS }).RE2JS);
}

/**
 * An agency's own tuning of the classifier, written in the `classifier:` section of its policy file (after
 * Presidio's allow and deny lists and Purview's custom sensitive information types):
 * - `ignore`: a finding of the category whose matched text is one of these entries, or lies inside an occurrence of
 *   one in the text, is dropped (a recurring false positive: "скорая помощь", a test IIN); the health model's
 *   finding without a listed term (the sentence that scored) is dropped when an occurrence lies inside it;
 * - `terms`: words or phrases that flag the category (detector `agency-term`);
 * - `patterns`: RE2 regular expressions that flag the category (detector `agency-pattern`).
 *
 * Entries of `ignore` and `terms` are phrases: words separated by spaces, matched case-insensitively (ё as е) at word
 * boundaries, any run of white space between words; a word ending in `*` also matches its inflected endings.
 * Patterns are RE2 syntax, run by re2js (linear time in the text: no backreferences, no lookaround), as written
 * (`(?i)` makes one case-insensitive), on the text after the classifier's normalization (digits folded to ASCII).
 */
export interface CustomClassifierSpec {
  ignore?: Partial<Record<Category, string[]>>;
  terms?: Partial<Record<Category, string[]>>;
  patterns?: Partial<Record<Category, string[]>>;
}

export type CustomSection = keyof CustomClassifierSpec;
export const CUSTOM_SECTIONS: readonly CustomSection[] = ['ignore', 'terms', 'patterns'];

/** Bounds on what an agency may add: every term and pattern runs on every message of the agency. */
export const CUSTOM_LIMITS = Object.freeze({
  /** entries per category in each section */
  perCategory: { ignore: 500, terms: 200, patterns: 20 } as Readonly<Record<CustomSection, number>>,
  /** entries over all categories in each section */
  total: { ignore: 2000, terms: 500, patterns: 50 } as Readonly<Record<CustomSection, number>>,
  /** characters of an ignore entry or a term */
  phraseLength: 200,
  /** letters before a `*`: a shorter stem would match far too many words */
  minStem: 3,
  /** characters of a pattern */
  patternLength: 300,
  /** RE2's program size of a pattern (its approximate cost per character of text) */
  patternProgramSize: 2000,
});

export const AGENCY_TERM_DETECTOR = 'agency-term';
export const AGENCY_PATTERN_DETECTOR = 'agency-pattern';
/** An agency said these words or patterns are the category: as sure as a term of the built-in vocabulary with context. */
export const AGENCY_CONFIDENCE = 0.85;

const WORD_CHAR = /[\p{L}\p{N}\p{M}]/u;
const LETTER = /[\p{L}\p{M}]/u;

/** Why a phrase (an ignore entry or a term) cannot be used, or null when it can. */
export function phraseProblem(phrase: string): string | null {
  const trimmed = phrase.trim();
  if (trimmed === '') return 'an empty entry; remove it or write a word';
  if (trimmed.length > CUSTOM_LIMITS.phraseLength)
    return `longer than ${CUSTOM_LIMITS.phraseLength} characters (${trimmed.length})`;
  if (!WORD_CHAR.test(trimmed)) return 'has no letter or digit';
  for (const word of trimmed.split(/\s+/)) {
    const star = word.indexOf('*');
    if (star === -1) continue;
    if (star !== word.length - 1) return `"*" may only end a word (as in "гемодиализ*"), found in "${word}"`;
    if ([...word.slice(0, -1)].length < CUSTOM_LIMITS.minStem) {
      return `"${word}": a word ending in "*" needs at least ${CUSTOM_LIMITS.minStem} characters before it, or it would match too many words`;
    }
  }
  return null;
}

/** Why a pattern cannot be used (RE2 cannot compile it, it is too costly, it matches empty text), or null when it can. */
export function patternProblem(pattern: string): string | null {
  if (pattern.length === 0) return 'an empty pattern';
  if (pattern.length > CUSTOM_LIMITS.patternLength)
    return `longer than ${CUSTOM_LIMITS.patternLength} characters (${pattern.length})`;
  let compiled: RE2JS;
  try {
    compiled = re2().compile(pattern);
  } catch (error) {
    return `not an RE2 pattern (${firstLine((error as Error).message)}); patterns run in linear time, so backreferences (\\1) and lookaround ((?=…), (?!…), (?<=…)) are not available`;
  }
  if (compiled.programSize() > CUSTOM_LIMITS.patternProgramSize) {
    return `too costly to run on every message (RE2 program size ${compiled.programSize()}, at most ${CUSTOM_LIMITS.patternProgramSize}); use smaller repeat counts`;
  }
  if (compiled.testExact('')) return 'matches empty text; it must match at least one character';
  return null;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

/**
 * Lower case without changing the length (a character whose lower case is longer, like İ, stays as it is), ё as е:
 * offsets into the folded text are offsets into the text.
 */
export function foldCase(text: string): string {
  let lower = text.toLowerCase();
  if (lower.length !== text.length) {
    let folded = '';
    for (let i = 0; i < text.length; i++) {
      const ch = text[i] as string;
      const low = ch.toLowerCase();
      folded += low.length === 1 ? low : ch;
    }
    lower = folded;
  }
  return lower.includes('ё') ? lower.replace(/ё/g, 'е') : lower;
}

interface Phrase {
  /** the index of the entry in its list */
  index: number;
  /** the folded words, without their `*` */
  words: string[];
  /** whether each word takes any ending */
  open: boolean[];
  /** whether the phrase must start / end at a word boundary (it starts / ends with a letter or digit) */
  boundedStart: boolean;
  boundedEnd: boolean;
}

function compilePhrase(entry: string, index: number): Phrase {
  const words = foldCase(normalize(entry.trim()).text).split(/\s+/);
  const open = words.map((w) => w.endsWith('*'));
  const bare = words.map((w, k) => (open[k] ? w.slice(0, -1) : w));
  const first = bare[0] as string;
  const last = bare[bare.length - 1] as string;
  return {
    index,
    words: bare,
    open,
    boundedStart: WORD_CHAR.test(first[0] ?? ''),
    boundedEnd: open[open.length - 1] === true || WORD_CHAR.test(last[last.length - 1] ?? ''),
  };
}

const isSpace = (code: number) =>
  code === 32 ||
  (code >= 9 && code <= 13) ||
  code === 0xa0 ||
  code === 0x202f ||
  code === 0x3000 ||
  (code >= 0x2000 && code <= 0x200a);

/** The end of the phrase matched at `at` in the folded text, or -1. */
function phraseEnd(t: string, at: number, phrase: Phrase): number {
  let pos = at;
  for (let k = 0; k < phrase.words.length; k++) {
    if (k > 0) {
      const from = pos;
      while (pos < t.length && isSpace(t.charCodeAt(pos))) pos++;
      if (pos === from) return -1;
    }
    const word = phrase.words[k] as string;
    if (!t.startsWith(word, pos)) return -1;
    pos += word.length;
    if (phrase.open[k]) {
      while (pos < t.length && LETTER.test(t[pos] as string)) pos++;
    } else if (pos < t.length && WORD_CHAR.test(word[word.length - 1] as string) && WORD_CHAR.test(t[pos] as string)) {
      return -1;
    }
  }
  return pos;
}

/** Every occurrence of the phrase in the folded text, as [start, end) pairs into it. */
function* occurrences(t: string, phrase: Phrase): Generator<[number, number]> {
  const first = phrase.words[0] as string;
  let at = t.indexOf(first);
  while (at !== -1) {
    if (!phrase.boundedStart || at === 0 || !WORD_CHAR.test(t[at - 1] as string)) {
      const end = phraseEnd(t, at, phrase);
      if (end !== -1) yield [at, end];
    }
    at = t.indexOf(first, at + 1);
  }
}

interface Pattern {
  index: number;
  re: RE2JS;
}

/** A finding the agency's ignore list dropped, and the entry that dropped it (its index in `classifier.ignore.<category>`). */
export interface Dropped {
  finding: Finding;
  ignore: number;
}

/** What the agency's section changed for one text: the findings kept, those it dropped and those it added. */
export interface CustomEffect {
  findings: Finding[];
  dropped: Dropped[];
  added: Finding[];
}

/** The compiled `classifier:` section of an agency's policy. Built once per policy; used for every message. */
export class CustomClassifier {
  /** the section as written (what the store keeps) */
  readonly spec: CustomClassifierSpec;
  private readonly ignorePhrases = new Map<Category, Phrase[]>();
  /** canonical values (redact.ts canonicalValue) of the plain ignore entries: an IIN written with spaces is the IIN */
  private readonly ignoreValues = new Map<Category, Map<string, number>>();
  private readonly terms: { category: Category; phrase: Phrase }[] = [];
  private readonly patterns: { category: Category; pattern: Pattern }[] = [];

  /** Refuses (throws) what phraseProblem or patternProblem refuse: the policy schema reports them first, by line. */
  constructor(spec: CustomClassifierSpec) {
    this.spec = spec;
    for (const category of CATEGORIES) {
      const ignore = spec.ignore?.[category] ?? [];
      ignore.forEach((entry, index) => {
        const problem = phraseProblem(entry);
        if (problem) throw new RangeError(`classifier.ignore.${category}.${index}: ${problem}`);
        entryOfMap(this.ignorePhrases, category, () => []).push(compilePhrase(entry, index));
        if (!entry.includes('*')) {
          const values = entryOfMap(this.ignoreValues, category, () => new Map<string, number>());
          const value = canonicalValue(category, entry.trim());
          if (value !== '' && !values.has(value)) values.set(value, index);
        }
      });
      (spec.terms?.[category] ?? []).forEach((entry, index) => {
        const problem = phraseProblem(entry);
        if (problem) throw new RangeError(`classifier.terms.${category}.${index}: ${problem}`);
        this.terms.push({ category, phrase: compilePhrase(entry, index) });
      });
      (spec.patterns?.[category] ?? []).forEach((entry, index) => {
        const problem = patternProblem(entry);
        if (problem) throw new RangeError(`classifier.patterns.${category}.${index}: ${problem}`);
        this.patterns.push({ category, pattern: { index, re: re2().compile(entry) } });
      });
    }
  }

  /** Whether the section changes anything at all (an empty `classifier:` section does not). */
  get isEmpty(): boolean {
    return this.ignorePhrases.size === 0 && this.terms.length === 0 && this.patterns.length === 0;
  }

  /** The entry an `agency:<category>:<n>` id of a finding of this detector names, as the policy wrote it. */
  entryOf(detector: string, termId: string | undefined): string | undefined {
    const m = /^agency:([A-Z_]+):(\d+)$/.exec(termId ?? '');
    if (!m) return undefined;
    const section =
      detector === AGENCY_PATTERN_DETECTOR
        ? this.spec.patterns
        : detector === AGENCY_TERM_DETECTOR
          ? this.spec.terms
          : undefined;
    return section?.[m[1] as Category]?.[Number(m[2])];
  }

  /**
   * The built-in classifier's findings with the section applied, and what the section changed. Never throws, like
   * classify: should applying the section ever fail, the built-in findings stand (nothing is let through unflagged).
   */
  apply(text: string, options: ClassifyOptions = {}): CustomEffect {
    const builtIn = classify(text, options);
    if (this.isEmpty || typeof text !== 'string' || text.length === 0)
      return { findings: builtIn, dropped: [], added: [] };
    try {
      return this.applyToFindings(text, builtIn, options);
    } catch {
      return { findings: builtIn, dropped: [], added: [] };
    }
  }

  /** The section applied to given built-in findings (`apply` gives it classify's): may throw. */
  applyToFindings(text: string, builtIn: Finding[], options: ClassifyOptions = {}): CustomEffect {
    let lazy: { norm: Normalized; folded: string } | null = null;
    const prepared = () => {
      if (lazy === null) {
        const norm = normalize(text);
        lazy = { norm, folded: foldCase(norm.text) };
      }
      return lazy;
    };
    const dropped: Dropped[] = [];
    const kept = this.withoutIgnored(text, builtIn, prepared, dropped);
    const added = this.agencyFindings(text, kept, prepared, options);
    if (added.length === 0) return { findings: kept, dropped, added };
    const keptAdded = this.withoutIgnored(text, added, prepared, dropped);
    const findings = [...kept, ...keptAdded].sort((a, b) => a.start - b.start);
    return { findings, dropped, added: keptAdded };
  }

  private withoutIgnored(
    text: string,
    findings: Finding[],
    prepared: () => { norm: Normalized; folded: string },
    dropped: Dropped[],
  ): Finding[] {
    if (findings.length === 0 || this.ignorePhrases.size === 0) return findings;
    // the occurrences of each category's phrases, found once per text and only for categories that were found
    const spans = new Map<Category, [number, number, number][]>();
    const kept: Finding[] = [];
    for (const finding of findings) {
      const phrases = this.ignorePhrases.get(finding.category);
      if (!phrases) {
        kept.push(finding);
        continue;
      }
      let by = this.ignoreValues
        .get(finding.category)
        ?.get(canonicalValue(finding.category, text.slice(finding.start, finding.end)));
      if (by === undefined) {
        let found = spans.get(finding.category);
        if (!found) {
          const { norm, folded } = prepared();
          found = [];
          for (const phrase of phrases) {
            for (const [s, e] of occurrences(folded, phrase)) found.push([...originalSpan(norm, s, e), phrase.index]);
          }
          spans.set(finding.category, found);
        }
        // the model's finding is the sentence that scored: an entry inside it is what made it health
        const model = finding.detector === HEALTH_MODEL_DETECTOR;
        by = found.find(([s, e]) =>
          model ? finding.start <= s && e <= finding.end : s <= finding.start && finding.end <= e,
        )?.[2];
      }
      if (by === undefined) kept.push(finding);
      else dropped.push({ finding, ignore: by });
    }
    return kept;
  }

  /** The agency's terms and patterns found in the text, where no kept finding already covers the span. */
  private agencyFindings(
    text: string,
    kept: readonly Finding[],
    prepared: () => { norm: Normalized; folded: string },
    options: ClassifyOptions,
  ): Finding[] {
    if (this.terms.length === 0 && this.patterns.length === 0) return [];
    if ((options.minConfidence ?? DEFAULT_MIN_CONFIDENCE) > AGENCY_CONFIDENCE) return [];
    const wanted = options.categories ? new Set(options.categories) : null;
    const { norm, folded } = prepared();
    const found: Finding[] = [];
    for (const { category, phrase } of this.terms) {
      if (wanted && !wanted.has(category)) continue;
      for (const [s, e] of occurrences(folded, phrase))
        found.push(agencyFinding(category, AGENCY_TERM_DETECTOR, phrase.index, originalSpan(norm, s, e)));
    }
    for (const { category, pattern } of this.patterns) {
      if (wanted && !wanted.has(category)) continue;
      // the DFA test first: most messages do not match, and it is the cheap path through re2js
      if (!pattern.re.test(norm.text)) continue;
      const m = pattern.re.matcher(norm.text);
      while (m.find()) {
        if (m.end() > m.start())
          found.push(
            agencyFinding(category, AGENCY_PATTERN_DETECTOR, pattern.index, originalSpan(norm, m.start(), m.end())),
          );
      }
    }
    if (found.length === 0) return found;
    // a span holds one finding: what the built-in detectors kept stands; among the agency's, the longer, then the earlier
    const taken: [number, number][] = kept.map((f) => [f.start, f.end]);
    const accepted: Finding[] = [];
    for (const f of found.sort((a, b) => b.end - b.start - (a.end - a.start) || a.start - b.start)) {
      if (taken.some(([s, e]) => f.start < e && s < f.end)) continue;
      taken.push([f.start, f.end]);
      accepted.push(f);
    }
    return accepted.sort((a, b) => a.start - b.start);
  }
}

function entryOfMap<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = create()));
  return value;
}

function agencyFinding(category: Category, detector: string, index: number, [start, end]: [number, number]): Finding {
  return {
    category,
    start,
    end,
    confidence: AGENCY_CONFIDENCE,
    detector,
    // the id names the entry by its position in the policy, never the text it matched
    explanation: {
      baseScore: AGENCY_CONFIDENCE,
      validator: 'none',
      termId: `agency:${category}:${index}`,
      note: "the agency's policy",
    },
  };
}

/**
 * The findings for a text of an agency: `classify(text)` with the agency's `classifier:` section applied (its
 * ignore list removes, its terms and patterns add). Without a section (null or undefined) this is `classify` itself,
 * so an agency without one pays nothing per message.
 */
export function classifyFor(
  text: string,
  custom: CustomClassifier | null | undefined,
  options: ClassifyOptions = {},
): Finding[] {
  if (!custom) return classify(text, options);
  return custom.apply(text, options).findings;
}

/** As classifyFor, with what the section changed (for `policy check` and `scan --agency`). */
export function classifyWithEffect(
  text: string,
  custom: CustomClassifier | null | undefined,
  options: ClassifyOptions = {},
): CustomEffect {
  if (!custom) return { findings: classify(text, options), dropped: [], added: [] };
  return custom.apply(text, options);
}
