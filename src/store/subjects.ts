/**
 * The subject index's side of the store (issue 24): rows of (agency, category, keyed digest) pointing at a
 * message's text, an attachment's finding or an outbound attempt. Digests only: the value is never written here or
 * anywhere else in clear.
 */
import type pg from 'pg';
import type { IndexKeys } from '../core/keys.ts';
import { indexEntry } from '../core/subject.ts';

type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/** A message's identifiers to index: its text as received and its findings' spans in that text. */
export interface MessageSubjects {
  messageId: string;
  text: string;
  findings: readonly { category: string; start: number; end: number }[];
}

/** The distinct digests of a text's identifier findings, with their categories. */
export function digestsOf(
  keys: IndexKeys,
  text: string,
  findings: readonly { category: string; start: number; end: number }[],
): IndexRow[] {
  const seen = new Map<string, IndexRow>();
  for (const f of findings) {
    const entry = indexEntry(keys.current, f.category, text.slice(f.start, f.end));
    if (!entry) continue;
    const key = `${f.category}:${entry.digest.toString('base64')}`;
    if (!seen.has(key)) seen.set(key, { category: f.category, ...entry });
  }
  return [...seen.values()];
}

/** One identifier as indexed: its category, keyed digest and sealed value. */
export interface IndexRow {
  category: string;
  digest: Buffer;
  sealed: Buffer;
}

/**
 * Indexes messages; those among `replacing` (an edit, a re-index) lose their earlier rows first, in the caller's
 * transaction. New messages have none, so a first import pays no delete.
 */
export async function indexMessages(
  db: Queryable,
  agencyId: string,
  keys: IndexKeys,
  messages: readonly MessageSubjects[],
  replacing: readonly string[] = messages.map((m) => m.messageId),
): Promise<number> {
  if (replacing.length > 0)
    await db.query(`DELETE FROM subject_index WHERE message_id = ANY($1::bigint[])`, [replacing]);
  if (messages.length === 0) return 0;
  const ids: string[] = [];
  const rows: IndexRow[] = [];
  for (const m of messages)
    for (const row of digestsOf(keys, m.text, m.findings)) {
      ids.push(m.messageId);
      rows.push(row);
    }
  if (ids.length === 0) return 0;
  await db.query(
    `INSERT INTO subject_index (agency_id, category, digest, sealed, key_id, message_id)
     SELECT $1, c, d, s, $2, m FROM unnest($3::bigint[], $4::text[], $5::bytea[], $6::bytea[]) AS t(m, c, d, s)`,
    [agencyId, keys.currentId, ids, rows.map((r) => r.category), rows.map((r) => r.digest), rows.map((r) => r.sealed)],
  );
  return ids.length;
}

/** Indexes an outbound attempt's text (blocked or sent: either way someone tried to send the person's data). */
export async function indexAttempt(
  db: Queryable,
  agencyId: string,
  attemptId: string,
  keys: IndexKeys,
  text: string,
  findings: readonly { category: string; start: number; end: number }[],
): Promise<void> {
  const rows = digestsOf(keys, text, findings);
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO subject_index (agency_id, category, digest, sealed, key_id, attempt_id)
     SELECT $1, c, d, s, $2, $3 FROM unnest($4::text[], $5::bytea[], $6::bytea[]) AS t(c, d, s)`,
    [
      agencyId,
      keys.currentId,
      attemptId,
      rows.map((r) => r.category),
      rows.map((r) => r.digest),
      rows.map((r) => r.sealed),
    ],
  );
}

/** Indexes findings in an agency's file (`sha256`), each row naming its `attachment_findings` id. */
export async function indexAttachmentFindings(
  db: Queryable,
  agencyId: string,
  sha256: string,
  keys: IndexKeys,
  rows: readonly (IndexRow & { findingId: string })[],
): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO subject_index (agency_id, category, digest, sealed, key_id, sha256, attachment_finding_id)
     SELECT $1, c, d, s, $2, $3, f FROM unnest($4::text[], $5::bytea[], $6::bytea[], $7::bigint[]) AS t(c, d, s, f)`,
    [
      agencyId,
      keys.currentId,
      sha256,
      rows.map((r) => r.category),
      rows.map((r) => r.digest),
      rows.map((r) => r.sealed),
      rows.map((r) => r.findingId),
    ],
  );
}

/** Where a subject's digests are found, within the agencies given (null: all). */
export interface SubjectPlaces {
  messages: {
    id: string;
    agencyId: string;
    chat: string;
    sentAt: string;
    action: string;
    via: 'text' | 'attachment';
  }[];
  attachments: { agencyId: string; sha256: string; pages: number[]; messageIds: string[] }[];
  reviewItems: { id: string; messageId: string; status: string; openedAt: string }[];
  outboundAttempts: { id: string; agencyId: string; status: string; target: string; createdAt: string }[];
}

export async function subjectPlaces(
  db: Queryable,
  agencyIds: readonly string[] | null,
  digests: readonly Buffer[],
): Promise<SubjectPlaces> {
  const scope = [digests, agencyIds];
  const attachments = await db.query<{ agency_id: string; sha256: string; pages: number[]; message_ids: string[] }>(
    `SELECT s.agency_id, s.sha256, array_agg(DISTINCT f.page ORDER BY f.page) AS pages,
            ARRAY(SELECT a.message_id::text FROM message_attachments a JOIN messages m ON m.id = a.message_id
                   WHERE a.sha256 = s.sha256 AND m.agency_id = s.agency_id ORDER BY 1) AS message_ids
       FROM subject_index s JOIN attachment_findings f ON f.id = s.attachment_finding_id
      WHERE s.digest = ANY($1::bytea[]) AND ($2::uuid[] IS NULL OR s.agency_id = ANY($2::uuid[]))
      GROUP BY s.agency_id, s.sha256 ORDER BY s.agency_id, s.sha256`,
    scope,
  );
  const viaFiles = attachments.rows.flatMap((a) => a.message_ids);
  const messages = await db.query<{
    id: string;
    agency_id: string;
    chat: string;
    sent_at: Date;
    action: string;
    via: 'text' | 'attachment';
  }>(
    `SELECT m.id::text, m.agency_id, c.title AS chat, m.sent_at, d.action,
            CASE WHEN EXISTS (SELECT 1 FROM subject_index s WHERE s.message_id = m.id AND s.digest = ANY($1::bytea[]))
                 THEN 'text' ELSE 'attachment' END AS via
       FROM messages m JOIN chats c ON c.id = m.chat_id JOIN decisions d ON d.id = m.decision_id
      WHERE (m.id IN (SELECT s.message_id FROM subject_index s WHERE s.digest = ANY($1::bytea[])) OR m.id = ANY($3::bigint[]))
        AND ($2::uuid[] IS NULL OR m.agency_id = ANY($2::uuid[]))
      ORDER BY m.sent_at, m.id`,
    [...scope, viaFiles],
  );
  const ids = messages.rows.map((m) => m.id);
  const reviews = await db.query<{ id: string; message_id: string; status: string; created_at: Date }>(
    `SELECT id::text, message_id::text, status, created_at FROM review_items WHERE message_id = ANY($1::bigint[]) ORDER BY created_at, id`,
    [ids],
  );
  const attempts = await db.query<{ id: string; agency_id: string; status: string; target: string; created_at: Date }>(
    `SELECT o.id::text, o.agency_id, o.status, o.target_platform || ':' || o.target_chat_id AS target, o.created_at
       FROM outbound_attempts o
      WHERE o.id IN (SELECT s.attempt_id FROM subject_index s WHERE s.digest = ANY($1::bytea[]))
        AND ($2::uuid[] IS NULL OR o.agency_id = ANY($2::uuid[]))
      ORDER BY o.created_at, o.id`,
    scope,
  );
  return {
    messages: messages.rows.map((m) => ({
      id: m.id,
      agencyId: m.agency_id,
      chat: m.chat,
      sentAt: m.sent_at.toISOString(),
      action: m.action,
      via: m.via,
    })),
    attachments: attachments.rows.map((a) => ({
      agencyId: a.agency_id,
      sha256: a.sha256,
      pages: a.pages,
      messageIds: a.message_ids,
    })),
    reviewItems: reviews.rows.map((r) => ({
      id: r.id,
      messageId: r.message_id,
      status: r.status,
      openedAt: r.created_at.toISOString(),
    })),
    outboundAttempts: attempts.rows.map((o) => ({
      id: o.id,
      agencyId: o.agency_id,
      status: o.status,
      target: o.target,
      createdAt: o.created_at.toISOString(),
    })),
  };
}
