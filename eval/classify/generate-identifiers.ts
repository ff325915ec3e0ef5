/**
 * Valid and deliberately invalid Kazakhstan identifiers for the evaluation set, written from the public rules in
 * /work/shared/FORMATS.md (not from the detectors). Deterministic: every function draws from the seeded `Rng`
 * it is given, so the same seed gives the same set.
 */

/** mulberry32: small, fast, good enough to pick digits and variants reproducibly. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String(this.int(0, 9));
    return s;
  }
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

// ---------------------------------------------------------------- IIN / BIN

/** The check digit of the first 11 digits, or null when both weightings give 10 (no valid number). */
export function iinCheckDigit(first11: string): number | null {
  const d = [...first11].map(Number);
  const w1 = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const w2 = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];
  let sum = d.reduce((acc, v, i) => acc + v * (w1[i] as number), 0) % 11;
  if (sum === 10) sum = d.reduce((acc, v, i) => acc + v * (w2[i] as number), 0) % 11;
  return sum === 10 ? null : sum;
}

export function passesIinChecksum(s: string): boolean {
  if (!/^\d{12}$/.test(s)) return false;
  return iinCheckDigit(s.slice(0, 11)) === Number(s[11]);
}

function validDate(yy: number, mm: number, dd: number, century: number): boolean {
  const year = century + yy;
  const date = new Date(Date.UTC(year, mm - 1, dd));
  return date.getUTCFullYear() === year && date.getUTCMonth() === mm - 1 && date.getUTCDate() === dd;
}

/** A valid IIN: checksum, a real birth date and a century/sex digit that agrees with it. */
export function isValidIin(s: string): boolean {
  if (!passesIinChecksum(s)) return false;
  const c = Number(s[6]);
  const century = c === 1 || c === 2 ? 1800 : c === 3 || c === 4 ? 1900 : c === 5 || c === 6 ? 2000 : -1;
  if (century < 0) return false;
  return validDate(Number(s.slice(0, 2)), Number(s.slice(2, 4)), Number(s.slice(4, 6)), century);
}

/** A valid BIN: checksum, month 01–12, entity type 4/5/6, division 0–3. */
export function isValidBin(s: string): boolean {
  if (!passesIinChecksum(s)) return false;
  const mm = Number(s.slice(2, 4));
  return mm >= 1 && mm <= 12 && '456'.includes(s[4] as string) && '0123'.includes(s[5] as string);
}

export function iin(rng: Rng): string {
  for (;;) {
    const year = rng.int(1948, 2012);
    const mm = rng.int(1, 12);
    const dd = rng.int(1, 28);
    const male = rng.next() < 0.5;
    const c = year >= 2000 ? (male ? 5 : 6) : male ? 3 : 4;
    const first11 = `${pad(year % 100)}${pad(mm)}${pad(dd)}${c}${rng.digits(4)}`;
    const check = iinCheckDigit(first11);
    if (check !== null) return first11 + check;
  }
}

export function bin(rng: Rng): string {
  for (;;) {
    const first11 = `${pad(rng.int(0, 24))}${pad(rng.int(1, 12))}${rng.pick(['4', '4', '4', '5', '6'])}${rng.pick(['0', '0', '0', '1', '2', '3'])}${rng.digits(5)}`;
    const check = iinCheckDigit(first11);
    if (check !== null) return first11 + check;
  }
}

/** 12 digits that look like an IIN (date, century digit) but fail the checksum. */
export function iinBadChecksum(rng: Rng): string {
  const good = iin(rng);
  const last = (Number(good[11]) + rng.int(1, 9)) % 10;
  return good.slice(0, 11) + last;
}

// ---------------------------------------------------------------- phones

const MOBILE_CODES = [
  '700',
  '701',
  '702',
  '705',
  '706',
  '707',
  '708',
  '747',
  '771',
  '775',
  '776',
  '777',
  '778',
  '760',
  '762',
  '785',
];

export type PhoneVariant =
  | 'intl-sp'
  | 'intl'
  | 'eight-sp'
  | 'eight'
  | 'eight-par'
  | 'intl-par'
  | 'eight-dash'
  | 'eight-7'
  | 'intl-dash'
  | 'bare'
  | 'seven'
  | 'seven-sp'
  | 'eight-par-sp'
  | 'intl-34'
  | 'intl-par-tight'
  | 'intl-334'
  | 'eight-334'
  | 'intl-dot'
  | 'eight-par-sd'
  | 'intl-sd'
  | 'eight-spdash'
  | 'intl-7'
  | 'intl-par-td'
  | 'eight-glued'
  | 'intl-par-sp'
  | 'eight-par-tight'
  | 'eight-dash334'
  | 'intl-10'
  | 'seven-par'
  | 'intl-nbsp'
  | 'wa'
  | 'tel'
  | 'intl-dash-all'
  | 'intl-par-dash'
  | 'eight-dot'
  | 'eight-par-34'
  | 'seven-dash'
  | 'intl-par-7'
  | 'eight-glued-dash'
  | 'seven-glued'
  | 'eight-par-dot'
  | 'intl-glued'
  | 'intl-par-nosp'
  | 'eight-dash-7'
  | 'intl-sd34'
  | 'par-bare'
  | 'bare-dash'
  | 'eight-par-half'
  | 'wa-api';
const PHONE_VARIANTS: readonly PhoneVariant[] = [
  'intl-sp',
  'intl-sp',
  'intl',
  'intl',
  'eight-sp',
  'eight',
  'eight',
  'eight-par',
  'intl-par',
  'eight-dash',
  'eight-7',
  'intl-dash',
];

export function phone(rng: Rng, variant?: string): string {
  const code = rng.pick(MOBILE_CODES);
  const n = rng.digits(7);
  const [a, b, c] = [n.slice(0, 3), n.slice(3, 5), n.slice(5, 7)];
  switch ((variant ?? rng.pick(PHONE_VARIANTS)) as PhoneVariant) {
    case 'intl-sp':
      return `+7 ${code} ${a} ${b} ${c}`;
    case 'intl':
      return `+7${code}${n}`;
    case 'eight-sp':
      return `8 ${code} ${a} ${b} ${c}`;
    case 'eight':
      return `8${code}${n}`;
    case 'eight-par':
      return `8(${code})${a}-${b}-${c}`;
    case 'intl-par':
      return `+7 (${code}) ${a}-${b}-${c}`;
    case 'eight-dash':
      return `8-${code}-${a}-${b}-${c}`;
    case 'eight-7':
      return `8 ${code} ${n}`;
    case 'intl-dash':
      return `+7-${code}-${a}-${n.slice(3)}`;
    case 'bare':
      return `${code} ${a} ${b} ${c}`;
    case 'seven':
      return `7${code}${n}`;
    case 'seven-sp':
      return `7 ${code} ${a} ${b} ${c}`;
    case 'eight-par-sp':
      return `8 (${code}) ${a} ${b} ${c}`;
    case 'intl-34':
      return `+7 ${code} ${a} ${b}${c}`;
    case 'intl-par-tight':
      return `+7(${code})${n}`;
    case 'intl-334':
      return `+7 ${code} ${a} ${n.slice(3)}`;
    case 'eight-334':
      return `8 ${code} ${a} ${n.slice(3)}`;
    case 'intl-dot':
      return `+7.${code}.${a}.${b}.${c}`;
    case 'eight-par-sd':
      return `8 (${code}) ${a}-${b}-${c}`;
    case 'intl-sd':
      return `+7 ${code} ${a}-${b}-${c}`;
    case 'eight-spdash':
      return `8 ${code} ${a}-${b}-${c}`;
    case 'intl-7':
      return `+7 ${code} ${n}`;
    case 'intl-par-td':
      return `+7(${code})${a}-${b}-${c}`;
    case 'eight-glued':
      return `8${code} ${a} ${b} ${c}`;
    case 'intl-par-sp':
      return `+7 (${code}) ${a} ${b} ${c}`;
    case 'eight-par-tight':
      return `8(${code})${n}`;
    case 'eight-dash334':
      return `8-${code}-${a}-${n.slice(3)}`;
    case 'intl-10':
      return `+7 ${code}${n}`;
    case 'seven-par':
      // the country code typed without the plus, the operator code in brackets
      return `7 (${code}) ${a}-${b}-${c}`;
    case 'intl-nbsp':
      // copied from a phone's contact card, which groups with no-break spaces
      return `+7\u00a0${code}\u00a0${a}\u00a0${b}\u00a0${c}`;
    case 'wa':
      // a WhatsApp click-to-chat link: the country code without the plus, digits run together
      return `wa.me/7${code}${n}`;
    case 'tel':
      // pasted from a link on a web page or an e-mail signature
      return `tel:+7${code}${n}`;
    case 'intl-dash-all':
      return `+7-${code}-${a}-${b}-${c}`;
    case 'intl-par-dash':
      // brackets round the operator code and a dash after them too: +7(701)-123-45-67
      return `+7(${code})-${a}-${b}-${c}`;
    case 'eight-dot':
      // typed with dots between the groups, as on some business cards: 8.701.123.45.67
      return `8.${code}.${a}.${b}.${c}`;
    case 'eight-par-34':
      // the subscriber number split three and four: 8 (701) 123 4567
      return `8 (${code}) ${a} ${n.slice(3)}`;
    case 'seven-dash':
      // the country code without the plus, every group dashed: 7-701-123-45-67
      return `7-${code}-${a}-${b}-${c}`;
    case 'intl-par-7':
      // the operator code in brackets, the subscriber number in one run: +7 (701) 1234567
      return `+7 (${code}) ${n}`;
    case 'eight-glued-dash':
      // the trunk prefix glued to the operator code, the rest dashed: 8701-123-45-67
      return `8${code}-${a}-${b}-${c}`;
    case 'seven-glued':
      // the country code without the plus glued to the operator code, the rest spaced: 7701 123 45 67
      return `7${code} ${a} ${b} ${c}`;
    case 'eight-par-dot':
      // the operator code in brackets, the subscriber number dotted: 8(701)123.45.67
      return `8(${code})${a}.${b}.${c}`;
    case 'intl-glued':
      // the plus and country code glued to the operator code, the rest spaced: +7701 123 45 67
      return `+7${code} ${a} ${b} ${c}`;
    case 'intl-par-nosp':
      // a space before the brackets but none after them: +7 (701)123-45-67
      return `+7 (${code})${a}-${b}-${c}`;
    case 'eight-dash-7':
      // the trunk prefix and operator code dashed, the subscriber number in one run: 8-701-1234567
      return `8-${code}-${n}`;
    case 'intl-sd34':
      // the subscriber number dashed three and four: +7 701-123-4567
      return `+7 ${code}-${a}-${n.slice(3)}`;
    case 'par-bare':
      // no country code or trunk prefix, the operator code in brackets: (701) 123-45-67
      return `(${code}) ${a}-${b}-${c}`;
    case 'bare-dash':
      // no country code or trunk prefix, every group dashed: 701-123-45-67
      return `${code}-${a}-${b}-${c}`;
    case 'eight-par-half':
      // the trunk prefix glued to the brackets, a space after them: 8(701) 123-45-67
      return `8(${code}) ${a}-${b}-${c}`;
    case 'wa-api':
      // a WhatsApp button link copied from a web page: api.whatsapp.com/send?phone=77011234567
      return `https://api.whatsapp.com/send?phone=7${code}${n}`;
    default:
      throw new Error(`unknown phone variant ${variant}`);
  }
}

/** A landline: Astana 7172, Almaty 727, Shymkent 7252, Karaganda 7212. */
export function cityPhone(rng: Rng): string {
  const city = rng.pick(['7172', '727', '7252', '7212']);
  const n = rng.digits(city.length === 3 ? 7 : 6);
  const grouped =
    city.length === 3
      ? `${n.slice(0, 3)}-${n.slice(3, 5)}-${n.slice(5)}`
      : `${n.slice(0, 2)}-${n.slice(2, 4)}-${n.slice(4)}`;
  switch (rng.int(0, 3)) {
    case 0:
      return `8 (${city}) ${grouped}`;
    case 1:
      return `+7 ${city} ${grouped.replace(/-/g, ' ')}`;
    case 2:
      return `8${city}${n}`;
    default:
      return `8 ${city} ${grouped}`;
  }
}

// ---------------------------------------------------------------- e-mail

const LOCAL_NAMES = [
  'aigerim',
  'nurlan',
  'dana',
  'yerlan',
  'erlan',
  'asel',
  'madina',
  'zhanar',
  'zhandos',
  'ainur',
  'bauyrzhan',
  'gulnara',
  'saule',
  'timur',
  'aliya',
  'arman',
  'dinara',
  'kairat',
  'saltanat',
  'askar',
  'olga',
  'sergey',
  'marat',
  'aruzhan',
  'dauren',
  'meruyert',
  'nazerke',
  'yerzhan',
  'botagoz',
  'almas',
];
const SURNAMES = [
  'akhmetov',
  'seitkali',
  'nurpeisova',
  'zhaksybekov',
  'omarova',
  'ivanova',
  'kenzhebaev',
  'tulegenova',
  'abenov',
  'sultanbekova',
  'ibraimov',
  'kassymova',
  'mukhtar',
  'baimukhanov',
  'petrenko',
  'zhumabek',
];
const DOMAINS = [
  'mail.ru',
  'gmail.com',
  'mail.kz',
  'inbox.ru',
  'yandex.kz',
  'list.ru',
  'bk.ru',
  'yahoo.com',
  'akimat-ast.gov.kz',
  'edu.kz',
  'kaznu.kz',
  'outlook.com',
];

const GOV_DOMAINS = ['astana.gov.kz', 'almaty.gov.kz', 'edu.gov.kz', 'mvd.gov.kz', 'kgd.gov.kz', 'dsm.gov.kz'];
const CORP_DOMAINS = ['kazpost.kz', 'halykbank.kz', 'kaztransoil.kz', 'beeline.kz', 'bi-group.kz', 'samruk-energy.kz'];

export function email(rng: Rng, variant?: string): string {
  if (variant !== undefined) return emailVariant(rng, variant);
  const first = rng.pick(LOCAL_NAMES);
  const last = rng.pick(SURNAMES);
  const local = rng.pick([
    `${first}.${last}`,
    `${first}${rng.int(70, 99)}`,
    `${first[0]}.${last}`,
    `${first}_${last}`,
    `${last}.${first[0]}`,
    `${first}${last}${rng.int(1, 2005)}`,
    `${first}-${rng.int(1, 99)}`,
  ]);
  return `${local}@${rng.pick(DOMAINS)}`;
}

/** Named e-mail forms, reachable only as `{EMAIL:variant}`. */
function emailVariant(rng: Rng, variant: string): string {
  const first = rng.pick(LOCAL_NAMES);
  const last = rng.pick(SURNAMES);
  const cap = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);
  switch (variant) {
    case 'gov':
      return `${first[0]}.${last}@${rng.pick(GOV_DOMAINS)}`;
    case 'corp':
      return `${first}.${last}@${rng.pick(CORP_DOMAINS)}`;
    case 'caps':
      return `${cap(first)}.${cap(last)}@${rng.pick(['Mail.ru', 'Gmail.com', 'mail.kz', 'Inbox.ru'])}`;
    case 'digits':
      return `${last}${rng.int(1, 9)}${rng.digits(2)}@${rng.pick(['mail.ru', 'gmail.com', 'bk.ru'])}`;
    case 'upper':
      return `${first}.${last}@${rng.pick(['mail.ru', 'gmail.com', 'mail.kz'])}`.toUpperCase();
    case 'plus':
      return `${first}.${last}+${rng.pick(['shop', 'kaspi', 'wb', 'ozon'])}@gmail.com`;
    case 'ru':
      return `${rng.pick([`${first}_${last}`, `${last}.${first}`, `${first}${rng.int(1980, 2010)}`])}@${rng.pick(['yandex.ru', 'rambler.ru', 'ya.ru', 'icloud.com'])}`;
    case 'school':
      return `${first[0]}${last}@${rng.pick(['sch', 'school', 'mektep', 'gym'])}${rng.int(1, 90)}.edu.kz`;
    case 'angle':
      // as copied from an Outlook / Gmail header: the display name, then the address in angle brackets
      return `${cap(first)} ${cap(last)} <${first}.${last}@${rng.pick([...CORP_DOMAINS, 'gmail.com', 'mail.ru'])}>`;
    case 'org':
      // a work address at a university, a newspaper, a hotel or a club
      return `${rng.pick([`${first}.${last}`, `${first[0]}.${last}`, `${last}`])}@${rng.pick(['enu.kz', 'kaznu.kz', 'narxoz.kz', 'kbtu.kz', 'ayu.edu.kz', 'ortalyq.kz', 'fcastana.kz', 'rixos.com'])}`;
    case 'mailto':
      // pasted from a link in a signature or a web page
      return `mailto:${first}.${last}@${rng.pick(['gmail.com', 'mail.ru', 'mail.kz'])}`;
    case 'year':
      // a birth year or graduation year glued to the name
      return `${rng.pick([`${first}_${last}`, `${first}.${last}`, `${last}${first[0]}`])}${rng.int(1965, 2008)}@${rng.pick(['mail.ru', 'gmail.com', 'inbox.ru', 'list.ru'])}`;
    case 'smallbiz':
      // a person's address at a small company's own domain (a shop, a supplier, a translation bureau, a club)
      return `${rng.pick([`${first}`, `${first}.${last}`, `${first[0]}${last}`])}@${rng.pick(['stroysnab-kz.kz', 'tilmash-pro.kz', 'qazlogistic.kz', 'sportclub-barys.kz', 'ksk-samal.kz', 'ortaq-tour.kz'])}`;
    case 'alumni':
      // a graduate's lifelong address on a university's alumni subdomain, with the class year
      return `${first}.${last}${pad(rng.int(1995, 2024) % 100)}@alumni.${rng.pick(['nu.edu.kz', 'kbtu.kz', 'kaznu.kz', 'enu.kz', 'sdu.edu.kz'])}`;
    case 'initials2':
      // the first-name and patronymic initials before the surname, as office addresses are often made
      return `${first[0]}.${rng.pick(['a', 'b', 'k', 'm', 's', 't', 'zh', 'n'])}.${last}@${rng.pick(['mail.kz', 'mail.ru', 'gmail.com', 'inbox.ru'])}`;
    case 'med':
      // a staff member's address at a city hospital's or a clinic's own domain
      return `${rng.pick([`${first[0]}.${last}`, `${first}.${last}`, `${last}${first[0]}`])}@${rng.pick(['gkb7.kz', 'okb-aktobe.kz', 'mgp5-almaty.kz', 'cgkb-shymkent.kz', 'kgp-karaganda.kz'])}`;
    case 'ngo':
      // a person's address at a public foundation's or association's .org domain
      return `${rng.pick([`${first}`, `${first}.${last}`, `${first[0]}${last}`])}@${rng.pick(['zhasyl-dala.org', 'ashyq-qogam.org', 'bilim-kory.org', 'eco-aral.org'])}`;
    case 'stud':
      // a student's address on a university's student mail subdomain (some universities use the .university TLD)
      return `${rng.pick([`${first}.${last}`, `${last}_${first[0]}`, `${first[0]}${last}${rng.int(1, 9)}`])}@${rng.pick(['stud.kaznu.kz', 'stud.enu.kz', 'stud.satbayev.university', 'live.kazatu.edu.kz', 'students.kbtu.kz'])}`;
    case 'creative':
      // a freelancer's (photographer's, videographer's) working address: the trade glued to the name
      return `${rng.pick([`${first}.photo`, `${first}${rng.pick(['foto', 'studio', 'film', 'shots'])}`, `${rng.pick(['photo', 'foto'])}.${first}.${last}`, `${first}_${last}_${rng.pick(['ph', 'video'])}`])}@${rng.pick(['gmail.com', 'mail.ru', 'icloud.com', 'yandex.kz'])}`;
    case 'spat':
      // a phone keyboard put a space before the at sign after the autocompleted name: aigerim.omarova @mail.ru
      return `${rng.pick([`${first}.${last}`, `${first}_${last}`, `${first}${rng.int(70, 99)}`])} @${rng.pick(['mail.ru', 'gmail.com', 'mail.kz', 'inbox.ru'])}`;
    case 'kids':
      // a staff member's address at a private kindergarten's own domain
      return `${rng.pick([`${first}`, `${first}.${last}`, `${first[0]}.${last}`])}@${rng.pick(['balapan-kids.kz', 'aqbota-balabaqsha.kz', 'kinder-samal.kz'])}`;
    case 'avto':
      // a manager's or a client's contact at a car service's own domain
      return `${rng.pick([`${first}`, `${first}.${last}`, `${first[0]}${last}`])}@${rng.pick(['tulpar-avto.kz', 'avtomaster-sto.kz', 'sto-kaiyrly.kz'])}`;
    case 'hotel':
      // a receptionist's or a manager's address at a small hotel's own domain
      return `${rng.pick([`${first}`, `${first}.${last}`, `${first[0]}.${last}`])}@${rng.pick(['keruen-hotel.kz', 'hotel-ertis.kz', 'samal-inn.kz'])}`;
    case 'hockey':
    case 'race':
    case 'langschool':
    case 'coop': {
      // a coach's, a race organiser's, a teacher's or a treasurer's address at the club's, race's, school's or co-op's own domain
      const domains: Record<string, string[]> = {
        hockey: ['hc-sunkar-kids.kz', 'hockey-barys-junior.kz'],
        race: ['almaty-marathon.kz', 'run-astana.kz'],
        langschool: ['tilder-ortalygy.kz', 'english-hub.kz'],
        coop: ['snt-bereke.kz', 'dacha-rassvet.kz'],
      };
      return `${rng.pick([`${first}`, `${first}.${last}`, `${first[0]}.${last}`, `${last}`])}@${rng.pick(domains[variant] as string[])}`;
    }
    case 'travel':
      // a customer's or an agent's address at an airline's or a travel agency's domain
      return `${rng.pick([`${first}.${last}`, `${first[0]}.${last}`, `${first}${rng.int(1, 99)}`])}@${rng.pick(['airastana.com', 'flyarystan.com', 'chocotravel.kz', 'aviata.kz', 'kompas-tour.kz'])}`;
    case 'supplier':
      // a sales manager's address at a food or drinks supplier's own domain (dairy, bakery, coffee, meat)
      return `${rng.pick([`${first}`, `${first}.${last}`, `${first[0]}${last}`, `${first}.sales`])}@${rng.pick(['sut-bereke.kz', 'nan-zauyty.kz', 'kofe-import.kz', 'et-onimderi.kz'])}`;
    case 'fuel':
      // a fleet manager's or a driver's address at a fuel retailer's or a logistics company's domain
      return `${rng.pick([`${first}.${last}`, `${first[0]}.${last}`, `${last}${first[0]}`])}@${rng.pick(['janarmai-servis.kz', 'fleetcard-kz.kz', 'qazavtotrans.kz'])}`;
    case 'course':
      // a learner's or a tutor's address at an online course platform's own domain
      return `${rng.pick([`${first}.${last}`, `${first}${rng.int(1, 99)}`, `${first[0]}.${last}`])}@${rng.pick(['bilimland-pro.kz', 'kodtau.academy', 'onlinemektep.org'])}`;
    case 'fund':
      // a trustee's or an accountant's address at a mosque's construction fund or a children's choir's own domain
      return `${rng.pick([`${first}`, `${first}.${last}`, `${first[0]}.${last}`, `${last}`])}@${rng.pick(['meshit-qory.kz', 'imanqor.kz', 'balalar-hory.kz', 'aqqu-choir.kz'])}`;
    case 'atelier':
      // an order manager's address at a sewing workshop's or a fabric supplier's own domain
      return `${rng.pick([`${first}`, `${first}.${last}`, `${first[0]}${last}`, `${first}.zakaz`])}@${rng.pick(['tigin-atelier.kz', 'mata-optom.kz', 'furnitura-shop.kz', 'shveya-samal.kz'])}`;
    case 'dotlast':
      // the surname dotted before the first name and its initial, as some HR departments build addresses: omarova.a.aigerim
      return `${last}.${first[0]}.${first}@${rng.pick(['mail.ru', 'mail.kz', 'gmail.com'])}`;
    default:
      throw new Error(`unknown e-mail variant ${variant}`);
  }
}

// ---------------------------------------------------------------- payment cards

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

function luhnComplete(prefix15: string): string {
  for (let d = 0; d <= 9; d++) if (luhnValid(prefix15 + d)) return prefix15 + d;
  throw new Error('unreachable');
}

const CARD_PREFIXES = [
  '440043',
  '440563',
  '400303',
  '458229',
  '539545',
  '516949',
  '548601',
  '522858',
  '220220',
  '427655',
];

function groupCard(n: string, variant: number): string {
  const g = n.match(/.{4}/g) as string[];
  switch (variant) {
    case 0:
      return g.join(' ');
    case 1:
      return n;
    default:
      return g.join('-');
  }
}

export function card(rng: Rng, variant?: string): string {
  const n = luhnComplete(rng.pick(CARD_PREFIXES) + rng.digits(9));
  switch (variant) {
    case undefined:
      return groupCard(n, rng.pick([0, 0, 0, 1, 1, 2, 0]));
    case 'sp':
      return groupCard(n, 0);
    case 'flat':
      return n;
    case 'dash':
      return groupCard(n, 2);
    case 'sp8':
      return `${n.slice(0, 8)} ${n.slice(8)}`;
    case 'dot':
      return (n.match(/.{4}/g) as string[]).join('.');
    case 'dsp':
      return (n.match(/.{4}/g) as string[]).join('  ');
    case 'nbsp':
      return (n.match(/.{4}/g) as string[]).join('\u00a0');
    case 'sp448':
      return `${n.slice(0, 4)} ${n.slice(4, 8)} ${n.slice(8)}`;
    case 'sp4-12':
      return `${n.slice(0, 4)} ${n.slice(4)}`;
    case 'sp-dash':
      // hand-typed with a stray separator: 4400 4302-1234 5678
      return `${n.slice(0, 4)} ${n.slice(4, 8)}-${n.slice(8, 12)} ${n.slice(12)}`;
    case 'dash8':
      // two halves joined by a dash, as some bank receipts print it: 44004302-12345678
      return `${n.slice(0, 8)}-${n.slice(8)}`;
    case 'sp12-4':
      // copied whole, then the last four split off by hand: 440043021234 5678
      return `${n.slice(0, 12)} ${n.slice(12)}`;
    case 'sp484':
      // typed by hand with one space missed in the middle: 4400 43021234 5678
      return `${n.slice(0, 4)} ${n.slice(4, 12)} ${n.slice(12)}`;
    case 'apos':
      // pasted from an Excel cell kept as text with a leading apostrophe
      return `'${n}`;
    case 'dashsp':
      // typed on a phone with spaced dashes between the groups: 4400 - 4302 - 1234 - 5678
      return (n.match(/.{4}/g) as string[]).join(' - ');
    case 'pairdash':
      // typed as two dashed halves with a space between them: 4400-4302 1234-5678
      return `${n.slice(0, 4)}-${n.slice(4, 8)} ${n.slice(8, 12)}-${n.slice(12)}`;
    case 'cells':
      // copied out of a boxed paper form (a salary-card application, one digit a cell): every digit spaced
      return [...n].join(' ');
    case 'sp6':
      // the issuer's six digits split off, as some statements and receipts print it: 440043 0212345678
      return `${n.slice(0, 6)} ${n.slice(6)}`;
    case 'pairs':
      // dictated over the phone in pairs of digits and typed as heard: 44 00 43 02 12 34 56 78
      return (n.match(/.{2}/g) as string[]).join(' ');
    case 'sp844':
      // the first half typed in one run, the rest grouped: 44004302 1234 5678
      return `${n.slice(0, 8)} ${n.slice(8, 12)} ${n.slice(12)}`;
    case 'thin':
      // copied from a PDF bank statement that groups with thin spaces (U+2009)
      return (n.match(/.{4}/g) as string[]).join('\u2009');
    case 'wrap':
      // copied out of a narrow column of a PDF receipt, where the number wrapped after its second group
      return `${n.slice(0, 4)} ${n.slice(4, 8)}\n${n.slice(8, 12)} ${n.slice(12)}`;
    case 'dashtail':
      // grouped by spaces, the last four split off with a dash by hand: 4400 4302 1234-5678
      return `${n.slice(0, 4)} ${n.slice(4, 8)} ${n.slice(8, 12)}-${n.slice(12)}`;
    default:
      throw new Error(`unknown card variant ${variant}`);
  }
}

/** 16 digits grouped like a card that fail the Luhn check. */
export function cardBadLuhn(rng: Rng, grouped = true): string {
  const good = luhnComplete(rng.pick(CARD_PREFIXES) + rng.digits(9));
  const bad = good.slice(0, 15) + ((Number(good[15]) + rng.int(1, 9)) % 10);
  return grouped ? groupCard(bad, 0) : bad;
}

export function cardMasked(rng: Rng): string {
  const last4 = rng.digits(4);
  return rng.pick([
    `*${last4}`,
    `**** ${last4}`,
    `${rng.pick(CARD_PREFIXES).slice(0, 4)} **** **** ${last4}`,
    `•• ${last4}`,
  ]);
}

// ---------------------------------------------------------------- IBAN

function mod97(s: string): number {
  let rem = 0;
  for (const ch of s) {
    const v = /[A-Z]/.test(ch) ? String(ch.charCodeAt(0) - 55) : ch;
    for (const d of v) rem = (rem * 10 + Number(d)) % 97;
  }
  return rem;
}

export function ibanValid(iban: string): boolean {
  const s = iban.replace(/\s+/g, '').toUpperCase();
  if (!/^KZ\d{2}\d{3}[0-9A-Z]{13}$/.test(s)) return false;
  return mod97(s.slice(4) + s.slice(0, 4)) === 1;
}

const BANK_CODES = ['722', '601', '998', '965', '826', '914', '125', '070', '856', '949'];

function ibanBody(rng: Rng): string {
  const bank = rng.pick(BANK_CODES);
  const rest = rng.next() < 0.3 ? `KZT${rng.digits(10)}` : rng.digits(13);
  return bank + rest;
}

function groupIban(s: string, spaced: boolean): string {
  return spaced ? (s.match(/.{1,4}/g) as string[]).join(' ') : s;
}

export function iban(rng: Rng, variant?: string): string {
  const body = ibanBody(rng);
  const check = 98 - mod97(`${body}KZ00`);
  const s = `KZ${pad(check)}${body}`;
  switch (variant) {
    case undefined:
      return groupIban(s, rng.next() < 0.3);
    case 'sp':
      return groupIban(s, true);
    case 'flat':
      return s;
    case 'dash':
      return groupIban(s, true).replace(/ /g, '-');
    case 'lower':
      return s.toLowerCase();
    case 'kaspi':
    case 'kaspi-sp':
      return groupIban(ibanAlpha(rng, '722', 'C000'), variant === 'kaspi-sp');
    case 'halyk':
    case 'halyk-sp':
      return groupIban(ibanAlpha(rng, '601', 'A'), variant === 'halyk-sp');
    case 'kzsp':
      return `KZ ${s.slice(2, 4)} ${groupIban(s.slice(4), true)}`;
    case 'cap':
      // typed on a phone that capitalised only the first letter
      return `Kz${s.slice(2)}`;
    case 'cap-sp':
      return `Kz${groupIban(s, true).slice(2)}`;
    case 'nbsp':
      // copied from a bank app that groups by four with non-breaking spaces
      return (s.match(/.{1,4}/g) as string[]).join('\u00a0');
    case 'kaspi-lower':
      // a Kaspi account typed all in lower case on a phone
      return ibanAlpha(rng, '722', 'C000').toLowerCase();
    case 'bank3':
      // the bank code split off by hand after the check digits: KZ86 722 C000012345678
      return `${s.slice(0, 4)} ${s.slice(4, 7)} ${s.slice(7)}`;
    case 'lower-sp':
      // grouped by four, but typed on a phone in lower case
      return groupIban(s, true).toLowerCase();
    case 'kaspi-dash':
      // a Kaspi account grouped by four with dashes, as typed from the app's screen
      return groupIban(ibanAlpha(rng, '722', 'C000'), true).replace(/ /g, '-');
    case 'halves':
      // read out in two goes and typed with one space in the middle: KZ86722C0000 12345678
      return `${s.slice(0, 12)} ${s.slice(12)}`;
    case 'kz-sp':
      // the country letters typed apart from the digits, the rest in one run: KZ 86722C000012345678
      return `KZ ${s.slice(2)}`;
    case 'forte':
    case 'forte-sp':
      // a ForteBank account, whose account part starts with 03F: KZ..96503F...
      return groupIban(ibanAlpha(rng, '965', '03F'), variant === 'forte-sp');
    case 'cells':
      // copied out of a boxed paper form (a payroll or fee application, one character a cell): every character spaced
      return [...s].join(' ');
    case 'kzdash':
      // a dash after the check digits, the account in one run: KZ86-722C000012345678
      return `${s.slice(0, 4)}-${s.slice(4)}`;
    case 'miss':
      // grouped by four by hand with one space missed: KZ86 722C 00001234 5678
      return `${s.slice(0, 4)} ${s.slice(4, 8)} ${s.slice(8, 16)} ${s.slice(16)}`;
    case 'wrap':
      // copied out of a narrow column of a PDF invoice, where the account wrapped onto a second line
      return `${s.slice(0, 12)}\n${s.slice(12)}`;
    case 'bcc':
    case 'bcc-sp':
      // a Bank CenterCredit account, whose account part starts with the letters KZT: KZ..856KZT...
      return groupIban(ibanAlpha(rng, '856', 'KZT'), variant === 'bcc-sp');
    case 'jusan':
    case 'jusan-sp':
      // a Jusan Bank account, whose account part starts with the letters CTB: KZ..998CTB...
      return groupIban(ibanAlpha(rng, '998', 'CTB'), variant === 'jusan-sp');
    case 'dot':
      // grouped by four with dots, as some people type long numbers on a phone: KZ86.722C.0000.1234.5678
      return (s.match(/.{1,4}/g) as string[]).join('.');
    default:
      throw new Error(`unknown IBAN variant ${variant}`);
  }
}

/** A KZ IBAN whose account part starts with letters, as Kaspi (722C…) and Halyk (601A…) issue them. */
function ibanAlpha(rng: Rng, bank: string, lead: string): string {
  const body = bank + lead + rng.digits(13 - lead.length);
  return `KZ${pad(98 - mod97(`${body}KZ00`))}${body}`;
}

/** KZ + 18 characters whose check digits are wrong. */
export function ibanBad(rng: Rng): string {
  const body = ibanBody(rng);
  const good = 98 - mod97(`${body}KZ00`);
  const wrong = (good + rng.int(1, 90)) % 97 || 13;
  const s = `KZ${pad(wrong === good ? (good + 1) % 97 : wrong)}${body}`;
  return ibanValid(s) ? ibanBad(rng) : s;
}

// ---------------------------------------------------------------- passport, ID card

export function passport(rng: Rng, variant?: string): string {
  const n = rng.digits(8).replace(/^0/, String(rng.int(1, 9)));
  switch (variant ?? rng.pick(['plain', 'plain', 'plain', 'space', 'numero'])) {
    case 'plain':
      return `N${n}`;
    case 'space':
      return `N ${n}`;
    case 'numero':
      return `№N${n}`;
    case 'lower':
      return `n${n}`;
    case 'cyr':
      return `Н${n}`;
    case 'dash':
      return `N-${n}`;
    case 'numsp':
      return `№ N${n}`;
    case 'cyrsp':
      return `Н ${n}`;
    case 'cyrlow':
      return `н${n}`;
    case 'numcyr':
      return `№Н${n}`;
    case 'sp44':
      return `N ${n.slice(0, 4)} ${n.slice(4)}`;
    case 'numcyrsp':
      return `№ Н${n}`;
    case 'lowsp':
      return `n ${n}`;
    case 'numnsp':
      // as printed in a form: the number sign, the series letter, a space
      return `№ N ${n}`;
    case 'cyrdash':
      return `Н-${n}`;
    case 'nbsp':
      // copied from a PDF or a booking site that glues the series letter with a non-breaking space
      return `N\u00a0${n}`;
    case 'lowdash':
      // typed on a phone keyboard in lower case, with a dash after the series letter
      return `n-${n}`;
    case 'numlow':
      return `№n${n}`;
    case 'cyrsp44':
      // the series letter typed in Cyrillic, the digits split in two halves as read aloud over the phone
      return `Н ${n.slice(0, 4)} ${n.slice(4)}`;
    case 'cells':
      // copied out of a boxed paper form (a visa or hotel card, one character a cell): every character spaced
      return [...`N${n}`].join(' ');
    case 'tight44':
      // the series letter glued to the first half, the digits split in two as copied from a scan
      return `N${n.slice(0, 4)} ${n.slice(4)}`;
    case 'pairs':
      // dictated over the phone in pairs of digits and typed as heard
      return `N ${(n.match(/.{2}/g) as string[]).join(' ')}`;
    case 'dash44':
      // the digits split in two halves with a dash, as typed from the data page: N1234-5678
      return `N${n.slice(0, 4)}-${n.slice(4)}`;
    case 'hash':
      // an English-speaking habit: the hash sign as the number sign, glued to the series letter
      return `#N${n}`;
    case 'sp332':
      // read out in threes over the phone and typed as heard: N 123 456 78
      return `N ${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}`;
    case 'cyrlowsp':
      // the series letter typed as a lower-case Cyrillic н, then a space
      return `н ${n}`;
    case 'bare':
      // only the eight digits, for a form whose text names the series apart ("серия N номер 12345678")
      return n;
    case 'apos':
      // pasted from an Excel cell kept as text with a leading apostrophe
      return `'N${n}`;
    case 'spdash44':
      // the series letter spaced off, the digits split in two halves with a dash: N 1234-5678
      return `N ${n.slice(0, 4)}-${n.slice(4)}`;
    case 'cyrtight44':
      // the series letter typed in Cyrillic and glued to the first half, as copied from a scan: Н1234 5678
      return `Н${n.slice(0, 4)} ${n.slice(4)}`;
    case 'lowtight44':
      // typed on a phone in lower case, the letter glued to the first half, the digits split in two: n1234 5678
      return `n${n.slice(0, 4)} ${n.slice(4)}`;
    case 'cyrpairs':
      // the series letter typed in Cyrillic, the digits dictated in pairs: Н 12 34 56 78
      return `Н ${(n.match(/.{2}/g) as string[]).join(' ')}`;
    case 'numnbsp':
      // copied out of a Word form: the number sign, a no-break space, the series and digits: №\u00a0N12345678
      return `№\u00a0N${n}`;
    case 'cyrlowdash':
      // typed on a phone with the Cyrillic keyboard on, in lower case, with a dash after the series letter: н-12345678
      return `н-${n}`;
    case 'nonum':
      // the English abbreviation of number without a dot, before the series letter: No N12345678
      return `No N${n}`;
    default:
      throw new Error(`unknown passport variant ${variant}`);
  }
}

export function idCard(rng: Rng, variant?: string): string {
  const n = `0${rng.pick(['2', '3', '4', '4', '5'])}${rng.digits(7)}`;
  switch (variant ?? 'plain') {
    case 'plain':
      return n;
    case 'numero':
      return `№${n}`;
    case 'numsp':
      return `№ ${n}`;
    case 'sp3':
      return `${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}`;
    case 'dash3':
      return `${n.slice(0, 3)}-${n.slice(3, 6)}-${n.slice(6)}`;
    case 'nsp':
      return `N ${n}`;
    case 'ntight':
      return `N${n}`;
    case 'apos':
      // pasted from an Excel column where the leading zero was kept by an apostrophe
      return `'${n}`;
    case 'nbsp3':
      // grouped by three with non-breaking spaces, as some web forms and PDFs show it
      return `${n.slice(0, 3)}\u00a0${n.slice(3, 6)}\u00a0${n.slice(6)}`;
    case 'numsp3':
      // the number sign, then the digits grouped by three
      return `№ ${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}`;
    case 'cells':
      // copied out of a boxed paper form (a bank or insurance application, one digit a cell): every digit spaced
      return [...n].join(' ');
    case 'sp36':
      // split once after the first three digits, as read off the card in two breaths
      return `${n.slice(0, 3)} ${n.slice(3)}`;
    case 'dash36':
      // one dash after the first three digits, as some people split it when typing on a phone
      return `${n.slice(0, 3)}-${n.slice(3)}`;
    case 'ndash':
      // the Latin N used as a number sign, with a dash
      return `N-${n}`;
    case 'hash':
      // an English-speaking habit: the hash sign as the number sign
      return `#${n}`;
    case 'numdash3':
      // the number sign, then the digits grouped by three with dashes
      return `№ ${n.slice(0, 3)}-${n.slice(3, 6)}-${n.slice(6)}`;
    case 'dot3':
      // grouped by three with dots, as some people type long numbers on a phone
      return `${n.slice(0, 3)}.${n.slice(3, 6)}.${n.slice(6)}`;
    case 'sp63':
      // split once after the first six digits, as read off the card in two breaths the other way: 045123 456
      return `${n.slice(0, 6)} ${n.slice(6)}`;
    case 'no':
      // the English abbreviation of number, with a dot and a space: No. 045123456
      return `No. ${n}`;
    case 'numtight3':
      // the number sign glued to the digits, grouped by three: №045 123 456
      return `№${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}`;
    case 'dash63':
      // one dash after the first six digits, as read off the card in two breaths and typed on a phone: 045123-456
      return `${n.slice(0, 6)}-${n.slice(6)}`;
    case 'numnbsp':
      // copied out of a Word form: the number sign and a no-break space before the digits: №\u00a0045123456
      return `№\u00a0${n}`;
    case 'sp3222':
      // dictated like a phone number and typed as heard: 045 12 34 56
      return `${n.slice(0, 3)} ${n.slice(3, 5)} ${n.slice(5, 7)} ${n.slice(7)}`;
    case 'numdash':
      // the number sign followed by a dash, as some people write it by hand: №-045123456
      return `№-${n}`;
    case 'paren':
      // put in brackets after the document name, as in a typed list: (045123456)
      return `(${n})`;
    default:
      throw new Error(`unknown ID card variant ${variant}`);
  }
}

// ---------------------------------------------------------------- look-alikes for hard negatives

/** n digits, first non-zero, that are none of: a valid IIN/BIN, a Luhn-valid card length, a KZ mobile. */
export function plainDigits(rng: Rng, n: number): string {
  for (;;) {
    const s = String(rng.int(1, 9)) + rng.digits(n - 1);
    if (n === 12 && passesIinChecksum(s)) continue;
    if (n >= 13 && n <= 19 && luhnValid(s)) continue;
    if ((n === 10 || n === 11) && /^[78]?7\d{2}/.test(s)) continue;
    return s;
  }
}

/** A YYMMDD date (an IIN's first six digits), as written in document numbers. */
export function date6(rng: Rng): string {
  return `${pad(rng.int(60, 99))}${pad(rng.int(1, 12))}${pad(rng.int(1, 28))}`;
}

export function tracking(rng: Rng): string {
  return rng.pick([
    `RR${rng.digits(9)}KZ`,
    `CN${rng.digits(9)}KZ`,
    `LP${rng.digits(14)}`,
    `YT${rng.digits(16)}`,
    `EE${rng.digits(9)}KZ`,
  ]);
}
