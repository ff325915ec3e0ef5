import type pg from 'pg';
import { decryptOriginal, encryptOriginal, OriginalFormat, type Keyring } from '../core/keys.ts';
import { binaryArray } from './binary-array.ts';
import {
  decisionOf,
  messageChats,
  originalBinding,
  storedBodies,
  type DeliveryBatch,
  type StoredDecision,
} from './delivery.ts';

type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/** Review statuses no officer has decided yet: an edit replaces such an item's content and it stays undecided. */
const PENDING_REVIEW = new Set(['open', 'escalated']);

/** A message's stored version, as far as telling and applying an edit needs it. */
export interface StoredVersion {
  id: string;
  /** epoch milliseconds; null: never edited */
  editedAt: number | null;
  kind: string;
  text: string;
  /** the body as stored (JSON) */
  body: unknown;
  /** the action of the decision that delivered it */
  action: string;
  review: { id: string; status: string; original: Buffer | null; keyId: string | null; format: number } | null;
}

/** What became of one message of the batch that edited a stored one. */
export interface EditedRow {
  /** index into the batch's messages */
  index: number;
  id: bigint;
  /** the message had been rejected in review: the version is kept only encrypted in message_versions, never shown */
  withheld: boolean;
  /** what the edit did to the message's review item */
  review: 'opened' | 'updated' | 'reopened' | null;
}

export interface EditRequest {
  agencyId: string;
  batch: DeliveryBatch;
  /** the batch's messages the delivery statement did not insert, in batch order */
  notInserted: readonly number[];
  /** encrypts new originals (current key) and, to compare, decrypts stored ones */
  keyring: Keyring;
}

/**
 * Finds which of the messages a delivery did not insert edit a stored message, and applies them (issue 17): the
 * stored row shows the latest version, the version it showed goes to message_versions. An edit is a message whose
 * key is stored, whose `editedAt` is later than the stored one's (or the stored one was never edited), and whose
 * content differs; anything else stays a duplicate, so re-importing an export counts duplicates only.
 *
 * Set-based where it costs: one statement looks up every candidate, and only those edited later than their stored
 * version come back (a re-import's duplicates stop there). Edits are rare: each is applied with a few statements of
 * its own, in batch order, so a batch holding a message and its edit applies both. A copy of a message the gateway
 * itself sent is never an edit (it is never stored; the echo check is repeated here all the same).
 */
export async function applyEdits(db: Queryable, request: EditRequest): Promise<EditedRow[]> {
  const { batch } = request;
  const candidates = request.notInserted.filter(
    (i) => batch.messages.editedAt[i] !== null && batch.messages.editedAt[i] !== undefined,
  );
  if (candidates.length === 0) return [];
  const stored = await storedVersions(db, request.agencyId, batch, candidates);
  if (stored.size === 0) return [];
  const bodies = storedBodies(batch);
  const edited: EditedRow[] = [];
  for (const i of candidates) {
    const current = stored.get(i);
    if (!current || !isEdit(current, request, i, bodies[i]!)) continue;
    const row = await applyEdit(db, request, current, i, bodies[i]!);
    edited.push(row);
    // a later copy of the same message in this batch compares with this version
    const newer = refreshed(current, batch, i, bodies[i]!, row);
    for (const [j, version] of stored) if (version.id === current.id) stored.set(j, newer);
  }
  return edited;
}

/** The stored versions of the candidates edited later than them, by candidate index, locked for the edit. */
async function storedVersions(
  db: Queryable,
  agencyId: string,
  batch: DeliveryBatch,
  candidates: readonly number[],
): Promise<Map<number, StoredVersion>> {
  const { platform, chatId } = messageChats(batch);
  const m = batch.messages;
  const result = await db.query<{
    ord: string;
    id: string;
    edited_at: Date | null;
    kind: string;
    text: string;
    body: unknown;
    action: string;
    review_id: string | null;
    review_status: string | null;
    original: Buffer | null;
    key_id: string | null;
    original_format: number | null;
  }>({
    name: 'aitu-edit-candidates',
    text: `SELECT w.ord, m.id::text AS id, m.edited_at, m.kind, m.text, m.body, d.action,
                  r.id::text AS review_id, r.status AS review_status, r.original, r.key_id, r.original_format
             FROM unnest($2::text[], $3::text[], $4::text[], $5::timestamptz[]) WITH ORDINALITY AS w(platform, chat_id, message_id, edited_at, ord)
             JOIN messages m ON m.agency_id = $1 AND m.platform = w.platform AND m.source_chat_id = w.chat_id AND m.source_message_id = w.message_id
             JOIN decisions d ON d.id = m.decision_id
             LEFT JOIN review_items r ON r.message_id = m.id
            WHERE (m.edited_at IS NULL OR w.edited_at > m.edited_at)
              AND NOT EXISTS (SELECT 1 FROM outbound_attempts o
                               WHERE o.status = 'sent' AND o.target_platform = w.platform AND o.target_chat_id = w.chat_id AND o.foreign_message_id = w.message_id)
            ORDER BY m.id
            FOR UPDATE OF m`,
    values: [
      agencyId,
      binaryArray(
        'text',
        candidates.map((i) => platform[i]!),
      ),
      binaryArray(
        'text',
        candidates.map((i) => chatId[i]!),
      ),
      binaryArray(
        'text',
        candidates.map((i) => m.messageId[i]!),
      ),
      binaryArray(
        'timestamptz',
        candidates.map((i) => m.editedAt[i]!),
      ),
    ],
  });
  const versions = new Map<number, StoredVersion>();
  for (const row of result.rows) {
    versions.set(candidates[Number(row.ord) - 1]!, {
      id: row.id,
      editedAt: row.edited_at ? row.edited_at.getTime() : null,
      kind: row.kind,
      text: row.text,
      body: row.body,
      action: row.action,
      review:
        row.review_id === null
          ? null
          : {
              id: row.review_id,
              status: row.review_status!,
              original: row.original,
              keyId: row.key_id,
              format: Number(row.original_format ?? OriginalFormat.bound),
            },
    });
  }
  return versions;
}

/** Whether message i of the batch is a later, different version of the stored one (see applyEdits). */
function isEdit(stored: StoredVersion, request: EditRequest, i: number, body: string): boolean {
  const { batch, keyring } = request;
  const editedAt = Date.parse(batch.messages.editedAt[i]!);
  if (stored.editedAt !== null && editedAt <= stored.editedAt) return false;
  // a rejected message shows nothing of itself: a later version of it is one to keep, withheld
  if (stored.review?.status === 'rejected') return true;
  if (differsFromStored(stored, { kind: batch.messages.kind[i]!, text: batch.messages.text[i]!, body })) return true;
  // the delivered copies alike (a tagged copy hides what it tags): a quarantined message's original tells
  const sealed = storedOriginal(stored);
  const key = sealed?.keyId ? keyring.get(sealed.keyId) : undefined;
  if (!sealed || !key || sealed.format !== OriginalFormat.bound) return false;
  try {
    return decryptOriginal(key, sealed.original, originalBinding(request.agencyId, batch, i)) !== originalOf(batch, i);
  } catch {
    // not readable with this key file: nothing tells the versions apart
    return false;
  }
}

/**
 * Whether a message's delivered copy (kind, text, body with its attachments) differs from the stored one's. The
 * chat's title is the chat's, not the message's: it is left out of the comparison. Also used by an import's dry run.
 */
export function differsFromStored(
  stored: Pick<StoredVersion, 'kind' | 'text' | 'body'>,
  incoming: { kind: string; text: string; body: string },
): boolean {
  if (stored.kind !== incoming.kind || stored.text !== incoming.text) return true;
  const withoutTitle = (body: unknown) => {
    const { chatTitle: _title, ...rest } = (body ?? {}) as Record<string, unknown>;
    return canonicalJson(rest);
  };
  return withoutTitle(stored.body) !== withoutTitle(JSON.parse(incoming.body));
}

/** JSON with object keys sorted, so that two values equal as jsonb compare equal as text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The review item's encrypted original when it is the stored version's: the version was quarantined, or its item
 * is still undecided (an edit replaces an undecided item's original whatever its new decision).
 */
function storedOriginal(stored: StoredVersion): { original: Buffer; keyId: string | null; format: number } | null {
  const review = stored.review;
  if (!review?.original) return null;
  if (stored.action !== 'quarantine' && !PENDING_REVIEW.has(review.status)) return null;
  return { original: review.original, keyId: review.keyId, format: review.format };
}

/** Message i's original as the review item seals it: the text and structured parts as received. */
const originalOf = (batch: DeliveryBatch, i: number): string => batch.messages.original[i] ?? batch.messages.text[i]!;

/** Message i's original, encrypted with the current key and bound to the message. */
const sealOriginal = (request: EditRequest, i: number): Buffer =>
  encryptOriginal(
    request.keyring.current,
    originalOf(request.batch, i),
    originalBinding(request.agencyId, request.batch, i),
  );

/** Applies message i of the batch as the stored message's new version (isEdit said it is one). */
async function applyEdit(
  db: Queryable,
  request: EditRequest,
  stored: StoredVersion,
  i: number,
  body: string,
): Promise<EditedRow> {
  const { batch } = request;
  const m = batch.messages;
  const decision = decisionOf(batch, i);
  const decisionId = await insertDecision(db, request.agencyId, decision);
  const id = BigInt(stored.id);
  if (stored.review?.status === 'rejected') {
    await keepWithheld(db, request, stored, i, decisionId);
    return { index: i, id, withheld: true, review: null };
  }
  await keepVersion(db, stored);
  await db.query({
    name: 'aitu-edit-message',
    text: `UPDATE messages SET kind = $2, text = $3, body = $4::jsonb, edited_at = $5, redacted = $6, decision_id = $7 WHERE id = $1`,
    values: [stored.id, m.kind[i], m.text[i], body, m.editedAt[i], m.redacted[i], decisionId],
  });
  await db.query({
    name: 'aitu-edit-findings-clear',
    text: `DELETE FROM findings WHERE message_id = $1`,
    values: [stored.id],
  });
  await db.query({
    name: 'aitu-edit-findings',
    text: `INSERT INTO findings (message_id, category, start, "end", confidence, detector, explanation)
           SELECT $1, f.category, f.start, f."end", f.confidence, f.detector, f.explanation
             FROM jsonb_to_recordset($2::jsonb) AS f(category text, start int, "end" int, confidence float8, detector text, explanation jsonb)`,
    values: [stored.id, JSON.stringify(findingsOf(batch, i))],
  });
  const attachments = attachmentsOf(batch, i);
  await db.query({
    name: 'aitu-edit-blobs',
    text: `INSERT INTO attachment_blobs (sha256, size, mime)
           SELECT a.sha256, coalesce(a.size, 0), a.mime FROM jsonb_to_recordset($1::jsonb) AS a(sha256 text, size bigint, mime text)
            WHERE a.sha256 IS NOT NULL
           ON CONFLICT (sha256) DO NOTHING`,
    values: [JSON.stringify(attachments)],
  });
  await db.query({
    name: 'aitu-edit-attachments-clear',
    text: `DELETE FROM message_attachments WHERE message_id = $1`,
    values: [stored.id],
  });
  await db.query({
    name: 'aitu-edit-attachments',
    text: `INSERT INTO message_attachments (message_id, position, name, mime, size, sha256, missing)
           SELECT $1, a.position, a.name, a.mime, a.size, a.sha256, a.missing
             FROM jsonb_to_recordset($2::jsonb) AS a(position int, name text, mime text, size bigint, sha256 text, missing bool)`,
    values: [stored.id, JSON.stringify(attachments)],
  });
  const review = await reviseReview(db, request, stored, i, decision);
  return { index: i, id, withheld: false, review };
}

/** A decision row of its own for an edit (a batch's shared rows are written only for new messages). */
async function insertDecision(db: Queryable, agencyId: string, decision: StoredDecision): Promise<string> {
  const result = await db.query<{ id: string }>({
    name: 'aitu-edit-decision',
    text: `INSERT INTO decisions (agency_id, direction, action, rule, categories, reasons) VALUES ($1, 'inbound', $2, $3, $4::text[], $5::jsonb) RETURNING id::text`,
    values: [agencyId, decision.action, decision.rule, [...decision.categories], JSON.stringify(decision.reasons)],
  });
  return result.rows[0]!.id;
}

/**
 * Copies the version the message shows into message_versions, with its findings and attachment references and,
 * when it was quarantined, its encrypted original from the review item (bound to the message's key, so the copy
 * still decrypts; nothing is decrypted here).
 */
async function keepVersion(db: Queryable, stored: StoredVersion): Promise<void> {
  await db.query({
    name: 'aitu-edit-keep-version',
    text: `INSERT INTO message_versions (message_id, version, kind, text, body, edited_at, redacted, decision_id, findings, attachments,
                                         review_status, original, key_id, original_format)
           SELECT m.id, coalesce((SELECT max(v.version) FROM message_versions v WHERE v.message_id = m.id), 0) + 1,
                  m.kind, m.text, m.body, m.edited_at, m.redacted, m.decision_id,
                  coalesce((SELECT jsonb_agg(jsonb_build_object('category', f.category, 'start', f.start, 'end', f."end", 'confidence', f.confidence,
                                                                'detector', f.detector, 'explanation', f.explanation) ORDER BY f.id)
                              FROM findings f WHERE f.message_id = m.id), '[]'::jsonb),
                  coalesce((SELECT jsonb_agg(jsonb_build_object('position', a.position, 'name', a.name, 'mime', a.mime, 'size', a.size,
                                                                'sha256', a.sha256, 'missing', a.missing, 'withheld', a.withheld) ORDER BY a.position)
                              FROM message_attachments a WHERE a.message_id = m.id), '[]'::jsonb),
                  r.status,
                  CASE WHEN $2 THEN r.original END, CASE WHEN $2 THEN r.key_id END, CASE WHEN $2 THEN r.original_format END
             FROM messages m LEFT JOIN review_items r ON r.message_id = m.id
            WHERE m.id = $1`,
    values: [stored.id, storedOriginal(stored) !== null],
  });
}

/**
 * A later version of a message rejected in review: the message keeps its rejected state (blanked, withdrawn, its
 * item rejected); the version is kept only encrypted, its text and body empty and its attachments without names.
 * The message's edited_at follows it, so the same version coming again is a duplicate.
 */
async function keepWithheld(
  db: Queryable,
  request: EditRequest,
  stored: StoredVersion,
  i: number,
  decisionId: string,
): Promise<void> {
  const { batch } = request;
  const m = batch.messages;
  const attachments = attachmentsOf(batch, i).map(({ name: _name, ...reference }) => ({
    ...reference,
    withheld: true,
  }));
  await db.query({
    name: 'aitu-edit-keep-withheld',
    text: `INSERT INTO message_versions (message_id, version, kind, text, body, edited_at, redacted, decision_id, findings, attachments,
                                         review_status, withheld, original, key_id, original_format)
           SELECT $1, coalesce((SELECT max(v.version) FROM message_versions v WHERE v.message_id = $1), 0) + 1,
                  $2, '', '{}'::jsonb, $3, $4, $5, $6::jsonb, $7::jsonb, 'rejected', true, $8, $9, $10`,
    values: [
      stored.id,
      m.kind[i],
      m.editedAt[i],
      m.redacted[i],
      decisionId,
      JSON.stringify(findingsOf(batch, i)),
      JSON.stringify(attachments),
      sealOriginal(request, i),
      request.keyring.currentId,
      OriginalFormat.bound,
    ],
  });
  await db.query({
    name: 'aitu-edit-withheld-time',
    text: `UPDATE messages SET edited_at = $2 WHERE id = $1`,
    values: [stored.id, m.editedAt[i]],
  });
}

/**
 * The review item after an edit: an undecided item gets the new version's content (encrypted original, categories)
 * and stays undecided, whatever the new decision (an officer still decides); a new version policy quarantines opens
 * an item, or reopens a decided one (a message has a single item; the earlier decision stays with the version kept
 * and in the audit log). A decided item and a new version policy does not quarantine: the item is left as decided.
 */
async function reviseReview(
  db: Queryable,
  request: EditRequest,
  stored: StoredVersion,
  i: number,
  decision: StoredDecision,
): Promise<EditedRow['review']> {
  const review = stored.review;
  const content = [sealOriginal(request, i), request.keyring.currentId, OriginalFormat.bound, [...decision.categories]];
  if (review && PENDING_REVIEW.has(review.status)) {
    await db.query({
      name: 'aitu-edit-review-update',
      text: `UPDATE review_items SET original = $2, key_id = $3, original_format = $4, categories = $5::text[] WHERE id = $1`,
      values: [review.id, ...content],
    });
    return 'updated';
  }
  if (decision.action !== 'quarantine') return null;
  if (review) {
    await db.query({
      name: 'aitu-edit-review-reopen',
      text: `UPDATE review_items SET status = 'open', original = $2, key_id = $3, original_format = $4, categories = $5::text[],
                    decided_at = NULL, decided_by = NULL, note = NULL, redacted_text = NULL, escalated_at = NULL, escalated_by = NULL, escalation_note = NULL
              WHERE id = $1`,
      values: [review.id, ...content],
    });
    return 'reopened';
  }
  await db.query({
    name: 'aitu-edit-review-open',
    text: `INSERT INTO review_items (id, agency_id, message_id, status, original, key_id, original_format, categories)
           VALUES (gen_random_uuid(), $1, $2, 'open', $3, $4, $5, $6::text[])`,
    values: [request.agencyId, stored.id, ...content],
  });
  return 'opened';
}

/** Message i's findings as rows for jsonb_to_recordset (spans and detector names, never the matched text). */
function findingsOf(batch: DeliveryBatch, i: number) {
  const f = batch.findings;
  const rows = [];
  for (let j = 0; j < f.message.length; j++) {
    if (f.message[j] !== i) continue;
    rows.push({
      category: f.category[j]!,
      start: f.start[j]!,
      end: f.end[j]!,
      confidence: f.confidence[j]!,
      detector: f.detector[j]!,
      explanation: JSON.parse(f.explanation[j]!) as unknown,
    });
  }
  return rows;
}

/** Message i's attachment references as rows for jsonb_to_recordset. */
function attachmentsOf(batch: DeliveryBatch, i: number) {
  const a = batch.attachments;
  const rows = [];
  for (let j = 0; j < a.message.length; j++) {
    if (a.message[j] !== i) continue;
    rows.push({
      position: a.position[j]!,
      name: a.name[j]!,
      mime: a.mime[j] ?? null,
      size: a.size[j] ?? null,
      sha256: a.sha256[j] ?? null,
      missing: a.missing[j]!,
    });
  }
  return rows;
}

/** The stored version after message i was applied to it, for a later copy in the same batch to compare with. */
function refreshed(
  stored: StoredVersion,
  batch: DeliveryBatch,
  i: number,
  body: string,
  row: EditedRow,
): StoredVersion {
  const editedAt = Date.parse(batch.messages.editedAt[i]!);
  if (row.withheld) return { ...stored, editedAt };
  const status = row.review === 'reopened' || row.review === 'opened' ? 'open' : stored.review?.status;
  // the item's new original is not at hand (only its ciphertext was written): a later copy compares delivered copies
  const review =
    stored.review || row.review
      ? { id: stored.review?.id ?? '', status: status!, original: null, keyId: null, format: OriginalFormat.bound }
      : null;
  return {
    ...stored,
    editedAt,
    kind: batch.messages.kind[i]!,
    text: batch.messages.text[i]!,
    body: JSON.parse(body) as unknown,
    action: decisionOf(batch, i).action,
    review,
  };
}

/**
 * Deletes (issue 17): a newly stored service event `deleted` naming its target marks the target, a message of the
 * same chat, withdrawn. The target keeps its row and versions as evidence, and the event is itself stored. A target
 * not (yet) stored is left alone: the event alone records the delete. Returns the withdrawn messages' ids.
 */
export async function withdrawDeleted(
  db: Queryable,
  agencyId: string,
  batch: DeliveryBatch,
  inserted: readonly number[],
): Promise<string[]> {
  const { platform, chatId } = messageChats(batch);
  const targets = { platform: [] as string[], chatId: [] as string[], messageId: [] as string[] };
  for (const i of inserted) {
    if (batch.messages.kind[i] !== 'service') continue;
    const service = (JSON.parse(batch.messages.body[i]!) as { service?: { type?: string; targetMessageId?: string } })
      .service;
    if (service?.type !== 'deleted' || !service.targetMessageId) continue;
    targets.platform.push(platform[i]!);
    targets.chatId.push(chatId[i]!);
    targets.messageId.push(service.targetMessageId);
  }
  if (targets.messageId.length === 0) return [];
  const result = await db.query<{ id: string }>({
    name: 'aitu-withdraw-deleted',
    text: `UPDATE messages m SET withdrawn = true
             FROM unnest($2::text[], $3::text[], $4::text[]) AS t(platform, chat_id, message_id)
            WHERE m.agency_id = $1 AND m.platform = t.platform AND m.source_chat_id = t.chat_id AND m.source_message_id = t.message_id AND NOT m.withdrawn
           RETURNING m.id::text AS id`,
    values: [
      agencyId,
      binaryArray('text', targets.platform),
      binaryArray('text', targets.chatId),
      binaryArray('text', targets.messageId),
    ],
  });
  return result.rows.map((r) => r.id);
}
