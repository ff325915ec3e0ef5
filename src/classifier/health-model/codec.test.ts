import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeModel, encodeModel } from './codec.ts';
import { TABLE_BITS } from './features.ts';

test('weights come back from their encoding as stored: signs, the largest magnitudes, far-apart indices', () => {
  const weights = new Float32Array(1 << TABLE_BITS);
  // far-apart indices take varints of one to three bytes; the extremes use the whole int16 range
  const set: [number, number][] = [
    [0, 1.5],
    [1, -1.5],
    [127, 0.25],
    [128, -0.003],
    [16_384, 0.75],
    [(1 << TABLE_BITS) - 1, -0.5],
  ];
  for (const [i, w] of set) weights[i] = w;
  weights[500] = 0.00001; // below the kept minimum: dropped
  const model = { bias: -0.9, threshold: -0.6, unlisted: 1, minWord: 1, weights };
  const encoded = encodeModel(model, 1e-4);
  assert.equal(encoded.count, set.length);
  const decoded = decodeModel(encoded);
  for (const [i, w] of set) assert.ok(Math.abs((decoded.weights[i] as number) - w) <= encoded.scale / 2 + 1e-7, `${i}`);
  assert.equal(decoded.weights[500], 0);
  assert.equal(decoded.weights.filter((w) => w !== 0).length, set.length);
  assert.ok((decoded.weights[1] as number) < 0 && (decoded.weights[(1 << TABLE_BITS) - 1] as number) < 0, 'signs kept');
  assert.deepEqual(
    { bias: decoded.bias, threshold: decoded.threshold, unlisted: decoded.unlisted, minWord: decoded.minWord },
    { bias: -0.9, threshold: -0.6, unlisted: 1, minWord: 1 },
  );
});
