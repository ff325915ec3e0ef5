import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CATEGORIES, classify, type Category } from './index.ts';
import { generateCorpus } from './corpus.ts';
import { REALISTIC_MESSAGES } from './realistic-messages.ts';

/**
 * Message-level precision and recall thresholds for the identifiers on the generated corpus. HEALTH is not held to
 * a bar here: this corpus's health sentences were written from the detectors' own term lists (it measured 1.00 while
 * an independent set measured 0.59 precision, issue 18), and a bar tuned to it would grade the model by how well it
 * echoes those lists. HEALTH is measured on the evaluation set written apart (`npm run eval:classify`); the figures
 * on this corpus are still printed.
 */
const THRESHOLDS: Record<Exclude<Category, 'HEALTH'>, { precision: number; recall: number }> = {
  IIN: { precision: 0.99, recall: 0.99 },
  BIN: { precision: 0.99, recall: 0.99 },
  CARD: { precision: 0.99, recall: 0.99 },
  IBAN: { precision: 0.99, recall: 0.99 },
  PHONE: { precision: 0.98, recall: 0.98 },
  EMAIL: { precision: 0.98, recall: 0.98 },
  // not given in the issue; held to the phone/email bar
  PASSPORT: { precision: 0.98, recall: 0.98 },
  ID_CARD: { precision: 0.98, recall: 0.98 },
};

const corpus = generateCorpus(6000, 20240601);
const messages = [...corpus.map((m) => ({ text: m.text, categories: m.categories })), ...REALISTIC_MESSAGES];

test('the generated corpus covers every category and language with thousands of messages', () => {
  assert.ok(corpus.length >= 6000);
  for (const lang of ['kk', 'ru', 'en']) assert.ok(corpus.filter((m) => m.lang === lang).length > 500, lang);
  for (const c of CATEGORIES) assert.ok(corpus.filter((m) => m.categories.includes(c)).length > 200, c);
  for (const tag of [
    'neg:iin-checksum',
    'neg:iin-date',
    'neg:iin-century',
    'neg:order-number',
    'neg:card-luhn',
    'neg:business-medical',
    'neg:iin-in-longer-run',
  ]) {
    assert.ok(
      corpus.some((m) => m.inserted.includes(tag)),
      tag,
    );
  }
  for (const how of ['separators', 'zero-width', 'unicode-digits', 'glued']) {
    assert.ok(
      corpus.some((m) => m.inserted.includes(`IIN(${how})`)),
      how,
    );
  }
});

test('the generator is deterministic', () => {
  assert.deepEqual(generateCorpus(50, 7), generateCorpus(50, 7));
  assert.notDeepEqual(generateCorpus(50, 7), generateCorpus(50, 8));
});

test('per-category precision and recall of the identifiers at the message level meet the thresholds', () => {
  const counts = Object.fromEntries(CATEGORIES.map((c) => [c, { tp: 0, fp: 0, fn: 0 }])) as Record<
    Category,
    { tp: number; fp: number; fn: number }
  >;
  const misses: string[] = [];
  for (const m of messages) {
    const predicted = new Set(classify(m.text).map((f) => f.category));
    for (const c of CATEGORIES) {
      const positive = m.categories.includes(c);
      const hit = predicted.has(c);
      if (positive && hit) counts[c].tp++;
      else if (hit) {
        counts[c].fp++;
        misses.push(`FP ${c}: ${m.text}`);
      } else if (positive) {
        counts[c].fn++;
        misses.push(`FN ${c}: ${m.text}`);
      }
    }
  }
  const failures: string[] = [];
  for (const c of CATEGORIES) {
    const { tp, fp, fn } = counts[c];
    const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
    const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
    console.log(
      `${c.padEnd(8)} precision ${precision.toFixed(4)} recall ${recall.toFixed(4)} (tp ${tp}, fp ${fp}, fn ${fn})`,
    );
    if (c === 'HEALTH') continue;
    if (precision < THRESHOLDS[c].precision) failures.push(`${c} precision ${precision.toFixed(4)}`);
    if (recall < THRESHOLDS[c].recall) failures.push(`${c} recall ${recall.toFixed(4)}`);
  }
  assert.deepEqual(failures, [], misses.slice(0, 20).join('\n'));
});

test('the hand-written messages, one by one', () => {
  const wrong: string[] = [];
  for (const m of REALISTIC_MESSAGES) {
    const got = [...new Set(classify(m.text).map((f) => f.category))].sort();
    if (JSON.stringify(got) !== JSON.stringify([...m.categories].sort()))
      wrong.push(`${m.text} → ${got.join(',')} (want ${m.categories.join(',')})`);
  }
  // a hand-written set is allowed a few misses; the thresholds above are what must hold
  assert.ok(wrong.length <= 3, wrong.join('\n'));
  if (wrong.length > 0) console.log(`hand-written misses:\n${wrong.join('\n')}`);
});
