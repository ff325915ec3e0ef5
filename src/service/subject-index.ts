/**
 * Keeping the subject index whole (issue 24):
 * - `backfill`: messages and attachments stored before the index existed get their rows, from the text as received
 *   (the message's text where policy left it unchanged, else its sealed original) and from their files (read again).
 *   A message policy redacted before the index existed has lost its values: it is counted as not recoverable.
 *   Resumable: what already has rows is skipped, so a run that stopped is simply run again.
 * - `rekey`: after `keys rotate --index`, every row and every subject hold sealed under an older index key is opened
 *   and digested again under the current one; asked to, it then removes the older keys nothing uses. The worker runs
 *   it in the background (the `maintenance` queue); lookups meanwhile digest under every key, so nothing is missed.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { writeAudit, type AuditActor } from '../audit/log.ts';
import { classifyFor } from '../classifier/index.ts';
import { dropOldIndexKeys, loadKeyring, requireIndexKey, type IndexKeys, type Keyring } from '../core/keys.ts';
import { attachmentLimits } from '../core/limits.ts';
import {
  indexEntry,
  openSubject,
  sealSubject,
  subjectDigest,
  SUBJECT_CATEGORIES,
  type SubjectCategory,
} from '../core/subject.ts';
import { extract } from '../extract/extract.ts';
import { policyFromStored } from '../policy/index.ts';
import { openMessageOriginal } from '../review/originals.ts';
import { inTransaction } from '../store/database.ts';
import { readOriginalFile } from '../store/redactions.ts';
import { indexAttachmentFindings, indexMessages } from '../store/subjects.ts';

const BATCH = 500;

export interface BackfillCounts {
  messages: number;
  notRecoverable: number;
  attachments: number;
  unreadableFiles: number;
}

/** Indexes what has identifier findings and no rows yet; `onProgress` hears each batch. */
export async function backfillIndex(
  pool: pg.Pool,
  keyring: Keyring,
  dataDir: string,
  onProgress: (counts: BackfillCounts) => void = () => {},
): Promise<BackfillCounts> {
  const keys = requireIndexKey(keyring);
  const counts: BackfillCounts = { messages: 0, notRecoverable: 0, attachments: 0, unreadableFiles: 0 };
  let after = '0';
  for (;;) {
    const rows = await pool.query<{
      id: string;
      agency_id: string;
      text: string;
      redacted: boolean;
      has_original: boolean;
    }>(
      `SELECT m.id::text, m.agency_id::text, m.text, m.redacted,
              EXISTS (SELECT 1 FROM review_items r WHERE r.message_id = m.id AND r.original IS NOT NULL) AS has_original
         FROM messages m
        WHERE m.id > $1 AND EXISTS (SELECT 1 FROM findings f WHERE f.message_id = m.id AND f.category = ANY($2::text[]))
          AND NOT EXISTS (SELECT 1 FROM subject_index s WHERE s.message_id = m.id)
        ORDER BY m.id LIMIT ${BATCH}`,
      [after, SUBJECT_CATEGORIES],
    );
    if (rows.rows.length === 0) break;
    after = rows.rows.at(-1)!.id;
    await inTransaction(pool, async (client) => {
      for (const m of rows.rows) {
        const original = m.has_original ? await openMessageOriginal(client, keyring, m.id) : null;
        const text = original ? original.text : m.redacted ? null : m.text;
        if (text === null) {
          counts.notRecoverable++;
          continue;
        }
        const findings = await client.query<{ category: string; start: number; end: number }>(
          `SELECT category, start, "end" FROM findings WHERE message_id = $1`,
          [m.id],
        );
        await indexMessages(client, m.agency_id, keys, [{ messageId: m.id, text, findings: findings.rows }], []);
        counts.messages++;
      }
    });
    onProgress(counts);
  }
  await backfillAttachments(pool, keyring, keys, dataDir, counts);
  onProgress(counts);
  return counts;
}

/** Files with identifier findings and no rows: read again (their sealed original where redacted) and matched up. */
async function backfillAttachments(
  pool: pg.Pool,
  keyring: Keyring,
  keys: IndexKeys,
  dataDir: string,
  counts: BackfillCounts,
) {
  const files = await pool.query<{ agency_id: string; sha256: string; policy: unknown }>(
    `SELECT DISTINCT f.agency_id::text, f.sha256, a.policy FROM attachment_findings f JOIN agencies a ON a.id = f.agency_id
      WHERE f.category = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM subject_index s WHERE s.attachment_finding_id = f.id)`,
    [SUBJECT_CATEGORIES],
  );
  for (const file of files.rows) {
    const pages = await pagesOf(pool, keyring, dataDir, file.agency_id, file.sha256);
    if (!pages) {
      counts.unreadableFiles++;
      continue;
    }
    const classifier = policyFromStored(file.policy).classifier;
    const findings = await pool.query<{ id: string; page: number; start: number; end: number; category: string }>(
      `SELECT id::text, page, start, "end", category FROM attachment_findings WHERE agency_id = $1 AND sha256 = $2`,
      [file.agency_id, file.sha256],
    );
    // each page classified once, as the extract stage did: a finding still found there is indexed from its text
    const again = new Map(
      [...pages].map(([page, text]) => [
        page,
        new Set(classifyFor(text, classifier).map((g) => `${g.category}:${g.start}:${g.end}`)),
      ]),
    );
    const rows = findings.rows.flatMap((f) => {
      const text = pages.get(f.page) ?? '';
      const entry = again.get(f.page)?.has(`${f.category}:${f.start}:${f.end}`)
        ? indexEntry(keys.current, f.category, text.slice(f.start, f.end))
        : null;
      return entry ? [{ findingId: f.id, category: f.category, ...entry }] : [];
    });
    await indexAttachmentFindings(pool, file.agency_id, file.sha256, keys, rows);
    counts.attachments++;
  }
}

/** A file's pages' texts, read as the extract stage read them; null when its bytes are no longer held. */
async function pagesOf(pool: pg.Pool, keyring: Keyring, dataDir: string, agencyId: string, sha256: string) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'agw-backfill-'));
  try {
    const { bytes } = await readOriginalFile(pool, dataDir, keyring, agencyId, sha256);
    if (!bytes) return null;
    const file = path.join(dir, 'original');
    await writeFile(file, bytes, { mode: 0o600 });
    const extraction = await extract(file, attachmentLimits());
    if (!extraction.inspected) return null;
    return new Map(extraction.pages.map((p) => [p.page, p.text]));
  } catch {
    return null;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface RekeyCounts {
  rows: number;
  holds: number;
  unreadable: number;
  droppedKeys: string[];
}

/**
 * rekeyIndex with the key file as it is now (a rotation adds a key after a worker started), audited with counts by
 * `actor`: the admin of `keys reindex`, or the machine for the maintenance queue's job.
 */
export async function rekeyIndexAudited(
  pool: pg.Pool,
  actor: AuditActor,
  keyFile: string,
  dropOld = false,
): Promise<RekeyCounts> {
  const counts = await rekeyIndex(pool, await loadKeyring(keyFile), dropOld);
  await writeAudit(pool, { actor, action: 'keys.rekey-index', details: { ...counts } });
  return counts;
}

/**
 * Re-keys rows and holds sealed under older index keys. `dropOld`: then removes from the key file the older keys no
 * row or hold uses any more — only once every worker runs with the new key (restarted), or one would write under
 * a key that is gone.
 */
export async function rekeyIndex(pool: pg.Pool, keyring: Keyring, dropOld = false): Promise<RekeyCounts> {
  const keys = requireIndexKey(keyring);
  const counts: RekeyCounts = { rows: 0, holds: 0, unreadable: 0, droppedKeys: [] };
  for (const table of ['subject_index', 'legal_holds'] as const) {
    let after = table === 'subject_index' ? '0' : '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const rows = await pool.query<{ id: string; category: SubjectCategory; sealed: Buffer; key_id: string }>(
        `SELECT id::text, category, sealed, key_id FROM ${table}
          WHERE key_id <> $1 AND sealed IS NOT NULL AND id > $2 ORDER BY id LIMIT ${BATCH}`,
        [keys.currentId, after],
      );
      if (rows.rows.length === 0) break;
      after = rows.rows.at(-1)!.id;
      const ids: string[] = [];
      const digests: Buffer[] = [];
      const sealed: Buffer[] = [];
      for (const row of rows.rows) {
        const old = keys.all.get(row.key_id);
        const value = old ? safeOpen(old, row.category, row.sealed) : null;
        if (value === null) {
          counts.unreadable++;
          continue;
        }
        ids.push(row.id);
        digests.push(subjectDigest(keys.current, row.category, value));
        sealed.push(sealSubject(keys.current, row.category, value));
      }
      await pool.query(
        `UPDATE ${table} t SET digest = u.d, sealed = u.s, key_id = $4
           FROM unnest($1::${table === 'subject_index' ? 'bigint' : 'uuid'}[], $2::bytea[], $3::bytea[]) AS u(id, d, s)
          WHERE t.id = u.id`,
        [ids, digests, sealed, keys.currentId],
      );
      counts[table === 'subject_index' ? 'rows' : 'holds'] += ids.length;
    }
  }
  if (!dropOld) return counts;
  const still = await pool.query<{ key_id: string }>(
    `SELECT DISTINCT key_id FROM subject_index WHERE key_id <> $1
     UNION SELECT DISTINCT key_id FROM legal_holds WHERE key_id IS NOT NULL AND key_id <> $1`,
    [keys.currentId],
  );
  counts.droppedKeys = await dropOldIndexKeys(
    keyring.file,
    still.rows.map((r) => r.key_id),
  );
  return counts;
}

function safeOpen(key: Buffer, category: SubjectCategory, sealed: Buffer): string | null {
  try {
    return openSubject(key, category, sealed);
  } catch {
    return null;
  }
}
