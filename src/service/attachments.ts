/**
 * A message's attachments as received, for the people who may see originals (an officer of its agency or an admin):
 * a file redacted with black boxes is opened from its sealed original, any other from the attachment store. Every
 * viewing is audited before the bytes are returned, with counts and hashes, never names or content.
 */
import { writeAudit } from '../audit/log.ts';
import { canViewOriginal, canSeeAgency, ForbiddenError, requireRole, type Actor } from '../auth/roles.ts';
import { NotFoundError } from '../core/errors.ts';
import type { Keyring } from '../core/keys.ts';
import { getReviewItem } from '../review/items.ts';
import type { Store } from '../store/database.ts';
import { reviewScope } from './review.ts';
import { readOriginalFile } from '../store/redactions.ts';

export interface OriginalFile {
  /** 1-based, as review items number attachments */
  position: number;
  name: string;
  mime: string | null;
  sha256: string;
  /** delivered as a copy with black boxes; these bytes are the sealed original */
  redacted: boolean;
  /** null: the store no longer holds the file (a missing export file, or removed) */
  bytes: Buffer | null;
}

/** `only`: the 1-based position of the one file wanted (a console download); all of them when absent. */
export async function viewOriginalFiles(
  store: Store,
  actor: Actor,
  messageId: string,
  keyring: () => Promise<Keyring>,
  dataDir: string,
  only?: number,
): Promise<{ agencyId: string; files: OriginalFile[] }> {
  requireRole(actor, ['officer', 'admin'], 'view original attachments');
  const agencyId = await messageAgency(store, actor, messageId);
  if (!canViewOriginal(actor, agencyId))
    throw new ForbiddenError(
      `${actor.name} (${actor.role}) may not view the original attachments of message ${messageId}`,
      'agency',
    );
  const rows = await store.pool.query<{ position: number; name: string; mime: string | null; sha256: string }>(
    `SELECT position, name, mime, sha256 FROM message_attachments
      WHERE message_id = $1 AND sha256 IS NOT NULL AND NOT missing AND ($2::int IS NULL OR position = $2 - 1)
      ORDER BY position`,
    [messageId, only ?? null],
  );
  const files: OriginalFile[] = [];
  for (const row of rows.rows) {
    const { bytes, redaction } = await readOriginalFile(store.pool, dataDir, await keyring(), agencyId, row.sha256);
    files.push({ ...row, position: row.position + 1, redacted: redaction !== null, bytes });
  }
  await writeAudit(store.pool, {
    actor,
    action: 'attachment.view-original',
    agencyId,
    subject: `message:${messageId}`,
    details: { files: files.map((f) => ({ sha256: f.sha256, redacted: f.redacted, held: f.bytes !== null })) },
  });
  return { agencyId, files };
}

/** The message's agency; a message the actor may not see is not found, as an item of another agency is. */
async function messageAgency(store: Store, actor: Actor, messageId: string): Promise<string> {
  const found = /^\d{1,18}$/.test(messageId)
    ? await store.pool.query<{ agency_id: string }>(`SELECT agency_id FROM messages WHERE id = $1`, [messageId])
    : { rows: [] };
  const agencyId = found.rows[0]?.agency_id;
  if (!agencyId || !canSeeAgency(actor, agencyId)) throw new NotFoundError(`no message ${messageId}`, 'message');
  return agencyId;
}

/** One attachment of a review item's message (the console's download), as viewOriginalFiles, audited the same. */
export async function viewItemFile(
  store: Store,
  actor: Actor,
  itemId: string,
  position: number,
  keyring: () => Promise<Keyring>,
  dataDir: string,
): Promise<OriginalFile> {
  requireRole(actor, ['officer', 'admin'], 'view original attachments');
  const item = await getReviewItem(store.pool, reviewScope(actor), itemId);
  const { files } = await viewOriginalFiles(store, actor, item.messageId, keyring, dataDir, position);
  const file = files[0];
  if (!file?.bytes)
    throw new NotFoundError(`review item ${itemId} has no attachment ${position} in the store`, 'message');
  return file;
}
