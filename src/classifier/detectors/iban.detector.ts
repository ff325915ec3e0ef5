import { ContextWords, type PatternDetector, type Verdict } from './detector.ts';

/** IBAN lengths of the countries Kazakhstan agencies deal with most (ISO 13616 registry); others: 15–34. */
const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  KZ: 20,
  RU: 33,
  KG: 0,
  UZ: 0,
  BY: 28,
  UA: 29,
  AZ: 28,
  GE: 22,
  TR: 26,
  AE: 23,
  SA: 24,
  QA: 29,
  DE: 22,
  GB: 22,
  FR: 27,
  IT: 27,
  ES: 24,
  NL: 18,
  BE: 16,
  CH: 21,
  AT: 20,
  PL: 28,
  CZ: 24,
  LT: 20,
  LV: 21,
  EE: 20,
  FI: 18,
  SE: 24,
  NO: 15,
  DK: 18,
  IE: 22,
  PT: 25,
  GR: 27,
  LU: 20,
  HU: 28,
  RO: 24,
  BG: 22,
  HR: 21,
  SI: 19,
  SK: 24,
  CY: 28,
  MT: 31,
  IL: 23,
  EG: 29,
  PK: 24,
  MD: 24,
};

/** ISO 7064 mod 97-10 over the IBAN with its first four characters moved to the end. */
export function ibanMod97Valid(iban: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const c = rearranged.charCodeAt(i);
    if (c <= 57) {
      remainder = (remainder * 10 + (c - 48)) % 97;
    } else {
      remainder = (remainder * 100 + (c - 55)) % 97;
    }
  }
  return remainder === 1;
}

/** The expected length for the IBAN's country: a number, 0 when the country has no IBAN, undefined if unknown. */
export function ibanLength(country: string): number | undefined {
  return IBAN_LENGTHS[country];
}

export const ibanDetector: PatternDetector = {
  kind: 'pattern',
  name: 'iban',
  category: 'IBAN',
  // capitals with an optional space after the country (KZ 96 9652 …), or a Kazakh IBAN in any case (kz50…, Kz53…) whole,
  // in groups of four (spaces, dashes, dots, a line break where a PDF column wrapped) or one character a cell
  pattern:
    '(?:[A-Z](?<![\\p{L}\\p{N}][A-Z])[A-Z] ?\\d{2}(?:[ \\-]?[A-Z0-9]){11,30}|[kK](?<![\\p{L}\\p{N}][kK])[zZ] ?\\d{2}(?:[ \\-.]?\\n?[A-Za-z0-9]{4}){4}|[kK](?<![\\p{L}\\p{N}][kK]) [zZ](?: [A-Za-z0-9]){18})',
  context: new ContextWords('iban', ['IBAN', 'ИИК', 'ЖСК', 'счет', 'счёт', 'шот', 'реквизит', 'account', 'банк']),
  contextScore: 0.99,
  evaluate(match: string): (Verdict & { length?: number }) | null {
    // positions in `match` just after each alphanumeric character, to cut the match back to a valid length
    const ends: number[] = [];
    let compact = '';
    for (let i = 0; i < match.length; i++) {
      const ch = match[i] as string;
      if (ch !== ' ' && ch !== '-' && ch !== '.' && ch !== '\n' && ch !== '\r') {
        compact += ch.toUpperCase();
        ends.push(i + 1);
      }
    }
    const expected = ibanLength(compact.slice(0, 2));
    if (expected === 0) return null;
    const lengths = expected !== undefined ? [expected] : range(Math.min(34, compact.length), 15);
    for (const len of lengths) {
      if (len > compact.length) continue;
      const end = ends[len - 1] as number;
      // a cut must fall between groups or at the end, not in the middle of a longer code
      if (end < match.length && match[end] !== ' ' && match[end] !== '-' && expected === undefined) continue;
      if (ibanMod97Valid(compact.slice(0, len))) {
        return {
          validator: 'iban-mod97:pass' + (expected !== undefined ? ',length:pass' : ''),
          baseScore: compact.startsWith('KZ') || expected !== undefined ? 0.95 : 0.85,
          validated: true,
          length: end,
        };
      }
    }
    return null;
  },
};

function range(from: number, downTo: number): number[] {
  const out: number[] = [];
  for (let n = from; n >= downTo; n--) out.push(n);
  return out;
}
