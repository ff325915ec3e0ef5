import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify } from '../classify.ts';
import { latinForms } from '../kazakh-latin.ts';
import { expectClean, expectFlagged } from '../../../test/helpers/health-table.ts';

/** Table tests of HEALTH as information about a person (issue 18); written beside the guards and terms they test. */
const health = (text: string) => classify(text).filter((f) => f.category === 'HEALTH');

test('institutions, professions, procurement, vacancies, events, statistics, markets stay clean', () => {
  expectClean([
    'Больница объявляет тендер на закуп офисной мебели',
    'Вакансия: врач общей практики в поликлинику №3, резюме на почту',
    'Облыстық аурухана жаңа жиһаз сатып алу туралы хабарландыру берді',
    'Емхана бас дәрігері жиналыс өткізеді',
    'Конференция ассоциации кардиологов перенесена на май',
    'Заболеваемость гриппом по области выросла на 12%',
    'Oblysta tūmaumen syrqattanuşylyq bır aptada östı',
    'Депрессия рынка продолжается третий квартал',
    'Машину скорой помощи передали районной больнице',
    'Regional hospital is looking for a furniture supplier',
    'Нам нужен диагноз проблемы с сервером, а не перезапуск',
    'Клинический протокол по пневмонии обновили, ссылка ниже',
  ]);
});

test('treatments, medication, procedures and pregnancy about a person are flagged, in three languages', () => {
  expectFlagged([
    'Сотрудник на заместительной терапии метадоном',
    'Ему назначили гемодиализ три раза в неделю',
    'Он после химии, будет через неделю',
    'Отцу сделали шунтирование, беру три дня за свой счёт',
    'Ей удалили желчный пузырь, неделю в стационаре',
    'У Асель кесарево, декрет оформляем',
    'She is on dialysis three times a week',
    'He takes antiretroviral therapy, keep it confidential',
    'My wife had a C-section on Monday',
    'Ажар 20 апталық жүкті, жеңіл жұмысқа ауыстыру керек',
    'Оған шунттау жасалды, әкесі ауруханада жатыр',
    'Сотрудник пользуется инсулиновой помпой',
    'Лежит в кардиологии, 3 палата',
  ]);
});

test('Kazakh in the 2021 Latin alphabet is flagged, with and without diacritics', () => {
  expectFlagged([
    'Onyñ jüktılıgı 20 aptada',
    'onyn juktiligi bar, dekrettik demalysqa shyghady',
    'Menıñ anam auyryp qaldy',
    'Ağamdy dializge aparamyn',
    'Bauyrjan auruhanada jatyr',
  ]);
  assert.deepEqual(latinForms('ауру*')?.slice(0, 2), ['aur(u|w)*', 'awr(u|w)*']);
});

test('the explanation names the term, the person cue and the guard it was kept despite', () => {
  const [finding] = health('Сотрудник на больничном, на конференцию не поедет');
  assert.equal(finding?.explanation.termId, 'health:ru:sick-leave');
  assert.equal(finding?.explanation.contextId, 'person:ru-person');
  assert.match(finding?.explanation.note ?? '', /^health model 0\.\d\d \(threshold 0\.\d\d\); despite guard:event$/);
  // an institution word, even with a person named, is not health data on its own
  assert.deepEqual(health('Сотрудник больницы получил премию'), []);
});

test('a document number under its own label is not an IIN or BIN; an IIN under its label is', () => {
  const ids = (text: string) => classify(text).map((f) => f.category);
  assert.deepEqual(ids('Заказ № 870322330380 отгружен со склада'), []);
  assert.deepEqual(ids('Invoice 200552949887 overdue'), []);
  assert.deepEqual(ids('Тапсырыс нөмірі 501019360516'), []);
  assert.deepEqual(ids('ИИН 870322330380'), ['IIN']);
});

// Texts the shipped model decides wrongly, kept visible: node:test runs a todo test and reports its failure without
// failing the suite. A retrained model that gets one right fails nothing; move that text into its table above.
test('known errors of the shipped model', { todo: 'model errors: docs/classifier.md#known-errors' }, () => {
  expectFlagged([
    'У сотрудника туберкулёз, конференцию отменили',
    'Сотрудник на костылях, нужен пропуск на парковку',
    'Пациентке поставлен диагноз туберкулез, передайте в поликлинику.',
    'Справка о диагнозе заявителя',
    'Ахметова перевели на облегчённый режим работы',
  ]);
  // a recurring notice; test/classifier-tuning.test.ts uses it as the agency's ignore example
  expectClean([
    'Внимание: высокая температура воздуха в цехе, соблюдайте питьевой режим',
    'Триместр оценки в школах закончился',
  ]);
});
