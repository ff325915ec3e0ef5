import { ContextWords, type DigitDetector, type DigitShape, type Verdict } from './detector.ts';

/**
 * Kazakhstan national numbers (10 digits after the country code 7): mobiles 70[0-25-8], 747, 76[0-4],
 * 77[15-8], 785; city numbers 71x/72x (Astana 7172, Almaty 727).
 */
const KZ_MOBILE = /^7(?:0[0-25-8]|47|6[0-4]|7[15-8]|85)/;
const KZ_CITY = /^7[12]\d/;

export function kzNationalKind(national: string): 'mobile' | 'city' | null {
  if (national.length !== 10) return null;
  if (KZ_MOBILE.test(national)) return 'mobile';
  if (KZ_CITY.test(national)) return 'city';
  return null;
}

/** The groupings a ten-digit mobile number is written in: 3-3-2-2 or 3-3-4, one kind of separator after the code. */
function phoneGrouping({ groups, separators }: DigitShape): boolean {
  // the operator's code may stand in brackets: (701) 938-33-24
  const rest = /^\)\s?$/.test(separators[0] ?? '') ? separators.slice(1) : separators;
  const kind = rest[0] ?? ' ';
  if (!rest.every((s) => s === kind) || (kind !== ' ' && kind !== '-')) return false;
  const layout = groups.join('-');
  return layout === '3-3-2-2' || layout === '3-3-4';
}

export const phoneDetector: DigitDetector = {
  kind: 'digits',
  name: 'phone',
  category: 'PHONE',
  minDigits: 9,
  maxDigits: 15,
  context: new ContextWords('phone', [
    'тел',
    'телефон',
    'моб',
    'сот',
    'звоните',
    'позвоните',
    'звонить',
    'whatsapp',
    'ватсап',
    'вотсап',
    'телеграм',
    'хабарлас',
    'қоңырау',
    'ұялы',
    'phone',
    'call',
    'tel',
    'mobile',
    'contact',
  ]),
  contextScore: 0.9,
  evaluate(shape: DigitShape): Verdict | null {
    const { digits } = shape;
    if (shape.plus) {
      if (digits.length === 11 && digits[0] === '7') {
        const kind = kzNationalKind(digits.slice(1));
        if (kind) return { validator: `kz-${kind}-prefix:pass`, baseScore: 0.9, validated: true };
      }
      // E.164: a country code never starts with 0, at most 15 digits
      if (digits.length >= 9 && digits.length <= 15 && digits[0] !== '0') {
        return { validator: 'e164-length:pass', baseScore: 0.75, validated: true };
      }
      return null;
    }
    if (digits.length === 11 && (digits[0] === '8' || digits[0] === '7')) {
      const kind = kzNationalKind(digits.slice(1));
      if (kind) return { validator: `kz-${kind}-prefix:pass`, baseScore: 0.85, validated: true };
      return null;
    }
    if (digits.length === 10 && kzNationalKind(digits) === 'mobile') {
      // grouped as a phone is written (777 920 93 62, 701-123-4567): an account or order number is not
      if (phoneGrouping(shape))
        return { validator: 'kz-mobile-prefix:pass,layout:pass', baseScore: 0.85, validated: true };
      // without the trunk prefix ten digits are as often an account or order number: context decides
      return {
        validator: 'kz-mobile-prefix:pass',
        baseScore: 0.45,
        validated: true,
        note: 'no country or trunk prefix',
      };
    }
    return null;
  },
};
