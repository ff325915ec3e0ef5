import { ContextWords, type DigitDetector, type DigitShape, type Verdict } from './detector.ts';
import { kzChecksumValid } from './iin.detector.ts';

export type BinCheck = 'ok' | 'length' | 'month' | 'entity-type' | 'attribute' | 'checksum';

/**
 * Validates a BIN: YYMM of registration, 5th digit entity type (4 resident, 5 non-resident, 6 individual
 * entrepreneur), 6th digit attribute (0 head office, 1 branch, 2 representative office, 3 farm), serial, and
 * the IIN check digit. An IIN's 5th digit is a day's first digit (0–3), so the two never collide.
 */
export function checkBin(digits: string): BinCheck {
  if (!/^\d{12}$/.test(digits)) return 'length';
  const month = Number(digits.slice(2, 4));
  if (month < 1 || month > 12) return 'month';
  const entity = digits.charCodeAt(4) - 48;
  if (entity < 4 || entity > 6) return 'entity-type';
  const attribute = digits.charCodeAt(5) - 48;
  if (attribute > 3) return 'attribute';
  return kzChecksumValid(digits) ? 'ok' : 'checksum';
}

export const binDetector: DigitDetector = {
  kind: 'digits',
  name: 'bin',
  category: 'BIN',
  minDigits: 12,
  maxDigits: 12,
  context: new ContextWords('bin', [
    'БИН',
    'БСН',
    'BIN',
    'бизнес-идентификационный',
    'бизнес сәйкестендіру',
    'бизнес-сәйкестендіру',
    'biznes säikestendıru',
    'biznes-säikestendıru',
    'biznes saikestendiru',
    'bizness säikestendıru',
    'biznes-saikestendiru',
    'business identification',
    'business ID',
  ]),
  contextScore: 0.99,
  evaluate(shape: DigitShape): Verdict | null {
    if (shape.plus || shape.digits.length !== 12) return null;
    if (checkBin(shape.digits) !== 'ok') return null;
    return { validator: 'bin-checksum:pass,month:pass,entity-type:pass', baseScore: 0.85, validated: true };
  },
};
