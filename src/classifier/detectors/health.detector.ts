import type { Candidate } from '../types.ts';
import { HEALTH_TERMS, healthTermId, ICD_CONTEXT_WORDS, type HealthTerm } from '../health-vocabulary.ts';
import { ContextWords, type PatternDetector, type Verdict } from './detector.ts';
import { GUARD, personIn } from '../health-context.ts';
import {
  healthModel,
  marginOf,
  probability,
  scoredSpan,
  strongestWordWeight,
  type HealthModel,
} from '../health-model/model.ts';
import { wordWeights, type TrieReader, type WordWeights } from '../health-model/features.ts';
import { codeAt, codeUnitTable } from '../chars.ts';
import { groupEnd, healthTrie, literalPrefix, splitTopLevel, TABLE_SIZE, WORD_CHAR } from './health-trie.ts';
import { HEALTH_TRIE } from './health-trie.generated.ts';
import { CommonRegex, isCommonText } from '../common-text.ts';

/**
 * ICD-10 codes (`[A-TV-Z]\d{2}(\.\d{1,2})?`, and U07.x for COVID-19) count as health data only in a medical
 * context (диагноз, МКБ-10, Ds:, АХЖ-10): "кабинет E11" and "раздел A01" are rooms and sections. People typing
 * in Russian often use the Cyrillic look-alike letter (Е11, Ј is not one), so those letters are accepted too.
 */
const ICD_LETTER = 'A-TV-ZАВЕКМНОРСТХ';
/** What may stand between the context word and the code: punctuation, other codes, a few qualifiers. */
const ICD_GAP =
  /^(?:[\s\p{P}\d]|[A-TV-ZА-Я]\d{2}(?:\.\d{1,2})?|\p{L}{1,2}(?!\p{L})|основн\p{L}*|сопутств\p{L}*|код\p{L}*|предварит\p{L}*|заключит\p{L}*|клиническ\p{L}*|негізгі|қосалқы|бойынша|according|main|primary|secondary|code|mkb)*$/iu;
export const icdDetector: PatternDetector = {
  kind: 'pattern',
  name: 'icd10',
  category: 'HEALTH',
  pattern: `(?:[${ICD_LETTER}](?<![\\p{L}\\p{N}][${ICD_LETTER}])\\d{2}(?:\\.\\d{1,2})?|U07(?<![\\p{L}\\p{N}]U07)(?:\\.\\d)?)(?![\\p{L}\\p{N}])`,
  context: new ContextWords('icd10', ICD_CONTEXT_WORDS, { gap: ICD_GAP }),
  contextScore: 0.85,
  evaluate(): Verdict {
    return {
      validator: 'icd10-format:pass',
      baseScore: 0.15,
      validated: false,
      note: 'an ICD-10 code counts only in a medical context',
    };
  },
};

/** Compiles the vocabulary's term syntax (see health-vocabulary.ts) to a regex source. */
export function termSource(term: string): string {
  const words = term.split(/\s+/).map((word) => {
    const inflected = word.endsWith('*');
    const stem = (inflected ? word.slice(0, -1) : word)
      .replace(/\((?!\?)/g, '(?:')
      .replace(/е/g, '[её]')
      .replace(/Е/g, '[ЕЁ]');
    return inflected ? `${stem}\\p{L}*` : stem;
  });
  const source = words.join('\\s+');
  return term.endsWith('*') ? source : `${source}(?![\\p{L}\\p{N}])`;
}

/**
 * A term's regexes, compiled on first use: a message reaches few of the thousands of terms, and compiling them all
 * when the module loads was most of `scan`'s start-up.
 */
class CompiledTerm {
  private atRegex: CommonRegex | null = null;
  private unlessRegex: CommonRegex | null | undefined;
  private unlessBeforeRegex: CommonRegex | null | undefined;
  /** the finding's term id: made once, not per hit */
  readonly id: string;
  private literalLength: number | undefined;
  /** the check `next` returns, once read */
  private nextCheck: NextCharCheck | null | undefined;
  /** where the character `next` checks stands: the walked prefix's length */
  readonly prefixLength: number;

  constructor(
    readonly term: HealthTerm,
    /** the regex source of a raw phrase's alternative; null: the term's own, compiled from its syntax when first needed */
    private rawSource: string | null,
    private readonly prefix: string,
  ) {
    this.id = healthTermId(term);
    this.prefixLength = prefix.length;
  }

  /** the length of the term's literal start (how specific it is) */
  get specificity(): number {
    return (this.literalLength ??= literalPrefix(this.term.term).length);
  }

  /**
   * A necessary condition on the character right after the walked prefix (see nextCharCheck), or null; read off the
   * term's source at the term's first use, since a process meets few of the thousands of terms.
   */
  get next(): NextCharCheck | null {
    if (this.nextCheck === undefined) this.nextCheck = nextCharCheck(this.source, this.prefix);
    return this.nextCheck;
  }

  /** the term's regex source */
  private get source(): string {
    return (this.rawSource ??= termSource(this.term.term));
  }

  /** the term anchored where the walk found its prefix (sticky): gives the span with its inflection */
  get at(): CommonRegex {
    return (this.atRegex ??= new CommonRegex(this.source, 'iuy'));
  }

  get unless(): CommonRegex | null {
    if (this.unlessRegex === undefined)
      this.unlessRegex = this.term.unless ? new CommonRegex(this.term.unless, 'iu') : null;
    return this.unlessRegex;
  }

  get unlessBefore(): CommonRegex | null {
    if (this.unlessBeforeRegex === undefined)
      this.unlessBeforeRegex = this.term.unlessBefore ? new CommonRegex(this.term.unlessBefore, 'iu') : null;
    return this.unlessBeforeRegex;
  }
}

/** White space as `\s` reads it, for the code units the tables cover. */
const SPACE_BELOW_TABLE = codeUnitTable(/\s/, 0x500);
/** Regex syntax characters: a literal character of a source is none of these. */
const SYNTAX = new Set('\\^$.|?*+()[]{}/');

/**
 * A cheap necessary condition for `source` to match where the walk reached its literal `prefix`: what the character
 * right after the prefix must be, when the source says so plainly (`\s`, or a sign such as `&` or `-`); null when
 * it does not. Most words that start like a term are not the term ("на" before "на сохранении", "a" before "A&E"):
 * the check spares their regex run. It refuses only what the token refuses (test: health.detector.test.ts).
 */
function nextCharCheck(source: string, prefix: string): NextCharCheck | null {
  const body = source.startsWith('(?<=') ? source.slice(groupEnd(source, 0) + 1) : source;
  if (body === source && source.startsWith('(?<=')) return null;
  if (splitTopLevel(body).length !== 1) return null;
  // the walked prefix is the body's whole run of leading letters (the trie holds them all): what follows it
  const run = /^(?:\p{L}|\[[еЕ][ёЁ]\])+/u.exec(body)?.[0] ?? '';
  const units = run.match(/\p{L}|\[[еЕ][ёЁ]\]/gu) ?? [];
  if (units.length !== prefix.length) return null;
  const rest = body.slice(run.length);
  if (/^\\s(?:\+|(?![*?{]))/.test(rest)) {
    // NaN (the text's end) fails
    return { token: '\\s', accepts: (code) => (code < 0x500 ? SPACE_BELOW_TABLE[code] === 1 : code === code) };
  }
  const sign = rest[0];
  if (sign === undefined || SYNTAX.has(sign) || /^[?*+{]/.test(rest.slice(1)) || /\p{L}/u.test(sign)) return null;
  const code = sign.charCodeAt(0);
  return { token: sign, accepts: (c) => c === code };
}

/** What the character after a term's walked prefix must be: `token` as its regex reads it, `accepts` the check. */
export interface NextCharCheck {
  token: string;
  accepts(code: number): boolean;
}

/** Every term's check, for the test that holds each one to its regex token. */
export function nextCharChecks(): NextCharCheck[] {
  return COMPILED.flatMap((c) => (c.next === null ? [] : [c.next]));
}

/*
 * The dictionary pass is a walk over a trie of the terms' literal prefixes, started at each word start, in
 * a plain loop over char codes with typed-array tables, inside the health model's own loop over the message's
 * characters (health-model/features.ts: one walk for both). A single V8 regex alternating the terms tries the
 * alternation at every position, which alone would miss the classifier's throughput target (docs/benchmarks.md);
 * the walk touches each character once. Only where the walk reaches a term's prefix does the term's own regex run,
 * to take the inflected ending and check the word boundary.
 */
const TRIE = healthTrie(HEALTH_TERMS, HEALTH_TRIE);
const LETTER = TRIE.letters;
/** The vocabulary's entries in the trie's order, each with its regexes (compiled when first used). */
const COMPILED = TRIE.entries.map(({ term, source, prefix }) => new CompiledTerm(term, source, prefix));

function letterOf(code: number): number {
  if (code < TABLE_SIZE) return LETTER[code] as number;
  // outside the tables: a word character (1) or not (0); surrogate halves (emoji) end words
  return code >= 0xd800 && code <= 0xdfff ? 0 : WORD_CHAR.test(String.fromCharCode(code)) ? 1 : 0;
}

const HAS_LOWER = /\p{Ll}/u;

/** Term ids of institutions, professions and the sector (HealthTerm.role `setting`). */
const SETTING_IDS = new Set(HEALTH_TERMS.filter((t) => t.role === 'setting').map(healthTermId));

export const HEALTH_DICTIONARY_DETECTOR = 'health-vocabulary';
export const HEALTH_MODEL_DETECTOR = 'health-model';

/** What the vocabulary saw in a message: its hits (offsets into the text) and the person and guard it names. */
export interface VocabularyView {
  hits: Candidate[];
  person: string | null;
  guard: string | null;
}

/**
 * The vocabulary's reading of a message, done inside the health model's walk over its characters (the trie of term
 * starts, followed from each word's start; where a word reaches a term's start, the term's regex takes the match).
 */
class VocabularyReader implements TrieReader {
  readonly letters = LETTER;
  readonly base = TRIE.base;
  readonly cells = TRIE.cells;
  readonly termsAt = TRIE.termsAt;
  /** the longest accepted match of the word being read, and the hits of the message so far */
  private best: Candidate | null = null;
  found: Candidate[] | null = null;
  /** whether the message is a common text (common-text.ts) */
  private common = true;

  letterOf(code: number): number {
    return letterOf(code);
  }

  reached(text: string, start: number, terms: readonly number[]): void {
    this.best = judgeTerms(text, start, terms, this.best, this.common);
  }

  wordEnd(end: number): number {
    const best = this.best;
    if (best === null) return end;
    this.best = null;
    (this.found ??= []).push(best);
    // a multiword term may reach past this word
    return Math.max(end, best.end);
  }

  /** Starts a message; `common`: it is a common text (common-text.ts). */
  reset(common: boolean): void {
    this.best = null;
    this.found = null;
    this.common = common;
  }
}
const VOCABULARY_READER = new VocabularyReader();

/**
 * The vocabulary's view of `text` and the health model's weighed words, from one walk over its characters. The
 * view is null when no term is there (the person and guard are looked for only then); the words are valid until the
 * next walk. `common`: `text` is a common text (common-text.ts).
 */
export function readHealth(
  text: string,
  model: HealthModel,
  common: boolean,
): { view: VocabularyView | null; words: WordWeights } {
  VOCABULARY_READER.reset(common);
  const words = wordWeights(text, model.weights, VOCABULARY_READER);
  const found = VOCABULARY_READER.found;
  VOCABULARY_READER.reset(true);
  const view = found === null ? null : { hits: found, person: personIn(text), guard: GUARD.find(text) };
  return { view, words };
}

/** The vocabulary's walk over `text`: null when no term is there (the person and guard are looked for only then). */
export function vocabularyView(text: string): VocabularyView | null {
  return readHealth(text, healthModel(), isCommonText(text)).view;
}

const NO_TERM: readonly string[] = ['vocabulary:none'];
const WEIGHT_SIGNALS = Array.from({ length: 11 }, (_, k) => `hit:weight:${k}`);
/** each term's named feature, made at its first hit rather than for thousands of terms when the module loads */
const TERM_SIGNALS = new Map<string, string>();
function termSignal(id: string): string {
  let signal = TERM_SIGNALS.get(id);
  if (signal === undefined) TERM_SIGNALS.set(id, (signal = `term:${id}`));
  return signal;
}

/** The vocabulary's view as the model's named features: which terms, of which role and weight, with what context. */
export function signalsOf(view: VocabularyView | null): readonly string[] {
  if (view === null) return NO_TERM;
  const signals: string[] = [];
  let terms = 0;
  for (const hit of view.hits) {
    const id = hit.explanation.termId ?? '';
    const setting = SETTING_IDS.has(id);
    if (!setting) terms++;
    const weight = Math.round(hit.confidence * 10);
    signals.push(
      termSignal(id),
      setting ? 'hit:setting' : 'hit:term',
      WEIGHT_SIGNALS[weight] ?? `hit:weight:${weight}`,
    );
  }
  if (view.hits.length > 1) signals.push('hits:several');
  if (terms === 0) signals.push('hits:setting-only');
  if (view.person !== null) signals.push('person', view.person, terms > 0 ? 'person+term' : 'person+setting');
  if (view.guard !== null) signals.push('guard', view.guard, view.person === null ? 'guard-alone' : 'guard+person');
  return signals;
}

/**
 * The HEALTH pass. The model (health-model/) decides whether the message is about a person's health, from its words
 * and the vocabulary's signals; when it is, the vocabulary's hits are the spans reported, or, when no listed term is
 * there, the sentence or window that scored (cut around identifiers). The explanation names the term, the context (person or another term), the
 * guard, and the model's score. `common`: `text` is a common text (common-text.ts).
 */
export function findHealthTerms(text: string, out: Candidate[], common: boolean): void {
  const model = healthModel();
  const { view, words } = readHealth(text, model, common);
  const score = marginOf(model, words, signalsOf(view), text.length);
  // a wording the vocabulary does not list must convince the model by a wider margin
  const bar = model.threshold + (view === null ? model.unlisted : 0);
  if (score < bar) return;
  const confidence = confidenceOf(score, bar);
  const decided = `health model ${probability(score).toFixed(2)} (threshold ${probability(bar).toFixed(2)})`;
  if (view === null) {
    if (strongestWordWeight(model, text, words) < model.minWord) return;
    // the sentence or window that scored, around the identifiers (they keep findings of their own)
    const [start, end] = scoredSpan();
    for (const [from, to] of piecesAround(text, start, end, out))
      out.push({
        category: 'HEALTH',
        start: from,
        end: to,
        confidence,
        detector: HEALTH_MODEL_DETECTOR,
        validated: false,
        explanation: { baseScore: confidence, validator: 'none', note: `${decided}; no listed term` },
      });
    return;
  }
  for (const hit of view.hits) {
    const other = view.hits.find((o) => o !== hit)?.explanation.termId;
    const context = view.person ?? other;
    if (context !== undefined) hit.explanation.contextId = context;
    hit.explanation.note = view.guard === null ? decided : `${decided}; despite ${view.guard}`;
    hit.confidence = confidence;
    out.push(hit);
  }
}

/** [start, end) cut around the candidates already found (identifiers), each piece trimmed of spaces and punctuation. */
function piecesAround(text: string, start: number, end: number, found: readonly Candidate[]): [number, number][] {
  const cuts = found.filter((c) => c.end > start && c.start < end).sort((a, b) => a.start - b.start);
  const pieces: [number, number][] = [];
  let from = start;
  for (const c of [...cuts, { start: end, end }]) {
    let [a, b] = [from, Math.min(c.start, end)];
    while (a < b && !WORD_CHAR.test(text[a] as string)) a++;
    while (b > a && !WORD_CHAR.test(text[b - 1] as string)) b--;
    if (b > a) pieces.push([a, b]);
    from = Math.max(from, c.end);
  }
  return pieces;
}

/** The model's margin above its threshold as a confidence from 0.5 (at the threshold) to 0.97. */
function confidenceOf(score: number, threshold: number): number {
  const p = probability(score);
  const t = probability(threshold);
  return Math.min(0.97, 0.5 + (0.47 * (p - t)) / Math.max(1e-6, 1 - t));
}

/** How specific the term behind a candidate is: the length of its literal start. */
const SPECIFICITY = new WeakMap<Candidate, number>();

/** Runs the terms whose prefix the walk reached at `start`; keeps the longest accepted match. */
function judgeTerms(
  text: string,
  start: number,
  terms: readonly number[],
  best: Candidate | null,
  common: boolean,
): Candidate | null {
  for (const index of terms) {
    const compiled = COMPILED[index] as CompiledTerm;
    const next = compiled.next;
    if (next !== null) {
      // at the text's end there is no character to accept (not read: reading past the end costs V8 a deopt)
      const at = start + compiled.prefixLength;
      if (at >= text.length || !next.accepts(codeAt(text, at))) continue;
    }
    const { term } = compiled;
    const anchored = compiled.at.for(common);
    anchored.lastIndex = start;
    // `test` leaves a sticky regex's lastIndex at the match's end, without making the match array and its string
    if (!anchored.test(text)) continue;
    const end = anchored.lastIndex;
    const length = end - start;
    // of two matches as long, the term with the longer literal start is the more specific (аурухана over ауру*)
    if (
      best !== null &&
      (best.end - best.start > length ||
        (best.end - best.start === length && (SPECIFICITY.get(best) ?? 0) >= compiled.specificity))
    )
      continue;
    if (term.upper && HAS_LOWER.test(text.slice(start, start + Math.min(length, compiled.specificity)))) continue;
    if (compiled.unless?.for(common).test(text.slice(end, end + 32))) continue;
    if (compiled.unlessBefore?.for(common).test(text.slice(Math.max(0, start - 32), start))) continue;
    best = {
      category: 'HEALTH',
      start,
      end,
      confidence: term.weight,
      detector: HEALTH_DICTIONARY_DETECTOR,
      validated: false,
      explanation: { baseScore: term.weight, validator: 'none', termId: compiled.id },
    };
    SPECIFICITY.set(best, compiled.specificity);
  }
  return best;
}
