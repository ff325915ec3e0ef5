import type pg from 'pg';
import { JobFailedError } from '../core/errors.ts';
import { decryptOriginal, encryptOriginal, OriginalFormat, type Keyring, type OriginalBinding } from '../core/keys.ts';
import { originalFromSeal, type OriginalMessage } from '../core/original.ts';
import { inTransaction } from '../store/database.ts';
import { reencryptSealedFiles } from '../store/redactions.ts';

type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/** A review item's encrypted original with what it must be bound to: the item's agency and its message's key. */
export interface SealedOriginal {
  id: string;
  keyId: string | null;
  original: Buffer | null;
  /** OriginalFormat: bound (associated data) or unbound (sealed before binding, until keys reencrypt) */
  format: number;
  binding: OriginalBinding;
}

/** The columns sealedOriginalFrom reads, from `review_items r` joined with its message `m`. */
export const SEALED_ORIGINAL_COLUMNS = `r.id::text AS sealed_id, r.key_id AS sealed_key_id, r.original AS sealed_original, r.original_format AS sealed_format,
  r.agency_id::text AS bound_agency_id, m.platform AS bound_platform, m.source_chat_id AS bound_chat_id, m.source_message_id AS bound_message_id`;

export interface SealedOriginalRow {
  sealed_id: string;
  sealed_key_id: string | null;
  sealed_original: Buffer | null;
  sealed_format: number;
  bound_agency_id: string;
  bound_platform: string;
  bound_chat_id: string;
  bound_message_id: string;
}

export function sealedOriginalFrom(row: SealedOriginalRow): SealedOriginal {
  return {
    id: row.sealed_id,
    keyId: row.sealed_key_id,
    original: row.sealed_original,
    format: Number(row.sealed_format),
    binding: {
      agencyId: row.bound_agency_id,
      platform: row.bound_platform,
      sourceChatId: row.bound_chat_id,
      sourceMessageId: row.bound_message_id,
    },
  };
}

/** An item's sealed original as the store has it now (its agency and message as they are, not as they were). */
export async function readSealedOriginal(db: Queryable, itemId: string): Promise<SealedOriginal> {
  const rows = await db.query<SealedOriginalRow>(
    `SELECT ${SEALED_ORIGINAL_COLUMNS} FROM review_items r JOIN messages m ON m.id = r.message_id WHERE r.id = $1`,
    [itemId],
  );
  if (!rows.rows[0]) throw new JobFailedError(`review item ${itemId} has no encrypted original`);
  return sealedOriginalFrom(rows.rows[0]);
}

/** The sealed original of a message's review item, opened; null when the message has none. */
export async function openMessageOriginal(
  db: Queryable,
  keyring: Keyring,
  messageId: string,
): Promise<OriginalMessage | null> {
  const rows = await db.query<SealedOriginalRow>(
    `SELECT ${SEALED_ORIGINAL_COLUMNS} FROM review_items r JOIN messages m ON m.id = r.message_id
      WHERE r.message_id = $1 AND r.original IS NOT NULL`,
    [messageId],
  );
  return rows.rows[0] ? openOriginalMessage(keyring, sealedOriginalFrom(rows.rows[0])) : null;
}

/**
 * Decrypts an item's original; a missing key, or a ciphertext that does not authenticate for this item (made for
 * another item, under another key with the same id, or altered), says which key and item and shows nothing of it.
 */
export function openOriginal(keyring: Keyring, item: SealedOriginal): string {
  if (!item.original || !item.keyId) throw new JobFailedError(`review item ${item.id} has no encrypted original`);
  const key = keyring.get(item.keyId);
  if (!key) {
    throw new JobFailedError(
      `review item ${item.id}: its original was encrypted with key ${item.keyId}, which is not in the key file ${keyring.file} (keys there: ${keyring.ids().join(', ')})`,
    );
  }
  try {
    return decryptOriginal(key, item.original, item.format === OriginalFormat.unbound ? null : item.binding);
  } catch {
    throw new JobFailedError(
      `review item ${item.id}: its original does not decrypt with key ${item.keyId} for this item's agency and message ` +
        `(a ciphertext copied from another item, a different key under the same id, or altered ciphertext); nothing of it is shown`,
    );
  }
}

/** An item's original as a message: its text and the structured parts that were redacted with it. */
export function openOriginalMessage(keyring: Keyring, item: SealedOriginal): OriginalMessage {
  return originalFromSeal(openOriginal(keyring, item));
}

export interface ReencryptResult {
  /** originals now under the current key and bound to their item */
  reencrypted: number;
  /** of those, originals that were not bound to their item before */
  bound: number;
  /** already under the current key and bound */
  current: number;
  /** items whose original could not be read (their key missing or wrong): left as they were */
  unreadable: { id: string; keyId: string | null; reason: string }[];
}

/**
 * Re-encrypts every original not under the keyring's current key, or not yet bound to its item (sealed before
 * binding), in batches of one transaction each. Binding takes the item's agency and message as the store has them
 * when this runs. Items that cannot be decrypted are left untouched and reported. Safe to run again (after a
 * crash, or after workers that still held the previous key wrote new items).
 */
export async function reencryptOriginals(
  pool: pg.Pool,
  keyring: Keyring,
  options: { batchSize?: number; dataDir?: string } = {},
): Promise<ReencryptResult> {
  const batchSize = options.batchSize ?? 500;
  const result: ReencryptResult = { reencrypted: 0, bound: 0, current: 0, unreadable: [] };
  result.current = (
    await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM review_items WHERE key_id = $1 AND original IS NOT NULL AND original_format = $2`,
      [keyring.currentId, OriginalFormat.bound],
    )
  ).rows[0]!.n;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const done = await inTransaction(pool, async (client) => {
      const rows = await client.query<SealedOriginalRow>(
        `SELECT ${SEALED_ORIGINAL_COLUMNS} FROM review_items r JOIN messages m ON m.id = r.message_id
          WHERE r.id > $1 AND r.original IS NOT NULL AND (r.key_id IS DISTINCT FROM $2 OR r.original_format <> $3)
          ORDER BY r.id LIMIT ${batchSize} FOR UPDATE OF r`,
        [after, keyring.currentId, OriginalFormat.bound],
      );
      if (rows.rows.length === 0) return true;
      const { ids, sealed } = reencryptRows(rows.rows, keyring, result, (row) => sealedOriginalFrom(row).id);
      if (ids.length > 0) {
        await client.query(
          `UPDATE review_items r SET original = t.original, key_id = $3, original_format = $4 FROM unnest($1::uuid[], $2::bytea[]) AS t(id, original) WHERE r.id = t.id`,
          [ids, sealed, keyring.currentId, OriginalFormat.bound],
        );
      }
      result.reencrypted += ids.length;
      after = rows.rows.at(-1)!.sealed_id;
      return false;
    });
    if (done) break;
  }
  await reencryptVersionOriginals(pool, keyring, batchSize, result);
  // redacted attachments' originals live in files beside the store: re-encrypted where the caller names the folder
  if (options.dataDir) await reencryptSealedFiles(pool, options.dataDir, keyring, result);
  return result;
}

/**
 * Each row's original re-encrypted under the current key and bound to its message, with the id `idOf` gives it;
 * a row that does not open is added to `result.unreadable` and left as it is.
 */
function reencryptRows<R extends SealedOriginalRow>(
  rows: readonly R[],
  keyring: Keyring,
  result: ReencryptResult,
  idOf: (row: R) => string,
): { ids: string[]; sealed: Buffer[] } {
  const ids: string[] = [];
  const sealed: Buffer[] = [];
  for (const row of rows) {
    const original = sealedOriginalFrom(row);
    try {
      sealed.push(encryptOriginal(keyring.current, openOriginal(keyring, original), original.binding));
      ids.push(idOf(row));
      if (original.format !== OriginalFormat.bound) result.bound++;
    } catch (error) {
      result.unreadable.push({ id: original.id, keyId: original.keyId, reason: (error as Error).message });
    }
  }
  return { ids, sealed };
}

/** The columns sealedOriginalFrom reads, for a kept version `v` (message_versions) of its message `m`. */
export const VERSION_SEALED_COLUMNS = `'version ' || v.id::text AS sealed_id, v.key_id AS sealed_key_id, v.original AS sealed_original, v.original_format AS sealed_format,
  m.agency_id::text AS bound_agency_id, m.platform AS bound_platform, m.source_chat_id AS bound_chat_id, m.source_message_id AS bound_message_id`;

/**
 * The encrypted originals of kept message versions (src/store/edits.ts) get what the items' get: re-encrypted under
 * the current key and bound to their message, so that no key still needed is ever deleted. Adds to `result`.
 */
async function reencryptVersionOriginals(
  pool: pg.Pool,
  keyring: Keyring,
  batchSize: number,
  result: ReencryptResult,
): Promise<void> {
  result.current += (
    await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM message_versions WHERE key_id = $1 AND original IS NOT NULL AND original_format = $2`,
      [keyring.currentId, OriginalFormat.bound],
    )
  ).rows[0]!.n;
  let after = 0n;
  for (;;) {
    const done = await inTransaction(pool, async (client) => {
      const rows = await client.query<SealedOriginalRow & { version_id: string }>(
        `SELECT v.id::text AS version_id, ${VERSION_SEALED_COLUMNS} FROM message_versions v JOIN messages m ON m.id = v.message_id
          WHERE v.id > $1 AND v.original IS NOT NULL AND (v.key_id IS DISTINCT FROM $2 OR v.original_format IS DISTINCT FROM $3)
          ORDER BY v.id LIMIT ${batchSize} FOR UPDATE OF v`,
        [after.toString(), keyring.currentId, OriginalFormat.bound],
      );
      if (rows.rows.length === 0) return true;
      const { ids, sealed } = reencryptRows(rows.rows, keyring, result, (row) => row.version_id);
      if (ids.length > 0) {
        await client.query(
          `UPDATE message_versions v SET original = t.original, key_id = $3, original_format = $4 FROM unnest($1::bigint[], $2::bytea[]) AS t(id, original) WHERE v.id = t.id`,
          [ids, sealed, keyring.currentId, OriginalFormat.bound],
        );
      }
      result.reencrypted += ids.length;
      after = BigInt(rows.rows.at(-1)!.version_id);
      return false;
    });
    if (done) break;
  }
}

/** How many originals, of review items and of kept message versions, each key id encrypts. */
export async function originalsByKey(db: Queryable): Promise<Map<string, number>> {
  const used = await db.query<{ key_id: string | null; n: number }>(
    `SELECT key_id, count(*)::int AS n FROM (SELECT key_id FROM review_items WHERE original IS NOT NULL
                                             UNION ALL SELECT key_id FROM message_versions WHERE original IS NOT NULL
                                             UNION ALL SELECT key_id FROM attachment_redactions) o GROUP BY 1`,
  );
  return new Map(used.rows.map((r) => [r.key_id ?? '(none)', r.n]));
}

export interface CheckResult {
  total: number;
  readable: number;
  /** readable originals not yet bound to their item (sealed before binding): `keys reencrypt` binds them */
  unbound: number;
  unreadable: { id: string; keyId: string | null; reason: string }[];
  byKey: Record<string, number>;
}

/** Tries to decrypt every original (of review items and kept message versions) with the key file's keys (nothing is printed or kept of the plaintext). */
export async function checkOriginals(pool: pg.Pool, keyring: Keyring): Promise<CheckResult> {
  const result: CheckResult = { total: 0, readable: 0, unbound: 0, unreadable: [], byKey: {} };
  const check = (item: SealedOriginal) => {
    result.total++;
    const key = item.keyId ?? '(none)';
    result.byKey[key] = (result.byKey[key] ?? 0) + 1;
    try {
      openOriginal(keyring, item);
      result.readable++;
      if (item.format !== OriginalFormat.bound) result.unbound++;
    } catch (error) {
      result.unreadable.push({ id: item.id, keyId: item.keyId, reason: (error as Error).message });
    }
  };
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = await pool.query<SealedOriginalRow>(
      `SELECT ${SEALED_ORIGINAL_COLUMNS} FROM review_items r JOIN messages m ON m.id = r.message_id
        WHERE r.id > $1 AND r.original IS NOT NULL ORDER BY r.id LIMIT 1000`,
      [after],
    );
    if (rows.rows.length === 0) break;
    for (const row of rows.rows) check(sealedOriginalFrom(row));
    after = rows.rows.at(-1)!.sealed_id;
  }
  let afterVersion = '0';
  for (;;) {
    const rows = await pool.query<SealedOriginalRow & { version_id: string }>(
      `SELECT v.id::text AS version_id, ${VERSION_SEALED_COLUMNS} FROM message_versions v JOIN messages m ON m.id = v.message_id
        WHERE v.id > $1 AND v.original IS NOT NULL ORDER BY v.id LIMIT 1000`,
      [afterVersion],
    );
    if (rows.rows.length === 0) break;
    for (const row of rows.rows) check(sealedOriginalFrom(row));
    afterVersion = rows.rows.at(-1)!.version_id;
  }
  return result;
}
