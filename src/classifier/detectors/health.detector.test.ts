import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify } from '../classify.ts';
import { nextCharChecks, termSource, vocabularyView } from './health.detector.ts';
import { expectClean } from '../../../test/helpers/health-table.ts';

const health = (text: string) =>
  classify(text)
    .filter((f) => f.category === 'HEALTH')
    .map((f) => text.slice(f.start, f.end));
/** The vocabulary's hits, before the model decides whether the message is about a person's health. */
const terms = (text: string) => vocabularyView(text)?.hits.map((c) => text.slice(c.start, c.end)) ?? [];
const icd = (text: string) =>
  classify(text)
    .filter((f) => f.detector === 'icd10')
    .map((f) => text.slice(f.start, f.end));

test('the vocabulary finds word forms, not only dictionary forms, with ё folded and any case', () => {
  assert.deepEqual(terms('аурулары туралы'), ['аурулары']);
  assert.deepEqual(terms('болен ТУБЕРКУЛЕЗОМ'), ['ТУБЕРКУЛЕЗОМ']);
  assert.deepEqual(terms('hearing aids'), ['hearing aids']);
  // and the model reports them when the message is about a person
  assert.deepEqual(health('у него туберкулёз'), ['туберкулёз']);
  assert.deepEqual(health('лечится от туберкулеза'), ['туберкулеза']);
  assert.deepEqual(health('анамның ауруы'), ['ауруы']);
  assert.deepEqual(health('жүктілігі 20 аптада'), ['жүктілігі', 'аптада']);
  assert.deepEqual(health('she is pregnant'), ['pregnant']);
  assert.deepEqual(health('ВИЧ-инфицирована'), ['ВИЧ-инфицирована']);
});

test('a word with a letter from another script reads as a whole word, as the regex as written reads it', () => {
  // common-text.ts: the narrowed regexes serve only texts without such letters; these take the terms as written
  assert.deepEqual(terms('у него туберкулёзა и кашель'), ['туберкулёзა']);
  assert.deepEqual(terms('ауруларыԱ туралы'), ['ауруларыԱ']);
  assert.deepEqual(terms('у него туберкулёз😀 и кашель'), ['туберкулёз']);
  assert.deepEqual(terms('у него туберкулёз и кашель'), ['туберкулёз']);
});

test('ICD-10 codes count only in a medical context', () => {
  assert.deepEqual(icd('Ds: J18.9'), ['J18.9']);
  assert.deepEqual(icd('код по МКБ-10 E11.9'), ['E11.9']);
  assert.deepEqual(icd('АХЖ-10 бойынша коды J45'), ['J45']);
  assert.deepEqual(icd('Diagnosis: U07.1'), ['U07.1']);
  assert.deepEqual(health('совещание в кабинете E11'), []);
  assert.deepEqual(health('см. раздел A01 регламента'), []);
  assert.deepEqual(icd('Диагноз: J18.9, кабинет E11'), ['J18.9']);
});

test('business language that shares the words', () => {
  expectClean([
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
  ]);
});

test('abbreviations match only in capitals', () => {
  assert.deepEqual(health('тест на ВИЧ'), ['ВИЧ']);
  assert.deepEqual(health('HIV positive'), ['HIV']);
  assert.deepEqual(health('AIDS'), ['AIDS']);
  assert.deepEqual(health('first aids kit'), []);
});

test('two health words name each other as context; the note gives the model score', () => {
  const findings = classify('Диагноз: туберкулез, лечится в тубдиспансере').filter((f) => f.category === 'HEALTH');
  assert.ok(findings.length >= 2);
  for (const f of findings) assert.match(f.explanation.note ?? '', /^health model [01]\.\d\d \(threshold 0\.\d\d\)$/);
  const [diagnosis, tuberculosis] = findings.map((f) => f.explanation);
  assert.deepEqual([diagnosis?.termId, diagnosis?.contextId], ['health:ru:diagnosis', 'health:any:tuberculosis']);
  assert.deepEqual([tuberculosis?.termId, tuberculosis?.contextId], ['health:any:tuberculosis', 'health:ru:diagnosis']);
});

test('the term syntax compiles to inflection, ё folding and boundaries', () => {
  assert.equal(new RegExp(`^${termSource('туберкул*')}$`, 'iu').test('туберкулёзом'), true);
  assert.equal(new RegExp(`^${termSource('ВИЧ')}`, 'iu').test('ВИЧы'), false);
  assert.equal(new RegExp(`^${termSource('анализ* (крови|мочи)')}`, 'iu').test('анализы  крови'), true);
});

test('the English "invalid" is not the Latin-script инвалид (table)', () => {
  for (const text of [
    'The portal rejects the number as invalid, I will double check with him',
    'he says the link is invalid',
    'invalid format, try again',
  ])
    assert.deepEqual(
      classify(text).filter((f) => f.category === 'HEALTH'),
      [],
      text,
    );
});

test("the walk's check of the character after a term's prefix never refuses one the term's regex would take", () => {
  const checks = nextCharChecks();
  // the terms whose next character is plain: most of them; each kind of token is there
  assert.ok(checks.length > 300, `${checks.length} checks`);
  assert.ok(checks.some((c) => c.token === '\\s') && checks.some((c) => c.token === '&'));
  const seen = new Set<string>();
  for (const check of checks) {
    if (seen.has(check.token)) continue;
    seen.add(check.token);
    const token = new RegExp(`^(?:${check.token})$`, 'iu');
    for (let code = 0; code <= 0xffff; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      const ch = String.fromCharCode(code);
      if (token.test(ch)) assert.ok(check.accepts(code), `${check.token} refuses U+${code.toString(16)}`);
    }
    assert.equal(check.accepts(Number.NaN), false, 'the end of the text is no character');
  }
  // and it does refuse: a word that only starts like a term is passed over
  assert.ok(checks.some((c) => !c.accepts('x'.charCodeAt(0)) && !c.accepts(' '.charCodeAt(0))));
});

test("the vocabulary's words inside the model's walk: the text's end, terms past a word, apostrophes, other scripts", () => {
  const cases: [string, string[]][] = [
    ['диабет', ['диабет']],
    ['у мамы диабет', ['диабет']],
    // a term of two words, then another term after it
    ['Он на больничном, у него грипп', ['больничном', 'грипп']],
    ['жүктілігі 20 апта, декреттік демалыс', ['жүктілігі', 'декреттік демалыс']],
    // the model reads "it's" as one word, the vocabulary as two
    ["it's diabetes, she said", ['diabetes']],
    // emoji (surrogate pairs) and a script outside the tables around a term
    ['😷 ขอ диабет 😷', ['диабет']],
    // a sign right after the walked prefix, and a short word that starts a phrase
    ['A&E visit', ['A&E']],
    ['на сохранении с понедельника', ['на сохранении']],
    ['после химии слабость', ['после химии']],
  ];
  for (const [text, expected] of cases) assert.deepEqual(terms(text), expected, text);
});
