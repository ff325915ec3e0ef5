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

/** category → number of messages with at least one finding of it. */
export function countFlagged(classified: readonly Classified[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { findings } of classified) {
    for (const category of new Set(findings.map((f) => f.category))) counts[category] = (counts[category] ?? 0) + 1;
  }
  return counts;
}
