import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { JobFailedError } from '../core/errors.ts';

/**
 * The store's folders are the gateway's alone (0700) and its blobs readable by the gateway's OS user only (0600):
 * attachments are personal data as much as message text is. Existing folders and blobs keep the modes they have;
 * docs/security.md says how to fix an older store.
 */
const FOLDER_MODE = 0o700;
const BLOB_MODE = 0o600;

export interface StoredBlob {
  sha256: string;
  size: number;
  /** false when the same bytes were already in the store */
  stored: boolean;
}

/** Where bytes with this hash live: <dataDir>/attachments/ab/cd/<sha256>. */
export function blobPath(dataDir: string, sha256: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('not a sha256 hex digest');
  return path.join(dataDir, 'attachments', sha256.slice(0, 2), sha256.slice(2, 4), sha256);
}

/** The data directory's device has no room left for a blob (or its owner's disk quota is used up). */
export class DataDirectoryFullError extends JobFailedError {
  constructor(dataDir: string, options?: { cause?: unknown }) {
    super(`the data directory ${dataDir} is full: no space left on its device for an attachment's bytes`, options);
  }
}

function isDiskFull(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/**
 * Streams bytes into the content-addressed store: hashed while written to a temporary file inside the data
 * directory, then renamed into place, so a crash never leaves a partial blob under its hash. A full disk is a
 * DataDirectoryFullError, with nothing of the blob left behind.
 */
export async function putBlob(dataDir: string, bytes: Readable): Promise<StoredBlob> {
  try {
    return await writeBlob(dataDir, bytes);
  } catch (error) {
    if (isDiskFull(error)) throw new DataDirectoryFullError(dataDir, { cause: error });
    throw error;
  }
}

async function writeBlob(dataDir: string, bytes: Readable): Promise<StoredBlob> {
  const tmpDir = path.join(dataDir, 'attachments', 'tmp');
  await mkdir(tmpDir, { recursive: true, mode: FOLDER_MODE });
  const tmp = path.join(tmpDir, randomUUID());
  const hash = createHash('sha256');
  let size = 0;
  try {
    await pipeline(
      bytes,
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          hash.update(chunk);
          size += chunk.length;
          yield chunk;
        }
      },
      createWriteStream(tmp, { mode: BLOB_MODE }),
    );
    const sha256 = hash.digest('hex');
    const target = blobPath(dataDir, sha256);
    const exists = await stat(target).then(
      () => true,
      () => false,
    );
    if (exists) {
      await rm(tmp, { force: true });
      return { sha256, size, stored: false };
    }
    await mkdir(path.dirname(target), { recursive: true, mode: FOLDER_MODE });
    await rename(tmp, target);
    return { sha256, size, stored: true };
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/**
 * Records that an agency supplied a blob's bytes (an import read them from its input, or its bridge received them).
 * A message may reference only a blob its own agency stored: a trigger on message_attachments refuses any other
 * reference (migration attachment_owners), so a line that names another agency's sha256 links nothing.
 */
export async function recordBlobOwner(
  db: Queryable,
  owner: { agencyId: string; sha256: string; runId?: string | null },
): Promise<void> {
  await db.query(
    `INSERT INTO attachment_owners (agency_id, sha256, run_id) VALUES ($1, $2, $3) ON CONFLICT (agency_id, sha256) DO NOTHING`,
    [owner.agencyId, owner.sha256, owner.runId ?? null],
  );
}

/** Puts bytes into the store and records the agency that supplied them (see recordBlobOwner): what every writer does. */
export async function putOwnedBlob(
  db: Queryable,
  dataDir: string,
  owner: { agencyId: string; runId?: string | null },
  bytes: Readable,
): Promise<StoredBlob> {
  const blob = await putBlob(dataDir, bytes);
  await recordBlobOwner(db, { ...owner, sha256: blob.sha256 });
  return blob;
}
