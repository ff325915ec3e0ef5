import { CATEGORIES, classifyFor, type CustomClassifier, type Finding } from '../../classifier/index.ts';
import type { CanonicalMessage, ServiceEvent } from '../../core/message.ts';

export interface Classified {
  message: CanonicalMessage;
  findings: Finding[];
}

/**
 * Classifies each message's text, with the agency's `classifier:` section of its policy when it has one; spans are
 * offsets into `message.text`.
 */
export function classifyMessages(messages: readonly CanonicalMessage[], custom?: CustomClassifier): Classified[] {
  return messages.map((message) => ({
    message,
    findings: message.text ? classifyFor(message.text, custom, optionsFor(message)) : [],
  }));
}

/**
 * Service events whose text the platform writes from people's names and numbers ("Madina added Arman and +7 702…"):
 * identifiers are looked for, health is not (the health model read such lines as health on their names). A group's
 * title, a pinned message and unknown events are classified in full.
 */
const NAMES_ONLY: ReadonlySet<ServiceEvent['type']> = new Set([
  'joined',
  'added',
  'left',
  'removed',
  'photo_changed',
  'number_changed',
  'deleted',
  'encryption_notice',
  'call',
  'migrated',
  'history_cleared',
]);
const IDENTIFIERS = CATEGORIES.filter((c) => c !== 'HEALTH');

function optionsFor(message: CanonicalMessage): { categories?: typeof IDENTIFIERS } {
  return message.kind === 'service' && message.service !== null && NAMES_ONLY.has(message.service.type)
    ? { categories: IDENTIFIERS }
    : {};
}
