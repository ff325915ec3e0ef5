import type { Candidate } from '../types.ts';
import { HEALTH_TERMS, ICD_CONTEXT_WORDS, type HealthTerm } from '../health-vocabulary.ts';
import { ContextWords, type PatternDetector, type Verdict } from './detector.ts';

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
  context: new ContextWords(ICD_CONTEXT_WORDS, ICD_GAP),
  contextScore: 0.85,
  evaluate(): Verdict {
    return { validator: 'icd10-format:pass', baseScore: 0.15, validated: false, note: 'an ICD-10 code counts only in a medical context' };
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

interface CompiledTerm {
  term: HealthTerm;
  unless: RegExp | null;
  unlessBefore: RegExp | null;
}

// Longer terms first so "ВИЧ-инфицирована" wins over "ВИЧ" at the same position.
const ORDERED = [...HEALTH_TERMS].sort((a, b) => b.term.length - a.term.length);
const COMPILED: readonly CompiledTerm[] = ORDERED.map((term) => ({
  term,
  unless: term.unless ? new RegExp(term.unless, 'iu') : null,
  unlessBefore: term.unlessBefore ? new RegExp(term.unlessBefore, 'iu') : null,
}));
/**
 * One pass over the text for the whole vocabulary; group k+1 is term k. The match starts with the character
 * before the word (or the start of the text): most characters are letters, so V8's first-character check
 * rejects most positions before trying the alternation, which makes the pass several times faster than
 * starting at every letter.
 */
const DICTIONARY = new RegExp(`(?:^|[^\\p{L}\\p{N}])(?:${ORDERED.map((t) => `(${termSource(t.term)})`).join('|')})`, 'giu');
const HAS_LOWER = /\p{Ll}/u;

/** Boost when the message holds more than one health word: they confirm each other. */
const CORROBORATION = 0.1;

export const HEALTH_DICTIONARY_DETECTOR = 'health-vocabulary';

/** The dictionary pass: vocabulary hits as HEALTH candidates, offsets into `text`. */
export function findHealthTerms(text: string, out: Candidate[]): void {
  const re = DICTIONARY;
  re.lastIndex = 0;
  const found: Candidate[] = [];
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    let k = 1;
    while (k < m.length && m[k] === undefined) k++;
    const compiled = COMPILED[k - 1];
    const matched = m[k];
    if (!compiled || matched === undefined) continue;
    const { term } = compiled;
    const start = m.index + m[0].length - matched.length;
    // the next match may start with this term's last character (its boundary), so step back onto it
    re.lastIndex = start + matched.length;
    if (term.upper && HAS_LOWER.test(matched.slice(0, term.term.replace(/\*$/, '').length))) continue;
    const end = start + matched.length;
    if (compiled.unless && compiled.unless.test(text.slice(end, end + 32))) continue;
    if (compiled.unlessBefore && compiled.unlessBefore.test(text.slice(Math.max(0, start - 32), start))) continue;
    found.push({
      category: 'HEALTH',
      start,
      end,
      confidence: term.weight,
      detector: HEALTH_DICTIONARY_DETECTOR,
      validated: false,
      explanation: { baseScore: term.weight, validator: 'none', note: `vocabulary term "${term.term}" (${term.lang})` },
    });
  }
  if (found.length > 1) {
    for (const c of found) {
      const other = found.find((o) => o !== c);
      if (!other) continue;
      c.confidence = Math.min(0.97, c.confidence + CORROBORATION);
      c.explanation.contextWord = text.slice(other.start, other.end);
    }
  }
  for (const c of found) out.push(c);
}
