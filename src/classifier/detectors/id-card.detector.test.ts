import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify } from '../classify.ts';

const found = (text: string) =>
  classify(text).map((f) => [f.category, text.slice(f.start, f.end), f.explanation.contextId]);

test('nine digits with an identity-card word', () => {
  assert.deepEqual(found('удостоверение личности № 041234567'), [
    ['ID_CARD', '041234567', 'context:id-card:udostoverenie'],
  ]);
  assert.deepEqual(found('жеке куәлік 041234567'), [['ID_CARD', '041234567', 'context:id-card:zheke-kualik']]);
  assert.deepEqual(found('ID card 041234567'), [['ID_CARD', '041234567', 'context:id-card:id-card']]);
});

test('nine digits alone, or eight or ten with the word, are nothing', () => {
  assert.deepEqual(found('исх. 041234567'), []);
  assert.deepEqual(found('удостоверение 04123456'), []);
  assert.deepEqual(found('удостоверение 0412345678'), []);
});
