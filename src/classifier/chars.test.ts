import assert from 'node:assert/strict';
import { test } from 'node:test';
import { codeAt, codeUnitRanges, codeUnits, codeUnitTable } from './chars.ts';

/** One text in the representations V8 gives strings, a one-byte text, and the empty one. */
function representations(): string[] {
  const base = 'Науқас Әлия, ИИН 900101300123 😀 ok';
  return [
    base,
    `${base.slice(0, 10)}${base.slice(10)}`, // concatenated
    base.slice(3), // sliced
    JSON.parse(JSON.stringify(base)) as string,
    'plain ascii text', // one-byte
    '', // empty
  ];
}

test('codeAt reads what charCodeAt reads, in every representation of a string, and NaN past its end', () => {
  for (const text of representations()) {
    for (let i = -1; i <= text.length; i++) {
      const expected = text.charCodeAt(i);
      const got = codeAt(text, i);
      if (Number.isNaN(expected)) assert.ok(Number.isNaN(got), `position ${i} of ${JSON.stringify(text)}`);
      else assert.equal(got, expected, `position ${i} of ${JSON.stringify(text)}`);
    }
  }
  // a surrogate half is read as one UTF-16 unit, as the loops expect
  assert.equal(codeAt('😀', 0), 0xd83d);
  assert.equal(codeAt('😀', 1), 0xde00);
});

test('codeUnits copies every UTF-16 unit of every representation of a string, lone surrogates too, then a space', () => {
  const strings = [
    ...representations(),
    'Latin-1: café ñ', // one-byte beyond ASCII
    '\ud83d alone, and \ude00 alone', // lone surrogate halves
    'ж'.repeat(70_000), // longer than the array it keeps
  ];
  for (const text of strings) {
    const units = codeUnits(text);
    const expected = Array.from({ length: text.length }, (_, i) => text.charCodeAt(i));
    assert.deepEqual(Array.from(units.subarray(0, text.length)), expected, JSON.stringify(text.slice(0, 40)));
    assert.equal(units[text.length], 32, 'a space after the text');
  }
  // a shorter text after a longer one: the units past its end are not read, and the space marks the end
  codeUnits('a much longer text first, copied by the native call');
  const units = codeUnits('ok');
  assert.deepEqual(Array.from(units.subarray(0, 3)), [111, 107, 32]);
});

test('codeUnitTable marks exactly the code units its regex matches, below its size', () => {
  const letters = codeUnitTable(/^\p{L}$/u, 0x530);
  assert.equal(letters.length, 0x530);
  for (let code = 0; code < 0x530; code++)
    assert.equal(letters[code], /^\p{L}$/u.test(String.fromCharCode(code)) ? 1 : 0, `U+${code.toString(16)}`);
  assert.equal(letters[0x41], 1); // A
  assert.equal(letters[0x4d9], 1); // ә
  assert.equal(letters[0x31], 0); // 1
  const spaces = codeUnitTable(/\s/, 0x500);
  assert.deepEqual(
    [...spaces.keys()].filter((code) => spaces[code] === 1),
    [9, 10, 11, 12, 13, 32, 0xa0],
  );
});

test('codeUnitRanges is a class of exactly the code units its regex matches, below its size', () => {
  for (const [re, size] of [
    [/^\p{L}$/iu, 0x530],
    [/^\p{N}$/iu, 0x530],
    [/^\s$/, 0x500],
  ] as const) {
    const ranges = codeUnitRanges(re, size);
    const asClass = new RegExp(`^[${ranges}]$`, 'u');
    for (let code = 0; code < size; code++) {
      const ch = String.fromCharCode(code);
      assert.equal(asClass.test(ch), re.test(ch), `${re} at U+${code.toString(16)}`);
    }
    assert.equal(asClass.test(String.fromCharCode(size)), false);
  }
  assert.equal(codeUnitRanges(/^[a-c]$/, 0x80), '\\u0061-\\u0063');
  assert.equal(codeUnitRanges(/^[ax]$/, 0x80), '\\u0061\\u0078');
  assert.equal(codeUnitRanges(/^\p{L}$/u, 0x20), '');
});
