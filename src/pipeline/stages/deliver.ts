import { createHash } from 'node:crypto';
import type pg from 'pg';
import { machineActor } from '../../core/machine-actor.ts';
import { encryptOriginal, requireIndexKey, type Keyring } from '../../core/keys.ts';
import { originalFromSeal } from '../../core/original.ts';
import { maskPersonalData } from '../../core/mask.ts';
import { inTransaction } from '../../store/database.ts';
import { isTransientDatabaseError } from '../../store/postgres-errors.ts';
import { chatKey, resolveChats } from '../../store/chats.ts';
import {
  batchSize,
  decisionOf,
  isDuplicateMessageError,
  messageAt,
  originalBinding,
  pickMessages,
  writeDelivery,
  type DeliveryBatch,
} from '../../store/delivery.ts';
import { applyEdits, withdrawDeleted } from '../../store/edits.ts';
import { ensureIdentities } from '../../store/identities.ts';
import { markPendingInspection } from '../../store/inspections.ts';
import { indexMessages, type MessageSubjects } from '../../store/subjects.ts';
import type { DeadLetterPayload, DeliverPayload } from '../queues.ts';

/** A batch's counts: read = delivered + edited + duplicates + blocked + failed over its messages. */
export interface BatchCounts {
  /** new to the store (a service event that deletes a stored message is one too) */
  delivered: number;
  /** later versions of stored messages, applied (or, for a message rejected in review, kept withheld) */
  edited: number;
  duplicates: number;
  blocked: number;
  failed: number;
  /** of the delivered and edited messages (but withheld versions), those policy quarantined */
  quarantined: number;
  /** of the delivered and edited messages (but withheld versions), those delivered redacted */
  redacted: number;
  flaggedByCategory: Record<string, number>;
}

export interface DeliverResult {
  counts: BatchCounts;
  /** the batch had been committed before (a replayed job): nothing was written */
  replayed: boolean;
  /** store ids of the messages this delivery inserted, edited or withdrew (what a relay into Aitu follows) */
  changedIds: string[];
  /** the files (sha256) its messages wait for: one extract job each */
  toInspect: string[];
}

export interface DeliverDependencies {
  /** encrypts the originals of quarantined messages */
  keyring: Keyring;
  /** hands messages that keep failing to the dead-letter queue; called before the batch is recorded */
  deadLetter(entries: DeadLetterPayload[]): Promise<void>;
  now?: () => Date;
  /** who the batch's audit entry names (default: this process's OS user and host, see machineActor) */
  actor?: string;
}

/**
 * Fault injection for the crash tests: holds each delivery transaction open this long after its messages are
 * written, so a test can kill the process inside it. Zero (off) unless the variable is set.
 */
const faultDelayMs = Number(process.env.AITU_GATEWAY_FAULT_DELIVER_DELAY_MS ?? 0);

/**
 * The deliver stage's core: one transaction writes the batch set-wise (chats, identities, messages, findings,
 * attachments), its audit digest and, for import runs, the batch's record with its counts and checkpoint.
 * A message the database refuses is split out: the rest are delivered, it goes to the dead-letter queue.
 * Transient errors are thrown for the queue to retry. Safe to replay: a committed batch is not written again.
 */
export async function deliverBatch(
  pool: pg.Pool,
  payload: DeliverPayload,
  deps: DeliverDependencies,
): Promise<DeliverResult> {
  const now = deps.now ?? (() => new Date());
  const actor = deps.actor ?? machineActor().name;
  const committed = await committedCounts(pool, payload);
  if (committed) return { counts: committed, replayed: true, changedIds: [], toInspect: [] };
  const writeWhole = (assumeNew: boolean) =>
    inTransaction(pool, async (client) => {
      const counts = await writeMessages(client, payload, payload, deps.keyring, assumeNew);
      return {
        counts: await recordBatch(client, payload, counts, payload.failed, actor),
        replayed: false,
        changedIds: changedIdsOf(counts),
        toInspect: counts.toInspect,
      };
    });
  try {
    const assumeNew = Date.now() - duplicatesMetAt > DUPLICATES_MEMORY_MS;
    try {
      return await writeWhole(assumeNew);
    } catch (error) {
      if (!(assumeNew && isDuplicateMessageError(error))) throw error;
      // some of it is stored already (an overlapping export, a re-import): again, skipping what is there. The failed
      // statement's rows before the duplicate are left as dead tuples for vacuum: once per such batch, not per row
      // after, since the process then skips duplicates from the start for a while
      duplicatesMetAt = Date.now();
      return await writeWhole(false);
    }
  } catch (error) {
    if (isTransientDatabaseError(error)) throw error;
    if (isBatchAlreadyRecorded(error))
      return { counts: (await committedCounts(pool, payload))!, replayed: true, changedIds: [], toInspect: [] };
  }

  // some message in the batch is refused by the database: deliver the others one by one
  const totals = emptyCounts(payload);
  const dead: DeadLetterPayload[] = [];
  for (let i = 0; i < batchSize(payload); i++) {
    try {
      const counts = await inTransaction(pool, (client) =>
        writeMessages(client, payload, pickMessages(payload, [i]), deps.keyring),
      );
      addCounts(totals, counts);
    } catch (error) {
      if (isTransientDatabaseError(error)) throw error;
      dead.push({
        agencyId: payload.agencyId,
        runId: payload.runId,
        stage: 'deliver',
        reason: maskPersonalData(`the store refused the message: ${(error as Error).message}`),
        message: messageAt(payload, i),
        failedAt: now().toISOString(),
      });
    }
  }
  if (dead.length > 0) await deps.deadLetter(dead);
  try {
    const counts = await inTransaction(pool, (client) =>
      recordBatch(client, payload, totals, payload.failed + dead.length, actor),
    );
    return { counts, replayed: false, changedIds: changedIdsOf(totals), toInspect: totals.toInspect };
  } catch (error) {
    if (isBatchAlreadyRecorded(error))
      return { counts: (await committedCounts(pool, payload))!, replayed: true, changedIds: [], toInspect: [] };
    throw error;
  }
}

function changedIdsOf(counts: WriteCounts): string[] {
  return [...counts.insertedIds, ...counts.editedIds, ...counts.withdrawnIds];
}

/** Counts while writing, with the store ids of the new, edited and withdrawn rows for the batch's audit entry. */
type WriteCounts = BatchCounts & {
  /** the files (sha256) of messages now pending inspection */
  toInspect: string[];
  insertedIds: string[];
  editedIds: string[];
  withdrawnIds: string[];
  reviews: Record<'opened' | 'updated' | 'reopened', number>;
};

function emptyCounts(payload: DeliverPayload): WriteCounts {
  return {
    delivered: 0,
    edited: 0,
    duplicates: 0,
    blocked: payload.blocked,
    failed: 0,
    quarantined: 0,
    redacted: 0,
    flaggedByCategory: payload.flaggedByCategory,
    toInspect: [],
    insertedIds: [],
    editedIds: [],
    withdrawnIds: [],
    reviews: { opened: 0, updated: 0, reopened: 0 },
  };
}

function addCounts(into: WriteCounts, from: WriteCounts): void {
  into.toInspect.push(...from.toInspect.filter((sha256) => !into.toInspect.includes(sha256)));
  into.insertedIds.push(...from.insertedIds);
  into.editedIds.push(...from.editedIds);
  into.withdrawnIds.push(...from.withdrawnIds);
  for (const key of ['opened', 'updated', 'reopened'] as const) into.reviews[key] += from.reviews[key];
  into.edited += from.edited;
  into.delivered += from.delivered;
  into.duplicates += from.duplicates;
  into.quarantined += from.quarantined;
  into.redacted += from.redacted;
}

async function committedCounts(pool: pg.Pool, payload: DeliverPayload): Promise<BatchCounts | null> {
  if (!payload.runId || payload.seq === null) return null;
  const result = await pool.query<{ counts: BatchCounts }>({
    name: 'aitu-batch-committed',
    text: `SELECT counts FROM import_batches WHERE run_id = $1 AND seq = $2`,
    values: [payload.runId, payload.seq],
  });
  const counts = result.rows[0]?.counts;
  // batches recorded before edits were counted have no `edited`
  return counts ? { ...counts, edited: counts.edited ?? 0 } : null;
}

function isBatchAlreadyRecorded(error: unknown): boolean {
  const e = error as { code?: string; constraint?: string };
  return e.code === '23505' && e.constraint === 'import_batches_pkey';
}

/**
 * When this process last met a batch holding messages already in the store. A first import's batches are written
 * assuming their messages are new (the cheaper statement, see writeDelivery's `assumeNew`); a batch that meets a
 * duplicate is written again, and for a while after that every batch skips duplicates from the start, so that a
 * re-import does not pay each batch twice.
 */
let duplicatesMetAt = Number.NEGATIVE_INFINITY;
const DUPLICATES_MEMORY_MS = 60_000;

async function writeMessages(
  client: pg.PoolClient,
  payload: DeliverPayload,
  batch: DeliveryBatch,
  keyring: Keyring,
  assumeNew = false,
): Promise<WriteCounts> {
  const counts = emptyCounts(payload);
  const m = batch.messages;
  const size = batchSize(batch);
  if (size === 0) return counts;

  const chats = await resolveChats(
    client,
    payload.agencyId,
    batch.chats.map((chat) => ({ platform: chat.platform, sourceChatId: chat.chatId, title: chat.title })),
  );
  await ensureIdentities(
    client,
    payload.agencyId,
    batch.senders.map((sender) => ({ platform: sender.platform, platformId: sender.id, displayName: sender.name })),
  );

  const quarantined: number[] = [];
  for (let i = 0; i < size; i++) if (decisionOf(batch, i).action === 'quarantine') quarantined.push(i);
  const delivered = await writeDelivery(client, {
    agencyId: payload.agencyId,
    importRunId: payload.runId,
    batch,
    nationalChatIds: batch.chats.map((chat) => chats.get(chatKey(chat.platform, chat.chatId))!),
    reviews: {
      message: quarantined,
      sealedOriginal: quarantined.map((i) =>
        encryptOriginal(keyring.current, m.original[i] ?? m.text[i]!, originalBinding(payload.agencyId, batch, i)),
      ),
      keyId: keyring.currentId,
    },
    assumeNew,
  });
  // what the statement did not insert is a duplicate, unless it edits a stored message (rare: looked up set-wise,
  // applied one by one); a first import inserts everything and skips this
  const insertedIndexes = new Set(delivered.map((row) => row.index));
  const notInserted: number[] = [];
  for (let i = 0; i < size; i++) if (!insertedIndexes.has(i)) notInserted.push(i);
  const edited =
    notInserted.length === 0
      ? []
      : await applyEdits(client, { agencyId: payload.agencyId, batch, notInserted, keyring });
  counts.withdrawnIds = await withdrawDeleted(client, payload.agencyId, batch, [...insertedIndexes]);
  if (faultDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, faultDelayMs));

  counts.delivered = delivered.length;
  counts.edited = edited.length;
  // already in the store unchanged, repeated within the batch, or the gateway's own send coming back
  counts.duplicates = size - delivered.length - edited.length;
  const shown = [
    ...delivered.map((row) => row.index),
    ...edited.filter((row) => !row.withheld).map((row) => row.index),
  ];
  for (const index of shown) {
    if (decisionOf(batch, index).action === 'quarantine') counts.quarantined++;
    else if (m.redacted[index]) counts.redacted++;
  }
  for (const row of edited) if (row.review) counts.reviews[row.review]++;
  counts.insertedIds = delivered.map((row) => row.id.toString());
  counts.editedIds = edited.map((row) => row.id.toString());
  const written = subjectsOf(batch, [...delivered, ...edited]);
  await indexMessages(client, payload.agencyId, requireIndexKey(keyring), written, counts.editedIds);
  // a message whose attachment bytes the gateway holds waits for them to be read (the extract stage)
  if (holdsAttachmentBytes(batch))
    counts.toInspect = await markPendingInspection(client, payload.agencyId, [
      ...counts.insertedIds,
      ...counts.editedIds,
    ]);
  return counts;
}

/**
 * The written messages' texts as received (a changed text's original, else the text) with their findings, for the
 * subject index: findings' offsets are in the text as received.
 */
function subjectsOf(batch: DeliveryBatch, rows: readonly { index: number; id: bigint }[]): MessageSubjects[] {
  const m = batch.messages;
  const f = batch.findings;
  const byMessage = new Map<number, MessageSubjects['findings'][number][]>();
  for (let k = 0; k < f.message.length; k++) {
    const list = byMessage.get(f.message[k]!) ?? [];
    list.push({ category: f.category[k]!, start: f.start[k]!, end: f.end[k]! });
    byMessage.set(f.message[k]!, list);
  }
  return rows.map(({ index, id }) => ({
    messageId: id.toString(),
    text: m.original[index] ? originalFromSeal(m.original[index]!).text : m.text[index]!,
    findings: byMessage.get(index) ?? [],
  }));
}

function holdsAttachmentBytes(batch: DeliveryBatch): boolean {
  const a = batch.attachments;
  for (let j = 0; j < a.sha256.length; j++) if (a.sha256[j] && !a.missing[j]) return true;
  return false;
}

/** The batch's audit digest (one entry per batch, never per message) and, for import runs, its record. */
async function recordBatch(
  client: pg.PoolClient,
  payload: DeliverPayload,
  counts: WriteCounts,
  failed: number,
  actor: string,
): Promise<BatchCounts> {
  const { insertedIds, editedIds, withdrawnIds, reviews, toInspect: _toInspect, ...rest } = counts;
  const final: BatchCounts = { ...rest, failed };
  const digest = createHash('sha256').update(insertedIds.join(',')).digest('hex');
  // edits and withdrawals are rare: their store ids are listed (ids only, never content)
  const changes = {
    ...(editedIds.length > 0
      ? { editedIds, editedIdsSha256: createHash('sha256').update(editedIds.join(',')).digest('hex') }
      : {}),
    ...(withdrawnIds.length > 0 ? { withdrawnIds } : {}),
    ...(reviews.opened + reviews.updated + reviews.reopened > 0 ? { reviewItemsByEdits: reviews } : {}),
  };
  await client.query({
    name: 'aitu-batch-audit',
    text: `INSERT INTO audit_log (actor, action, agency_id, subject, details) VALUES ($4, 'deliver.batch', $1, $2, $3)`,
    values: [
      payload.agencyId,
      payload.runId ? `import-run:${payload.runId}#${payload.seq}` : 'live',
      JSON.stringify({
        ...final,
        messageIdsSha256: digest,
        firstId: insertedIds[0] ?? null,
        lastId: insertedIds.at(-1) ?? null,
        ...changes,
      }),
      actor,
    ],
  });
  if (payload.runId && payload.seq !== null) {
    await client.query({
      name: 'aitu-batch-record',
      text: `INSERT INTO import_batches (run_id, seq, checkpoint, counts) VALUES ($1, $2, $3, $4)`,
      values: [payload.runId, payload.seq, JSON.stringify(payload.checkpoint ?? {}), JSON.stringify(final)],
    });
  }
  return final;
}
