import type pg from 'pg';
import type { Keyring } from '../core/keys.ts';
import {
  openOriginalMessage,
  SEALED_ORIGINAL_COLUMNS,
  sealedOriginalFrom,
  type SealedOriginalRow,
} from './originals.ts';
import { requireItemId } from './items.ts';

/**
 * The store's side of review decisions: locking an item, and what a decision or an escalation does to it and its
 * message. Who may decide, which agencies they see and the audit entry are the service layer's
 * (src/service/review.ts), which calls these inside its own transaction.
 */

export const DECISIONS = ['approve', 'redact', 'reject', 'false-positive'] as const;
export type Decision = (typeof DECISIONS)[number];

const statusAfter: Record<Decision, string> = {
  approve: 'approved',
  redact: 'redacted',
  reject: 'rejected',
  'false-positive': 'false_positive',
};

export interface Outcome {
  id: string;
  status: string;
}

/** An item and its message, locked for the rest of the transaction. */
export type LockedItem = {
  id: string;
  agency_id: string;
  status: string;
  categories: string[] | null;
  message_id: string;
  text: string;
} & SealedOriginalRow;

/** The item and its message, locked until the transaction ends; null when there is no such item. */
export async function lockReviewItem(client: pg.PoolClient, id: string): Promise<LockedItem | null> {
  const found = await client.query<LockedItem>(
    `SELECT r.id, r.agency_id, r.status, r.categories, m.id::text AS message_id, m.text, ${SEALED_ORIGINAL_COLUMNS}
       FROM review_items r JOIN messages m ON m.id = r.message_id WHERE r.id = $1 FOR UPDATE OF r, m`,
    [requireItemId(id)],
  );
  return found.rows[0] ?? null;
}

/**
 * A rejected message's delivered copy: its text blanked, its formatting and its attachments gone from it. The
 * attachment rows stay, marked withheld, with their blobs: evidence, like the item's encrypted original.
 * Returns how many attachments were withheld.
 */
async function withdrawMessage(client: pg.PoolClient, messageId: string): Promise<number> {
  await client.query(
    `UPDATE messages SET text = '', withdrawn = true,
            body = ((CASE WHEN body ? 'entities' THEN jsonb_set(body, '{entities}', '[]'::jsonb) ELSE body END) #- '{extra,originalEntities}') - 'attachments'
      WHERE id = $1`,
    [messageId],
  );
  const withheld = await client.query(
    `UPDATE message_attachments SET withheld = true WHERE message_id = $1 AND NOT withheld`,
    [messageId],
  );
  return withheld.rowCount ?? 0;
}

/**
 * Applies a final decision to a locked item (in the caller's transaction):
 * - approve: the delivered redacted copy is replaced with the original;
 * - redact: the redacted copy stays;
 * - reject: the delivered copy is blanked, marked withdrawn and loses its attachments (kept, marked withheld); the item
 *   keeps the encrypted original as evidence;
 * - false-positive: the original is delivered and each finding is recorded as the detector's miss, with the term that
 *   fired (the finding's explanation termId; none for pattern detectors).
 * Whether `by` may decide it is the caller's to have checked.
 */
export async function applyDecision(
  client: pg.PoolClient,
  keyring: Keyring,
  item: LockedItem,
  decision: Decision,
  by: string,
  note?: string,
): Promise<{ status: string; withheldAttachments: number; detectorFeedback: number }> {
  const status = statusAfter[decision];
  let withheld = 0;
  if (decision === 'approve' || decision === 'false-positive') {
    const { text, ...parts } = openOriginalMessage(keyring, sealedOriginalFrom(item));
    // the original's formatting entities (kept aside by the classify stage) come back with its text, and its
    // structured parts (a contact card, a poll, a service event's participants) as they were received
    await client.query(
      `UPDATE messages SET text = $2, redacted = false,
              body = (CASE WHEN body->'extra' ? 'originalEntities'
                           THEN jsonb_set(body, '{entities}', body->'extra'->'originalEntities') #- '{extra,originalEntities}'
                           ELSE body END) || $3::jsonb
        WHERE id = $1`,
      [item.message_id, text, JSON.stringify(parts)],
    );
  } else if (decision === 'reject') {
    withheld = await withdrawMessage(client, item.message_id);
  }
  let feedback = 0;
  if (decision === 'false-positive') {
    feedback =
      (
        await client.query(
          `INSERT INTO detector_feedback (agency_id, review_item_id, message_id, detector, category, confidence, term_id, verdict, decided_by)
           SELECT $1::uuid, $2::uuid, f.message_id, f.detector, f.category, f.confidence, f.explanation->>'termId', 'false_positive', $3
             FROM findings f WHERE f.message_id = $4`,
          [item.agency_id, item.id, by, item.message_id],
        )
      ).rowCount ?? 0;
  }
  await client.query(
    `UPDATE review_items SET status = $2, decided_at = now(), decided_by = $3, note = $4, redacted_text = coalesce(redacted_text, $5) WHERE id = $1`,
    [item.id, status, by, note ?? null, item.text],
  );
  return { status, withheldAttachments: withheld, detectorFeedback: feedback };
}

/** Hands a locked open item to the admins (in the caller's transaction): an officer can no longer decide it. */
export async function markEscalated(client: pg.PoolClient, item: LockedItem, by: string, note?: string): Promise<void> {
  await client.query(
    `UPDATE review_items SET status = 'escalated', escalated_at = now(), escalated_by = $2, escalation_note = $3 WHERE id = $1`,
    [item.id, by, note ?? null],
  );
}
