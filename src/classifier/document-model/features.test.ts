import assert from 'node:assert/strict';
import { test } from 'node:test';
import { beforeSignals, documentFeatures, ruleEvidence, type RuleSignals } from './features.ts';

const NUMBER = 'N12345678';
const noRules: RuleSignals = { contextId: undefined, documentLabel: false, nameBefore: false, listItem: false };

/** The word features as the model was trained on them: `\p{L}+` runs, lower case, ё as е, five letters. */
function expectedWords(before: string, after: string): string[] {
  const stems = (text: string) =>
    [...text.matchAll(/\p{L}+/gu)].map((m) => m[0].toLowerCase().replace(/ё/g, 'е').slice(0, 5));
  const label = stems(before.slice(-24)).at(-1);
  return [
    ...stems(before)
      .slice(-3)
      .map((s) => `near-before:${s}`),
    ...(label === undefined ? [] : [`label:${label}`]),
    ...stems(after)
      .slice(0, 3)
      .map((s) => `near-after:${s}`),
  ];
}

test("a candidate's words are the text's letter runs, whatever their script, width or marks", () => {
  const befores = [
    'Паспорт гражданина Ёлкина',
    'Төлқұжат нөмірі',
    'jeke kuälık nömırı:',
    'ИИН 900101300123, паспорт',
    'паспорт😀номер', // an emoji (two UTF-16 units, not a letter) between words
    'серия 𝐀𝐁 номер', // mathematical letters: \p{L} outside the BMP
    'İstanbul pasaport', // a capital whose lower case is two units
    'cafe\u0301 passport', // a combining mark ends a letter run
    'ա հայերեն անձնագիր', // letters above the table's range
    '12) ', // no letter at all
    'a'.repeat(60), // a word longer than the window
    `${'x'.repeat(30)} passport`, // the label's window inside the words' window
  ];
  const after = ' выдан 2015 г. МВД РК😀';
  for (const before of befores) {
    const t = `${before}${NUMBER}${after}`;
    const start = before.length;
    const features = documentFeatures(t, 'PASSPORT', start, start + NUMBER.length, noRules);
    const words = features.filter((f) => /^(?:near-before|label|near-after):/.test(f));
    const window = t.slice(Math.max(0, start - 48), start);
    assert.deepEqual(words, expectedWords(window, t.slice(start + NUMBER.length, start + NUMBER.length + 32)), before);
  }
});

test('the number is described by its first character and its digit groups', () => {
  const shape = (value: string) =>
    documentFeatures(value, 'ID_CARD', 0, value.length, noRules).filter((f) => /^(?:shape|groups|lower):/.test(f));
  assert.deepEqual(shape('N 12 345678'), ['shape:ID_CARD:latin-n', 'groups:ID_CARD:2-6', 'lower:false']);
  assert.deepEqual(shape('н123456789'), ['shape:ID_CARD:cyrillic-n', 'groups:ID_CARD:9', 'lower:true']);
  assert.deepEqual(shape('123-456-789'), ['shape:ID_CARD:digit', 'groups:ID_CARD:3-3-3', 'lower:false']);
  assert.deepEqual(shape('№ 12345678'), ['shape:ID_CARD:sign', 'groups:ID_CARD:8', 'lower:false']);
});

test('the text before a number is read once for both the evidence and the features', () => {
  const listed = 'Список:\n2) Қасымова Әйгерім – ';
  const t = `${listed}N12345678`;
  const signals = beforeSignals(t, listed.length);
  assert.deepEqual(signals, { nameBefore: true, listItem: true });
  assert.equal(ruleEvidence(signals, undefined), true);
  assert.equal(ruleEvidence({ nameBefore: false, listItem: false }, undefined), false);
  assert.equal(ruleEvidence({ nameBefore: false, listItem: false }, 'context:passport:pasport'), true);
  const features = documentFeatures(t, 'PASSPORT', listed.length, t.length, {
    ...noRules,
    ...signals,
    contextId: 'context:passport:pasport',
  });
  for (const f of ['rule:name-before', 'rule:list-item', 'rule:context', 'rule:context:passport:pasport'])
    assert.ok(features.includes(f), f);
  assert.ok(!features.includes('rule:document-label'));
});
