/**
 * `subject erase` (issue 24): a data subject's identifier removed from everywhere the index finds it — delivered
 * texts, encrypted originals (opened, erased, sealed again under the current key), kept versions, attachments (a
 * copy with black boxes replaces the file, its sealed original erased the same way; a file that cannot be drawn on is
 * withheld and its bytes removed) and the index itself. `--block` marks the data blocked from processing instead.
 * One operation, admin only, audited at its start and end with digests and counts (never the value or the note's
 * text), resumable: run again with the same value, it continues where it stopped.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type pg from 'pg';
import { noteDigest } from '../audit/fields.ts';
import { writeAudit } from '../audit/log.ts';
import { requireRole, type Actor } from '../auth/roles.ts';
import { eraseValue } from '../core/erase-value.ts';
import { maskPersonalData } from '../core/mask.ts';
import { encryptFile, encryptOriginal, OriginalFormat, requireIndexKey, type Keyring } from '../core/keys.ts';
import { attachmentLimits } from '../core/limits.ts';
import { digestLabel, subjectDigest, subjectDigests } from '../core/subject.ts';
import { redactFile } from '../extract/redact-file.ts';
import type { Box } from '../extract/layout.ts';
import {
  openOriginal,
  SEALED_ORIGINAL_COLUMNS,
  sealedOriginalFrom,
  VERSION_SEALED_COLUMNS,
  type SealedOriginalRow,
} from '../review/originals.ts';
import { blobPath, putBlob } from '../store/attachments.ts';
import { inTransaction, type Store } from '../store/database.ts';
import {
  findingBoxes,
  pageBoxes,
  originalBytes,
  recordRedaction,
  redactionOf,
  sealedPath,
  writeSealed,
  type StoredRedaction,
} from '../store/redactions.ts';
import type { SubjectQuery } from './subjects.ts';

export interface ErasureRequest extends SubjectQuery {
  note: string;
  /** mark blocked from processing instead of destroying */
  block?: boolean;
}

export interface ErasureCounts {
  messages: number;
  texts: number;
  originals: number;
  versions: number;
  attachments: number;
  withheldFiles: number;
  outboundAttempts: number;
}

const BATCH = 100;

/**
 * Fault injection for the resumption test: the process kills itself (SIGKILL, as a crash) after erasing this many
 * messages. Off unless the variable is set.
 */
const killAfter = Number(process.env.AITU_GATEWAY_FAULT_ERASE_KILL_AFTER ?? 0);

export async function eraseSubject(
  store: Store,
  actor: Actor,
  keyring: () => Promise<Keyring>,
  dataDir: string,
  request: ErasureRequest,
): Promise<{ id: string; resumed: boolean; mode: 'erase' | 'block'; counts: ErasureCounts }> {
  requireRole(actor, ['admin'], request.block ? 'block data subjects' : 'erase data subjects');
  const ring = await keyring();
  const keys = requireIndexKey(ring);
  const digests = subjectDigests(keys, request.category, request.value);
  const mode = request.block ? 'block' : 'erase';
  const { id, resumed } = await openErasure(store.pool, actor, request, mode, digests);
  const label = digestLabel(subjectDigest(keys.current, request.category, request.value));
  await writeAudit(store.pool, {
    actor,
    action: `subject.${mode}.start`,
    subject: `erasure:${id}`,
    details: { category: request.category, digest: label, resumed, noteSha256: noteDigest(request.note) },
  });
  const counts = emptyCounts();
  const work = { store, ring, dataDir, request, digests, counts };
  if (mode === 'erase') {
    await eraseMessages(work);
    await eraseAttachments(work);
    const attempts = await store.pool.query(
      `DELETE FROM subject_index WHERE digest = ANY($1::bytea[]) AND attempt_id IS NOT NULL`,
      [digests],
    );
    counts.outboundAttempts = attempts.rowCount ?? 0;
  } else await blockMessages(store.pool, digests, counts);
  await store.pool.query(
    `UPDATE subject_erasures SET status = 'done', finished_at = now(), counts = $2 WHERE id = $1`,
    [id, JSON.stringify(counts)],
  );
  await writeAudit(store.pool, {
    actor,
    action: `subject.${mode}`,
    subject: `erasure:${id}`,
    details: { category: request.category, digest: label, ...counts },
  });
  return { id, resumed, mode, counts };
}

function emptyCounts(): ErasureCounts {
  return { messages: 0, texts: 0, originals: 0, versions: 0, attachments: 0, withheldFiles: 0, outboundAttempts: 0 };
}

/** The unfinished erasure of the same value and mode, or a new one. */
async function openErasure(
  pool: pg.Pool,
  actor: Actor,
  request: ErasureRequest,
  mode: string,
  digests: Buffer[],
): Promise<{ id: string; resumed: boolean }> {
  const running = await pool.query<{ id: string }>(
    `SELECT id::text FROM subject_erasures WHERE status = 'running' AND mode = $1 AND category = $2 AND digests && $3::bytea[]
      ORDER BY created_at LIMIT 1`,
    [mode, request.category, digests],
  );
  if (running.rows[0]) return { id: running.rows[0].id, resumed: true };
  const id = randomUUID();
  await pool.query(
    `INSERT INTO subject_erasures (id, category, digests, mode, note, requested_by) VALUES ($1, $2, $3, $4, $5, $6)`,
    // a note is the admin's free text: any identifier typed into it is masked, as in logs
    [id, request.category, digests, mode, maskPersonalData(request.note), actor.name],
  );
  return { id, resumed: false };
}

interface Work {
  store: Store;
  ring: Keyring;
  dataDir: string;
  request: ErasureRequest;
  digests: Buffer[];
  counts: ErasureCounts;
}

/** Messages whose text holds the value, a batch at a time; each one's rows leave the index as it is erased. */
async function eraseMessages(work: Work): Promise<void> {
  for (;;) {
    const batch = await work.store.pool.query<{ message_id: string }>(
      `SELECT DISTINCT message_id::text FROM subject_index WHERE digest = ANY($1::bytea[]) AND message_id IS NOT NULL
        ORDER BY 1 LIMIT ${BATCH}`,
      [work.digests],
    );
    if (batch.rows.length === 0) return;
    for (const { message_id: id } of batch.rows) {
      await inTransaction(work.store.pool, (client) => eraseMessage(client, work, id));
      if (killAfter > 0 && work.counts.messages >= killAfter) process.kill(process.pid, 'SIGKILL');
    }
  }
}

async function eraseMessage(client: pg.PoolClient, work: Work, messageId: string): Promise<void> {
  const { category, value } = work.request;
  const row = await client.query<{ text: string; body: string }>(
    `SELECT text, body::text AS body FROM messages WHERE id = $1 FOR UPDATE`,
    [messageId],
  );
  const text = eraseValue(row.rows[0]?.text ?? '', category, value);
  // structured parts as delivered (a shared contact's phone, a poll's question) hold it too, where policy allowed
  const body = eraseValue(row.rows[0]?.body ?? '{}', category, value);
  if (text.erased + body.erased > 0) {
    await client.query(`UPDATE messages SET text = $2, body = $3::jsonb WHERE id = $1`, [
      messageId,
      text.text,
      body.text,
    ]);
    work.counts.texts++;
  }
  const versions = await client.query<{ id: string; text: string }>(
    `SELECT id::text, text FROM message_versions WHERE message_id = $1`,
    [messageId],
  );
  for (const v of versions.rows) {
    const shown = eraseValue(v.text, category, value);
    if (shown.erased > 0) await client.query(`UPDATE message_versions SET text = $2 WHERE id = $1`, [v.id, shown.text]);
  }
  work.counts.originals += await eraseSealed(client, work, 'review_items r', SEALED_ORIGINAL_COLUMNS, messageId);
  work.counts.versions += await eraseSealed(client, work, 'message_versions v', VERSION_SEALED_COLUMNS, messageId);
  await client.query(`DELETE FROM subject_index WHERE message_id = $1 AND digest = ANY($2::bytea[])`, [
    messageId,
    work.digests,
  ]);
  work.counts.messages++;
}

/** The message's sealed originals (of its review item or its kept versions): opened, erased, sealed again. */
async function eraseSealed(
  client: pg.PoolClient,
  work: Work,
  table: 'review_items r' | 'message_versions v',
  columns: string,
  messageId: string,
): Promise<number> {
  const alias = table.slice(-1);
  const rows = await client.query<SealedOriginalRow & { row_id: string }>(
    `SELECT ${alias}.id::text AS row_id, ${columns} FROM ${table} JOIN messages m ON m.id = ${alias}.message_id
      WHERE ${alias}.message_id = $1 AND ${alias}.original IS NOT NULL`,
    [messageId],
  );
  let changed = 0;
  for (const row of rows.rows) {
    const sealed = sealedOriginalFrom(row);
    const erased = eraseValue(openOriginal(work.ring, sealed), work.request.category, work.request.value);
    if (erased.erased === 0) continue;
    const again = encryptOriginal(work.ring.current, erased.text, sealed.binding);
    await client.query(
      `UPDATE ${table.split(' ')[0]} SET original = $2, key_id = $3, original_format = $4 WHERE id = $1`,
      [row.row_id, again, work.ring.currentId, OriginalFormat.bound],
    );
    changed++;
  }
  return changed;
}

/** Each agency's file holding the value, once. */
async function eraseAttachments(work: Work): Promise<void> {
  for (;;) {
    const next = await work.store.pool.query<{ agency_id: string; sha256: string }>(
      `SELECT DISTINCT agency_id::text, sha256 FROM subject_index
        WHERE digest = ANY($1::bytea[]) AND sha256 IS NOT NULL ORDER BY 1, 2 LIMIT ${BATCH}`,
      [work.digests],
    );
    if (next.rows.length === 0) return;
    for (const file of next.rows) await eraseAttachment(work, file.agency_id, file.sha256);
  }
}

/**
 * One agency's file: where every finding of the value has boxes, the file is redrawn with black boxes over them;
 * that copy becomes the sealed original and (with the agency's own redaction boxes too, if it had any) the copy its
 * messages deliver. Otherwise the file is withheld from its messages and its bytes removed.
 */
async function eraseAttachment(work: Work, agencyId: string, sha256: string): Promise<void> {
  const pool = work.store.pool;
  const found = await pool.query<{ page: number; boxes: Box[] | null }>(
    `SELECT f.page, f.boxes FROM subject_index s JOIN attachment_findings f ON f.id = s.attachment_finding_id
      WHERE s.agency_id = $1 AND s.sha256 = $2 AND s.digest = ANY($3::bytea[])`,
    [agencyId, sha256, work.digests],
  );
  const boxes = found.rows.length > 0 ? pageBoxes(found.rows) : null;
  const redaction = await redactionOf(pool, agencyId, sha256);
  // a sealed original that does not open cannot be redrawn: the file is withheld instead
  const source = await originalBytes(work.dataDir, work.ring, { agencyId, sha256 }, redaction).catch(() => null);
  const erased = boxes && source ? await drawOver(source, boxes) : null;
  if (erased) await replaceWithErased(work, agencyId, sha256, erased, redaction);
  else await withholdFile(work, agencyId, sha256);
  await pool.query(`DELETE FROM subject_index WHERE agency_id = $1 AND sha256 = $2 AND digest = ANY($3::bytea[])`, [
    agencyId,
    sha256,
    work.digests,
  ]);
  await removeIfUnused(pool, work.dataDir, sha256);
  work.counts.attachments++;
}

async function drawOver(bytes: Buffer, boxes: Map<number, Box[]>) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'agw-erase-'));
  try {
    const file = path.join(dir, 'file');
    await writeFile(file, bytes, { mode: 0o600 });
    return await redactFile(file, boxes, attachmentLimits().timeoutMs);
  } catch {
    return null;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The erased file becomes the agency's sealed original of `sha256`; its messages deliver it, or it redrawn with the
 * boxes of the agency's own redaction where there was one. The copy delivered before is removed once unused.
 */
async function replaceWithErased(
  work: Work,
  agencyId: string,
  sha256: string,
  erased: { bytes: Buffer; mime: string; boxes: number },
  before: StoredRedaction | null,
): Promise<void> {
  const pool = work.store.pool;
  const categories = before?.categories ?? [];
  const own = categories.length > 0 ? await findingBoxes(pool, agencyId, sha256, categories) : null;
  const delivered = own?.size ? ((await drawOver(erased.bytes, own)) ?? erased) : erased;
  const blob = await putBlob(work.dataDir, Readable.from([delivered.bytes]));
  const file = { agencyId, sha256 };
  await writeSealed(work.dataDir, file, encryptFile(work.ring.current, erased.bytes, file));
  await inTransaction(pool, async (client) => {
    const copy = { redactedSha256: blob.sha256, size: blob.size, mime: delivered.mime, boxes: delivered.boxes };
    await recordRedaction(client, { ...file, ...copy, keyId: work.ring.currentId, categories }, { replace: true });
    await client.query(
      `UPDATE message_attachments a SET redacted_sha256 = $3 FROM messages m
        WHERE m.id = a.message_id AND m.agency_id = $1 AND a.sha256 = $2`,
      [agencyId, sha256, blob.sha256],
    );
  });
  if (before && before.redactedSha256 !== blob.sha256) await removeIfUnused(pool, work.dataDir, before.redactedSha256);
}

/** A file that cannot be drawn on: unlinked from the agency's messages (kept as a record), its bytes removed. */
async function withholdFile(work: Work, agencyId: string, sha256: string): Promise<void> {
  const pool = work.store.pool;
  const withheld = await pool.query(
    `UPDATE message_attachments a SET withheld = true FROM messages m
      WHERE m.id = a.message_id AND m.agency_id = $1 AND a.sha256 = $2 AND NOT a.withheld`,
    [agencyId, sha256],
  );
  work.counts.withheldFiles += withheld.rowCount ?? 0;
  await rm(sealedPath(work.dataDir, agencyId, sha256), { force: true });
  await pool.query(`DELETE FROM attachment_redactions WHERE agency_id = $1 AND sha256 = $2`, [agencyId, sha256]);
}

/** A blob's bytes leave the store once no message delivers them (as the file itself or as its redacted copy). */
async function removeIfUnused(pool: pg.Pool, dataDir: string, sha256: string): Promise<void> {
  const used = await pool.query(
    `SELECT 1 FROM message_attachments
      WHERE NOT withheld AND ((sha256 = $1 AND redacted_sha256 IS NULL) OR redacted_sha256 = $1) LIMIT 1`,
    [sha256],
  );
  if ((used.rowCount ?? 0) === 0) await rm(blobPath(dataDir, sha256), { force: true });
}

/** `--block`: every message the value is found in (its text or its files) is blocked from processing. */
async function blockMessages(pool: pg.Pool, digests: Buffer[], counts: ErasureCounts): Promise<void> {
  const blocked = await pool.query(
    `UPDATE messages m SET blocked = true
      WHERE NOT m.blocked AND (m.id IN (SELECT message_id FROM subject_index WHERE digest = ANY($1::bytea[]))
         OR EXISTS (SELECT 1 FROM message_attachments a JOIN subject_index s
                      ON s.sha256 = a.sha256 AND s.agency_id = m.agency_id AND s.digest = ANY($1::bytea[])
                     WHERE a.message_id = m.id))`,
    [digests],
  );
  counts.messages = blocked.rowCount ?? 0;
}
