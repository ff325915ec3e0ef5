import { ContextWords, type DigitDetector, type DigitShape, type Verdict } from './detector.ts';

const FIRST_WEIGHTS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const SECOND_WEIGHTS = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];

/**
 * The check digit shared by IIN and BIN: Σ d[i]·(i+1) mod 11 over the first 11 digits; a result of 10 is
 * recomputed with weights 3..11,1,2; null when that is 10 again (no valid number has those 11 digits).
 */
export function kzCheckDigit(digits: string): number | null {
  let first = 0;
  let second = 0;
  for (let i = 0; i < 11; i++) {
    const d = digits.charCodeAt(i) - 48;
    first += d * (FIRST_WEIGHTS[i] as number);
    second += d * (SECOND_WEIGHTS[i] as number);
  }
  const c1 = first % 11;
  if (c1 !== 10) return c1;
  const c2 = second % 11;
  return c2 === 10 ? null : c2;
}

export function kzChecksumValid(digits: string): boolean {
  if (!/^\d{12}$/.test(digits)) return false;
  const check = kzCheckDigit(digits);
  return check !== null && check === digits.charCodeAt(11) - 48;
}

export function isRealDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] as number;
  return day <= days;
}

export type IinCheck = 'ok' | 'length' | 'century' | 'date' | 'checksum';

/** Validates an IIN: YYMMDD birth date, 7th digit century and sex 1–6, serial, check digit. */
export function checkIin(digits: string): IinCheck {
  if (!/^\d{12}$/.test(digits)) return 'length';
  const centuryDigit = digits.charCodeAt(6) - 48;
  if (centuryDigit < 1 || centuryDigit > 6) return 'century';
  const century = 1800 + 100 * Math.floor((centuryDigit - 1) / 2);
  const year = century + Number(digits.slice(0, 2));
  if (!isRealDate(year, Number(digits.slice(2, 4)), Number(digits.slice(4, 6)))) return 'date';
  return kzChecksumValid(digits) ? 'ok' : 'checksum';
}

export const iinDetector: DigitDetector = {
  kind: 'digits',
  name: 'iin',
  category: 'IIN',
  minDigits: 12,
  maxDigits: 12,
  context: new ContextWords('iin', [
    'ИИН',
    'ЖСН',
    'IIN',
    'JSN',
    'ZhSN',
    'индивидуальный идентификационный',
    'жеке сәйкестендіру',
    'jeke säikestendıru',
    'jeke saikestendiru',
    'zheke saikestendiru',
    'individual identification',
  ]),
  contextScore: 0.99,
  evaluate(shape: DigitShape): Verdict | null {
    if (shape.plus || shape.digits.length !== 12) return null;
    if (checkIin(shape.digits) !== 'ok') return null;
    return { validator: 'iin-checksum:pass,date:pass,century:pass', baseScore: 0.85, validated: true };
  },
};
