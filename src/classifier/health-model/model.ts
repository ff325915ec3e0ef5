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

let best = -Infinity;
const closeSentence = (): void => {
  if (sum > best) best = sum;
  sum = 0;
};

/**
 * The model's raw score (log-odds) for `text` with the vocabulary's signals named in `signals`: the best of its
 * sentences, so that one sentence about a person's health is not outweighed by a long message's other business.
 */
export function margin(model: HealthModel, text: string, signals: readonly string[]): number {
  let base = model.bias;
  for (const name of signals) base += model.weights[namedFeature(name)] as number;
  sum = 0;
  best = -Infinity;
  table = model.weights;
  eachFeature(text, add, undefined, closeSentence);
  closeSentence();
  return base + best;
}

export function probability(score: number): number {
  return 1 / (1 + Math.exp(-score));
}

/**
 * The word that weighs most towards health, as the span to report when the model decides but the vocabulary found
 * no term (a wording nobody listed): a single word, so that a redaction keeps the rest of the message readable
 * and an identifier elsewhere in it keeps its own finding.
 */
export function strongestWord(model: HealthModel, text: string): [number, number] {
  let best: [number, number] = [0, text.length];
  let bestSum = -Infinity;
  let span: [number, number] | null = null;
  const close = (): void => {
    if (span !== null && sum > bestSum) {
      bestSum = sum;
      best = span;
    }
  };
  table = model.weights;
  eachFeature(text, add, (start, end) => {
    close();
    span = [start, end];
    sum = 0;
  });
  close();
  return best;
}
