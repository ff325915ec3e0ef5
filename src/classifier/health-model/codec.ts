/** The shipped weights' format: sparse, delta-varint indices and int16 values, base64 in a generated module. */
import { TABLE_BITS } from './features.ts';

export interface HealthModel {
  bias: number;
  /** a message scoring at or above it is about a person's health */
  threshold: number;
  /** how much higher a message must score when the vocabulary found no term in it */
  unlisted: number;
  /** and how much its strongest word must weigh alone: a health word, not a run of common words */
  minWord: number;
  weights: Float32Array;
}

/** The shipped weights' encoding: sorted indices as delta varints, then one int16 per index, times `scale`. */
export interface EncodedModel {
  version: 1;
  tableBits: number;
  bias: number;
  threshold: number;
  unlisted: number;
  minWord: number;
  scale: number;
  count: number;
  data: string;
}

export function decodeModel(encoded: EncodedModel): HealthModel {
  if (encoded.tableBits !== TABLE_BITS) throw new Error('health model: table size differs from features.ts');
  const bytes = Buffer.from(encoded.data, 'base64');
  const weights = new Float32Array(1 << TABLE_BITS);
  const scale = encoded.scale;
  // one pass: the int16 values are the last 2 × count bytes, each read inline (a Buffer method call per weight, in
  // code a process runs once and V8 has not optimized, cost as much as reading the varints)
  let value = bytes.length - 2 * encoded.count;
  let at = 0;
  let index = 0;
  for (let k = 0; k < encoded.count; k++, value += 2) {
    let delta = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = bytes[at++] as number;
      delta |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    index += delta;
    weights[index] = ((((bytes[value + 1] as number) << 24) >> 16) | (bytes[value] as number)) * scale;
  }
  return {
    bias: encoded.bias,
    threshold: encoded.threshold,
    unlisted: encoded.unlisted,
    minWord: encoded.minWord,
    weights,
  };
}

export function encodeModel(model: HealthModel, minWeight: number): EncodedModel {
  const kept: number[] = [];
  let largest = 0;
  model.weights.forEach((w, i) => {
    if (Math.abs(w) < minWeight) return;
    kept.push(i);
    largest = Math.max(largest, Math.abs(w));
  });
  const scale = largest / 32767 || 1;
  const varints: number[] = [];
  let last = 0;
  for (const i of kept) {
    let delta = i - last;
    last = i;
    while (delta >= 0x80) {
      varints.push((delta & 0x7f) | 0x80);
      delta >>>= 7;
    }
    varints.push(delta);
  }
  const values = Buffer.alloc(kept.length * 2);
  kept.forEach((i, k) => values.writeInt16LE(Math.round((model.weights[i] as number) / scale), k * 2));
  return {
    version: 1,
    tableBits: TABLE_BITS,
    bias: model.bias,
    threshold: model.threshold,
    unlisted: model.unlisted,
    minWord: model.minWord,
    scale,
    count: kept.length,
    data: Buffer.concat([Buffer.from(varints), values]).toString('base64'),
  };
}
