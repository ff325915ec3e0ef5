import { createHash } from 'node:crypto';
import type pg from 'pg';
import { encryptOriginal, type Keyring } from '../../core/keys.ts';
import type { WireMessage } from '../../core/message.ts';
import { maskPersonalData } from '../../core/mask.ts';
import { inTransaction, isPostgresUnavailable } from '../../store/database.ts';
import { chatKey, resolveChats } from '../../store/chats.ts';
import { insertAttachments, insertFindings } from '../../store/findings.ts';
import { ensureIdentities } from '../../store/identities.ts';
import { insertMessages } from '../../store/messages.ts';
import type { DeadLetterPayload, DeliverItem, DeliverPayload } from '../queues.ts';

export interface BatchCounts {
  delivered: number;
  duplicates: number;
  blocked: number;
  failed: number;
  quarantined: number;
  redacted: number;
  flaggedByCategory: Record<string, number>;
}

export interface DeliverResult {
  counts: BatchCounts;
  /** the batch had been committed before (a replayed job): nothing was written */
  replayed: boolean;
}

export interface DeliverDependencies {
  /** encrypts the originals of quarantined messages */
  keyring: Keyring;
  /** hands messages that keep failing to the dead-letter queue; called before the batch is recorded */
  deadLetter(entries: DeadLetterPayload[]): Promise<void>;
  now?: () => Date;
}

/**
 * Fault injection for the crash tests: holds each delivery transaction open this long after its messages are
 * written, so a test can kill the process inside it. Zero (off) unless the variable is set.
 */
const faultDelayMs = Number(process.env.AITU_GATEWAY_FAULT_DELIVER_DELAY_MS ?? 0);

const transientCodes = new Set(['40001', '40P01', '53300', '53400', '55P03', '57014', '57P01', '57P02', '57P03']);

/** Errors worth retrying the whole job for: the database away, overloaded, or a serialization conflict. */
export function isTransientDatabaseError(error: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code ?? '';
  return transientCodes.has(code) || code.startsWith('08') || isPostgresUnavailable(error);
}

/**
 * The deliver stage's core: one transaction writes the batch set-wise (chats, identities, messages, findings,
 * attachments), its audit digest and, for import runs, the batch's record with its counts and checkpoint.
 * A message the database refuses is split out: the rest are delivered, it goes to the dead-letter queue.
 * Transient errors are thrown for the queue to retry. Safe to replay: a committed batch is not written again.
 */
export async function deliverBatch(pool: pg.Pool, payload: DeliverPayload, deps: DeliverDependencies): Promise<DeliverResult> {
  const now = deps.now ?? (() => new Date());
  const committed = await committedCounts(pool, payload);
  if (committed) return { counts: committed, replayed: true };
  try {
    return await inTransaction(pool, async (client) => {
      const counts = await writeItems(client, payload, payload.items, deps.keyring);
      return { counts: await recordBatch(client, payload, counts, payload.failed), replayed: false };
    });
  } catch (error) {
    if (isTransientDatabaseError(error)) throw error;
    if (isBatchAlreadyRecorded(error)) return { counts: (await committedCounts(pool, payload))!, replayed: true };
  }

  // some message in the batch is refused by the database: deliver the others one by one
  const totals = emptyCounts(payload.flaggedByCategory);
  const dead: DeadLetterPayload[] = [];
  for (const item of payload.items) {
    try {
      const counts = await inTransaction(pool, (client) => writeItems(client, payload, [item], deps.keyring));
      addCounts(totals, counts);
    } catch (error) {
      if (isTransientDatabaseError(error)) throw error;
      dead.push({
        agencyId: payload.agencyId,
        runId: payload.runId,
        stage: 'deliver',
        reason: maskPersonalData(`the store refused the message: ${(error as Error).message}`),
        message: item.message,
        failedAt: now().toISOString(),
      });
    }
  }
  if (dead.length > 0) await deps.deadLetter(dead);
  try {
    const counts = await inTransaction(pool, (client) => recordBatch(client, payload, totals, payload.failed + dead.length));
    return { counts, replayed: false };
  } catch (error) {
    if (isBatchAlreadyRecorded(error)) return { counts: (await committedCounts(pool, payload))!, replayed: true };
    throw error;
  }
}

/** Counts while writing, with the store ids of the new rows for the batch's audit digest. */
type WriteCounts = BatchCounts & { insertedIds: string[] };

function emptyCounts(flaggedByCategory: Record<string, number>): WriteCounts {
  return { delivered: 0, duplicates: 0, blocked: 0, failed: 0, quarantined: 0, redacted: 0, flaggedByCategory, insertedIds: [] };
}

function addCounts(into: WriteCounts, from: WriteCounts): void {
  into.insertedIds.push(...from.insertedIds);
  into.delivered += from.delivered;
  into.duplicates += from.duplicates;
  into.blocked += from.blocked;
  into.quarantined += from.quarantined;
  into.redacted += from.redacted;
}

async function committedCounts(pool: pg.Pool, payload: DeliverPayload): Promise<BatchCounts | null> {
  if (!payload.runId || payload.seq === null) return null;
  const result = await pool.query<{ counts: BatchCounts }>(`SELECT counts FROM import_batches WHERE run_id = $1 AND seq = $2`, [
    payload.runId,
    payload.seq,
  ]);
  return result.rows[0]?.counts ?? null;
}

function isBatchAlreadyRecorded(error: unknown): boolean {
  const e = error as { code?: string; constraint?: string };
  return e.code === '23505' && e.constraint === 'import_batches_pkey';
}

const messageKey = (platform: string, chatId: string, messageId: string) => `${platform}\u0000${chatId}\u0000${messageId}`;

async function writeItems(client: pg.PoolClient, payload: DeliverPayload, items: readonly DeliverItem[], keyring: Keyring): Promise<WriteCounts> {
  const counts = emptyCounts(payload.flaggedByCategory);
  const allowed = items.filter((item) => item.decision.action !== 'block');
  counts.blocked = items.length - allowed.length;
  const echoes = await ownSendsAmong(client, allowed);
  const deliverable = echoes.size === 0 ? allowed : allowed.filter(({ message }) => !echoes.has(messageKey(message.platform, message.chatId, message.messageId)));
  // a copy of a message the gateway itself sent is recognised and dropped, never bridged back
  counts.duplicates += allowed.length - deliverable.length;
  if (deliverable.length === 0) return counts;

  const chats = await resolveChats(
    client,
    payload.agencyId,
    deliverable.map(({ message }) => ({ platform: message.platform, sourceChatId: message.chatId, title: message.chatTitle })),
  );
  await ensureIdentities(
    client,
    payload.agencyId,
    deliverable.flatMap(({ message }) =>
      message.sender ? [{ platform: message.platform, platformId: message.sender.id, displayName: message.sender.name }] : [],
    ),
  );
  const inserted = await insertMessages(
    client,
    payload.agencyId,
    deliverable.map(({ message, decision }) => ({
      message: decision.redacted && message.service ? withMaskedParticipants(message) : message,
      chatId: chats.get(chatKey(message.platform, message.chatId)) ?? null,
      deliveredText: decision.deliveredText ?? message.text ?? '',
      redacted: decision.redacted,
      importRunId: payload.runId,
    })),
  );
  if (faultDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, faultDelayMs));
  const byKey = new Map(deliverable.map((item) => [messageKey(item.message.platform, item.message.chatId, item.message.messageId), item]));
  const newRows = inserted.map((row) => ({ id: row.id, item: byKey.get(messageKey(row.platform, row.sourceChatId, row.sourceMessageId))! }));
  await insertFindings(client, newRows.map(({ id, item }) => ({ messageId: id, findings: item.findings })));
  await insertAttachments(client, newRows.map(({ id, item }) => ({ messageId: id, attachments: item.message.attachments ?? [] })));
  await insertDecisions(client, payload.agencyId, newRows);
  await openReviewItems(client, payload.agencyId, newRows.filter(({ item }) => item.decision.action === 'quarantine'), keyring);

  counts.delivered = inserted.length;
  counts.duplicates += deliverable.length - inserted.length;
  for (const { item } of newRows) {
    if (item.decision.action === 'quarantine') counts.quarantined++;
    else if (item.decision.redacted) counts.redacted++;
  }
  counts.insertedIds = inserted.map((r) => r.id.toString());
  return counts;
}

/**
 * A redacted service event must not keep in its structured part what its text lost: participants written as
 * phone numbers ("X added +7 701 …") are masked there too.
 */
function withMaskedParticipants(message: WireMessage): WireMessage {
  const service = message.service!;
  return {
    ...message,
    service: {
      ...service,
      ...(service.actor ? { actor: maskPersonalData(service.actor) } : {}),
      ...(service.members ? { members: service.members.map(maskPersonalData) } : {}),
    },
  };
}

/** Incoming messages that are the gateway's own sends coming back (matched by the id the bridge returned). */
async function ownSendsAmong(client: pg.PoolClient, items: readonly DeliverItem[]): Promise<Set<string>> {
  if (items.length === 0) return new Set();
  const result = await client.query<{ target_platform: string; target_chat_id: string; foreign_message_id: string }>(
    `SELECT o.target_platform, o.target_chat_id, o.foreign_message_id FROM outbound_attempts o
       JOIN unnest($1::text[], $2::text[], $3::text[]) AS w(platform, chat_id, message_id)
         ON o.target_platform = w.platform AND o.target_chat_id = w.chat_id AND o.foreign_message_id = w.message_id
      WHERE o.status = 'sent'`,
    [items.map((i) => i.message.platform), items.map((i) => i.message.chatId), items.map((i) => i.message.messageId)],
  );
  return new Set(result.rows.map((r) => messageKey(r.target_platform, r.target_chat_id, r.foreign_message_id)));
}

/** Every delivered message's decision and the rule that made it, in one statement. */
async function insertDecisions(client: pg.PoolClient, agencyId: string, rows: readonly { id: bigint; item: DeliverItem }[]): Promise<void> {
  if (rows.length === 0) return;
  await client.query(
    `INSERT INTO decisions (agency_id, direction, message_id, action, rule, categories, reasons)
     SELECT $1::uuid, 'inbound', message_id, action, rule, string_to_array(categories, ','), reasons
       FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::jsonb[]) AS t(message_id, action, rule, categories, reasons)`,
    [
      agencyId,
      rows.map((r) => r.id.toString()),
      rows.map((r) => r.item.decision.action),
      rows.map((r) => r.item.decision.rule),
      rows.map((r) => r.item.decision.categories.join(',')),
      rows.map((r) => JSON.stringify(r.item.decision.reasons ?? [])),
    ],
  );
}

/** A quarantined message's original, encrypted with the current data key, waits for an officer. */
async function openReviewItems(client: pg.PoolClient, agencyId: string, rows: readonly { id: bigint; item: DeliverItem }[], keyring: Keyring): Promise<void> {
  if (rows.length === 0) return;
  await client.query(
    `INSERT INTO review_items (id, agency_id, message_id, status, categories, original, key_id)
     SELECT gen_random_uuid(), $1::uuid, message_id, 'open', string_to_array(categories, ','), original, $5
       FROM unnest($2::bigint[], $3::text[], $4::bytea[]) AS t(message_id, categories, original)
     ON CONFLICT (message_id) DO NOTHING`,
    [
      agencyId,
      rows.map((r) => r.id.toString()),
      rows.map((r) => r.item.decision.categories.join(',')),
      rows.map((r) => encryptOriginal(keyring.current, r.item.message.text ?? '')),
      keyring.currentId,
    ],
  );
}

/** The batch's audit digest (one entry per batch, never per message) and, for import runs, its record. */
async function recordBatch(client: pg.PoolClient, payload: DeliverPayload, counts: WriteCounts, failed: number): Promise<BatchCounts> {
  const { insertedIds, ...rest } = counts;
  const final: BatchCounts = { ...rest, failed };
  const digest = createHash('sha256').update(insertedIds.join(',')).digest('hex');
  await client.query(
    `INSERT INTO audit_log (actor, action, agency_id, subject, details) VALUES ('pipeline', 'deliver.batch', $1, $2, $3)`,
    [
      payload.agencyId,
      payload.runId ? `import-run:${payload.runId}#${payload.seq}` : 'live',
      JSON.stringify({ ...final, messageIdsSha256: digest, firstId: insertedIds[0] ?? null, lastId: insertedIds.at(-1) ?? null }),
    ],
  );
  if (payload.runId && payload.seq !== null) {
    await client.query(`INSERT INTO import_batches (run_id, seq, checkpoint, counts) VALUES ($1, $2, $3, $4)`, [
      payload.runId,
      payload.seq,
      JSON.stringify(payload.checkpoint ?? {}),
      JSON.stringify(final),
    ]);
  }
  return final;
}
