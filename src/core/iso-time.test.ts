import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isoTime } from './iso-time.ts';

const expected = (ms: number): string | null => {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
};

describe('isoTime', () => {
  it('formats as Date#toISOString does, across the whole range a Date holds', () => {
    let seed = 20261206;
    const random = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const cases = [0, -1, 1, 999, -999, 86_399_999, 86_400_000, -86_400_000, 8.64e15, -8.64e15, 0.5, -0.5, 1.9, -1.9];
    for (let i = 0; i < 20_000; i++) cases.push(Math.round((random() * 2 - 1) * 8.64e15));
    // messages in time order, a day's seconds and its edges: the remembered day must never leak into the next
    for (let ms = 1_704_067_200_000 - 5_000; ms < 1_704_067_200_000 + 5_000; ms += 7) cases.push(ms);
    for (let i = 0; i < 20_000; i++) cases.push(Math.round((random() * 2 - 1) * 4e12));
    for (const ms of cases) assert.equal(isoTime(ms), expected(ms), String(ms));
  });

  it('is null where a Date is invalid', () => {
    for (const ms of [Number.NaN, Infinity, -Infinity, 8.64e15 + 1, -8.64e15 - 1, 1e300])
      assert.equal(isoTime(ms), null, String(ms));
  });
});
