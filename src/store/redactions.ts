/**
 * Redacted attachments (policy `redaction.attachments: boxes`): an agency's copy of a file with black boxes, which
 * its messages deliver, and the original kept encrypted beside the store (<dataDir>/sealed/<agency>/<sha256>, AES-GCM
 * bound to the agency and the file). The original's clear bytes leave the attachment store once no message holds
 * them unredacted. Spans' boxes only: no text read from a file is stored.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { decryptFile, encryptFile, type Keyring } from '../core/keys.ts';
import type { Box } from '../extract/layout.ts';
import { blobPath, recordBlobOwner } from './attachments.ts';

type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

export interface StoredRedaction {
  redactedSha256: string;
  mime: string;
  keyId: string;
  /** the categories its boxes cover ([] for a copy made by an erasure alone) */
  categories: string[];
}

export function sealedPath(dataDir: string, agencyId: string, sha256: string): string {
  if (!/^[0-9a-f-]{36}$/.test(agencyId) || !/^[0-9a-f]{64}$/.test(sha256))
    throw new Error('not an agency and a sha256');
  return path.join(dataDir, 'sealed', agencyId, sha256);
}

/** Encrypts the clear blob under the current key into the agency's sealed store; returns the key's id. */
export async function sealOriginal(dataDir: string, keyring: Keyring, agencyId: string, sha256: string) {
  const sealed = encryptFile(keyring.current, await readFile(blobPath(dataDir, sha256)), { agencyId, sha256 });
  await writeSealed(dataDir, { agencyId, sha256 }, sealed);
  return keyring.currentId;
}

/** Written beside its place and renamed into it, so a crash never leaves half a sealed file. */
export async function writeSealed(dataDir: string, file: { agencyId: string; sha256: string }, sealed: Buffer) {
  const target = sealedPath(dataDir, file.agencyId, file.sha256);
  await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
  const tmp = `${target}.${randomUUID()}.tmp`;
  await writeFile(tmp, sealed, { mode: 0o600 });
  await rename(tmp, target);
}

/** The original's bytes; throws when the key, the agency or the file is not the one it was sealed for. */
export async function openSealedOriginal(
  dataDir: string,
  keyring: Keyring,
  redaction: { agencyId: string; sha256: string; keyId: string },
): Promise<Buffer> {
  const key = keyring.get(redaction.keyId);
  if (!key) throw new Error(`the key ${redaction.keyId} that sealed this attachment is not in the key file`);
  const sealed = await readFile(sealedPath(dataDir, redaction.agencyId, redaction.sha256));
  return decryptFile(key, sealed, redaction);
}

/**
 * An agency's file as received: from its sealed original where it was redacted (throws when that does not open),
 * else from the attachment store; null when the store no longer holds it.
 */
export async function readOriginalFile(
  db: Queryable,
  dataDir: string,
  keyring: Keyring,
  agencyId: string,
  sha256: string,
): Promise<{ bytes: Buffer | null; redaction: StoredRedaction | null }> {
  const redaction = await redactionOf(db, agencyId, sha256);
  return { bytes: await originalBytes(dataDir, keyring, { agencyId, sha256 }, redaction), redaction };
}

/** readOriginalFile's reading, for a caller that has the file's redaction (or its absence) at hand. */
export async function originalBytes(
  dataDir: string,
  keyring: Keyring,
  file: { agencyId: string; sha256: string },
  redaction: StoredRedaction | null,
): Promise<Buffer | null> {
  if (redaction) return openSealedOriginal(dataDir, keyring, { ...file, keyId: redaction.keyId });
  return readFile(blobPath(dataDir, file.sha256)).catch(() => null);
}

export async function redactionOf(db: Queryable, agencyId: string, sha256: string): Promise<StoredRedaction | null> {
  const result = await db.query<StoredRedaction>(
    `SELECT redacted_sha256 AS "redactedSha256", mime, key_id AS "keyId", categories
       FROM attachment_redactions WHERE agency_id = $1 AND sha256 = $2`,
    [agencyId, sha256],
  );
  return result.rows[0] ?? null;
}

/**
 * Records the redacted copy (its blob row and the agency's ownership with it). A second record changes nothing,
 * unless `replace` (an erasure redrew the file): then it takes the earlier one's place.
 */
export async function recordRedaction(
  db: Queryable,
  row: { agencyId: string; sha256: string; size: number; boxes: number } & StoredRedaction,
  options: { replace?: boolean } = {},
): Promise<void> {
  await db.query(`INSERT INTO attachment_blobs (sha256, size, mime) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [
    row.redactedSha256,
    row.size,
    row.mime,
  ]);
  await recordBlobOwner(db, { agencyId: row.agencyId, sha256: row.redactedSha256 });
  await db.query(
    `INSERT INTO attachment_redactions (agency_id, sha256, redacted_sha256, mime, key_id, categories, boxes)
     VALUES ($1, $2, $3, $4, $5, $6::text[], $7)
     ON CONFLICT (agency_id, sha256) DO ${options.replace ? 'UPDATE SET redacted_sha256 = $3, mime = $4, key_id = $5, boxes = $7' : 'NOTHING'}`,
    [row.agencyId, row.sha256, row.redactedSha256, row.mime, row.keyId, row.categories, row.boxes],
  );
}

/** The boxes of the file's findings in `categories`, by page; null when one of them has none (not drawable). */
export async function findingBoxes(
  db: Queryable,
  agencyId: string,
  sha256: string,
  categories: readonly string[],
): Promise<Map<number, Box[]> | null> {
  const result = await db.query<{ page: number; boxes: Box[] | null }>(
    `SELECT page, boxes FROM attachment_findings WHERE agency_id = $1 AND sha256 = $2 AND category = ANY($3::text[])`,
    [agencyId, sha256, categories],
  );
  return pageBoxes(result.rows);
}

/** Findings' boxes gathered by page; null when one of them has none (not drawable). */
export function pageBoxes(findings: readonly { page: number; boxes: Box[] | null }[]): Map<number, Box[]> | null {
  const pages = new Map<number, Box[]>();
  for (const f of findings) {
    if (!f.boxes?.length) return null;
    pages.set(f.page, [...(pages.get(f.page) ?? []), ...f.boxes]);
  }
  return pages;
}

/** Points the message's attachments at the agency's redacted copies, where there are some. */
export async function linkRedactedCopies(db: Queryable, agencyId: string, messageId: string): Promise<void> {
  await db.query(
    `UPDATE message_attachments a SET redacted_sha256 = r.redacted_sha256
       FROM attachment_redactions r
      WHERE a.message_id = $2 AND r.agency_id = $1 AND r.sha256 = a.sha256 AND a.redacted_sha256 IS NULL`,
    [agencyId, messageId],
  );
}

/**
 * Removes a redacted file's clear bytes from the attachment store once no message (of any agency) holds them
 * unredacted: from then on only its sealed originals remain. Returns whether it removed them.
 */
export async function releaseClearOriginal(db: Queryable, dataDir: string, sha256: string): Promise<boolean> {
  const used = await db.query(
    `SELECT 1 FROM message_attachments WHERE sha256 = $1 AND redacted_sha256 IS NULL AND NOT missing LIMIT 1`,
    [sha256],
  );
  if ((used.rowCount ?? 0) > 0) return false;
  await rm(blobPath(dataDir, sha256), { force: true });
  return true;
}

/**
 * Re-encrypts the sealed originals of redacted files not under the current key (`keys rotate`, `keys reencrypt`):
 * each file written anew beside the old and renamed over it, then its key id updated. One that does not open is
 * reported in `unreadable` and left as it is.
 */
export async function reencryptSealedFiles(
  db: Queryable,
  dataDir: string,
  keyring: Keyring,
  result: { reencrypted: number; unreadable: { id: string; keyId: string | null; reason: string }[] },
): Promise<void> {
  const stale = await db.query<{ agency_id: string; sha256: string; key_id: string }>(
    `SELECT agency_id, sha256, key_id FROM attachment_redactions WHERE key_id <> $1 ORDER BY agency_id, sha256`,
    [keyring.currentId],
  );
  for (const row of stale.rows) {
    const file = { agencyId: row.agency_id, sha256: row.sha256 };
    const bytes = await openSealedOriginal(dataDir, keyring, { ...file, keyId: row.key_id }).catch(() => null);
    if (!bytes) {
      const reason = `the sealed original of attachment ${row.sha256.slice(0, 12)} does not open with key ${row.key_id}`;
      result.unreadable.push({ id: `attachment:${row.agency_id}/${row.sha256}`, keyId: row.key_id, reason });
      continue;
    }
    await writeSealed(dataDir, file, encryptFile(keyring.current, bytes, file));
    await db.query(`UPDATE attachment_redactions SET key_id = $3 WHERE agency_id = $1 AND sha256 = $2`, [
      row.agency_id,
      row.sha256,
      keyring.currentId,
    ]);
    result.reencrypted++;
  }
}
