import { CATEGORIES, DEFAULT_MIN_CONFIDENCE, type Candidate, type ClassifyOptions, type Finding } from './types.ts';
import type { ContextWords, DetectorBase, DigitShape, Verdict } from './detectors/detector.ts';
import { cardLayout } from './detectors/card.detector.ts';
import { findHealthTerms } from './detectors/health.detector.ts';
import { normalize, originalSpan } from './normalize.ts';
import * as registry from './registry.ts';
import {
  beforeSignals,
  documentFeatures,
  ruleEvidence,
  type BeforeSignals,
  type RuleSignals,
} from './document-model/features.ts';
import { documentConfidence, documentModel, documentScore, strongestFeatures } from './document-model/model.ts';
import { codeAt } from './chars.ts';
import { CommonRegex } from './common-text.ts';

// Module-level copies: read once, not through the import bindings on every call.
const COMBINED = registry.COMBINED;
const DIGIT_DETECTORS = registry.DIGIT_DETECTORS;
const DIGIT_RUN_GROUP = registry.DIGIT_RUN_GROUP;
const EMAIL = registry.EMAIL;
const EMAIL_DETECTOR = registry.EMAIL_DETECTOR;
const PATTERN_DETECTORS = registry.PATTERN_DETECTORS;
const ALL_CATEGORIES = CATEGORIES.length;

const SPACED_KZ = /[kK] [zZ]/;
/** the farthest an e-mail address starts before its `@`: 64 code points of local part (two UTF-16 units each at most) and a space */
const EMAIL_LEAD = 129;

/**
 * Where the run of characters a local part may hold starts, of the run that ends at the `@` at `at` (with the one
 * space the pattern allows right before it): no address with this `@` or a later one starts earlier, since a local
 * part holds no `@` and no other space. Characters outside ASCII count as possible letters; the pattern decides.
 */
function localPartStart(t: string, at: number): number {
  const limit = Math.max(0, at - EMAIL_LEAD);
  let i = at;
  if (i > limit && codeAt(t, i - 1) === 32) i--;
  while (i > limit) {
    const c = codeAt(t, i - 1);
    const local =
      c >= 0x80 ||
      (c >= 97 && c <= 122) ||
      (c >= 65 && c <= 90) ||
      (c >= 48 && c <= 57) ||
      c === 46 || // .
      c === 95 || // _
      c === 37 || // %
      c === 43 || // +
      c === 45; // -
    if (!local) break;
    i--;
  }
  return i;
}
const NEXT_DIGIT = /[0-9]/g;
/** the farthest an alternative of the combined pass starts before its first digit (`№, nömırı: 1…`) */
const LEAD = 11;

/**
 * Moves the combined pass's `lastIndex` up to LEAD characters before the next digit: no match can start earlier, so
 * the regex is spared the letters between numbers. False when no digit is left.
 */
function skipAhead(t: string, re: RegExp): boolean {
  NEXT_DIGIT.lastIndex = re.lastIndex;
  // `test` moves lastIndex past the digit without making a match array
  if (!NEXT_DIGIT.test(t)) return false;
  const digit = NEXT_DIGIT.lastIndex - 1;
  if (digit - LEAD > re.lastIndex) re.lastIndex = digit - LEAD;
  return true;
}

const MAX_SPAN_DIGITS = 19;
const MIN_SPAN_DIGITS = 9;

/**
 * Finds personal data in `text`. Offsets are UTF-16 offsets into `text` as given (before normalization).
 * Never throws: the logger masks every line through it.
 */
export function classify(text: string, options: ClassifyOptions = {}): Finding[] {
  if (typeof text !== 'string' || text.length === 0) return [];
  try {
    return classifyUnsafe(text, options);
  } catch {
    return [];
  }
}

function classifyUnsafe(text: string, options: ClassifyOptions): Finding[] {
  const minConfidence = options.minConfidence ?? DEFAULT_MIN_CONFIDENCE;
  const wanted = options.categories && options.categories.length < ALL_CATEGORIES ? new Set(options.categories) : null;
  const norm = normalize(text);
  const t = norm.text;
  const candidates = identifierCandidates(t, minConfidence, norm.common);
  // blanking the identifiers out with spaces keeps a common text common; HEALTH's findings are found only when asked
  // for (a service line of names is read for identifiers alone)
  if (wanted === null || wanted.has('HEALTH'))
    findHealthTerms(candidates.length === 0 ? t : withoutIdentifiers(t, candidates), candidates, norm.common);
  if (candidates.length === 0) return [];

  const reported = candidates.filter(
    (c) => c.confidence >= minConfidence && (wanted === null || wanted.has(c.category)),
  );
  return resolveOverlaps(reported).map((c) => {
    const [start, end] = originalSpan(norm, c.start, c.end);
    return {
      category: c.category,
      start,
      end,
      confidence: Math.round(c.confidence * 1000) / 1000,
      detector: c.detector,
      explanation: c.explanation,
    };
  });
}

/**
 * The identifier pass over normalized text: candidates with offsets into `t`, document numbers demoted. `common`:
 * `t` is a common text (common-text.ts).
 */
function identifierCandidates(t: string, minConfidence: number, common: boolean): Candidate[] {
  const candidates: Candidate[] = [];
  const re = COMBINED.for(common);
  let m: RegExpExecArray | null;
  // every alternative of the combined pass needs a digit; many chat messages have none
  re.lastIndex = 0;
  const hasDigit = skipAhead(t, re);
  // and each but an IBAN spelt a character a cell ("K Z 8 6 …") has one within LEAD characters of its start
  const skipToDigits = hasDigit && !SPACED_KZ.test(t);
  if (!skipToDigits) re.lastIndex = 0;
  // the first skip is made above, with the look for a digit
  for (let first = true; hasDigit; first = false) {
    if (skipToDigits && !first && !skipAhead(t, re)) break;
    if ((m = re.exec(t)) === null) break;
    const start = m.index;
    if (m[DIGIT_RUN_GROUP] !== undefined) {
      // fewer than nine characters cannot hold nine digits: dates, times, amounts end here
      if (m[0].length >= MIN_SPAN_DIGITS) judgeDigitRun(t, start, m[0], minConfidence, common, candidates);
      continue;
    }
    let k = 1;
    while (k < DIGIT_RUN_GROUP && m[k] === undefined) k++;
    const detector = PATTERN_DETECTORS[k - 1];
    if (!detector) continue;
    const verdict = detector.evaluate(m[0]);
    // a failed match is not rescanned: the digits of an IBAN with a wrong check are not a card number
    if (!verdict) continue;
    const end = start + (verdict.length ?? m[0].length);
    if (verdict.length !== undefined) re.lastIndex = end;
    candidates.push(scored(t, detector, verdict, start, end, minConfidence, common));
  }

  let at = t.indexOf('@');
  if (at >= 0) {
    const email = EMAIL.for(common);
    email.lastIndex = 0;
    for (;;) {
      // an address starts inside the run of local-part characters before its `@`: the text before it is not read
      const from = localPartStart(t, at);
      if (from > email.lastIndex) email.lastIndex = from;
      if ((m = email.exec(t)) === null) break;
      const verdict = EMAIL_DETECTOR.evaluate(m[0]);
      if (verdict)
        candidates.push(scored(t, EMAIL_DETECTOR, verdict, m.index, m.index + m[0].length, minConfidence, common));
      if ((at = t.indexOf('@', email.lastIndex)) < 0) break;
    }
  }
  if (candidates.length > 0) demoteDocumentNumbers(t, candidates, common);
  return candidates;
}

/**
 * The text the HEALTH pass reads: identifiers found blanked out (same length, offsets unchanged). An IIN, an e-mail
 * or an IBAN says nothing about anyone's health, and the model must not learn that messages holding them rarely do.
 */
function withoutIdentifiers(t: string, candidates: readonly Candidate[]): string {
  // joined once: a rope built with `+=` made the classifier slower for every message, not only for these
  // (docs/benchmarks.md)
  const parts: string[] = [];
  let at = 0;
  for (const c of [...candidates].sort((a, b) => a.start - b.start)) {
    if (c.confidence < DEFAULT_MIN_CONFIDENCE || c.start < at) continue;
    parts.push(t.slice(at, c.start), ' '.repeat(c.end - c.start));
    at = c.end;
  }
  if (parts.length === 0) return t;
  parts.push(t.slice(at));
  return parts.join('');
}

/** What the HEALTH pass of `classify` reads for `text` (the training script reads messages through it). */
export function healthInput(text: string): string {
  const { text: t, common } = normalize(text);
  return withoutIdentifiers(t, identifierCandidates(t, DEFAULT_MIN_CONFIDENCE, common));
}

/**
 * The label of a document's own number: an order, invoice, contract, application, waybill, resolution or ticket.
 * A twelve-digit number under such a label passes the IIN and BIN checks one time in eleven or so; it is that
 * document's number, not a person's or a company's, unless its own label (ИИН, БИН…) is also there.
 */
/** The words that label a document's own number (order, invoice, contract, waybill…), as one alternation. */
const DOCUMENT_WORDS =
  'заказ|сч[её]т|счета|фактур|эсф|снт|ттн|договор|контракт|заявк|заявлени|обращени|накладн|постановлени|приказ|протокол|квитанц|платёж|платеж|платёжк|чек|реестр|лицев\\p{L}*\\s+сч|дел[оа]|талон|полис|билет|брон|серийн|инвентарн|артикул|штрих|парти|лот|акт|входящ|исходящ|рег\\.?\\s*номер|регистрационн|бланк|пломб|трек|тапсырыс|шот|шарт|қаулы|бұйрық|өтінім|өтініш|түбіртек|анықтама|жолдама|хат|іс|tapsyrys|shart|ötınış|otinish|order|invoice|contract|ticket|po\\s*(?:number|no|#)|purchase\\s+order|tracking|waybill|document\\s+id|ref|reference|case|claim|permit|licen[cs]e|certificate|разрешени|лиценз|сертификат|рұқсат|доверенност|сенімхат|письм|исполнительн|производств|receipt|booking|reservation|serial|sku|batch|account|policy|request|incident|application|shipment|parcel|посылк|отправлени|сәлемдеме|жөнелтілім|жүкқұжат|жүк\\s+құжат|kuı|куи|кусп|ердр|ваучер|voucher|vaucher|перевод|аударым|audarym|бақылау|baqylau|control|ötınım|hatt|код|коды|kody';
const DOCUMENT_NUMBER_LABEL = new CommonRegex(
  `(?<![\\p{L}])(?:${DOCUMENT_WORDS})\\p{L}*(?:\\s+(?:за|по|на|for|of)\\s+\\p{L}+|\\s+is)?[^\\p{L}\\p{N}]{0,6}(?:(?:№|#|no\\.?|number|nömırı|nomiri|нөмірі|номер|на\\s+портале)[^\\p{L}\\p{N}]{0,4})?$`,
  'iu',
);
/** A document's label right before a number, with no other word between: "Invoice N20231104", "ТТН 048125679". */
const DOCUMENT_LABEL_RIGHT_BEFORE = new CommonRegex(
  `(?<![\\p{L}])(?:${DOCUMENT_WORDS})\\p{L}*[.:]?(?:\\s+(?:номер|нөмір\\p{L}*|nömır\\p{L}*|number|no\\.?)[.:]?)?\\s{0,2}(?:№|#|no\\.)?\\s{0,2}$`,
  'iu',
);
const DOCUMENT_NUMBER_WINDOW = 40;
/**
 * A number sign, or the word "number" or "identifier" with up to three words after it (Номер исходящего письма,
 * Төлем идентификаторы, Payment ID), right before the digits and with no identifier label: people write that before
 * a document's or a transaction's number, not before their own IIN or a company's BIN ("ИИН номер" carries its label
 * and is kept).
 */
const NUMBER_SIGN = new CommonRegex(
  String.raw`(?:№|#|(?<![\p{L}])(?:no|nr|номер\p{L}*|нөмір\p{L}*|nömır\p{L}*|nomir\p{L}*|number|id|идентификатор\p{L}*|identifikator\p{L}*|identifier|reference)\.?)(?:[\s:.,-]+\p{L}+){0,3}[\s:.-]{0,3}$`,
  'iu',
);

/**
 * An IIN or BIN candidate without its own label, right after a document number's label or a number sign, drops below
 * any threshold. (For a passport or an ID card a document's label is one of the document model's features.)
 */
function demoteDocumentNumbers(t: string, candidates: Candidate[], common: boolean): void {
  for (const c of candidates) {
    if ((c.category !== 'IIN' && c.category !== 'BIN') || c.explanation.contextId !== undefined) continue;
    const before = t.slice(Math.max(0, c.start - DOCUMENT_NUMBER_WINDOW), c.start);
    if (!DOCUMENT_NUMBER_LABEL.for(common).test(before) && !NUMBER_SIGN.for(common).test(before)) continue;
    c.confidence = 0.1;
    c.explanation.note = 'a document number: its label says so';
  }
}

const isDocument = (c: Candidate) => c.category === 'PASSPORT' || c.category === 'ID_CARD';

/**
 * A passport or ID-card candidate's features: the words around it and what the rules saw (document-model/). `common`:
 * `t` is a common text (common-text.ts).
 */
function featuresOf(t: string, c: Candidate, signals: BeforeSignals, common: boolean): string[] {
  const before = t.slice(Math.max(0, c.start - DOCUMENT_NUMBER_WINDOW), c.start);
  // one object shape every time: a spread or a property added later took V8's slow store paths per candidate
  const rules: RuleSignals = {
    contextId: c.explanation.contextId,
    documentLabel: DOCUMENT_LABEL_RIGHT_BEFORE.for(common).test(before),
    nameBefore: signals.nameBefore,
    listItem: signals.listItem,
  };
  return documentFeatures(t, c.category, c.start, c.end, rules);
}

/**
 * Passport and ID-card numbers have no checksum: whether N and eight digits, or nine digits, are a person's document
 * is decided by the document model from the words around them and the rules' signals. Off only while the training
 * script reads the candidates the rules find.
 */
let documentModelOn = true;
const RULE_EVIDENCE = new Set(['rule:context', 'rule:name-before', 'rule:list-item']);
const NO_EVIDENCE_CAP = 0.3;
function judgeDocument(t: string, c: Candidate, minConfidence: number, common: boolean): void {
  // with nothing seen, the cap keeps it below any threshold over it: the model's exact figure would never be read
  const signals = beforeSignals(t, c.start);
  if (minConfidence > NO_EVIDENCE_CAP && !ruleEvidence(signals, c.explanation.contextId)) {
    c.confidence = NO_EVIDENCE_CAP;
    c.explanation.note = 'document model not asked: no context word, name or list item';
    return;
  }
  const features = featuresOf(t, c, signals, common);
  const confidence = documentConfidence(documentModel, documentScore(documentModel, features));
  // the model weighs what the rules saw; with nothing seen (no context word, no name in a list, no table header) it
  // does not make a finding of its own from the message's other words
  c.confidence = features.some((f) => RULE_EVIDENCE.has(f)) ? confidence : Math.min(confidence, NO_EVIDENCE_CAP);
  const strongest = strongestFeatures(documentModel, features).join(', ');
  c.explanation.note = `document model ${c.confidence.toFixed(2)}${strongest ? `; ${strongest}` : ''}`;
}

/** The passport and ID-card candidates of `text` with their features, before the model decides (the training script). */
export function documentCandidates(text: string): { category: Candidate['category']; features: string[] }[] {
  const { text: t, common } = normalize(text);
  documentModelOn = false;
  try {
    const candidates = identifierCandidates(t, 0, common);
    return candidates
      .filter(isDocument)
      .map((c) => ({ category: c.category, features: featuresOf(t, c, beforeSignals(t, c.start), common) }));
  } finally {
    documentModelOn = true;
  }
}

/**
 * A table pasted into a chat (`ФИО | ИИН | № уд.л.` over rows of values): a value in a row takes its column's header
 * as context. The header is the first line with the same cell separator; a cell is found by counting separators.
 */
function headerContext(t: string, start: number, context: ContextWords, common: boolean): string | undefined {
  const lineStart = t.lastIndexOf('\n', start - 1) + 1;
  if (lineStart === 0) return undefined;
  const cellsBefore = t.slice(lineStart, start);
  const separator = cellsBefore.includes('|') ? '|' : cellsBefore.includes('\t') ? '\t' : null;
  if (separator === null) return undefined;
  const column = cellsBefore.split(separator).length - 1;
  const header = t
    .slice(0, lineStart)
    .split('\n')
    .find((line) => line.includes(separator));
  const cell = header?.split(separator)[column]?.trim();
  if (!cell || cell === cellsBefore.split(separator)[column]?.trim()) return undefined;
  // a cell of a common text is common
  return context.find(`${cell} `, cell.length + 1, cell.length + 1, common);
}

function scored(
  t: string,
  detector: DetectorBase,
  verdict: Verdict,
  start: number,
  end: number,
  minConfidence: number,
  common: boolean,
): Candidate {
  const context = detector.context && detector.contextScore > verdict.baseScore ? detector.context : null;
  const contextId = context
    ? (context.find(t, start, end, common) ?? headerContext(t, start, context, common))
    : undefined;
  const confidence = contextId !== undefined ? detector.contextScore : verdict.baseScore;
  const explanation: Candidate['explanation'] = { baseScore: verdict.baseScore, validator: verdict.validator };
  if (contextId !== undefined) explanation.contextId = contextId;
  if (verdict.note !== undefined) explanation.note = verdict.note;
  const candidate: Candidate = {
    category: detector.category,
    start,
    end,
    confidence,
    detector: detector.name,
    validated: verdict.validated,
    explanation,
  };
  if (documentModelOn && isDocument(candidate)) judgeDocument(t, candidate, minConfidence, common);
  return candidate;
}

/**
 * Judges one digit run: first the whole run, then, when no detector takes it, the slices cut at separators
 * holding a space (two numbers written side by side). A run laid out like a card is never sliced: twelve digits
 * of a sixteen-digit number are not an IIN.
 */
function judgeDigitRun(
  t: string,
  runStart: number,
  run: string,
  minConfidence: number,
  common: boolean,
  out: Candidate[],
): void {
  // split the run into digit groups and the separators between them
  const groupStarts: number[] = [];
  const groupEnds: number[] = [];
  const separators: string[] = [];
  let digitCount = 0;
  // read once: strings of many representations reach here, and V8 then looks `length` up the slow way at every read
  const n = run.length;
  for (let k = 0; k < n; k++) {
    const c = codeAt(run, k);
    if (c >= 48 && c <= 57) digitCount++;
  }
  if (digitCount < MIN_SPAN_DIGITS) return;
  const plus = codeAt(run, 0) === 43;
  let i = 0;
  while (i < n) {
    const c = codeAt(run, i);
    if (c >= 48 && c <= 57) {
      const s = i;
      while (i < n && codeAt(run, i) >= 48 && codeAt(run, i) <= 57) i++;
      if (groupStarts.length > 0) separators.push(run.slice(groupEnds[groupEnds.length - 1] as number, s));
      groupStarts.push(s);
      groupEnds.push(i);
    } else {
      i++;
    }
  }
  const g = groupStarts.length;
  const lengths = groupStarts.map((s, k) => (groupEnds[k] as number) - s);
  const totalDigits = digitCount;
  const wholeShape: DigitShape = { digits: '', plus, groups: lengths, separators, wholeRun: true };
  const noSlicing = totalDigits >= 13 && totalDigits <= 19 && cardLayout(wholeShape);

  let from = 0;
  while (from < g) {
    if (from > 0 && !(separators[from - 1] as string).includes(' ')) {
      from++;
      continue;
    }
    let taken = -1;
    let digits = 0;
    let upTo = from;
    while (upTo < g && digits + (lengths[upTo] as number) <= MAX_SPAN_DIGITS) digits += lengths[upTo++] as number;
    // spans [from, to] from the longest down
    for (let to = upTo - 1; to >= from; to--) {
      const whole = from === 0 && to === g - 1;
      if (!whole && noSlicing) break;
      if (to < g - 1 && !(separators[to] as string).includes(' ')) {
        digits -= lengths[to] as number;
        continue;
      }
      if (digits >= MIN_SPAN_DIGITS) {
        const shape: DigitShape = {
          digits: digitsOf(run, groupStarts, groupEnds, from, to),
          plus: plus && from === 0,
          groups: lengths.slice(from, to + 1),
          separators: separators.slice(from, to),
          wholeRun: whole,
        };
        const start = runStart + (shape.plus ? 0 : (groupStarts[from] as number));
        const end = runStart + (groupEnds[to] as number);
        for (const detector of DIGIT_DETECTORS) {
          if (shape.digits.length < detector.minDigits || shape.digits.length > detector.maxDigits) continue;
          const verdict = detector.evaluate(shape);
          if (!verdict) continue;
          const candidate = scored(t, detector, verdict, start, end, minConfidence, common);
          if (candidate.confidence < minConfidence) continue;
          out.push(candidate);
          taken = to;
          break;
        }
        if (taken >= 0) break;
      }
      digits -= lengths[to] as number;
    }
    if (noSlicing) return;
    from = taken >= 0 ? taken + 1 : from + 1;
  }
}

function digitsOf(run: string, starts: number[], ends: number[], from: number, to: number): string {
  let s = '';
  for (let k = from; k <= to; k++) s += run.slice(starts[k], ends[k]);
  return s;
}

/**
 * One span never carries two categories: among overlapping candidates a validated one beats an unvalidated one,
 * then the longer, then the higher confidence. Overlapping candidates are resolved cluster by cluster, so a long
 * text with many findings stays O(n log n).
 */
export function resolveOverlaps(candidates: Candidate[]): Candidate[] {
  if (candidates.length <= 1) return candidates;
  const byStart = [...candidates].sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Candidate[] = [];
  let cluster: Candidate[] = [];
  let clusterEnd = -1;
  const flush = () => {
    if (cluster.length === 1) out.push(cluster[0] as Candidate);
    else if (cluster.length > 1) {
      const accepted: Candidate[] = [];
      for (const c of [...cluster].sort(priority)) {
        if (accepted.every((a) => a.end <= c.start || c.end <= a.start)) accepted.push(c);
      }
      accepted.sort((a, b) => a.start - b.start);
      out.push(...accepted);
    }
    cluster = [];
  };
  for (const c of byStart) {
    if (c.start >= clusterEnd) {
      flush();
      clusterEnd = c.end;
    } else if (c.end > clusterEnd) {
      clusterEnd = c.end;
    }
    cluster.push(c);
  }
  flush();
  return out;
}

function priority(a: Candidate, b: Candidate): number {
  if (a.validated !== b.validated) return a.validated ? -1 : 1;
  const lengthDiff = b.end - b.start - (a.end - a.start);
  if (lengthDiff !== 0) return lengthDiff;
  return b.confidence - a.confidence || a.start - b.start;
}
