import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify } from '../classify.ts';
import { termSource } from './health.detector.ts';

const health = (text: string) =>
  classify(text)
    .filter((f) => f.category === 'HEALTH')
    .map((f) => text.slice(f.start, f.end));

test('word forms, not only dictionary forms, with ё folded and any case', () => {
  assert.deepEqual(health('у него туберкулёз'), ['туберкулёз']);
  assert.deepEqual(health('лечится от туберкулеза'), ['туберкулеза']);
  assert.deepEqual(health('болен ТУБЕРКУЛЕЗОМ'), ['ТУБЕРКУЛЕЗОМ']);
  assert.deepEqual(health('анамның ауруы'), ['ауруы']);
  assert.deepEqual(health('аурулары туралы'), ['аурулары']);
  assert.deepEqual(health('жүктілігі 20 аптада'), ['жүктілігі', 'аптада']);
  assert.deepEqual(health('she is pregnant'), ['pregnant']);
  assert.deepEqual(health('ВИЧ-инфицирована'), ['ВИЧ-инфицирована']);
});

test('ICD-10 codes count only in a medical context', () => {
  assert.deepEqual(health('Ds: J18.9'), ['J18.9']);
  assert.deepEqual(health('код по МКБ-10 E11.9').includes('E11.9'), true);
  assert.deepEqual(health('АХЖ-10 бойынша коды J45'), ['АХЖ', 'J45']);
  assert.deepEqual(health('Diagnosis: U07.1'), ['Diagnosis', 'U07.1']);
  assert.deepEqual(health('совещание в кабинете E11'), []);
  assert.deepEqual(health('см. раздел A01 регламента'), []);
  assert.deepEqual(health('Диагноз: J18.9, кабинет E11'), ['Диагноз', 'J18.9']);
});

test('business language that shares the words', () => {
  for (const text of [
    'анализ продаж за квартал',
    'диагностика двигателя',
    'компьютерный вирус',
    'вирусная реклама',
    'депрессия рынка',
    'market depression',
    'we diagnosed the engine fault',
    'engine diagnostics',
    'сату талдауы',
    'компьютерлік вирус',
    'ауыр жүк',
    'жүкті жеткізу',
    'спидометр',
    'Иванович',
    'hearing aids',
  ]) {
    assert.deepEqual(health(text), [], text);
  }
});

test('abbreviations match only in capitals', () => {
  assert.deepEqual(health('тест на ВИЧ'), ['ВИЧ']);
  assert.deepEqual(health('HIV positive'), ['HIV']);
  assert.deepEqual(health('AIDS'), ['AIDS']);
  assert.deepEqual(health('first aids kit'), []);
});

test('two health words corroborate each other', () => {
  const findings = classify('диагноз: туберкулез').filter((f) => f.category === 'HEALTH');
  assert.equal(findings.length, 2);
  for (const f of findings) assert.ok(f.confidence > f.explanation.baseScore);
  const [diagnosis, tuberculosis] = findings.map((f) => f.explanation);
  assert.deepEqual([diagnosis?.termId, diagnosis?.contextId], ['health:ru:diagnosis', 'health:any:tuberculosis']);
  assert.deepEqual([tuberculosis?.termId, tuberculosis?.contextId], ['health:any:tuberculosis', 'health:ru:diagnosis']);
});

test('the term syntax compiles to inflection, ё folding and boundaries', () => {
  assert.equal(new RegExp(`^${termSource('туберкул*')}$`, 'iu').test('туберкулёзом'), true);
  assert.equal(new RegExp(`^${termSource('ВИЧ')}`, 'iu').test('ВИЧы'), false);
  assert.equal(new RegExp(`^${termSource('анализ* (крови|мочи)')}`, 'iu').test('анализы  крови'), true);
});
