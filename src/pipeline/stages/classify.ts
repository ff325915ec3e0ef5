import { classifyFor, type CustomClassifier, type Finding } from '../../classifier/index.ts';
import type { CanonicalMessage } from '../../core/message.ts';

export interface Classified {
  message: CanonicalMessage;
  findings: Finding[];
}

/**
 * Classifies each message's text, with the agency's `classifier:` section of its policy when it has one; spans are
 * offsets into `message.text`.
 */
export function classifyMessages(messages: readonly CanonicalMessage[], custom?: CustomClassifier): Classified[] {
  return messages.map((message) => ({ message, findings: message.text ? classifyFor(message.text, custom) : [] }));
}
