import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { decryptOriginal, encryptOriginal, type OriginalBinding } from './keys.ts';

describe('encrypted originals', () => {
  const key = randomBytes(32);
  const binding: OriginalBinding = {
    agencyId: '7036fcfc-6e8b-440e-8891-0a16bd36c533',
    platform: 'telegram',
    sourceChatId: '-1001',
    sourceMessageId: '42',
  };

  it('round-trips a text, and each sealing has an IV of its own, also across refills of the IV pool', () => {
    const text = 'Диагноз: J45.0, ИИН в тексте';
    const ivs = new Set<string>();
    // more sealings than one draw of the pool holds
    for (let i = 0; i < 1000; i++) {
      const sealed = encryptOriginal(key, text, binding);
      assert.equal(decryptOriginal(key, sealed, binding), text);
      ivs.add(sealed.subarray(0, 12).toString('hex'));
    }
    assert.equal(ivs.size, 1000);
  });

  it('an IV handed out is not changed by later sealings', () => {
    const first = encryptOriginal(key, 'first', binding);
    const copy = Buffer.from(first);
    for (let i = 0; i < 600; i++) encryptOriginal(key, `later ${i}`, binding);
    assert.deepEqual(first, copy);
    assert.equal(decryptOriginal(key, first, binding), 'first');
  });

  it('opens only under the binding it was sealed with: each part of it counts, and an unbound reading fails', () => {
    const sealed = encryptOriginal(key, 'Диагноз: J45.0', binding);
    const others: [string, OriginalBinding | null][] = [
      ['agency', { ...binding, agencyId: '00000000-0000-0000-0000-000000000001' }],
      ['platform', { ...binding, platform: 'whatsapp' }],
      ['chat', { ...binding, sourceChatId: '-1002' }],
      ['message', { ...binding, sourceMessageId: '43' }],
      // no separator games: the parts are a JSON array
      ['shifted parts', { ...binding, sourceChatId: '-100', sourceMessageId: '142' }],
      ['unbound', null],
    ];
    for (const [what, other] of others) assert.throws(() => decryptOriginal(key, sealed, other), /auth/i, what);
  });
});
