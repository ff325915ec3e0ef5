import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foldMixedScripts, normalize, originalSpan } from './normalize.ts';

test('plain text is returned as is, with no offset map', () => {
  const n = normalize('ИИН 940101300123, тел 8 701 123 45 67 — ok');
  assert.equal(n.text, 'ИИН 940101300123, тел 8 701 123 45 67 - ok');
  assert.equal(n.starts, null);
  assert.equal(normalize('just ascii 123').text, 'just ascii 123');
});

test('Unicode digits of every script fold to ASCII', () => {
  assert.equal(normalize('１２３').text, '123');
  assert.equal(normalize('٠١٢٣٤٥٦٧٨٩').text, '0123456789');
  assert.equal(normalize('۰۱۲').text, '012');
  assert.equal(normalize('०१२३').text, '0123');
  assert.equal(normalize('𝟎𝟏𝟐𝟗').text, '0129');
  assert.equal(normalize('𝟬𝟭𝟮').text, '012');
});

test('zero-width characters are removed and offsets map back to the original', () => {
  const original = 'a 9\u200b4\u200c0 b';
  const n = normalize(original);
  assert.equal(n.text, 'a 940 b');
  const [s, e] = originalSpan(n, 2, 5);
  assert.equal(original.slice(s, e), '9\u200b4\u200c0');
});

test('astral digits keep their surrogate pairs in the original span', () => {
  const original = 'x 𝟗𝟒 y';
  const n = normalize(original);
  assert.equal(n.text, 'x 94 y');
  const [s, e] = originalSpan(n, 2, 4);
  assert.equal(original.slice(s, e), '𝟗𝟒');
});

test('spaces and dashes of other kinds become ASCII', () => {
  assert.equal(normalize('8\u00a0701\u2011123\u221245').text, '8 701-123-45');
});

test('a word mixing scripts gets its look-alikes in its majority script; offsets stay', () => {
  assert.equal(foldMixedScripts('Onyñ jüktılıgı аnd'), 'Onyñ jüktılıgı and');
  assert.equal(foldMixedScripts('diаbet'), 'diabet');
  assert.equal(foldMixedScripts('диaбет'), 'диабет');
  assert.equal(foldMixedScripts('plain text, простой текст'), 'plain text, простой текст');
  const text = 'Aigül jüktі, 20 aptada';
  assert.equal(foldMixedScripts(text).length, text.length);
  assert.equal(normalize('диaбет у него').text, 'диабет у него');
});

test('the normalized text says whether it is common: no letter or digit from U+0530 up, on every path', () => {
  const common = (text: string) => normalize(text).common;
  assert.equal(common('Науқас Әлия, ЖСН 900101300123'), true); // nothing to normalize
  assert.equal(common('Пaспорт N12345678'), true); // a word of two scripts, folded
  assert.equal(common('ok 😀 — «да»'), true); // outside the common scripts, but no letter or digit
  assert.equal(common('ИИН ９４０１０１３０００１２'), true); // full-width digits, normalized to ASCII
  assert.equal(common('ИИН\u200b940101300123'), true); // a zero-width space removed
  assert.equal(common('диабетა'), false);
  assert.equal(common('диабетა ９'), false); // normalized, and still not common
  assert.equal(common('Ωμέγα 𝐀'), false);
});
