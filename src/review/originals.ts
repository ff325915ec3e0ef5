import type pg from 'pg';
import { JobFailedError } from '../core/errors.ts';
import { decryptOriginal, encryptOriginal, type Keyring } from '../core/keys.ts';
import { originalFromSeal, type OriginalMessage } from '../core/original.ts';
import { inTransaction } from '../store/database.ts';

/** Decrypts an item's original; a missing key or a ciphertext that does not authenticate says which key and item. */
export function openOriginal(keyring: Keyring, item: { id: string; keyId: string | null; original: Buffer | null }): string {
  if (!item.original || !item.keyId) throw new JobFailedError(`review item ${item.id} has no encrypted original`);
  const key = keyring.get(item.keyId);
  if (!key) {
    throw new JobFailedError(`review item ${item.id}: its original was encrypted with key ${item.keyId}, which is not in the key file ${keyring.file} (keys there: ${keyring.ids().join(', ')})`);
  }
  try {
    return decryptOriginal(key, item.original);
  } catch {
    throw new JobFailedError(`review item ${item.id}: its original does not decrypt with key ${item.keyId} (a different key under the same id, or altered ciphertext)`);
  }
}

/** An item's original as a message: its text and the structured parts that were redacted with it. */
export function openOriginalMessage(keyring: Keyring, item: { id: string; keyId: string | null; original: Buffer | null }): OriginalMessage {
  return originalFromSeal(openOriginal(keyring, item));
}

export interface ReencryptResult {
  /** originals now under the current key */
  reencrypted: number;
  /** already under the current key */
  current: number;
  /** items whose original could not be read (their key missing or wrong): left as they were */
  unreadable: { id: string; keyId: string | null; reason: string }[];
}

/**
 * Re-encrypts every original not under the keyring's current key, in batches of one transaction each. Items
 * that cannot be decrypted are left untouched and reported. Safe to run again (after a crash, or after workers
 * that still held the previous key wrote new items).
 */
export async function reencryptOriginals(pool: pg.Pool, keyring: Keyring, options: { batchSize?: number } = {}): Promise<ReencryptResult> {
  const batchSize = options.batchSize ?? 500;
  const result: ReencryptResult = { reencrypted: 0, current: 0, unreadable: [] };
  result.current = (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM review_items WHERE key_id = $1`, [keyring.currentId])).rows[0]!.n;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const done = await inTransaction(pool, async (client) => {
      const rows = await client.query<{ id: string; key_id: string | null; original: Buffer | null }>(
        `SELECT id, key_id, original FROM review_items
          WHERE id > $1 AND original IS NOT NULL AND key_id IS DISTINCT FROM $2
          ORDER BY id LIMIT ${batchSize} FOR UPDATE`,
        [after, keyring.currentId],
      );
      if (rows.rows.length === 0) return true;
      const ids: string[] = [];
      const sealed: Buffer[] = [];
      for (const row of rows.rows) {
        try {
          const text = openOriginal(keyring, { id: row.id, keyId: row.key_id, original: row.original });
          ids.push(row.id);
          sealed.push(encryptOriginal(keyring.current, text));
        } catch (error) {
          result.unreadable.push({ id: row.id, keyId: row.key_id, reason: (error as Error).message });
        }
      }
      if (ids.length > 0) {
        await client.query(
          `UPDATE review_items r SET original = t.original, key_id = $3 FROM unnest($1::uuid[], $2::bytea[]) AS t(id, original) WHERE r.id = t.id`,
          [ids, sealed, keyring.currentId],
        );
      }
      result.reencrypted += ids.length;
      after = rows.rows.at(-1)!.id;
      return false;
    });
    if (done) break;
  }
  return result;
}

export interface CheckResult {
  total: number;
  readable: number;
  unreadable: { id: string; keyId: string | null; reason: string }[];
  byKey: Record<string, number>;
}

/** Tries to decrypt every original with the key file's keys (nothing is printed or kept of the plaintext). */
export async function checkOriginals(pool: pg.Pool, keyring: Keyring): Promise<CheckResult> {
  const result: CheckResult = { total: 0, readable: 0, unreadable: [], byKey: {} };
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = await pool.query<{ id: string; key_id: string | null; original: Buffer | null }>(
      `SELECT id, key_id, original FROM review_items WHERE id > $1 AND original IS NOT NULL ORDER BY id LIMIT 1000`,
      [after],
    );
    if (rows.rows.length === 0) break;
    for (const row of rows.rows) {
      result.total++;
      const key = row.key_id ?? '(none)';
      result.byKey[key] = (result.byKey[key] ?? 0) + 1;
      try {
        openOriginal(keyring, { id: row.id, keyId: row.key_id, original: row.original });
        result.readable++;
      } catch (error) {
        result.unreadable.push({ id: row.id, keyId: row.key_id, reason: (error as Error).message });
      }
    }
    after = rows.rows.at(-1)!.id;
  }
  return result;
}
