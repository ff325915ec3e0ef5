import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COMMON_LIMIT, CommonRegex, isCommonText, narrowedSource } from './common-text.ts';

const hex = (code: number) => `U+${code.toString(16).padStart(4, '0')}`;

test('a narrowed class matches exactly what its property matches, at every code unit below the limit', () => {
  for (const flags of ['u', 'iu']) {
    for (const source of ['^\\p{L}$', '^\\p{N}$', '^[\\p{L}\\p{N}]$', '^[^\\p{L}\\p{N}_]$', '^(?![\\p{L}\\p{N}]).$']) {
      const narrowed = narrowedSource(source, flags);
      assert.ok(narrowed !== null && !narrowed.includes('\\p'), `${source}: ${narrowed}`);
      const asWritten = new RegExp(source, flags);
      const asNarrowed = new RegExp(narrowed, flags);
      for (let code = 0; code < COMMON_LIMIT; code++) {
        const ch = String.fromCharCode(code);
        assert.equal(asNarrowed.test(ch), asWritten.test(ch), `/${source}/${flags} at ${hex(code)}`);
      }
    }
  }
  // under `i` a property matches a little more below the limit (U+0345 folds to ι): each flag set has its own class
  assert.equal(/^\p{L}$/u.test('\u0345'), false);
  assert.equal(/^\p{L}$/iu.test('\u0345'), true);
});

test('what a case-insensitive word class matches from the limit up, the check of a common text sees', () => {
  // isCommonText looks without `i`: every code point an `iu` regex's letter or digit class can match there is
  // a letter or digit as such, so a text the check calls common holds none of them
  const insensitive = /^[\p{L}\p{N}]$/iu;
  const sensitive = /^[\p{L}\p{N}]$/u;
  for (let point = COMMON_LIMIT; point <= 0x10ffff; point++) {
    if (point >= 0xd800 && point <= 0xdfff) continue;
    const ch = String.fromCodePoint(point);
    if (insensitive.test(ch)) assert.ok(sensitive.test(ch), hex(point));
  }
});

test('narrowedSource narrows L and N in classes and out of them, and leaves other escapes and properties alone', () => {
  const n = (source: string) => narrowedSource(source, 'iu');
  const letters = n('\\p{L}')!.slice(1, -1);
  const digits = n('\\p{N}')!.slice(1, -1);
  assert.equal(n('\\p{L}*'), `[${letters}]*`);
  assert.equal(n('x(?![\\p{L}\\p{N}])'), `x(?![${letters}${digits}])`);
  assert.equal(n('[^\\p{L}\\s]'), `[^${letters}\\s]`);
  // escaped backslashes and brackets are not escapes or classes of their own
  assert.equal(n('\\\\p{L}'), '\\\\p{L}');
  assert.equal(n('\\[\\p{L}\\]'), `\\[[${letters}]\\]`);
  assert.equal(n('[[\\]]\\p{N}'), `[[\\]][${digits}]`);
  // another property, or a negated one, keeps the regex as written
  assert.equal(n('\\p{Ll}+'), null);
  assert.equal(n('\\P{L}'), null);
  assert.equal(n('\\s+\\d\\u0430'), '\\s+\\d\\u0430');
  // without `u` there is no property to narrow
  assert.equal(narrowedSource('\\p{L}', 'i'), null);
});

test('a common text holds no letter or digit from the limit up; emoji, dashes and quotes do not count', () => {
  for (const text of ['', 'Науқас Әлия, ЖСН 900101300123', 'Jüktılık 20 apta', 'ok 😀 — «да» … “yes”', 'Ωμέγα'])
    assert.equal(isCommonText(text), true, text);
  for (const text of ['туберкулёзა', 'Ա', 'عربي', '中文', '𝐀 bold', 'Ⅻ', '١٢'])
    assert.equal(isCommonText(text), false, text);
});

test('a CommonRegex runs narrowed on common texts and as written on the others, with the same matches', () => {
  const words = new CommonRegex('туберкул\\p{L}*(?![\\p{N}])', 'giu');
  const matches = (re: RegExp, text: string) => [...text.matchAll(re)].map((m) => m[0]);
  assert.equal(words.for(true).source.includes('\\p'), false);
  assert.equal(words.for(false).source, 'туберкул\\p{L}*(?![\\p{N}])');
  assert.equal(words.for(true), words.for(true)); // compiled once
  for (const text of ['болен ТУБЕРКУЛЕЗОМ, кашель', 'туберкулёз😀 и туберкулез', 'туберкулез2']) {
    assert.ok(isCommonText(text), text);
    assert.deepEqual(matches(words.for(true), text), matches(words.for(false), text), text);
  }
  // a text that is not common needs the property: narrowed, the word would stop at the Georgian letter
  assert.equal(isCommonText('туберкулезომ'), false);
  assert.deepEqual(matches(words.for(false), 'туберкулезომ'), ['туберкулезომ']);
  assert.deepEqual(matches(words.for(true), 'туберкулезომ'), ['туберкулез']);
});
