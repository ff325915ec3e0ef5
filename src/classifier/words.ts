import { CONTEXT_WORDS } from './detectors/detector.ts';
import { HEALTH_TERMS, healthTermId } from './health-vocabulary.ts';
import './registry.ts';

const TERMS = new Map(HEALTH_TERMS.map((term) => [healthTermId(term), term.term]));

/**
 * The vocabulary term or context word behind an id of a finding's explanation. For `scan`, which shows its own
 * user why the text they gave it was flagged; what is stored, and shown to anyone else, keeps the id.
 */
export function wordOf(id: string): string | undefined {
  return TERMS.get(id) ?? CONTEXT_WORDS.get(id);
}
