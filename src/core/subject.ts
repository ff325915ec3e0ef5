/**
 * A data subject's identifiers as the subject index keeps them (issue 24): an HMAC of the identifier's normalised
 * value under an index key from the key file, never the value. The same person's IIN written with spaces, or a phone
 * number written +7 or 8, gives the same digest; without the key a digest cannot be reversed or tested against
 * guesses (an IIN's space is small enough to enumerate: an unkeyed hash would not protect it).
 */
import { createHmac, hkdfSync } from 'node:crypto';
import { openBytes, sealBytes } from '../crypto/aead.ts';
import { canonicalValue } from '../classifier/redact.ts';
import type { Category } from '../classifier/types.ts';
import type { IndexKeys } from './keys.ts';

/** The identifiers a person can be found by (BIN names an organisation; HEALTH is not an identifier). */
export const SUBJECT_CATEGORIES = ['IIN', 'PHONE', 'EMAIL', 'PASSPORT', 'ID_CARD', 'CARD', 'IBAN'] as const;
export type SubjectCategory = (typeof SUBJECT_CATEGORIES)[number];

export function isSubjectCategory(category: string): category is SubjectCategory {
  return (SUBJECT_CATEGORIES as readonly string[]).includes(category);
}

/** The value as indexed: the classifier's canonical form; a Kazakh phone number as 7 and its ten digits. */
export function subjectValue(category: SubjectCategory, value: string): string {
  const canonical = canonicalValue(category as Category, value);
  if (category !== 'PHONE') return canonical;
  if (canonical.length === 11 && canonical.startsWith('8')) return `7${canonical.slice(1)}`;
  if (canonical.length === 10 && canonical.startsWith('7')) return `7${canonical}`;
  return canonical;
}

/** A value too short to be an identifier (an erased span reads `[IIN]`: no digits) is not indexed. */
export function indexable(category: SubjectCategory, value: string): boolean {
  return subjectValue(category, value).length >= 4 && !/\[[A-Z_]+\]/.test(value);
}

export function subjectDigest(key: Buffer, category: SubjectCategory, value: string): Buffer {
  return createHmac('sha256', key)
    .update(`aitu-gateway subject\u0000${category}\u0000${subjectValue(category, value)}`)
    .digest();
}

/**
 * What the index keeps of one finding's value under `key`: its digest and sealed value; null for a category that is
 * not an identifier or a value that is not indexable. Every writer of the index goes through this.
 */
export function indexEntry(key: Buffer, category: string, value: string): { digest: Buffer; sealed: Buffer } | null {
  if (!isSubjectCategory(category) || !indexable(category, value)) return null;
  return { digest: subjectDigest(key, category, value), sealed: sealSubject(key, category, value) };
}

/** The value's digest under every index key (a lookup during re-indexing finds rows under the old key too). */
export function subjectDigests(keys: IndexKeys, category: SubjectCategory, value: string): Buffer[] {
  return [...keys.all.values()].map((key) => subjectDigest(key, category, value));
}

/** A digest as audit entries name a search: its first 16 hex digits (keyed, so it says nothing without the key). */
export function digestLabel(digest: Buffer): string {
  return digest.subarray(0, 8).toString('hex');
}

/** The index key's second use, kept apart from the HMAC by derivation: sealing values for re-keying. */
function sealingKey(key: Buffer): Buffer {
  let derived = sealingKeys.get(key);
  if (!derived) {
    derived = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'aitu-gateway subject seal', 32));
    sealingKeys.set(key, derived);
  }
  return derived;
}
/** derived once per index key a process holds */
const sealingKeys = new WeakMap<Buffer, Buffer>();

/**
 * The value as the index keeps it for re-keying: AES-256-GCM under a key derived from the index key, bound to its
 * category; iv (12) ‖ tag (16) ‖ ciphertext. Without the key file it is as opaque as the digest.
 */
export function sealSubject(key: Buffer, category: SubjectCategory, value: string): Buffer {
  return sealBytes(sealingKey(key), Buffer.from(subjectValue(category, value), 'utf8'), subjectBinding(category));
}

export function openSubject(key: Buffer, category: SubjectCategory, sealed: Buffer): string {
  return openBytes(sealingKey(key), sealed, subjectBinding(category)).toString('utf8');
}

const subjectBinding = (category: SubjectCategory) => Buffer.from(`aitu-gateway subject\u0000${category}`);
