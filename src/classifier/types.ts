/** The personal-data categories; the `scan` output and the policy use these exact names. */
export type Category = 'IIN' | 'BIN' | 'PHONE' | 'EMAIL' | 'CARD' | 'IBAN' | 'PASSPORT' | 'ID_CARD' | 'HEALTH';

export const CATEGORIES: readonly Category[] = Object.freeze([
  'IIN',
  'BIN',
  'PHONE',
  'EMAIL',
  'CARD',
  'IBAN',
  'PASSPORT',
  'ID_CARD',
  'HEALTH',
] as const);

/**
 * Why a span was flagged, for the officer reading the finding (after Presidio's analysis_explanation). It is
 * stored with the finding, so it names words by their ids and never holds text from the message: a vocabulary
 * term as `health:<lang>:<id>` (health-vocabulary.ts), a context word as `context:<detector>:<word>`.
 */
export interface Explanation {
  /** the score the detector gives the bare match before context */
  baseScore: number;
  /** `<validator>:pass` when a checksum/date/structure check ran, `none` when the detector has no validator */
  validator: string;
  /** the vocabulary term that matched (health vocabulary hits) */
  termId?: string;
  /** the context word, or the other vocabulary term, found near the match that raised the score */
  contextId?: string;
  /** a fixed remark of the detector, or the structured field the match was in (`in extra.contact.phone_number`) */
  note?: string;
}

export interface Finding {
  category: Category;
  /** UTF-16 offsets into the original text, `end` exclusive: `text.slice(start, end)` is the matched text */
  start: number;
  end: number;
  confidence: number;
  detector: string;
  explanation: Explanation;
}

export interface ClassifyOptions {
  /** findings below this confidence are not reported (default 0.5) */
  minConfidence?: number;
  /** only these categories are reported (default: all) */
  categories?: readonly Category[];
}

export const DEFAULT_MIN_CONFIDENCE = 0.5;

/** A finding before overlap resolution, with offsets into the normalized text. */
export interface Candidate {
  category: Category;
  start: number;
  end: number;
  confidence: number;
  detector: string;
  /** a validator (checksum, date, structure) accepted the match: such a finding beats an unvalidated one */
  validated: boolean;
  explanation: Explanation;
}
