import { createHash } from 'node:crypto';
import type pg from 'pg';
import { encryptOriginal, type Keyring } from '../../core/keys.ts';
import type { WireMessage } from '../../core/message.ts';
import { maskPersonalData } from '../../core/mask.ts';
import { inTransaction, isPostgresUnavailable } from '../../store/database.ts';
import { chatKey, resolveChats } from '../../store/chats.ts';
import { writeDelivery, type DeliveryRow, type StoredDecision } from '../../store/delivery.ts';
import { ensureIdentities } from '../../store/identities.ts';
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

async function writeItems(client: pg.PoolClient, payload: DeliverPayload, items: readonly DeliverItem[], keyring: Keyring): Promise<WriteCounts> {
  const counts = emptyCounts(payload.flaggedByCategory);
  const allowed = items.filter((item) => item.decision.action !== 'block');
  counts.blocked = items.length - allowed.length;
  if (allowed.length === 0) return counts;

  const chats = await resolveChats(
    client,
    payload.agencyId,
    allowed.map(({ message }) => ({ platform: message.platform, sourceChatId: message.chatId, title: message.chatTitle })),
  );
  await ensureIdentities(
    client,
    payload.agencyId,
    allowed.flatMap(({ message }) => (message.sender ? [{ platform: message.platform, platformId: message.sender.id, displayName: message.sender.name }] : [])),
  );
  const decisions: StoredDecision[] = [];
  const decisionIndex = new Map<string, number>();
  const rows = allowed.map(({ message, decision, findings }): DeliveryRow => {
    const key = `${decision.action}\u0000${decision.rule}\u0000${decision.categories.join(',')}\u0000${decision.reasons ? JSON.stringify(decision.reasons) : ''}`;
    let index = decisionIndex.get(key);
    if (index === undefined) {
      index = decisions.push({ action: decision.action, rule: decision.rule, categories: decision.categories, reasons: decision.reasons ?? [] }) - 1;
      decisionIndex.set(key, index);
    }
    return {
      message: decision.redacted && message.service ? withMaskedParticipants(message) : message,
      chatId: chats.get(chatKey(message.platform, message.chatId))!,
      deliveredText: decision.deliveredText ?? message.text ?? '',
      redacted: decision.redacted,
      decision: index,
      findings,
      ...(decision.action === 'quarantine' ? { quarantinedOriginal: encryptOriginal(keyring.current, message.text ?? '') } : {}),
    };
  });
  const delivered = await writeDelivery(client, { agencyId: payload.agencyId, importRunId: payload.runId, decisions, rows, keyId: keyring.currentId });
  if (faultDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, faultDelayMs));

  counts.delivered = delivered.length;
  // already in the store, repeated within the batch, or the gateway's own send coming back
  counts.duplicates = allowed.length - delivered.length;
  for (const { index } of delivered) {
    const { decision } = allowed[index]!;
    if (decision.action === 'quarantine') counts.quarantined++;
    else if (decision.redacted) counts.redacted++;
  }
  counts.insertedIds = delivered.map((row) => row.id.toString());
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
