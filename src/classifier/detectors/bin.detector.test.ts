import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkBin } from './bin.detector.ts';
import { checkIin } from './iin.detector.ts';
import { classify } from '../classify.ts';

const table: [string, ReturnType<typeof checkBin>][] = [
  ['971240001315', 'ok'],
  ['700140000019', 'ok'],
  ['971240001316', 'checksum'],
  ['700140000018', 'checksum'],
  ['971340001315', 'month'],
  ['970040001315', 'month'],
  ['971270001315', 'entity-type'],
  ['971230001315', 'entity-type'],
  ['971244001315', 'attribute'],
  ['97124000131', 'length'],
];

for (const [value, expected] of table) {
  test(`checkBin(${value}) is ${expected}`, () => assert.equal(checkBin(value), expected));
}

test('the FORMATS.md IINs are not BINs and the BINs are not IINs', () => {
  for (const iin of ['791028302728', '811201401188', '061211600012', '940101300123'])
    assert.notEqual(checkBin(iin), 'ok');
  for (const bin of ['971240001315', '700140000019']) assert.notEqual(checkIin(bin), 'ok');
});

test('classify reports a BIN with its context word', () => {
  const text = 'ТОО «Ромашка», БИН 971240001315';
  const found = classify(text);
  assert.equal(found.length, 1);
  assert.equal(found[0]?.category, 'BIN');
  assert.equal(text.slice(found[0]!.start, found[0]!.end), '971240001315');
  assert.equal(found[0]?.explanation.contextId, 'context:bin:bin');
});

test('a BIN with a wrong check digit is reported as nothing', () => {
  assert.deepEqual(classify('БИН 971240001316'), []);
});

test('a negated label is not context: "это не БИН", "БСН емес"', () => {
  for (const text of [
    'Шарт нөмірі 971240001315, это не БИН',
    'нөмір 971240001315 БСН емес',
    'Contract no. 971240001315, not a BIN',
  ])
    assert.deepEqual(
      classify(text).map((f) => f.category),
      [],
      text,
    );
  assert.deepEqual(
    classify('БИН 971240001315').map((f) => f.category),
    ['BIN'],
  );
});
