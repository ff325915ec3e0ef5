/**
 * The document-number model: a logistic regression over documentFeatures, one weight table for passports and ID
 * cards (feature names carry the category where it matters). Trained by scripts/train-document-model.ts on the
 * evaluation set's tuning parts; it decides whether an N-and-eight-digits or a nine-digit number is a passport's or
 * an ID card's, which no checksum can (docs/classifier.md).
 */
import { DOCUMENT_MODEL } from './weights.generated.ts';

export interface DocumentModel {
  bias: number;
  /** a candidate at or above this score is the document's number */
  threshold: number;
  weights: Readonly<Record<string, number>>;
}

export const documentModel: DocumentModel = DOCUMENT_MODEL;

/**
 * Each model's weights as a Map: a feature name is a string made per candidate, and looking one up as a property
 * name went through V8's megamorphic keyed load and its string table on every feature.
 */
const weightMaps = new WeakMap<DocumentModel, ReadonlyMap<string, number>>();
function weightsOf(model: DocumentModel): ReadonlyMap<string, number> {
  let weights = weightMaps.get(model);
  if (weights === undefined) {
    weights = new Map(Object.entries(model.weights));
    weightMaps.set(model, weights);
  }
  return weights;
}

export function documentScore(model: DocumentModel, features: readonly string[]): number {
  const weights = weightsOf(model);
  let score = model.bias;
  for (const f of features) score += weights.get(f) ?? 0;
  return score;
}

/** The model's score as a confidence: 0.5 at the threshold, towards 0.97 above it, towards 0.05 below. */
export function documentConfidence(model: DocumentModel, score: number): number {
  const p = 1 / (1 + Math.exp(-(score - model.threshold)));
  return Math.round((p >= 0.5 ? 0.5 + (0.47 * (p - 0.5)) / 0.5 : 0.05 + (0.45 * p) / 0.5) * 1000) / 1000;
}

/** Features an explanation may name: the rules' signals and the number's shape, never a word of the message. */
const NAMED_KINDS = ['rule:', 'shape:', 'groups:', 'lower:'];
const isNamed = (feature: string) => NAMED_KINDS.some((kind) => feature.startsWith(kind));

/**
 * The features that pushed a score most, by name: the explanation of a decision, never the message's text. Each
 * named feature once, in the order given; of equal weights the first.
 */
export function strongestFeatures(model: DocumentModel, features: readonly string[], count = 2): string[] {
  const weights = weightsOf(model);
  const named: (readonly [string, number])[] = [];
  for (const f of features) {
    if (!isNamed(f) || named.some(([seen]) => seen === f)) continue;
    const w = weights.get(f) ?? 0;
    if (w !== 0) named.push([f, w]);
  }
  return named
    .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))
    .slice(0, count)
    .map(([f]) => f);
}
