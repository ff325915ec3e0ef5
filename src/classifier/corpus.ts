import { CATEGORIES, type Category } from './types.ts';

/**
 * A seeded generator of labeled chat messages in Kazakh, Russian and English, for the accuracy test and the
 * benchmark. Labels come from construction: the generator knows which identifiers it inserted, made by the
 * formats' own rules (written here again, independently of the detectors), and which look-alikes it inserted
 * as hard negatives (failed checksums, impossible dates, order numbers, non-Luhn card numbers, business uses of
 * medical words). Identifiers are disguised the ways people and chat apps do (separators, zero-width
 * characters, full-width and other Unicode digits, a word glued to the number).
 */

export type Lang = 'kk' | 'ru' | 'en';

export interface LabeledMessage {
  id: number;
  lang: Lang;
  text: string;
  /** the categories the generator inserted (sorted, unique) */
  categories: Category[];
  /** what was inserted, for reading failures: e.g. `IIN(fullwidth)`, `neg:iin-checksum` */
  inserted: string[];
}

/** mulberry32: small, fast, good enough for test data, and the same sequence on every machine. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  constructor(readonly next: () => number) {}
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String(this.int(0, 9));
    return s;
  }
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

// ---------- identifiers made by the rules (FORMATS.md), independent of the detectors ----------

function kzControl(first11: string): number | null {
  const w1 = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const w2 = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];
  const sum = (w: number[]) => [...first11].reduce((acc, ch, i) => acc + Number(ch) * (w[i] as number), 0) % 11;
  const a = sum(w1);
  if (a < 10) return a;
  const b = sum(w2);
  return b < 10 ? b : null;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** A valid IIN, or with `spoil` one that breaks exactly one rule. */
function makeIin(r: Rng, spoil?: 'checksum' | 'date' | 'century'): string {
  for (;;) {
    const year = r.int(1925, 2023);
    const month = r.int(1, 12);
    let day = r.int(1, daysIn(year, month));
    let mm = month;
    const male = r.chance(0.5);
    let century = (year < 1900 ? 1 : year < 2000 ? 3 : 5) + (male ? 0 : 1);
    if (spoil === 'date') {
      if (r.chance(0.5)) mm = r.int(13, 99);
      // days 32–39 only: a day of 40 or more makes the 5th digit 4–6, and the number can be a valid BIN
      else day = r.int(Math.max(32, daysIn(year, month) + 1), 39);
    }
    if (spoil === 'century') century = r.pick([0, 7, 8, 9]);
    const first11 = pad(year % 100, 2) + pad(mm, 2) + pad(day, 2) + String(century) + r.digits(4);
    const control = kzControl(first11);
    if (control === null) continue;
    const check = spoil === 'checksum' ? (control + r.int(1, 9)) % 10 : control;
    return first11 + String(check);
  }
}

function makeBin(r: Rng, spoil?: 'checksum'): string {
  for (;;) {
    const first11 =
      pad(r.int(0, 99), 2) + pad(r.int(1, 12), 2) + String(r.int(4, 6)) + String(r.int(0, 3)) + r.digits(5);
    const control = kzControl(first11);
    if (control === null) continue;
    return first11 + String(spoil === 'checksum' ? (control + r.int(1, 9)) % 10 : control);
  }
}

/** A twelve-digit order number: months 13–99 make it neither an IIN nor a BIN. */
function makeOrderNumber(r: Rng): string {
  return pad(r.int(10, 99), 2) + pad(r.int(13, 99), 2) + r.digits(8);
}

function luhnCheckDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

const CARD_PREFIXES: readonly [string, number][] = [
  ['440043', 16],
  ['400303', 16],
  ['516949', 16],
  ['539545', 16],
  ['220220', 16],
  ['427638', 16],
  ['374245', 15],
  ['625094', 16],
  ['535612', 16],
  ['451437', 16],
  ['62250', 19],
];

function makeCard(r: Rng, spoil?: 'luhn'): string {
  const [prefix, length] = r.pick(CARD_PREFIXES);
  const body = prefix + r.digits(length - prefix.length - 1);
  const check = luhnCheckDigit(body);
  return body + String(spoil === 'luhn' ? (check + r.int(1, 9)) % 10 : check);
}

function layoutCard(r: Rng, digits: string): string {
  const style = r.int(0, 3);
  if (style === 0) return digits;
  const sep = style === 1 || style === 3 ? ' ' : '-';
  if (digits.length === 15) return `${digits.slice(0, 4)}${sep}${digits.slice(4, 10)}${sep}${digits.slice(10)}`;
  return (digits.match(/.{1,4}/g) as string[]).join(sep);
}

function mod97(numeric: string): number {
  let rem = 0;
  for (const ch of numeric) rem = (rem * 10 + Number(ch)) % 97;
  return rem;
}

function ibanNumeric(s: string): string {
  return [...s].map((c) => (/[A-Z]/.test(c) ? String(c.charCodeAt(0) - 55) : c)).join('');
}

function makeIban(r: Rng, spoil?: 'check'): string {
  const kind = r.int(0, 5);
  let country = 'KZ';
  let bban: string;
  if (kind <= 2) {
    bban = pad(r.int(100, 999), 3) + (r.chance(0.5) ? 'KZT' + r.digits(10) : r.digits(13));
  } else if (kind === 3) {
    country = 'DE';
    bban = r.digits(18);
  } else if (kind === 4) {
    country = 'GB';
    bban = r.pick(['NWBK', 'BARC', 'HBUK']) + r.digits(14);
  } else {
    country = 'TR';
    bban = r.digits(22);
  }
  let check = 98 - mod97(ibanNumeric(bban + country + '00'));
  if (spoil === 'check') check = ((check - 2 + r.int(1, 96)) % 97) + 2;
  const iban = country + pad(check, 2) + bban;
  return r.chance(0.4) ? (iban.match(/.{1,4}/g) as string[]).join(' ') : iban;
}

const KZ_MOBILE_CODES = [
  '700',
  '701',
  '702',
  '705',
  '706',
  '707',
  '708',
  '747',
  '760',
  '771',
  '775',
  '776',
  '777',
  '778',
  '785',
];

function makePhone(r: Rng): string {
  if (r.chance(0.15)) {
    return r.pick([
      () => `+44 20 ${r.digits(4)} ${r.digits(4)}`,
      () => `+1 (${r.int(201, 989)}) ${r.digits(3)}-${r.digits(4)}`,
      () => `+49 30 ${r.digits(7)}`,
      () => `+998 90 ${r.digits(3)} ${r.digits(2)} ${r.digits(2)}`,
      () => `+996 555 ${r.digits(3)} ${r.digits(3)}`,
      () => `+7 916 ${r.digits(3)}-${r.digits(2)}-${r.digits(2)}`,
      () => `+86 138${r.digits(8)}`,
    ])();
  }
  if (r.chance(0.2)) {
    const [code, rest] = r.chance(0.5) ? ['7172', r.digits(6)] : ['727', r.digits(7)];
    const trunk = r.pick(['8', '+7', '+7 ', '8 ']);
    return code === '7172'
      ? `${trunk}${r.pick(['', ' '])}(${code}) ${rest.slice(0, 2)}-${rest.slice(2, 4)}-${rest.slice(4)}`
      : `${trunk}${r.pick(['', ' '])}${code} ${rest.slice(0, 3)} ${rest.slice(3, 5)} ${rest.slice(5)}`;
  }
  const code = r.pick(KZ_MOBILE_CODES);
  const a = r.digits(3);
  const b = r.digits(2);
  const c = r.digits(2);
  return r.pick([
    `+7 ${code} ${a} ${b} ${c}`,
    `+7 (${code}) ${a}-${b}-${c}`,
    `+7${code}${a}${b}${c}`,
    `8 ${code} ${a} ${b} ${c}`,
    `8(${code})${a}-${b}-${c}`,
    `8 (${code}) ${a} ${b} ${c}`,
    `8${code}${a}${b}${c}`,
    `8-${code}-${a}-${b}-${c}`,
    `7 ${code} ${a}${b}${c}`,
    `+7-${code}-${a}-${b}${c}`,
  ]);
}

const LATIN_NAMES = [
  'aigerim',
  'nurlan',
  'dana',
  'ivan.petrov',
  'a.seitkali',
  'marat_88',
  'olga.k',
  'yerlan',
  'info',
  'k.zhanibek',
];
const DOMAINS = [
  'mail.ru',
  'gmail.com',
  'gov.kz',
  'egov.kz',
  'akimat.kz',
  'inbox.kz',
  'yandex.kz',
  'outlook.com',
  'almaty.gov.kz',
];

function makeEmail(r: Rng): string {
  return `${r.pick(LATIN_NAMES)}${r.chance(0.4) ? r.int(1, 99) : ''}@${r.pick(DOMAINS)}`;
}

// ---------- obfuscation ----------

const ZERO_WIDTH = ['\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF'];
const DIGIT_ZEROS = [0xff10, 0x0660, 0x06f0, 0x0966, 0x1d7ce, 0x1d7ec];

type Obfuscation = 'plain' | 'separators' | 'zero-width' | 'unicode-digits' | 'glued';

function obfuscateDigits(r: Rng, value: string, how: Obfuscation): string {
  switch (how) {
    case 'separators': {
      const sep = r.pick([' ', '-', '.']);
      const size = r.pick([3, 4]);
      return (value.match(new RegExp(`.{1,${size}}`, 'g')) as string[]).join(sep);
    }
    case 'zero-width': {
      let out = '';
      for (const ch of value) out += ch + (r.chance(0.3) ? r.pick(ZERO_WIDTH) : '');
      return out;
    }
    case 'unicode-digits': {
      const zero = r.pick(DIGIT_ZEROS);
      return [...value].map((ch) => (/\d/.test(ch) ? String.fromCodePoint(zero + Number(ch)) : ch)).join('');
    }
    default:
      return value;
  }
}

function pickObfuscation(r: Rng): Obfuscation {
  return r.chance(0.6) ? 'plain' : r.pick(['separators', 'zero-width', 'unicode-digits', 'glued'] as const);
}

// ---------- phrases ----------

interface Piece {
  text: string;
  category: Category | null;
  tag: string;
}

const FILLER: Record<Lang, readonly string[]> = {
  ru: [
    'Добрый день, коллеги.',
    'Напоминаю про совещание в 15:00.',
    'Отправил документы в канцелярию.',
    'Спасибо, получил.',
    'Завтра приём граждан с 9:00 до 13:00.',
    'Проверьте, пожалуйста, заявку.',
    'Отчёт за 2 квартал готов.',
    'Сумма 1 250 000 тг, срок 30 дней.',
    'Встреча перенесена на 12.03.2024.',
    'Уточните у руководителя.',
    'Заявление принято, ждите ответа в течение 15 рабочих дней.',
    'Ок',
    'Понял, сделаю до вечера.',
    'Кабинет 305, третий этаж.',
    'Письмо исх. №45-12/2024 от 05.02.2024.',
    'Смена с 8 до 20.',
  ],
  kk: [
    'Қайырлы күн, әріптестер.',
    'Жиналыс сағат 15:00-де болады.',
    'Құжаттарды кеңсеге жібердім.',
    'Рақмет, алдым.',
    'Ертең азаматтарды қабылдау 9:00-ден 13:00-ге дейін.',
    'Өтінішті тексеріп жіберіңізші.',
    'Есеп дайын.',
    'Сомасы 850 000 теңге.',
    'Кездесу 12.03.2024 күніне ауыстырылды.',
    'Басшыдан сұраңыз.',
    'Жарайды, кешке дейін жасаймын.',
    'Өтініш қабылданды, 15 жұмыс күні ішінде жауап береміз.',
    '305 кабинет, үшінші қабат.',
    'Иә, дұрыс.',
  ],
  en: [
    'Good morning, team.',
    'Reminder: the meeting is at 3 pm.',
    'I sent the documents to the office.',
    'Thanks, got it.',
    'Citizen reception tomorrow from 9 to 1.',
    'Please check the application.',
    'The Q2 report is ready.',
    'Total 1,250,000 KZT, due in 30 days.',
    'The meeting moved to 12 March 2024.',
    'Ask the head of department.',
    'OK',
    'The request was accepted; expect an answer within 15 working days.',
    'Room 305, third floor.',
    'Will do by tonight.',
  ],
};

const LEAD: Record<Category, Record<Lang, readonly string[]>> = {
  IIN: {
    ru: ['ИИН заявителя:', 'ИИН', 'мой ИИН', 'ИИН ребенка —', 'Проверьте ИИН', 'данные: ИИН'],
    kk: ['ЖСН:', 'өтініш берушінің ЖСН', 'ЖСН-ім', 'баланың ЖСН-і'],
    en: ['IIN:', 'applicant IIN', 'my IIN is', 'IIN of the child:'],
  },
  BIN: {
    ru: ['БИН организации:', 'БИН', 'ТОО, БИН', 'реквизиты: БИН'],
    kk: ['БСН:', 'ұйымның БСН', 'ЖШС БСН-і'],
    en: ['BIN:', 'company BIN', 'LLP BIN'],
  },
  PHONE: {
    ru: ['звоните', 'мой номер', 'тел.', 'телефон для связи:', 'пишите в WhatsApp', ''],
    kk: ['хабарласыңыз:', 'телефон нөмірім', 'тел:', 'ватсапқа жазыңыз', ''],
    en: ['call me at', 'phone:', 'my number is', 'WhatsApp', ''],
  },
  EMAIL: {
    ru: ['почта:', 'пишите на', 'e-mail', 'мой адрес'],
    kk: ['поштам:', 'электрондық пошта', 'мына адреске жазыңыз'],
    en: ['email:', 'write to', 'my address is'],
  },
  CARD: {
    ru: ['номер карты', 'переведите на карту', 'карта Kaspi', 'оплата с карты'],
    kk: ['карта нөмірі', 'мына картаға аударыңыз', 'Kaspi картасы'],
    en: ['card number', 'pay to card', 'my card'],
  },
  IBAN: {
    ru: ['IBAN:', 'ИИК', 'счет получателя', 'реквизиты:'],
    kk: ['ЖСК:', 'IBAN', 'алушының шоты'],
    en: ['IBAN', 'account', 'bank details:'],
  },
  PASSPORT: {
    ru: ['паспорт', 'номер паспорта', 'паспорт гражданина РК №'],
    kk: ['төлқұжат', 'төлқұжат нөмірі', 'паспорт'],
    en: ['passport', 'passport no.', 'passport number'],
  },
  ID_CARD: {
    ru: ['удостоверение личности №', 'номер удостоверения', 'уд. личности'],
    kk: ['жеке куәлік №', 'жеке куәлігінің нөмірі', 'жеке куәлік'],
    en: ['ID card', 'ID card no.', 'identity card number'],
  },
  HEALTH: { ru: [], kk: [], en: [] },
};

/** Health statements as people write them, with inflected forms; written for the corpus, not from the vocabulary. */
const HEALTH_PHRASES: Record<Lang, readonly string[]> = {
  ru: [
    'у мамы подтвердили туберкулёз',
    'сын лечится от туберкулеза',
    'он стоит на учёте в тубдиспансере',
    'у заявителя вторая группа инвалидности',
    'я на больничном до пятницы',
    'принесу больничный лист в понедельник',
    'жена беременна, срок 20 недель',
    'справка о беременности приложена',
    'результаты анализа крови пришли',
    'у отца онкология, идёт химиотерапия',
    'ему поставили диагноз сахарный диабет',
    'ВИЧ-статус положительный',
    'состоит на учете у нарколога',
    'направили на консультацию к психиатру',
    'после инсульта восстанавливается',
    'госпитализирован с пневмонией',
    'у неё рак груди, вторая стадия',
    'лежит в больнице с гепатитом',
    'Диагноз: J18.9',
    'Ds: I10 гипертоническая болезнь',
    'код по МКБ-10 E11.9',
    'перенёс инфаркт в прошлом году',
    'у ребенка эпилепсия',
    'положительный ПЦР-тест на ковид',
    'обострилась шизофрения',
  ],
  kk: [
    'анамның ауруы асқынып кетті',
    'ол туберкулезбен ауырады',
    'әкесі ауруханада жатыр',
    'оның мүгедектік тобы бар',
    'жүктілігі 20 аптада',
    'еңбекке жарамсыздық парағын әкелемін',
    'қан талдауының нәтижесі дайын',
    'балада қант диабеті анықталды',
    'АИТВ инфекциясы расталды',
    'психиатрға қаралды',
    'нарколог есебінде тұр',
    'диагнозы: I10',
    'АХЖ-10 бойынша коды J45',
    'қатерлі ісік анықталды',
    'ол екіқабат',
    'инсульттан кейін емделіп жатыр',
    'дәрігер науқасты қарап шықты',
    'аурулары туралы анықтама',
  ],
  en: [
    'she was diagnosed with tuberculosis',
    'he is on sick leave until Friday',
    'my wife is pregnant',
    'blood test results came back',
    'he has a disability group 2',
    'HIV positive since 2019',
    'undergoing chemotherapy for cancer',
    'referred to a psychiatrist',
    'type 2 diabetes',
    'Diagnosis: J45.9',
    'admitted to hospital with pneumonia',
    'recovering after a stroke and a heart attack',
    'treated for hepatitis C',
    'registered with the narcology clinic',
    'history of epilepsy',
    'oncology follow-up next week',
  ],
};

/** Business sentences that share words with medicine; none is health data. */
const BUSINESS_MEDICAL_WORDS: Record<Lang, readonly string[]> = {
  ru: [
    'анализ продаж за квартал готов',
    'нужна диагностика двигателя служебной машины',
    'на сервере компьютерный вирус',
    'совещание в кабинете E11',
    'см. раздел A01 регламента',
    'вирусная реклама сработала',
    'анализ рынка показал рост',
    'диагностика сети завершена',
    'операция по счёту проведена',
    'депрессия рынка затянулась',
    'пункт B12 договора',
    'результаты анализа данных в приложении',
    'здоровая конкуренция полезна',
  ],
  kk: [
    'сату талдауы дайын',
    'қызметтік көліктің қозғалтқыш диагностикасы керек',
    'компьютерлік вирус табылды',
    'E11 кабинетте жиналыс',
    'A01 бөлімін қараңыз',
    'нарық талдауы өсуді көрсетті',
  ],
  en: [
    'the sales analysis is ready',
    'engine diagnostics for the service car',
    'a computer virus on the server',
    'meeting in room E11',
    'see section A01 of the rules',
    'the viral campaign worked',
    'we diagnosed the engine fault',
    'market depression continues',
    'clause B12 of the contract',
    'data analysis results attached',
  ],
};

function wordGlue(r: Rng, lang: Lang): string {
  return r.pick(lang === 'kk' ? ['ЖСН:', 'ЖСН'] : lang === 'ru' ? ['ИИН:', 'ИИН'] : ['IIN:', 'IIN#']);
}

function positive(r: Rng, lang: Lang, category: Category): Piece {
  const lead = () => r.pick(LEAD[category][lang]);
  switch (category) {
    case 'IIN': {
      const how = pickObfuscation(r);
      const value = obfuscateDigits(r, makeIin(r), how);
      if (how === 'glued') return { text: `${wordGlue(r, lang)}${value}`, category, tag: `IIN(${how})` };
      return { text: r.chance(0.8) ? `${lead()} ${value}` : value, category, tag: `IIN(${how})` };
    }
    case 'BIN': {
      const how = pickObfuscation(r);
      const value = obfuscateDigits(r, makeBin(r), how === 'glued' ? 'plain' : how);
      if (how === 'glued')
        return {
          text: `${lang === 'kk' ? 'БСН' : lang === 'ru' ? 'БИН' : 'BIN'}:${value}`,
          category,
          tag: 'BIN(glued)',
        };
      return { text: r.chance(0.8) ? `${lead()} ${value}` : value, category, tag: `BIN(${how})` };
    }
    case 'PHONE': {
      let value = makePhone(r);
      const how = r.chance(0.8) ? 'plain' : r.pick(['zero-width', 'unicode-digits'] as const);
      value = obfuscateDigits(r, value, how);
      return { text: `${lead()} ${value}`.trim(), category, tag: `PHONE(${how})` };
    }
    case 'EMAIL':
      return { text: `${lead()} ${makeEmail(r)}`, category, tag: 'EMAIL' };
    case 'CARD': {
      let value = layoutCard(r, makeCard(r));
      const how = r.chance(0.8) ? 'plain' : r.pick(['zero-width', 'unicode-digits'] as const);
      value = obfuscateDigits(r, value, how);
      return { text: `${lead()} ${value}`, category, tag: `CARD(${how})` };
    }
    case 'IBAN':
      return { text: `${lead()} ${makeIban(r)}`, category, tag: 'IBAN' };
    case 'PASSPORT': {
      const value = `${r.chance(0.85) ? 'N' : 'Н'}${r.digits(8)}`;
      return { text: `${lead()} ${value}`, category, tag: 'PASSPORT' };
    }
    case 'ID_CARD':
      return { text: `${lead()} 0${r.digits(8)}`, category, tag: 'ID_CARD' };
    case 'HEALTH':
      return { text: r.pick(HEALTH_PHRASES[lang]), category, tag: 'HEALTH' };
  }
}

function negative(r: Rng, lang: Lang): Piece {
  const kind = r.int(0, 11);
  const order = lang === 'kk' ? 'тапсырыс №' : lang === 'ru' ? 'заказ №' : 'order #';
  switch (kind) {
    case 0:
      return { text: `${r.pick(LEAD.IIN[lang])} ${makeIin(r, 'checksum')}`, category: null, tag: 'neg:iin-checksum' };
    case 1:
      return { text: `${r.pick(LEAD.IIN[lang])} ${makeIin(r, 'date')}`, category: null, tag: 'neg:iin-date' };
    case 2:
      return { text: `${r.pick(LEAD.IIN[lang])} ${makeIin(r, 'century')}`, category: null, tag: 'neg:iin-century' };
    case 3:
      return {
        text: `${order}${r.chance(0.5) ? ' ' : ''}${makeOrderNumber(r)}`,
        category: null,
        tag: 'neg:order-number',
      };
    case 4:
      return {
        text: `${r.pick(LEAD.CARD[lang])} ${layoutCard(r, makeCard(r, 'luhn'))}`,
        category: null,
        tag: 'neg:card-luhn',
      };
    case 5:
      return { text: `${r.pick(LEAD.BIN[lang])} ${makeBin(r, 'checksum')}`, category: null, tag: 'neg:bin-checksum' };
    case 6:
      return { text: `${r.pick(LEAD.IBAN[lang])} ${makeIban(r, 'check')}`, category: null, tag: 'neg:iban-check' };
    case 7:
    case 8:
      return { text: r.pick(BUSINESS_MEDICAL_WORDS[lang]), category: null, tag: 'neg:business-medical' };
    case 9: {
      // an obfuscated look-alike: the disguise must not turn a bad number into a finding
      const value = obfuscateDigits(
        r,
        makeIin(r, 'checksum'),
        r.pick(['separators', 'zero-width', 'unicode-digits'] as const),
      );
      return { text: `${r.pick(LEAD.IIN[lang])} ${value}`, category: null, tag: 'neg:iin-obfuscated' };
    }
    case 10: {
      // sixteen digits with a valid IIN inside: a longer number, never an IIN
      // (and not Luhn-valid either, or it would be a card number)
      const body = makeIin(r) + r.digits(3);
      const value = body + String((luhnCheckDigit(body) + r.int(1, 9)) % 10);
      return { text: `${order} ${value}`, category: null, tag: 'neg:iin-in-longer-run' };
    }
    default:
      return {
        text: r.pick([
          `${r.int(1, 28)}.${pad(r.int(1, 12), 2)}.20${r.int(10, 25)} ${r.int(8, 20)}:${pad(r.int(0, 59), 2)}`,
          `${r.int(1, 999)} ${pad(r.int(0, 999), 3)} ${pad(r.int(0, 999), 3)} ₸`,
          `вх. №${r.int(1, 99)}-${r.int(1, 99)}/${r.int(1000, 9999)}`,
          `N${r.digits(8)}`,
          `${r.digits(9)}`,
        ]),
        category: null,
        tag: 'neg:numbers',
      };
  }
}

export interface CorpusOptions {
  /** share of messages with at least one inserted category (default 0.6) */
  positiveRate?: number;
  /** share of messages with at least one hard negative (default 0.5) */
  negativeRate?: number;
}

/** An endless, deterministic stream of labeled messages. */
export function* corpusStream(seed: number, options: CorpusOptions = {}): Generator<LabeledMessage> {
  const r = new Rng(mulberry32(seed));
  const positiveRate = options.positiveRate ?? 0.6;
  const negativeRate = options.negativeRate ?? 0.5;
  for (let id = 1; ; id++) {
    const lang: Lang = r.pick(['ru', 'ru', 'kk', 'kk', 'en'] as const);
    const pieces: Piece[] = [];
    const fillers = r.int(1, 3);
    for (let i = 0; i < fillers; i++) pieces.push({ text: r.pick(FILLER[lang]), category: null, tag: 'filler' });
    if (r.chance(positiveRate)) {
      const n = r.chance(0.75) ? 1 : 2;
      for (let i = 0; i < n; i++) pieces.push(positive(r, lang, r.pick(CATEGORIES)));
    }
    if (r.chance(negativeRate)) {
      const n = r.chance(0.7) ? 1 : 2;
      for (let i = 0; i < n; i++) pieces.push(negative(r, lang));
    }
    // shuffle, then join with the punctuation people use between clauses
    for (let i = pieces.length - 1; i > 0; i--) {
      const j = r.int(0, i);
      [pieces[i], pieces[j]] = [pieces[j] as Piece, pieces[i] as Piece];
    }
    let text = '';
    for (const p of pieces) text += (text === '' ? '' : r.pick([' ', '. ', ', ', '\n', '; '])) + p.text;
    const categories = [...new Set(pieces.flatMap((p) => (p.category ? [p.category] : [])))].sort();
    yield { id, lang, text, categories, inserted: pieces.filter((p) => p.tag !== 'filler').map((p) => p.tag) };
  }
}

export function generateCorpus(count: number, seed: number, options: CorpusOptions = {}): LabeledMessage[] {
  const out: LabeledMessage[] = [];
  for (const message of corpusStream(seed, options)) {
    out.push(message);
    if (out.length >= count) break;
  }
  return out;
}
