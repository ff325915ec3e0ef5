import type { CanonicalMessage } from './message.ts';

/**
 * What a quarantined message's encrypted original holds: its text and, when policy redacted them too, the
 * structured parts as received (a shared contact card's phone, a poll's question, a service event's participants),
 * so that approving the message delivers all of it again.
 */
export interface OriginalMessage {
  text: string;
  extra?: CanonicalMessage['extra'];
  service?: CanonicalMessage['service'];
}

// A text alone is sealed as it is. With structured parts it is JSON behind a marker no stored text can begin
// with (PostgreSQL text cannot hold NUL), so a message whose text merely looks like that JSON stays a text.
const WITH_PARTS = '\u0000original+parts\u0000';

export function originalToSeal(original: OriginalMessage): string {
  return original.extra === undefined && original.service === undefined
    ? original.text
    : `${WITH_PARTS}${JSON.stringify(original)}`;
}

export function originalFromSeal(plaintext: string): OriginalMessage {
  return plaintext.startsWith(WITH_PARTS)
    ? (JSON.parse(plaintext.slice(WITH_PARTS.length)) as OriginalMessage)
    : { text: plaintext };
}
