/**
 * The health model: a logistic regression over hashed features (features.ts) and the vocabulary's signals, trained
 * by scripts/train-health-model.ts on data written apart from the detectors and the evaluation set (train/health/).
 * It answers one question per message: does it say something about a person's health? The vocabulary still finds
 * the spans; the model decides whether they are reported (docs/classifier.md).
 */
import { decodeModel, type EncodedModel, type HealthModel } from './codec.ts';
import { eachFeature, namedFeature } from './features.ts';
import { MODEL } from './weights.generated.ts';

export type { HealthModel } from './codec.ts';

let shipped: HealthModel | null = null;
/** The model that ships in the repository, decoded on first use. */
export function healthModel(): HealthModel {
  return (shipped ??= decodeModel(MODEL as EncodedModel));
}

let sum = 0;
let table: Float32Array = new Float32Array(0);
const add = (index: number): void => {
  sum += table[index] as number;
};

/** Words in a window: a long run-on sentence is judged by its densest stretch, not diluted by the rest. */
export const WINDOW = 16;
const ring = new Float64Array(4096);
let best = -Infinity;
let words = 0;
let windowSum = 0;
/** `sum` holds the current word's features until the next word starts */
const closeWord = (): void => {
  if (words > 0) {
    const k = (words - 1) % WINDOW;
    windowSum += sum - (words > WINDOW ? (ring[k] as number) : 0);
    ring[k] = sum;
    if (words >= WINDOW && windowSum > best) best = windowSum;
  }
  sum = 0;
};
const startWord = (): void => {
  closeWord();
  words++;
};
const closeSentence = (): void => {
  closeWord();
  if (words > 0 && words < WINDOW && windowSum > best) best = windowSum;
  words = 0;
  windowSum = 0;
};

/**
 * The model's raw score (log-odds) for `text` with the vocabulary's signals named in `signals`: the best of its
 * sentences (of its windows of WINDOW words, in a longer sentence), so that one statement about a person's health
 * is not outweighed by a long message's other business.
 */
export function margin(model: HealthModel, text: string, signals: readonly string[]): number {
  let base = model.bias;
  for (const name of signals) base += model.weights[namedFeature(name)] as number;
  sum = 0;
  best = -Infinity;
  words = 0;
  windowSum = 0;
  table = model.weights;
  eachFeature(text, add, startWord, closeSentence);
  closeSentence();
  return base + (best === -Infinity ? 0 : best);
}

export function probability(score: number): number {
  return 1 / (1 + Math.exp(-score));
}

/**
 * The word that weighs most towards health, as the span to report when the model decides but the vocabulary found
 * no term (a wording nobody listed): a single word, so that a redaction keeps the rest of the message readable
 * and an identifier elsewhere in it keeps its own finding.
 */
export function strongestWord(model: HealthModel, text: string): { span: [number, number]; weight: number } {
  // pronouns and other short words carry weight but not the health content: a word of four letters or more wins
  const best = {
    long: [0, text.length] as [number, number],
    longSum: -Infinity,
    any: [0, text.length] as [number, number],
    anySum: -Infinity,
  };
  let span: [number, number] | null = null;
  const close = (): void => {
    if (span === null) return;
    if (span[1] - span[0] >= 4 && sum > best.longSum) [best.long, best.longSum] = [span, sum];
    if (sum > best.anySum) [best.any, best.anySum] = [span, sum];
  };
  table = model.weights;
  eachFeature(text, add, (start, end) => {
    close();
    span = [start, end];
    sum = 0;
  });
  close();
  return best.longSum > -Infinity ? { span: best.long, weight: best.longSum } : { span: best.any, weight: best.anySum };
}
