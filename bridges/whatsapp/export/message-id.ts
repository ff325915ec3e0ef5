import { hash } from 'node:crypto';

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
  return identityDigest(identity).toString('hex', 0, 16);
}

function identityDigest(identity: MessageIdentity): Buffer {
  // the one-shot hash: no Hash object for each of millions of lines
  return hash('sha256', JSON.stringify([identity.chatId, identity.sentAt, identity.sender, identity.text]), 'buffer');
}

export function formatMessageId(hash: string, occurrence: number): string {
  return `${hash}:${occurrence}`;
}

/**
 * Numbers identical (time, sender, text) entries in file order: two "Ок" from one person in one minute are
 * two messages, and stay the first and second of their kind in any longer export of the same chat.
 * Keeps one counter per distinct identity seen, since exports are not strictly in time order (a phone clock change
 * can repeat a minute): the 128 bits of its id in an open-addressing table of typed arrays, ≈ 40 bytes an identity
 * (a Map of hex strings held ≈ 140, and a chat of millions of lines is millions of identities).
 */
export class MessageIdAssigner {
  /** four 32-bit words of each identity's hash, slot by slot */
  private keys = new Uint32Array(4 * 1024);
  /** how many times the slot's identity was seen; 0: the slot is free */
  private counts = new Uint32Array(1024);
  private size = 0;

  next(identity: MessageIdentity): string {
    const digest = identityDigest(identity);
    const occurrence = this.count(
      digest.readUInt32LE(0),
      digest.readUInt32LE(4),
      digest.readUInt32LE(8),
      digest.readUInt32LE(12),
    );
    return formatMessageId(digest.toString('hex', 0, 16), occurrence);
  }

  /** The times the identity (a, b, c, d) was seen before, counting this one in. */
  private count(a: number, b: number, c: number, d: number): number {
    const mask = this.counts.length - 1;
    // the words are a cryptographic hash's: any of them spreads the slots evenly
    for (let slot = a & mask; ; slot = (slot + 1) & mask) {
      const seen = this.counts[slot] as number;
      if (seen === 0) {
        this.keys.set([a, b, c, d], 4 * slot);
        this.counts[slot] = 1;
        if (++this.size * 2 > this.counts.length) this.grow();
        return 0;
      }
      const k = 4 * slot;
      if (this.keys[k] === a && this.keys[k + 1] === b && this.keys[k + 2] === c && this.keys[k + 3] === d) {
        this.counts[slot] = seen + 1;
        return seen;
      }
    }
  }

  private grow(): void {
    const { keys, counts } = this;
    this.keys = new Uint32Array(keys.length * 2);
    this.counts = new Uint32Array(counts.length * 2);
    const mask = this.counts.length - 1;
    for (let old = 0; old < counts.length; old++) {
      const seen = counts[old] as number;
      if (seen === 0) continue;
      let slot = (keys[4 * old] as number) & mask;
      while (this.counts[slot] !== 0) slot = (slot + 1) & mask;
      this.keys.set(keys.subarray(4 * old, 4 * old + 4), 4 * slot);
      this.counts[slot] = seen;
    }
  }
}
