/**
 * The health model: a logistic regression over hashed features (features.ts) and the vocabulary's signals, trained
 * by scripts/train-health-model.ts on data written apart from the detectors and the evaluation set (train/health/).
 * It answers one question per message: does it say something about a person's health? The vocabulary still finds
 * the spans; the model decides whether they are reported (docs/classifier.md).
 */
import { decodeModel, type EncodedModel, type HealthModel } from './codec.ts';
import { namedFeature, wordWeights, type WordWeights } from './features.ts';
import { MODEL } from './weights.generated.ts';

export type { HealthModel } from './codec.ts';

let shipped: HealthModel | null = null;
/** The model that ships in the repository, decoded on first use. */
export function healthModel(): HealthModel {
  return (shipped ??= decodeModel(MODEL as EncodedModel));
}

/** Words in a window: a long run-on sentence is judged by its densest stretch, not diluted by the rest. */
const WINDOW = 16;
const sums = new Float64Array(WINDOW);
const starts = new Int32Array(WINDOW);
const bestSpan: [number, number] = [0, 0];

/**
 * The model's raw score (log-odds) for `text` with the vocabulary's signals named in `signals`: the best of its
 * sentences (of its windows of WINDOW words, in a longer sentence), so that one statement about a person's health
 * is not outweighed by a long message's other business. `scoredSpan()` then gives that sentence or window.
 */
export function margin(model: HealthModel, text: string, signals: readonly string[]): number {
  return marginOf(model, wordWeights(text, model.weights), signals, text.length);
}

/** `margin` from the words of `text` already weighed (`wordWeights` with this model's table). */
export function marginOf(model: HealthModel, w: WordWeights, signals: readonly string[], textLength: number): number {
  let base = model.bias;
  for (const name of signals) base += model.weights[namedFeature(name)] as number;
  let best = -Infinity;
  bestSpan[0] = 0;
  bestSpan[1] = textLength;
  let inSentence = 0; // words of the current sentence so far
  let windowSum = 0;
  for (let k = 0; k <= w.count; k++) {
    // a sentence ends before word k, or with the text: one shorter than a window is judged whole
    if (k === w.count || w.sentenceStart[k] === 1) {
      if (inSentence > 0 && inSentence < WINDOW && windowSum > best) {
        best = windowSum;
        bestSpan[0] = starts[0] as number; // the sentence's first word
        bestSpan[1] = w.end[k - 1] as number;
      }
      if (k === w.count) break;
      inSentence = 0;
      windowSum = 0;
    }
    const weight = w.weight[k] as number;
    const slot = inSentence % WINDOW;
    windowSum += weight - (inSentence >= WINDOW ? (sums[slot] as number) : 0);
    sums[slot] = weight;
    starts[slot] = w.start[k] as number;
    inSentence++;
    if (inSentence >= WINDOW && windowSum > best) {
      best = windowSum;
      bestSpan[0] = starts[inSentence % WINDOW] as number; // the window's oldest word
      bestSpan[1] = w.end[k] as number;
    }
  }
  return base + (best === -Infinity ? 0 : best);
}

/** The sentence or window that gave the last `margin` its score (UTF-16 offsets). */
export function scoredSpan(): [number, number] {
  return [bestSpan[0], bestSpan[1]];
}

export function probability(score: number): number {
  return 1 / (1 + Math.exp(-score));
}

const NAME_LIKE = /^\p{Lu}\p{Ll}/u;

/**
 * How much the strongest word of `text` weighs towards health on its own, names left out: a message without a listed
 * term must hold a word that carries health by itself, not only people's names and common words (a group's
 * "Madina added Arman and Bolat" line scored as health on its names).
 */
export function strongestWordWeight(model: HealthModel, text: string, weighed?: WordWeights): number {
  let strongest = -Infinity;
  const w = weighed ?? wordWeights(text, model.weights);
  for (let k = 0; k < w.count; k++) {
    const weight = w.weight[k] as number;
    if (weight > strongest && !NAME_LIKE.test(text.slice(w.start[k], (w.start[k] as number) + 2))) strongest = weight;
  }
  return strongest;
}
