import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { decryptOriginal, encryptOriginal } from './keys.ts';

describe('encrypted originals', () => {
  const key = randomBytes(32);

  it('round-trips a text, and each sealing has an IV of its own, also across refills of the IV pool', () => {
    const text = 'Диагноз: J45.0, ИИН в тексте';
    const ivs = new Set<string>();
    // more sealings than one draw of the pool holds
    for (let i = 0; i < 1000; i++) {
      const sealed = encryptOriginal(key, text);
      assert.equal(decryptOriginal(key, sealed), text);
      ivs.add(sealed.subarray(0, 12).toString('hex'));
    }
    assert.equal(ivs.size, 1000);
  });

  it('an IV handed out is not changed by later sealings', () => {
    const first = encryptOriginal(key, 'first');
    const copy = Buffer.from(first);
    for (let i = 0; i < 600; i++) encryptOriginal(key, `later ${i}`);
    assert.deepEqual(first, copy);
    assert.equal(decryptOriginal(key, first), 'first');
  });
});
