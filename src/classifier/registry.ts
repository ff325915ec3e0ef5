import type { Category } from './types.ts';
import type { DigitDetector, PatternDetector } from './detectors/detector.ts';
import { CommonRegex } from './common-text.ts';
import { binDetector } from './detectors/bin.detector.ts';
import { cardDetector } from './detectors/card.detector.ts';
import { emailDetector } from './detectors/email.detector.ts';
import { icdDetector } from './detectors/health.detector.ts';
import { ibanDetector } from './detectors/iban.detector.ts';
import { idCardDetector } from './detectors/id-card.detector.ts';
import { iinDetector } from './detectors/iin.detector.ts';
import { passportDetector } from './detectors/passport.detector.ts';
import { phoneDetector } from './detectors/phone.detector.ts';

/**
 * Assembles the detectors into the passes `classify` runs, compiled once at module load:
 * - the combined pass: one regex alternating every pattern detector (IBAN, passport, ICD-10 code) and the shared
 *   digit-run pattern whose runs the digit detectors (IIN, BIN, card, phone, ID card) judge;
 * - the `@` pass for e-mail, whose pattern can start at any letter, run only when the text has an `@`;
 * - the dictionary pass for health vocabulary (detectors/health.detector.ts).
 */

/** Digit detectors, tried in this order on each span of a digit run; their digit counts do not collide. */
export const DIGIT_DETECTORS: readonly DigitDetector[] = [
  iinDetector,
  binDetector,
  cardDetector,
  phoneDetector,
  idCardDetector,
];

/** Pattern detectors of the combined pass, in alternation order (earlier wins at the same position). */
export const PATTERN_DETECTORS: readonly PatternDetector[] = [ibanDetector, passportDetector, icdDetector];

export const EMAIL_DETECTOR: PatternDetector = emailDetector;

/**
 * A run of digits with the separators people write inside numbers: one or two spaces, dashes, brackets (with a
 * space either side) and tight dots; optionally a leading `+` or `(`. Runs are maximal, so a run never starts
 * or ends inside a longer digit sequence, and letters may touch it ("ИИН:900101300123", "ИИН900101300123").
 */
export const DIGIT_RUN = '(?:\\+ {0,2})?\\(?\\d+(?:(?: {0,2}[\\-()]{1,2} ?| {1,2}|[.,/])\\d+)*';

/** Group k+1 of the combined regex is PATTERN_DETECTORS[k]; the last group is the digit run. */
export const COMBINED = new CommonRegex(
  [...PATTERN_DETECTORS.map((d) => `(${d.pattern})`), `(${DIGIT_RUN})`].join('|'),
  'gu',
);
export const DIGIT_RUN_GROUP = PATTERN_DETECTORS.length + 1;

export const EMAIL = new CommonRegex(emailDetector.pattern, 'gu');

export const ALL_DETECTORS: readonly { name: string; category: Category }[] = [
  ...DIGIT_DETECTORS,
  ...PATTERN_DETECTORS,
  emailDetector,
  { name: 'health-vocabulary', category: 'HEALTH' },
];
