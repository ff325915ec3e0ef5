import type pg from 'pg';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { writeAudit } from '../audit/log.ts';
import { putOwnedBlob } from '../store/attachments.ts';
import { auditableChatId } from '../audit/fields.ts';
import { OPERATORS, requireRole, type Actor } from '../auth/roles.ts';
import { UsageError } from '../core/errors.ts';
import { loadKeyring } from '../core/keys.ts';
import { submitOutbound, type OutboundResult } from '../outbound/gate.ts';
import type { Queues } from '../pipeline/queues.ts';
import { policyLoader } from '../pipeline/workers.ts';
import { requireAgency } from '../store/agencies.ts';
import { inTransaction, type Store } from '../store/database.ts';

/** A person's send through the outbound gate (operator, admin): the agency's policy decides, the attempt is audited. */
export interface SendInput {
  agency: string;
  target: { platform: string; chatId: string };
  text: string;
  /** the store id of a message of the target chat this one replies to */
  replyTo?: string;
  /** a file to send with the text */
  attach?: { path: string; kind?: 'photo' | 'document' };
}

export async function sendAs(
  store: Store,
  queues: Pick<Queues, 'outboundFor'>,
  actor: Actor,
  input: SendInput,
  keyFile: string,
  dataDir?: string,
): Promise<OutboundResult> {
  requireRole(actor, OPERATORS, 'send through the outbound gate');
  const agency = await requireAgency(store.pool, input.agency);
  const [policy, keyring] = await Promise.all([policyLoader(store)(agency.id), loadKeyring(keyFile)]);
  const replyTo = input.replyTo
    ? await foreignReplyTarget(store.pool, agency.id, input.target, input.replyTo)
    : undefined;
  const attachment = input.attach ? await storeOutgoingFile(store.pool, agency.id, input.attach, dataDir) : undefined;
  return submitOutbound(
    store,
    queues,
    {
      agencyId: agency.id,
      target: input.target,
      text: input.text,
      author: actor.name,
      ...(replyTo ? { replyTo } : {}),
      ...(attachment ? { attachment } : {}),
    },
    { policy, hashKey: keyring.hashKey, dataDir, indexKeys: keyring.index },
    actor,
  );
}

/** The foreign id of a stored message of the target chat (a bridged one, or one the gateway sent there). */
async function foreignReplyTarget(
  pool: Pick<pg.Pool, 'query'>,
  agencyId: string,
  target: { platform: string; chatId: string },
  messageId: string,
): Promise<string> {
  if (!/^\d{1,19}$/.test(messageId))
    throw new UsageError(`--reply-to takes a message's store id (a number), not "${messageId}"`);
  const row = await pool.query<{ source_message_id: string }>(
    `SELECT source_message_id FROM messages WHERE id = $1 AND agency_id = $2 AND platform = $3 AND source_chat_id = $4`,
    [messageId, agencyId, target.platform, target.chatId],
  );
  const found = row.rows[0];
  if (!found)
    throw new UsageError(
      `message ${messageId} is not a message of ${target.platform} chat ${auditableChatId(target.platform, target.chatId)} in this agency`,
    );
  return found.source_message_id;
}

/** Puts a file to send into the attachment store (owned by the agency) and describes it for the gate. */
async function storeOutgoingFile(
  pool: Pick<pg.Pool, 'query'>,
  agencyId: string,
  attach: NonNullable<SendInput['attach']>,
  dataDir: string | undefined,
) {
  if (!dataDir) throw new UsageError('sending a file needs the data directory (AITU_GATEWAY_DATA_DIR)');
  const info = await stat(attach.path).catch(() => null);
  if (!info?.isFile()) throw new UsageError(`--attach ${attach.path}: no such file`);
  const blob = await putOwnedBlob(pool, dataDir, { agencyId }, createReadStream(attach.path));
  const name = path.basename(attach.path);
  const kind = attach.kind ?? (/\.(jpe?g|png|webp)$/i.test(name) ? 'photo' : 'document');
  return { sha256: blob.sha256, name, kind } as const;
}

export interface UncertainSend {
  attemptId: string;
  agency: string;
  platform: string;
  chatId: string;
  sendingSince: string | null;
}

/** Attempts that may or may not have reached their platform (a sender stopped mid-send): a person checks each. */
export async function listUncertainSends(pool: Pick<pg.Pool, 'query'>): Promise<UncertainSend[]> {
  const result = await pool.query<{
    id: string;
    slug: string;
    target_platform: string;
    target_chat_id: string;
    sending_at: Date | null;
  }>(
    `SELECT o.id, a.slug, o.target_platform, o.target_chat_id, o.sending_at
       FROM outbound_attempts o JOIN agencies a ON a.id = o.agency_id
      WHERE o.status = 'uncertain' ORDER BY o.sending_at NULLS FIRST, o.id`,
  );
  return result.rows.map((r) => ({
    attemptId: r.id,
    agency: r.slug,
    platform: r.target_platform,
    chatId: r.target_chat_id,
    sendingSince: r.sending_at?.toISOString() ?? null,
  }));
}

/**
 * Records what a person found for an uncertain attempt (operator, admin): it reached the platform (`sent`, with
 * the foreign id when they found it), or it did not (`failed`; send it again with a new `send`). Audited.
 */
export async function resolveUncertainSend(
  pool: pg.Pool,
  actor: Actor,
  attemptId: string,
  outcome: { sent: true; foreignMessageId?: string } | { sent: false },
): Promise<void> {
  requireRole(actor, OPERATORS, 'resolve outbound attempts');
  if (!/^[0-9a-f-]{36}$/i.test(attemptId)) throw new UsageError(`"${attemptId}" is not an outbound attempt id`);
  await inTransaction(pool, async (client) => {
    const updated = await client.query<{ agency_id: string }>(
      `UPDATE outbound_attempts SET status = $2, foreign_message_id = coalesce($3, foreign_message_id), sent_at = CASE WHEN $2 = 'sent' THEN now() END
        WHERE id = $1 AND status = 'uncertain' RETURNING agency_id`,
      [attemptId, outcome.sent ? 'sent' : 'failed', outcome.sent ? (outcome.foreignMessageId ?? null) : null],
    );
    const row = updated.rows[0];
    if (!row) throw new UsageError(`outbound attempt ${attemptId} is not uncertain; see: aitu-gateway status`);
    await writeAudit(client, {
      actor,
      action: 'outbound.resolve',
      agencyId: row.agency_id,
      subject: `outbound:${attemptId}`,
      details: {
        attemptId,
        outcome: outcome.sent ? 'sent' : 'not-sent',
        foreignMessageId: outcome.sent ? (outcome.foreignMessageId ?? null) : null,
      },
    });
  });
}
