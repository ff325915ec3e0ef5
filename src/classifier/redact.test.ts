import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { classify } from './classify.ts';
import { decryptToken, redact } from './redact.ts';

const text = 'ИИН 940101300123, тел +7 701 123 45 67';

test('tag replaces each finding with its category', () => {
  assert.equal(redact(text, classify(text), { kind: 'tag' }), 'ИИН [IIN], тел [PHONE]');
});

test('mask keeps the last digits and the separators', () => {
  assert.equal(redact(text, classify(text), { kind: 'mask' }), 'ИИН ********0123, тел +* *** *** 45 67');
  assert.equal(redact(text, classify(text), { kind: 'mask', keepLast: 2 }), 'ИИН **********23, тел +* *** *** ** 67');
});

test('a keyed hash gives the same token for the same identifier however it is written, and another with another key', () => {
  const key = Buffer.from('k'.repeat(32));
  const a = redact('ИИН 940101300123', classify('ИИН 940101300123'), { kind: 'hash', key });
  const b = redact('ИИН 940 101 300 123', classify('ИИН 940 101 300 123'), { kind: 'hash', key });
  const c = redact('ИИН ９４０１０１３００１２３', classify('ИИН ９４０１０１３００１２３'), { kind: 'hash', key });
  const other = redact('ИИН 940101300123', classify('ИИН 940101300123'), {
    kind: 'hash',
    key: Buffer.from('x'.repeat(32)),
  });
  assert.match(a, /^ИИН \[IIN:[A-Za-z0-9_-]{22}\]$/);
  assert.equal(a, b);
  assert.equal(a, c);
  assert.notEqual(a, other);
  assert.ok(!a.includes('940101300123'));
});

test('encrypt is reversible with the key and only with the key', () => {
  const key = randomBytes(32);
  const redacted = redact(text, classify(text), { kind: 'encrypt', key });
  const tokens = redacted.match(/\[[A-Z_]+:enc:[A-Za-z0-9_-]+\]/g) ?? [];
  assert.equal(tokens.length, 2);
  assert.equal(decryptToken(tokens[0] as string, key), '940101300123');
  assert.equal(decryptToken(tokens[1] as string, key), '+7 701 123 45 67');
  assert.throws(() => decryptToken(tokens[0] as string, randomBytes(32)));
  assert.throws(() => redact(text, classify(text), { kind: 'encrypt', key: Buffer.alloc(16) }), RangeError);
});

test('the operator can be chosen per finding', () => {
  const out = redact(text, classify(text), (f) =>
    f.category === 'PHONE' ? { kind: 'mask', keepLast: 4 } : { kind: 'tag' },
  );
  assert.equal(out, 'ИИН [IIN], тел +* *** *** 45 67');
});
