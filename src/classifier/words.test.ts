import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify } from './classify.ts';
import { CONTEXT_WORDS } from './detectors/detector.ts';
import { HEALTH_TERMS, healthTermId } from './health-vocabulary.ts';
import { wordOf } from './words.ts';

test('every vocabulary term has an id of its own, in Latin letters, and the id leads back to the term', () => {
  const ids = HEALTH_TERMS.map(healthTermId);
  assert.equal(new Set(ids).size, ids.length, 'ids are unique');
  for (const [i, id] of ids.entries()) {
    assert.match(id, /^health:(ru|kk|en|any):[a-z0-9-]+$/);
    assert.equal(wordOf(id), HEALTH_TERMS[i]!.term);
  }
});

test('every context word has an id in Latin letters that leads back to the word', () => {
  assert.ok(CONTEXT_WORDS.size > 50);
  for (const [id, word] of CONTEXT_WORDS) {
    assert.match(id, /^context:[a-z0-9-]+:[a-z0-9-]+$/, word);
    assert.equal(wordOf(id), word);
  }
});

test('an explanation names terms and context words by id, never by the text the message holds', () => {
  for (const text of [
    'Диагноз: J18.9, больничный открыт',
    'Результат теста на ВИЧ положительный, туберкулёз исключён',
    'ИИН-і 940101300123',
    'номер паспорта: N 12345678',
    'АХЖ-10 бойынша коды J45',
    'жүктілігі 20 аптада, дәрігерге барды',
  ]) {
    const findings = classify(text);
    assert.ok(findings.length > 0, text);
    const explanations = JSON.stringify(findings.map((f) => f.explanation));
    assert.ok(!/[\u0400-\u04ff]/.test(explanations), `${text}: ${explanations}`);
    for (const f of findings) assert.ok(!explanations.includes(text.slice(f.start, f.end)), `${text}: ${explanations}`);
  }
});
