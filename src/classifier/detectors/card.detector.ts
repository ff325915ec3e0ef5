import { ContextWords, type DigitDetector, type DigitShape, type Verdict } from './detector.ts';

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/**
 * Card numbers are written contiguous or in the printed layouts (4-4-4-4[-3], Amex 4-6-5, 4-6-4) with one kind
 * of separator; any other grouping of 13–19 digits is some other number that happens to pass Luhn (1 in 10 do).
 */
export function cardLayout(shape: DigitShape): boolean {
  const { groups } = shape;
  if (groups.length === 1) return true;
  if (!oneSeparator(shape)) return false;
  const lastIndex = groups.length - 1;
  if (groups.every((g, i) => (i < lastIndex ? g === 4 : g >= 1 && g <= 4))) return true;
  return groups.length === 3 && groups[0] === 4 && groups[1] === 6 && (groups[2] === 5 || groups[2] === 4);
}

/**
 * The short lengths belong to a few issuers: 13 digits to old Visa, 14 to Diners Club (30, 36, 38, 39), 15 to
 * American Express (34, 37). Another 13–15-digit number that passes Luhn is some other number (an IMEI is 15).
 */
function issuerLength(digits: string): boolean {
  switch (digits.length) {
    case 13:
      return digits[0] === '4';
    case 14:
      return /^3[0689]/.test(digits);
    case 15:
      return /^3[47]/.test(digits);
    default:
      return true;
  }
}

/** Four groups of four, whatever the separators: a hand-typed card ("4400 4302-1234 5678"). */
function fourByFour({ groups }: DigitShape): boolean {
  return groups.length === 4 && groups.every((g) => g === 4);
}

/** One kind of separator throughout: spaces (one or two, as pasted), dashes or dots. */
function oneSeparator({ separators }: DigitShape): boolean {
  const kind = (s: string) => (s.trim() === '' ? ' ' : s);
  const first = kind(separators[0] ?? ' ');
  return (first === ' ' || first === '-' || first === '.') && separators.every((s) => kind(s) === first);
}

/** Another grouping of the digits (8-8, 4-4-8, 4-12, pairs) with one kind of separator: scored by oneNumber. */
function otherGrouping(shape: DigitShape): boolean {
  return shape.groups.length >= 2 && oneSeparator(shape);
}

/** A grouping that reads as one number: split evenly (cells, pairs) or with the issuer's digits apart (4-12, 6-10, 8-4-4). */
function oneNumber({ groups, digits }: DigitShape): boolean {
  if (digits.length !== 16) return false;
  // cells, pairs, fours: one number split evenly for reading
  if (groups.every((g) => g === groups[0])) return groups.length > 2;
  // the issuer's first four, six or eight kept apart (4-12, 6-10, 4-4-8, 8-4-4); 8-8 is as often two numbers
  return groups.length <= 3 && [4, 6, 8].includes(groups[0] as number) && !(groups.length === 2 && groups[0] === 8);
}

export const cardDetector: DigitDetector = {
  kind: 'digits',
  name: 'card',
  category: 'CARD',
  minDigits: 13,
  maxDigits: 19,
  context: new ContextWords('card', [
    'карта',
    'карты',
    'карту',
    'картой',
    'карточк',
    'картасы',
    'картаға',
    'картаны',
    'card',
    'karta',
    'kartoch',
    'visa',
    'mastercard',
    'kaspi',
    'каспи',
    'halyk',
    'халык',
    'оплат',
    'төле',
    'перевод',
    'аудар',
  ]),
  contextScore: 0.97,
  evaluate(shape: DigitShape): Verdict | null {
    const { digits } = shape;
    if (shape.plus || digits.length < 13 || digits.length > 19) return null;
    // issuer ranges in use: Mir 2, Amex/JCB/Diners 3, Visa 4, Mastercard/Maestro 5 (and 2), UnionPay/Discover 6
    const first = digits.charCodeAt(0) - 48;
    if (first < 2 || first > 6) return null;
    if (!issuerLength(digits)) return null;
    const printed = cardLayout(shape) || fourByFour(shape);
    if (!printed && !otherGrouping(shape)) return null;
    if (!luhnValid(digits)) return null;
    // another grouping: a card on its own when it reads as one number, with a card word when it may be two
    if (!printed)
      return {
        validator: 'luhn:pass,layout:other',
        baseScore: oneNumber(shape) ? 0.6 : 0.3,
        validated: true,
      };
    return { validator: 'luhn:pass,layout:pass', baseScore: 0.85, validated: true };
  },
};
