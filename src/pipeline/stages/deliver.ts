import { createHash } from 'node:crypto';
import type pg from 'pg';
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
      const counts = await writeItems(client, payload, payload.items);
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
      const counts = await inTransaction(pool, (client) => writeItems(client, payload, [item]));
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

async function writeItems(client: pg.PoolClient, payload: DeliverPayload, items: readonly DeliverItem[]): Promise<WriteCounts> {
  const counts = emptyCounts(payload.flaggedByCategory);
  const deliverable = items.filter((item) => item.decision.action !== 'block');
  counts.blocked = items.length - deliverable.length;
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
      message,
      chatId: chats.get(chatKey(message.platform, message.chatId)) ?? null,
      deliveredText: decision.deliveredText,
      redacted: decision.redacted,
      importRunId: payload.runId,
    })),
  );
  if (faultDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, faultDelayMs));
  const byKey = new Map(deliverable.map((item) => [messageKey(item.message.platform, item.message.chatId, item.message.messageId), item]));
  const newRows = inserted.map((row) => ({ id: row.id, item: byKey.get(messageKey(row.platform, row.sourceChatId, row.sourceMessageId))! }));
  await insertFindings(client, newRows.map(({ id, item }) => ({ messageId: id, findings: item.findings })));
  await insertAttachments(client, newRows.map(({ id, item }) => ({ messageId: id, attachments: item.message.attachments })));

  counts.delivered = inserted.length;
  counts.duplicates = deliverable.length - inserted.length;
  for (const { item } of newRows) {
    if (item.decision.action === 'quarantine') counts.quarantined++;
    else if (item.decision.redacted) counts.redacted++;
  }
  counts.insertedIds = inserted.map((r) => r.id.toString());
  return counts;
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
