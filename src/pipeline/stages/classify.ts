import { classify, type Finding } from '../../classifier/index.ts';
import type { CanonicalMessage } from '../../core/message.ts';

export interface Classified {
  message: CanonicalMessage;
  findings: Finding[];
}

/** Classifies each message's text; spans are offsets into `message.text`. */
export function classifyMessages(messages: readonly CanonicalMessage[]): Classified[] {
  return messages.map((message) => ({ message, findings: message.text ? classify(message.text) : [] }));
}

