import { createHmac } from 'node:crypto';
import { IV_BYTES, openBytes, sealBytes, TAG_BYTES } from '../crypto/aead.ts';
import type { Category, Finding } from './types.ts';
import { normalize } from './normalize.ts';

export type RedactionOperator =
  | { kind: 'tag' }
  | { kind: 'mask'; keepLast?: number }
  | { kind: 'hash'; key: Buffer }
  | { kind: 'encrypt'; key: Buffer };

const NUMERIC: ReadonlySet<Category> = new Set(['IIN', 'BIN', 'PHONE', 'CARD', 'PASSPORT', 'ID_CARD']);

/**
 * Replaces each finding's span with the operator's token. Findings may come in any order; overlapping ones
 * (which `classify` never returns) are merged into the first.
 */
export function redact(
  text: string,
  findings: readonly Finding[],
  operator: RedactionOperator | ((f: Finding) => RedactionOperator),
): string {
  if (findings.length === 0) return text;
  const sorted = [...findings].sort((a, b) => a.start - b.start || b.end - a.end);
  const parts: string[] = [];
  let at = 0;
  for (const f of sorted) {
    if (f.start < at || f.end <= f.start) continue;
    const op = typeof operator === 'function' ? operator(f) : operator;
    parts.push(text.slice(at, f.start), token(f.category, text.slice(f.start, f.end), op));
    at = f.end;
  }
  parts.push(text.slice(at));
  return parts.join('');
}

function token(category: Category, value: string, op: RedactionOperator): string {
  switch (op.kind) {
    case 'tag':
      return `[${category}]`;
    case 'mask':
      return mask(value, NUMERIC.has(category) ? (op.keepLast ?? 4) : 0);
    case 'hash':
      return `[${category}:${hashValue(category, value, op.key)}]`;
    case 'encrypt':
      return `[${category}:enc:${encrypt(value, op.key)}]`;
  }
}

/** Masks letters and digits with `*`, keeping separators and the last `keepLast` digits. */
function mask(value: string, keepLast: number): string {
  let digitsLeft = keepLast;
  const chars = Array.from(value);
  for (let i = chars.length - 1; i >= 0; i--) {
    const ch = chars[i] as string;
    if (/\p{N}/u.test(ch) && digitsLeft > 0) {
      digitsLeft--;
    } else if (/[\p{L}\p{N}]/u.test(ch)) {
      chars[i] = '*';
    }
  }
  return chars.join('');
}

/**
 * The value a keyed hash is taken over: the same identifier written differently (spaces, full-width digits,
 * zero-width characters, upper/lower case) maps to the same token.
 */
export function canonicalValue(category: Category, value: string): string {
  const folded = normalize(value).text;
  if (NUMERIC.has(category) && category !== 'PASSPORT') return folded.replace(/\D/g, '');
  if (category === 'IBAN' || category === 'PASSPORT')
    return folded.replace(/[\s-]/g, '').toUpperCase().replace(/^Н/, 'N');
  return folded.normalize('NFKC').toLowerCase().replace(/ё/g, 'е').replace(/\s+/g, ' ');
}

function hashValue(category: Category, value: string, key: Buffer): string {
  return createHmac('sha256', key)
    .update(`${category}\u0000${canonicalValue(category, value)}`)
    .digest('base64url')
    .slice(0, 22);
}

function checkKey(key: Buffer): void {
  if (!Buffer.isBuffer(key) || key.length !== 32) throw new RangeError('the encryption key must be 32 bytes (AES-256)');
}

function encrypt(value: string, key: Buffer): string {
  checkKey(key);
  return sealBytes(key, Buffer.from(value, 'utf8'), null).toString('base64url');
}

const TOKEN = /^\[([A-Z_]+):enc:([A-Za-z0-9_-]+)\]$/;

/** Reverses the encrypt operator: takes the whole token (`[IIN:enc:…]`) or its payload; throws on a wrong key. */
export function decryptToken(tokenText: string, key: Buffer): string {
  checkKey(key);
  const payload = TOKEN.exec(tokenText)?.[2] ?? tokenText;
  const raw = Buffer.from(payload, 'base64url');
  if (raw.length < IV_BYTES + TAG_BYTES) throw new Error('not an encrypted redaction token');
  return openBytes(key, raw, null).toString('utf8');
}
