/**
 * The personal-data classifier: detectors for Kazakhstan identifiers, contacts, payment data and health data,
 * and the redaction operators. A library with no service dependency (no Redis, no PostgreSQL).
 */
export { CATEGORIES, DEFAULT_MIN_CONFIDENCE } from './types.ts';
export type { Category, ClassifyOptions, Explanation, Finding } from './types.ts';
export { classify } from './classify.ts';
export { HEALTH_MODEL_DETECTOR } from './detectors/health.detector.ts';
export { redact, decryptToken, canonicalValue } from './redact.ts';
export type { RedactionOperator } from './redact.ts';
export { normalize } from './normalize.ts';
export { wordOf } from './words.ts';
export {
  CustomClassifier,
  classifyFor,
  classifyWithEffect,
  phraseProblem,
  patternProblem,
  CUSTOM_LIMITS,
  CUSTOM_SECTIONS,
  AGENCY_TERM_DETECTOR,
  AGENCY_PATTERN_DETECTOR,
} from './custom.ts';
export type { CustomClassifierSpec, CustomEffect, CustomSection, Dropped } from './custom.ts';
