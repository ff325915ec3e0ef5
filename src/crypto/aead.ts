import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM with associated data, in the one layout the gateway keeps sealed bytes in: iv (12 bytes) ‖ tag (16) ‖
 * ciphertext. GCM is a stream mode: `final()` adds nothing, so the ciphertext is `update()`'s output, not a copy.
 */
export const IV_BYTES = 12;
export const TAG_BYTES = 16;

/**
 * Random 96-bit IVs, drawn from the system's generator a few hundred at a time: one call per IV cost more than
 * the encryption itself for a batch's short texts. Each IV is still random and used once.
 */
let ivPool = Buffer.alloc(0);
let ivAt = 0;
function nextIv(): Buffer {
  if (ivAt + IV_BYTES > ivPool.length) {
    ivPool = randomBytes(IV_BYTES * 256);
    ivAt = 0;
  }
  const iv = ivPool.subarray(ivAt, ivAt + IV_BYTES);
  ivAt += IV_BYTES;
  return iv;
}

export interface SealedParts {
  iv: Buffer;
  tag: Buffer;
  body: Buffer;
}

/** `plaintext` sealed under `key`, bound to `aad`, with a random IV of its own. */
export function sealParts(key: Buffer, plaintext: Buffer, aad: Buffer | null): SealedParts {
  const iv = nextIv();
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  if (aad) cipher.setAAD(aad);
  const body = cipher.update(plaintext);
  cipher.final();
  return { iv, tag: cipher.getAuthTag(), body };
}

/** The same, as one buffer: iv ‖ tag ‖ ciphertext. */
export function sealBytes(key: Buffer, plaintext: Buffer, aad: Buffer | null): Buffer {
  const { iv, tag, body } = sealParts(key, plaintext, aad);
  return Buffer.concat([iv, tag, body]);
}

/** The plaintext; throws when the parts were altered, sealed under another key, or bound to other `aad`. */
export function openParts(key: Buffer, { iv, tag, body }: SealedParts, aad: Buffer | null): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  if (aad) decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  const plaintext = decipher.update(body);
  // final() checks the tag: nothing of the plaintext is returned before it passed
  decipher.final();
  return plaintext;
}

/** Bytes in the layout above, split into their parts (views, not copies). */
export function partsOf(sealed: Buffer): SealedParts {
  return {
    iv: sealed.subarray(0, IV_BYTES),
    tag: sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES),
    body: sealed.subarray(IV_BYTES + TAG_BYTES),
  };
}

/** `openParts` for bytes in the layout above. */
export function openBytes(key: Buffer, sealed: Buffer, aad: Buffer | null): Buffer {
  return openParts(key, partsOf(sealed), aad);
}
