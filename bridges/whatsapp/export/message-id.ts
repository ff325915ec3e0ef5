import { createHash } from 'node:crypto';

/**
 * WhatsApp exports carry no message ids, so one is derived from what the message is, not where it sits in
 * the file: a later, longer re-export of the same chat then yields the same ids for the messages already
 * imported, and the store's unique key makes their second delivery a no-op. Pure.
 */

export interface MessageIdentity {
  chatId: string;
  /** the UTC ISO time */
  sentAt: string;
  /** the sender's id, or '' for a system line */
  sender: string;
  /** the body as written in the export (placeholders and file names included) */
  text: string;
}

/** 32 hex digits of sha256 over the identity; JSON encoding keeps field boundaries unambiguous. */
export function identityHash(identity: MessageIdentity): string {
  return createHash('sha256')
    .update(JSON.stringify([identity.chatId, identity.sentAt, identity.sender, identity.text]))
    .digest('hex')
    .slice(0, 32);
}

export function formatMessageId(hash: string, occurrence: number): string {
  return `${hash}:${occurrence}`;
}

/**
 * Numbers identical (time, sender, text) entries in file order: two "Ок" from one person in one minute are
 * two messages, and stay the first and second of their kind in any longer export of the same chat.
 * Keeps one counter per distinct identity seen (a hash and a number), since exports are not strictly in
 * time order (a phone clock change can repeat a minute).
 */
export class MessageIdAssigner {
  private readonly seen = new Map<string, number>();

  next(identity: MessageIdentity): string {
    const hash = identityHash(identity);
    const occurrence = this.seen.get(hash) ?? 0;
    this.seen.set(hash, occurrence + 1);
    return formatMessageId(hash, occurrence);
  }
}
