import { createHash } from 'node:crypto';
import type pg from 'pg';
import { UsageError } from '../core/errors.ts';
import type { Keyring } from '../core/keys.ts';
import { inTransaction } from '../store/database.ts';
import { writeAudit } from '../audit/log.ts';
import { canSeeAgency, decisionRefusal, ForbiddenError, type Actor } from '../auth/roles.ts';
import {
  openOriginalMessage,
  SEALED_ORIGINAL_COLUMNS,
  sealedOriginalFrom,
  type SealedOriginalRow,
} from './originals.ts';
import { requireItemId } from './items.ts';

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

/** A note is free text an officer wrote: the audit entry carries its digest, never the text. */
const noteDigest = (note: string | undefined) =>
  note ? createHash('sha256').update(note, 'utf8').digest('hex') : undefined;

type Locked = {
  id: string;
  agency_id: string;
  status: string;
  categories: string[] | null;
  message_id: string;
  text: string;
} & SealedOriginalRow;

async function lockItem(client: pg.PoolClient, actor: Actor, id: string): Promise<Locked> {
  const found = await client.query<Locked>(
    `SELECT r.id, r.agency_id, r.status, r.categories, m.id::text AS message_id, m.text, ${SEALED_ORIGINAL_COLUMNS}
       FROM review_items r JOIN messages m ON m.id = r.message_id WHERE r.id = $1 FOR UPDATE OF r, m`,
    [requireItemId(id)],
  );
  const item = found.rows[0];
  if (!item || !canSeeAgency(actor, item.agency_id))
    throw new UsageError(`no review item ${id} that you may see; list them with: aitu-gateway review list`);
  return item;
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
 * Decides one item, in one transaction, finally:
 * - approve: the delivered redacted copy is replaced with the original;
 * - redact: the redacted copy stays;
 * - reject: the delivered copy is blanked, marked withdrawn and loses its attachments (kept, marked withheld); the item
 *   keeps the encrypted original as evidence;
 * - false-positive: the original is delivered and each finding is recorded as the detector's miss, with the term that
 *   fired (the finding's explanation termId; none for pattern detectors).
 * Open items: an officer of the agency or an admin; escalated items: an admin only; decided items: nobody.
 */
export async function decideItem(
  pool: pg.Pool,
  keyring: Keyring,
  actor: Actor,
  id: string,
  decision: Decision,
  note?: string,
): Promise<Outcome> {
  return inTransaction(pool, async (client) => {
    const item = await lockItem(client, actor, id);
    const refusal = decisionRefusal(actor, { agencyId: item.agency_id, status: item.status }, 'decide');
    if (refusal) throw new ForbiddenError(`review item ${item.id} cannot be decided: ${refusal}`);
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
            [item.agency_id, item.id, actor.name, item.message_id],
          )
        ).rowCount ?? 0;
    }
    await client.query(
      `UPDATE review_items SET status = $2, decided_at = now(), decided_by = $3, note = $4, redacted_text = coalesce(redacted_text, $5) WHERE id = $1`,
      [item.id, status, actor.name, note ?? null, item.text],
    );
    await writeAudit(client, {
      actor,
      action: 'review.decide',
      agencyId: item.agency_id,
      subject: item.id,
      details: {
        decision,
        from: item.status,
        to: status,
        messageId: item.message_id,
        categories: item.categories ?? [],
        detectorFeedback: feedback || undefined,
        withheldAttachments: withheld || undefined,
        noteSha256: noteDigest(note),
      },
    });
    return { id: item.id, status };
  });
}

/** Hands an open item to the admins: an officer can no longer decide it. */
export async function escalateItem(pool: pg.Pool, actor: Actor, id: string, note?: string): Promise<Outcome> {
  return inTransaction(pool, async (client) => {
    const item = await lockItem(client, actor, id);
    const refusal = decisionRefusal(actor, { agencyId: item.agency_id, status: item.status }, 'escalate');
    if (refusal) throw new ForbiddenError(`review item ${item.id} cannot be escalated: ${refusal}`);
    await client.query(
      `UPDATE review_items SET status = 'escalated', escalated_at = now(), escalated_by = $2, escalation_note = $3 WHERE id = $1`,
      [item.id, actor.name, note ?? null],
    );
    await writeAudit(client, {
      actor,
      action: 'review.escalate',
      agencyId: item.agency_id,
      subject: item.id,
      details: {
        from: item.status,
        messageId: item.message_id,
        categories: item.categories ?? [],
        noteSha256: noteDigest(note),
      },
    });
    return { id: item.id, status: 'escalated' };
  });
}
