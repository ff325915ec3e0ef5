/**
 * Retention and legal holds (issue 24). An agency's policy says how many days it keeps messages, attachments, the
 * encrypted originals of decided review items and decided review items themselves (`retention:`); a run deletes or
 * unlinks what has expired, skipping what a legal hold covers (a chat, or every message a subject's identifier is
 * found in) and messages still waiting for review. Audit entries are never deleted: a run writes one entry per
 * agency with its cut-offs and counts (never content), sealed into the chain by the command like any other, so
 * `audit verify` holds afterwards as before (docs/retention.md).
 */
import type pg from 'pg';
import { rm } from 'node:fs/promises';
import { writeAudit, type AuditActor } from '../audit/log.ts';
import { requireRole, type Actor } from '../auth/roles.ts';
import { NotFoundError, UsageError } from '../core/errors.ts';
import { requireIndexKey, type Keyring } from '../core/keys.ts';
import { maskPersonalData } from '../core/mask.ts';
import { digestLabel, sealSubject, subjectDigest } from '../core/subject.ts';
import { policyFromStored, type RetentionSetting } from '../policy/index.ts';
import { requireAgency } from '../store/agencies.ts';
import { parseSource } from '../store/chat-map.ts';
import { blobPath } from '../store/attachments.ts';
import type { Store } from '../store/database.ts';
import { sealedPath } from '../store/redactions.ts';
import type { SubjectQuery } from './subjects.ts';

const ADMIN = ['admin'] as const;
const CHUNK = 5000;

export interface RetentionCounts {
  messages: number;
  attachments: number;
  originals: number;
  evidence: number;
  /** expired messages kept because a legal hold covers them */
  held: number;
}

/** `retention run` as a person starts it (admin); the repeatable job calls enforceRetention with the machine actor. */
export async function runRetention(
  store: Store,
  actor: Actor,
  dataDir: string,
  options: { agency?: string; now?: Date } = {},
): Promise<Record<string, RetentionCounts>> {
  requireRole(actor, ADMIN, 'run retention');
  return enforceRetention(store.pool, actor, dataDir, options);
}

export async function enforceRetention(
  pool: pg.Pool,
  actor: AuditActor,
  dataDir: string,
  options: { agency?: string; now?: Date } = {},
): Promise<Record<string, RetentionCounts>> {
  const now = options.now ?? new Date();
  const agencies = options.agency
    ? [await requireAgency(pool, options.agency)]
    : (await pool.query<{ id: string; slug: string }>(`SELECT id, slug FROM agencies ORDER BY slug`)).rows;
  const result: Record<string, RetentionCounts> = {};
  for (const agency of agencies) {
    const row = await pool.query<{ policy: unknown }>(`SELECT policy FROM agencies WHERE id = $1`, [agency.id]);
    const retention = policyFromStored(row.rows[0]?.policy ?? null).retention;
    if (!retention) continue;
    const counts = await enforceFor(pool, dataDir, agency.id, retention, now);
    result[agency.slug] = counts;
    await writeAudit(pool, {
      actor,
      action: 'retention.run',
      agencyId: agency.id,
      details: { days: retention, at: now.toISOString(), ...counts },
    });
  }
  return result;
}

const cutoff = (now: Date, days: number) => new Date(now.getTime() - days * 86_400_000);

/** Messages a live legal hold covers: in a held chat, or found (text or file) to hold a held subject's identifier. */
const HELD = `(m.chat_id IN (SELECT h.chat_id FROM legal_holds h WHERE h.agency_id = m.agency_id AND h.removed_at IS NULL AND h.chat_id IS NOT NULL)
  OR EXISTS (SELECT 1 FROM subject_index s JOIN legal_holds h ON h.agency_id = s.agency_id AND h.digest = s.digest AND h.removed_at IS NULL
              WHERE s.agency_id = m.agency_id AND (s.message_id = m.id
                 OR s.sha256 IN (SELECT a.sha256 FROM message_attachments a WHERE a.message_id = m.id))))`;

/** A message waiting for a decision stays until it is decided. */
const AWAITING_REVIEW = `EXISTS (SELECT 1 FROM review_items r WHERE r.message_id = m.id AND r.status IN ('open', 'escalated'))`;

async function enforceFor(
  pool: pg.Pool,
  dataDir: string,
  agencyId: string,
  days: RetentionSetting,
  now: Date,
): Promise<RetentionCounts> {
  const counts: RetentionCounts = { messages: 0, attachments: 0, originals: 0, evidence: 0, held: 0 };
  if (days.messages) {
    const before = cutoff(now, days.messages);
    counts.held = await countHeld(pool, agencyId, before);
    for (;;) {
      const deleted = await pool.query(
        `DELETE FROM messages WHERE id IN (
           SELECT m.id FROM messages m WHERE m.agency_id = $1 AND m.sent_at < $2 AND NOT ${HELD}
              AND NOT ${AWAITING_REVIEW} LIMIT ${CHUNK})`,
        [agencyId, before],
      );
      counts.messages += deleted.rowCount ?? 0;
      if ((deleted.rowCount ?? 0) < CHUNK) break;
    }
  }
  if (days.attachments) {
    const unlinked = await pool.query(
      `UPDATE message_attachments a SET withheld = true FROM messages m
        WHERE m.id = a.message_id AND m.agency_id = $1 AND m.sent_at < $2 AND NOT a.withheld AND a.sha256 IS NOT NULL
          AND NOT ${HELD} AND NOT ${AWAITING_REVIEW}`,
      [agencyId, cutoff(now, days.attachments)],
    );
    counts.attachments = unlinked.rowCount ?? 0;
  }
  if (days.originals) {
    const cleared = await pool.query(
      `UPDATE review_items r SET original = NULL FROM messages m
        WHERE m.id = r.message_id AND r.agency_id = $1 AND r.original IS NOT NULL AND r.decided_at < $2
          AND r.status NOT IN ('open', 'escalated') AND NOT ${HELD}`,
      [agencyId, cutoff(now, days.originals)],
    );
    counts.originals = cleared.rowCount ?? 0;
  }
  if (days.evidence) {
    const removed = await pool.query(
      `DELETE FROM review_items r USING messages m
        WHERE m.id = r.message_id AND r.agency_id = $1 AND r.decided_at < $2
          AND r.status NOT IN ('open', 'escalated') AND NOT ${HELD}`,
      [agencyId, cutoff(now, days.evidence)],
    );
    counts.evidence = removed.rowCount ?? 0;
  }
  await removeUnusedFiles(pool, dataDir, agencyId);
  return counts;
}

async function countHeld(pool: pg.Pool, agencyId: string, before: Date): Promise<number> {
  const held = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM messages m WHERE m.agency_id = $1 AND m.sent_at < $2 AND ${HELD}`,
    [agencyId, before],
  );
  return held.rows[0]!.n;
}

/**
 * Bytes no message delivers any more leave the store: the attachment store's blob and the agency's sealed original
 * of a redacted file. Found by what the agency stored (attachment_owners: its files and redacted copies alike) that
 * none of its messages holds — an unlinked file and a deleted message's files the same way.
 */
async function removeUnusedFiles(pool: pg.Pool, dataDir: string, agencyId: string) {
  const orphans = await pool.query<{ sha256: string }>(
    `SELECT o.sha256 FROM attachment_owners o WHERE o.agency_id = $1
        AND NOT EXISTS (SELECT 1 FROM message_attachments a JOIN messages m ON m.id = a.message_id
                         WHERE m.agency_id = $1 AND NOT a.withheld AND (a.sha256 = o.sha256 OR a.redacted_sha256 = o.sha256))`,
    [agencyId],
  );
  for (const { sha256 } of orphans.rows) {
    const used = await pool.query(
      `SELECT 1 FROM message_attachments WHERE NOT withheld AND (sha256 = $1 OR redacted_sha256 = $1) LIMIT 1`,
      [sha256],
    );
    if ((used.rowCount ?? 0) > 0) continue;
    await rm(blobPath(dataDir, sha256), { force: true });
    await rm(sealedPath(dataDir, agencyId, sha256), { force: true });
  }
}

export interface HoldRequest {
  agency: string;
  chat?: string;
  subject?: SubjectQuery;
  note: string;
}

export interface HoldView {
  id: string;
  agency: string;
  chat: string | null;
  subject: { category: string; digest: string } | null;
  note: string;
  createdBy: string;
  createdAt: string;
}

/** A legal hold on a chat (its national id, or platform:source chat id) or on a subject's identifier (admin). */
export async function addHold(
  store: Store,
  actor: Actor,
  keyring: () => Promise<Keyring>,
  request: HoldRequest,
): Promise<HoldView> {
  requireRole(actor, ADMIN, 'place legal holds');
  if (Boolean(request.chat) === Boolean(request.subject))
    throw new UsageError('a hold is on one chat (--chat) or one subject (--iin, --phone, …), not both');
  const agency = await requireAgency(store.pool, request.agency);
  const chatId = request.chat ? await chatIdOf(store.pool, agency.id, request.chat) : null;
  const keys = request.subject ? requireIndexKey(await keyring()) : null;
  const s = request.subject;
  const digest = keys && s ? subjectDigest(keys.current, s.category, s.value) : null;
  // sealed as the index seals values, so that a rotation of the index key re-keys the hold too
  const sealed = keys && s ? sealSubject(keys.current, s.category, s.value) : null;
  // the admin's free text: an identifier typed into it is masked before it is stored or shown
  const note = maskPersonalData(request.note);
  const row = await store.pool.query<{ id: string; created_at: Date }>(
    `INSERT INTO legal_holds (id, agency_id, chat_id, category, digest, sealed, key_id, note, created_by)
     VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8) RETURNING id::text, created_at`,
    [agency.id, chatId, s?.category ?? null, digest, sealed, keys?.currentId ?? null, note, actor.name],
  );
  const id = row.rows[0]!.id;
  const subject =
    request.subject && digest ? { category: request.subject.category, digest: digestLabel(digest) } : null;
  await writeAudit(store.pool, {
    actor,
    action: 'hold.add',
    agencyId: agency.id,
    subject: `hold:${id}`,
    details: { chatId, ...(subject ? { subject } : {}) },
  });
  return {
    id,
    agency: agency.slug,
    chat: chatId,
    subject,
    note,
    createdBy: actor.name,
    createdAt: row.rows[0]!.created_at.toISOString(),
  };
}

async function chatIdOf(pool: pg.Pool, agencyId: string, chat: string): Promise<string> {
  const national = /^[0-9a-f-]{36}$/i.test(chat);
  const source = national ? null : parseSource(chat);
  const found = source
    ? await pool.query<{ id: string }>(
        `SELECT chat_id::text AS id FROM chat_sources WHERE agency_id = $1 AND platform = $2 AND source_chat_id = $3`,
        [agencyId, source.platform, source.chatId],
      )
    : await pool.query<{ id: string }>(`SELECT id::text FROM chats WHERE agency_id = $1 AND id = $2`, [agencyId, chat]);
  if (!found.rows[0])
    throw new NotFoundError(`no chat ${chat} in this agency (give its national id, or platform:chat id)`, 'agency');
  return found.rows[0].id;
}

export async function listHolds(store: Store, actor: Actor, agency?: string): Promise<HoldView[]> {
  requireRole(actor, ADMIN, 'list legal holds');
  const agencyId = agency ? (await requireAgency(store.pool, agency)).id : null;
  const rows = await store.pool.query<{
    id: string;
    slug: string;
    chat_id: string | null;
    category: string | null;
    digest: Buffer | null;
    note: string;
    created_by: string;
    created_at: Date;
  }>(
    `SELECT h.id::text, a.slug, h.chat_id::text, h.category, h.digest, h.note, h.created_by, h.created_at
       FROM legal_holds h JOIN agencies a ON a.id = h.agency_id
      WHERE h.removed_at IS NULL AND ($1::uuid IS NULL OR h.agency_id = $1) ORDER BY h.created_at`,
    [agencyId],
  );
  await writeAudit(store.pool, { actor, action: 'hold.list', details: { holds: rows.rows.length } });
  return rows.rows.map((r) => ({
    id: r.id,
    agency: r.slug,
    chat: r.chat_id,
    subject: r.category && r.digest ? { category: r.category, digest: digestLabel(r.digest) } : null,
    note: r.note,
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
  }));
}

export async function removeHold(store: Store, actor: Actor, id: string): Promise<void> {
  requireRole(actor, ADMIN, 'remove legal holds');
  const removed = /^[0-9a-f-]{36}$/i.test(id)
    ? await store.pool.query<{ agency_id: string }>(
        `UPDATE legal_holds SET removed_at = now(), removed_by = $2 WHERE id = $1 AND removed_at IS NULL RETURNING agency_id::text`,
        [id, actor.name],
      )
    : { rows: [] };
  if (!removed.rows[0]) throw new NotFoundError(`no legal hold ${id} in force`, 'agency');
  await writeAudit(store.pool, {
    actor,
    action: 'hold.remove',
    agencyId: removed.rows[0].agency_id,
    subject: `hold:${id}`,
  });
}
