import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'winston';
import { JobFailedError } from '../core/errors.ts';
import type { Checkpoint, HistoryEntry, HistorySource } from '../core/history.ts';
import type { Attachment } from '../core/message.ts';
import { describeLimit, formatCount, inputLimits } from '../core/limits.ts';
import { createProgress } from '../core/progress.ts';
import { blobPath, DataDirectoryFullError, putOwnedBlob } from '../store/attachments.ts';
import { whileStoreAway, type Store } from '../store/database.ts';
import { addDeadLetters } from './dead-letter.ts';
import { Queue } from '../core/bullmq.ts';
import { maskPersonalData } from '../core/mask.ts';
import { BATCH_SIZE, contentJobId, producerConnection, QueueName, type QueueContext, type Queues } from './queues.ts';
import { runClassifyStage } from './stages/classify.processor.ts';
import { PipelineFeed } from './feed.ts';
import type { BatchCounts } from './stages/deliver.ts';
import { policyLoader } from './workers.ts';
import { loadKeyring, readHashKey, requireQueueKey } from '../core/keys.ts';
import { decisionOf, messageChats, storedBodies } from '../store/delivery.ts';
import { differsFromStored } from '../store/edits.ts';
import { inspectionCounts } from '../store/inspections.ts';
import { startWorkers } from './workers.ts';

/** The `--json` summary of an import: counted for this run, with read = delivered + edited + duplicates + blocked + failed. */
export interface ImportSummary {
  runId: string | null;
  resumedFrom: string | null;
  status: 'completed' | 'failed';
  read: number;
  serviceEvents: number;
  delivered: number;
  /** only in a --dry-run, in place of delivered */
  wouldDeliver?: number;
  /** later versions of messages already stored (on a dry run: that would be applied) */
  edited: number;
  duplicates: number;
  blocked: number;
  failed: number;
  attachments: number;
  missingAttachments: number;
  flaggedByCategory: Record<string, number>;
  quarantined: number;
  redacted: number;
  /**
   * The run's attachments by what became of them (read, not read: UNINSPECTED, still pending), and its messages
   * that what their attachments hold quarantined or blocked (beside the text's own decisions counted above).
   */
  inspection?: { inspected: number; uninspected: number; pending: number; quarantined: number; blocked: number };
  /** times this run sent its batches again from its checkpoint after the pipeline lost some (Redis restarted empty) */
  redeliveries: number;
  error?: string;
}

export interface ImportRequest {
  agencyId: string;
  /** jsonl | telegram | whatsapp */
  sourceKind: string;
  source: HistorySource;
  /** the file whose bytes identify the input (a Telegram export folder's result.json, the .zip…) */
  inputFile: string;
  /** recorded on the run (timezone, chat selection…) */
  options?: Record<string, unknown>;
  dryRun?: boolean;
  /** leave the work to running workers (fail if none come) instead of starting them in this process */
  enqueueOnly?: boolean;
  concurrency?: number;
  showProgress?: boolean;
  /** how long without a commit before checking whether batches were lost (default 10 s) */
  stallCheckMs?: number;
  /** how long the end of the run waits for a store that went away before the command fails (default 2 minutes) */
  storeWaitMs?: number;
  /** aborted when the run cannot go on (the deliver worker processes the import started died): its reason is the error */
  signal?: AbortSignal;
}

export interface ImportContext extends QueueContext {
  store: Store;
  dataDir: string;
  keyFile: string;
  logger: Logger;
}

/** Batches allowed in the queues per producer before it waits for delivery (bounds Redis memory: 8,000 messages). */
const MAX_BATCHES_IN_FLIGHT = 4;

/**
 * How long an import waits without any batch committing before it checks whether its batches were lost. The check
 * cannot mistake a slow batch for a lost one (see pipelineIdle), so this only spaces out its queries.
 */
const STALL_CHECK_MS = 10_000;

/**
 * Times one import sends its lost batches again, from its last committed checkpoint, before it gives up and asks
 * for the command to be run again: a pipeline that keeps losing them has a fault a person must look at.
 */
const MAX_REDELIVERIES = 3;

/** This run's batches were handed to the pipeline, and neither the queues nor the store hold them. */
class LostBatchesError extends JobFailedError {
  constructor(readonly lost: number) {
    super(`${lost} batch(es) of this import were lost in the pipeline`);
  }
}

/**
 * Whether neither queue holds a job; false when Redis cannot say (it may be restarting). A batch is in one of the
 * queues from the moment it is enqueued until its delivery has committed (a classify job adds its deliver job
 * before it completes; a deliver job is active until its transaction has committed), so a store read after the
 * queues were found idle sees every batch that is not lost.
 */
async function pipelineIdle(queues: Queues): Promise<boolean> {
  const pending = async (queue: Queues['classify'] | Queues['deliver']) => {
    const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  };
  try {
    // classify first: a batch leaving it is already in the deliver queue
    return (await pending(queues.classify)) === 0 && (await pending(queues.deliver)) === 0;
  } catch {
    return false;
  }
}

/** What the reader has counted: rolled back to a batch's end when the batches after it are sent again. */
interface ReaderCounts {
  read: number;
  serviceEvents: number;
  attachments: number;
  missingAttachments: number;
  importerFailed: number;
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

interface ResumePoint {
  previousRunId: string;
  checkpoint: Checkpoint | null;
}

/** The last checkpoint of the contiguous prefix of committed batches; null when none committed. */
async function committedCheckpoint(
  store: Store,
  runId: string,
): Promise<{ checkpoint: Checkpoint | null; batches: number }> {
  const rows = await store.pool.query<{ seq: number; checkpoint: Checkpoint }>(
    `SELECT seq, checkpoint FROM import_batches WHERE run_id = $1 ORDER BY seq`,
    [runId],
  );
  let checkpoint: Checkpoint | null = null;
  let expected = 0;
  for (const row of rows.rows) {
    if (row.seq !== expected) break;
    checkpoint = row.checkpoint;
    expected++;
  }
  return { checkpoint, batches: expected };
}

async function findResumePoint(
  store: Store,
  agencyId: string,
  sourceKind: string,
  inputPath: string,
  inputHash: string,
  log: Logger,
): Promise<ResumePoint | null> {
  const previous = await store.pool.query<{ id: string; input_hash: string; checkpoint: Checkpoint }>(
    `SELECT id, input_hash, checkpoint FROM import_runs
      WHERE agency_id = $1 AND source = $2 AND input_path = $3 AND status IN ('running', 'failed')
      ORDER BY started_at DESC LIMIT 1`,
    [agencyId, sourceKind, inputPath],
  );
  const run = previous.rows[0];
  if (!run) return null;
  if (run.input_hash !== inputHash) {
    // the file changed since (fixed, or re-exported): positions may not hold, so read it all again;
    // what is already in the store is recognised by its source ids and counted as duplicates
    log.warn('the input changed since the unfinished run; reading it from the start', { resumedFrom: run.id });
    return { previousRunId: run.id, checkpoint: null };
  }
  const committed = await committedCheckpoint(store, run.id);
  const initial = run.checkpoint && Object.keys(run.checkpoint).length > 0 ? run.checkpoint : null;
  return { previousRunId: run.id, checkpoint: committed.checkpoint ?? initial };
}

interface BatchTotals extends BatchCounts {
  batches: number;
}

async function sumBatches(store: Store, runId: string): Promise<BatchTotals> {
  const rows = await store.pool.query<{ counts: BatchCounts }>(`SELECT counts FROM import_batches WHERE run_id = $1`, [
    runId,
  ]);
  const totals: BatchTotals = {
    batches: rows.rowCount ?? 0,
    delivered: 0,
    edited: 0,
    duplicates: 0,
    blocked: 0,
    failed: 0,
    quarantined: 0,
    redacted: 0,
    flaggedByCategory: {},
  };
  for (const { counts } of rows.rows) {
    totals.delivered += counts.delivered;
    // batches recorded before edits were counted have no `edited`
    totals.edited += counts.edited ?? 0;
    totals.duplicates += counts.duplicates;
    totals.blocked += counts.blocked;
    totals.failed += counts.failed;
    totals.quarantined += counts.quarantined;
    totals.redacted += counts.redacted;
    for (const [category, n] of Object.entries(counts.flaggedByCategory))
      totals.flaggedByCategory[category] = (totals.flaggedByCategory[category] ?? 0) + n;
  }
  return totals;
}

/** Who an import stores attachment bytes for (attachment_owners); null on a dry run, which writes nothing. */
export type BlobOwner = { store: Store; agencyId: string; runId: string } | null;

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * Puts the bytes of an entry's attachments into the content-addressed store; absent files become missing. The
 * message is not validated yet (ingest does that, after this): an attachment list or reference of the wrong shape
 * is left as it is, for ingest to dead-letter the message with its reason, never to stop the import here.
 */
export async function storeAttachments(
  entry: HistoryEntry,
  source: HistorySource,
  dataDir: string,
  owner: BlobOwner,
): Promise<{ stored: number; missing: number }> {
  const dryRun = owner === null;
  let stored = 0;
  let missing = 0;
  const list: unknown = entry.message.attachments;
  if (!Array.isArray(list)) return { stored, missing };
  for (const attachment of list as Attachment[]) {
    if (attachment === null || typeof attachment !== 'object') continue;
    if (attachment.sha256 !== undefined && (typeof attachment.sha256 !== 'string' || !SHA256.test(attachment.sha256)))
      continue;
    if (attachment.sourcePath !== undefined && typeof attachment.sourcePath !== 'string') continue;
    if (attachment.sha256) {
      const present = await stat(blobPath(dataDir, attachment.sha256)).then(
        () => true,
        () => false,
      );
      if (present) stored++;
      else {
        attachment.missing = true;
        missing++;
      }
      continue;
    }
    if (attachment.missing || !attachment.sourcePath) {
      attachment.missing = true;
      missing++;
      continue;
    }
    const bytes = await source.openAttachment(attachment.sourcePath);
    if (!bytes) {
      attachment.missing = true;
      missing++;
      continue;
    }
    if (dryRun) {
      bytes.destroy();
      stored++;
      continue;
    }
    const blob = await putOwnedBlob(owner.store.pool, dataDir, { agencyId: owner.agencyId, runId: owner.runId }, bytes);
    attachment.sha256 = blob.sha256;
    attachment.size = blob.size;
    attachment.missing = false;
    stored++;
  }
  return { stored, missing };
}

/**
 * The import-run contract every importer uses: the run is recorded in the store; batches go through the
 * pipeline; the checkpoint is the contiguous prefix of committed batches, so a killed import resumes where the
 * store says it stopped, and re-reading anything twice only counts duplicates.
 */
export async function runImport(context: ImportContext, request: ImportRequest): Promise<ImportSummary> {
  const log = context.logger;
  const { store } = context;
  const inputPath = path.resolve(request.source.inputPath);
  const inputFile = path.resolve(request.inputFile);
  const known = request.source.contentHash;
  const [inputSize, inputHash] = await Promise.all([
    stat(inputFile).then((s) => s.size),
    known && path.resolve(known.file) === inputFile ? known.sha256 : hashFile(inputFile),
  ]);
  const summary: ImportSummary = {
    runId: null,
    resumedFrom: null,
    status: 'completed',
    read: 0,
    serviceEvents: 0,
    delivered: 0,
    edited: 0,
    duplicates: 0,
    blocked: 0,
    failed: 0,
    attachments: 0,
    missingAttachments: 0,
    flaggedByCategory: {},
    quarantined: 0,
    redacted: 0,
    redeliveries: 0,
  };
  if (request.dryRun) return dryRun(context, request, summary);
  // before the run is recorded: a key file without a queue key is a configuration error, not a failed run
  const keyring = await loadKeyring(context.keyFile);
  requireQueueKey(keyring);

  const resume = await findResumePoint(store, request.agencyId, request.sourceKind, inputPath, inputHash, log);
  const runId = randomUUID();
  summary.runId = runId;
  // the extract jobs that had failed before this run: one failing during it ends the wait for its attachments
  const extractFailedBefore = await failedExtractJobs(context);
  summary.resumedFrom = resume?.previousRunId ?? null;
  await store.pool.query(
    `INSERT INTO import_runs (id, agency_id, source, input_path, input_size, input_hash, status, checkpoint, options, resumed_from)
     VALUES ($1, $2, $3, $4, $5, $6, 'running', $7, $8, $9)`,
    [
      runId,
      request.agencyId,
      request.sourceKind,
      inputPath,
      inputSize,
      inputHash,
      JSON.stringify(resume?.checkpoint ?? {}),
      JSON.stringify(request.options ?? {}),
      resume?.previousRunId ?? null,
    ],
  );
  if (resume)
    await store.pool.query(`UPDATE import_runs SET status = 'resumed', finished_at = now() WHERE id = $1`, [
      resume.previousRunId,
    ]);
  const runLog = log.child({ run: runId });
  runLog.info(resume ? 'resuming import' : 'starting import', {
    source: request.sourceKind,
    resumedFrom: summary.resumedFrom,
  });

  const jobPrefix = `imp-${runId}-`;
  const progress = createProgress(`import ${request.sourceKind}`, { enabled: request.showProgress !== false });
  let feed: PipelineFeed | null = null;
  let batchesSent = 0;
  let committed = 0;
  let importerFailed = 0;
  /** the reader's counts as each batch was sent, by seq */
  const sentAt: ReaderCounts[] = [];
  const readerCounts = (): ReaderCounts => ({
    read: summary.read,
    serviceEvents: summary.serviceEvents,
    attachments: summary.attachments,
    missingAttachments: summary.missingAttachments,
    importerFailed,
  });

  const refreshCommitted = async () => {
    const result = await store.pool.query<{ n: string }>(`SELECT count(*) AS n FROM import_batches WHERE run_id = $1`, [
      runId,
    ]);
    committed = Number(result.rows[0]?.n ?? 0);
  };
  let lastProgressAt = Date.now();
  let lastCommitted = 0;
  const stallCheckMs = request.stallCheckMs ?? STALL_CHECK_MS;
  let progressUnreadable = false;
  // the store's committed batches, not the queue's events, say how far the run got: events can be missed
  const waitForCommits = async (pipeline: PipelineFeed, allowedInFlight: number) => {
    for (;;) {
      if (pipeline.failure)
        throw new JobFailedError(`the pipeline gave up on a batch of this import: ${pipeline.failure}`);
      if (request.signal?.aborted) throw request.signal.reason;
      // polled several times a second: said once when the store stops answering, once when it answers again
      await refreshCommitted().then(
        () => {
          if (progressUnreadable) runLog.info('progress read from the store again');
          progressUnreadable = false;
        },
        (error: Error) => {
          if (!progressUnreadable)
            runLog.warn('cannot read progress from the store; waiting for it', { error: error.message });
          progressUnreadable = true;
        },
      );
      if (batchesSent - committed <= allowedInFlight) return;
      if (committed !== lastCommitted) {
        lastCommitted = committed;
        lastProgressAt = Date.now();
      } else if (Date.now() - lastProgressAt > stallCheckMs && (await pipelineIdle(pipeline.queues))) {
        // what the store lacks once the queues are idle was lost (Redis restarted without persistence, a database
        // restart that dropped unflushed commits, a queue emptied by hand); the store's checkpoint is still right
        const read = await refreshCommitted().then(
          () => true,
          () => false,
        );
        if (read && batchesSent > committed) throw new LostBatchesError(batchesSent - committed);
      }
      // a producer held back by the in-flight bound resumes as soon as one of its batches is delivered
      await pipeline.nextCompletion(100);
    }
  };

  try {
    feed = await PipelineFeed.open(
      { ...context, keyring },
      {
        agencyId: request.agencyId,
        jobPrefix,
        enqueueOnly: request.enqueueOnly,
        concurrency: request.concurrency,
      },
    );
    const pipeline = feed;
    let lastCheckpoint: Checkpoint | null = null;
    const flush = async () => {
      if (pipeline.pending === 0) return;
      const origin = { agencyId: request.agencyId, runId, seq: batchesSent, checkpoint: lastCheckpoint };
      // a batch sent again has a job id of its own: BullMQ ignores an id it still holds (a completed classify job)
      const again = summary.redeliveries > 0 ? `r${summary.redeliveries}-` : '';
      const jobId = `${jobPrefix}${origin.seq}-${again}${contentJobId('b', pipeline.batchIdentity).slice(2, 18)}`;
      await pipeline.flush(origin, jobId);
      sentAt[batchesSent] = readerCounts();
      batchesSent++;
      await waitForCommits(pipeline, MAX_BATCHES_IN_FLIGHT);
    };

    const { maxTextChars } = inputLimits();
    const showProgress = () =>
      progress.update({ entries: summary.read, ...request.source.progress(), batchesCommitted: committed });
    /** Reads on from `resumeAfter`, sends every batch and waits for them to commit. */
    const readAndSend = async (resumeAfter: Checkpoint | null) => {
      try {
        for await (const entry of request.source.entries({ resumeAfter })) {
          summary.read++;
          const tooLong = entry.problem ? null : textPastLimit(entry, request.source, maxTextChars);
          const problem = entry.problem ?? tooLong;
          if (problem) {
            importerFailed++;
            await addDeadLetters(pipeline.queues, [
              {
                agencyId: request.agencyId,
                runId,
                stage: 'ingest',
                reason: problem,
                message: tooLong ? withoutContent(entry.message) : entry.message,
                failedAt: new Date().toISOString(),
              },
            ]);
            runLog.warn(problem);
            continue;
          }
          await countEntry(summary, entry, request.source, context.dataDir, {
            store,
            agencyId: request.agencyId,
            runId,
          });
          pipeline.add(entry.message);
          lastCheckpoint = entry.checkpoint;
          if (pipeline.pending >= BATCH_SIZE) await flush();
          // every 256 entries: the bar redraws a few times a second anyway, and a state object per message is garbage
          if ((summary.read & 0xff) === 0) showProgress();
        }
        showProgress();
        await flush();
      } catch (error) {
        if (error instanceof LostBatchesError) throw error;
        // a reading error (truncated or malformed export), or no room for an attachment: what was read before is
        // delivered and kept
        await flush().catch(() => {});
        summary.status = 'failed';
        summary.error =
          error instanceof DataDirectoryFullError
            ? `${error.message}; free space there and run the same command again: it resumes where it stopped`
            : (error as Error).message;
      }
      await waitForCommits(pipeline, 0);
    };

    let resumeAfter = resume?.checkpoint ?? null;
    for (;;) {
      try {
        await readAndSend(resumeAfter);
        break;
      } catch (error) {
        if (!(error instanceof LostBatchesError)) throw error;
        if (summary.redeliveries >= MAX_REDELIVERIES)
          throw new JobFailedError(
            `${error.message}, also after sending them again ${MAX_REDELIVERIES} times; run the same command again to resume`,
          );
        // the same batches again, from the end of the committed prefix: re-read entries are counted once, and a
        // batch that had committed after the gap is recognised by its seq and not written twice
        const from = await committedCheckpoint(store, runId);
        resumeAfter = from.checkpoint ?? resume?.checkpoint ?? null;
        const counts = sentAt[from.batches - 1];
        Object.assign(summary, {
          read: counts?.read ?? 0,
          serviceEvents: counts?.serviceEvents ?? 0,
          attachments: counts?.attachments ?? 0,
          missingAttachments: counts?.missingAttachments ?? 0,
          status: 'completed',
        });
        delete summary.error;
        importerFailed = counts?.importerFailed ?? 0;
        batchesSent = from.batches;
        lastProgressAt = Date.now();
        summary.redeliveries++;
        runLog.warn(`${error.message}; sending them again from the last committed checkpoint`, {
          fromBatch: from.batches,
          redelivery: summary.redeliveries,
          maxRedeliveries: MAX_REDELIVERIES,
        });
      }
    }
  } catch (error) {
    summary.status = 'failed';
    summary.error ??= (error as Error).message;
  } finally {
    progress.stop();
    await feed?.close();
  }

  // an import ends when its attachments are read and the messages holding them decided
  if (summary.status === 'completed' && !request.enqueueOnly)
    await awaitInspection(context, runId, extractFailedBefore, runLog, request.signal).catch((error: Error) => {
      summary.status = 'failed';
      summary.error = error.message;
    });
  summary.inspection = await inspectionSummary(store, runId);
  // the run's outcome is settled by now: a store briefly away must not lose its record, so it is waited for
  await whileStoreAway(() => recordRunEnd(store, runId, summary, importerFailed), {
    forMs: request.storeWaitMs,
    onWait: (error) =>
      runLog.warn('cannot record the end of the run in the store; waiting for it', { error: error.message }),
  });
  runLog.info('import finished', {
    status: summary.status,
    read: summary.read,
    delivered: summary.delivered,
    edited: summary.edited,
    duplicates: summary.duplicates,
    failed: summary.failed,
  });
  return summary;
}

/** The run's counts from its committed batches into the summary, and the run's record closed; safe to repeat. */
async function recordRunEnd(store: Store, runId: string, summary: ImportSummary, importerFailed: number) {
  const totals = await sumBatches(store, runId);
  Object.assign(summary, {
    delivered: totals.delivered,
    edited: totals.edited,
    duplicates: totals.duplicates,
    blocked: totals.blocked,
    failed: totals.failed + importerFailed,
    quarantined: totals.quarantined,
    redacted: totals.redacted,
    flaggedByCategory: totals.flaggedByCategory,
  });
  if (
    summary.status === 'completed' &&
    summary.read !== summary.delivered + summary.edited + summary.duplicates + summary.blocked + summary.failed
  ) {
    summary.status = 'failed';
    summary.error = 'the counts do not add up: some batches were not delivered';
  }
  const { checkpoint } = await committedCheckpoint(store, runId);
  await store.pool.query(
    `UPDATE import_runs SET status = $2, counts = $3, checkpoint = COALESCE($4, checkpoint), error = $5, finished_at = now() WHERE id = $1`,
    [
      runId,
      summary.status,
      JSON.stringify(summary),
      checkpoint ? JSON.stringify(checkpoint) : null,
      summary.error ?? null,
    ],
  );
}

/** Counts a readable entry into the summary, with its attachments: stored, or on a dry run only looked for. */
/**
 * A text past maxTextChars (the limit ingest applies) is refused before a batch carries it through Redis and the
 * stages, and its dead letter names the file and the position, which ingest does not know.
 */
function textPastLimit(entry: HistoryEntry, source: HistorySource, maxTextChars: number): string | null {
  const text = entry.message.text;
  if (typeof text !== 'string' || text.length <= maxTextChars) return null;
  const where = source.describeEntry?.(entry.checkpoint) ?? source.inputPath;
  return `${where}: text: ${formatCount(text.length)} characters exceeds ${describeLimit('maxTextChars', maxTextChars)}`;
}

/**
 * What the dead letter of a message refused for its size keeps: its chat, not its content, as for a line past
 * maxLineBytes. Without an id it can never be retried into a message without its text; the export still holds it,
 * and running the import again with the limit raised delivers it.
 */
function withoutContent(message: HistoryEntry['message']): HistoryEntry['message'] {
  return {
    platform: message.platform,
    chatId: message.chatId,
    chatTitle: message.chatTitle,
  } as HistoryEntry['message'];
}

async function countEntry(
  summary: ImportSummary,
  entry: HistoryEntry,
  source: HistorySource,
  dataDir: string,
  owner: BlobOwner,
): Promise<void> {
  if (entry.message.kind === 'service') summary.serviceEvents++;
  const media = await storeAttachments(entry, source, dataDir, owner);
  summary.attachments += media.stored;
  summary.missingAttachments += media.missing;
}

/** A message's version as a dry run knows it: from the store, or read earlier in the run. */
interface KnownVersion {
  editedAt: number | null;
  kind: string;
  text: string;
  body: unknown;
  /** rejected in review: a later version would be kept withheld */
  rejected: boolean;
}

/** Whether `version` would be applied as an edit of `current` (the rule of src/store/edits.ts, without decrypting). */
function wouldEdit(current: KnownVersion, version: KnownVersion, body: string): boolean {
  if (version.editedAt === null || (current.editedAt !== null && version.editedAt <= current.editedAt)) return false;
  return current.rejected || differsFromStored(current, { kind: version.kind, text: version.text, body });
}

/** Reads and classifies, writes nothing: what would be delivered or edited, and what is already in the store. */
async function dryRun(context: ImportContext, request: ImportRequest, summary: ImportSummary): Promise<ImportSummary> {
  summary.wouldDeliver = 0;
  const policy = await policyLoader(context.store)(request.agencyId);
  // a dry run writes nothing, not even a first key file: without one, hashing falls back to tags
  const hashKey = await readHashKey(context.keyFile);
  let batch: HistoryEntry[] = [];
  /** each message key met so far: its version in the store, or the last one read */
  const known = new Map<string, KnownVersion>();
  const flush = async () => {
    if (batch.length === 0) return;
    const { deliver, deadLetters } = runClassifyStage(
      { agencyId: request.agencyId, runId: null, seq: null, checkpoint: null, messages: batch.map((e) => e.message) },
      { policy, hashKey },
    );
    summary.failed += deadLetters.length;
    for (const [category, n] of Object.entries(deliver.flaggedByCategory))
      summary.flaggedByCategory[category] = (summary.flaggedByCategory[category] ?? 0) + n;
    summary.blocked += deliver.blocked;
    const m = deliver.messages;
    const keys = messageChats(deliver);
    const existing = await context.store.pool.query<{
      k: string;
      edited_at: Date | null;
      kind: string;
      text: string;
      body: unknown;
      status: string | null;
    }>(
      `SELECT m.platform || '/' || m.source_chat_id || '/' || m.source_message_id AS k, m.edited_at, m.kind, m.text, m.body, r.status FROM messages m
         JOIN unnest($2::text[], $3::text[], $4::text[]) AS w(p, c, i) ON m.platform = w.p AND m.source_chat_id = w.c AND m.source_message_id = w.i
         LEFT JOIN review_items r ON r.message_id = m.id
        WHERE m.agency_id = $1`,
      [request.agencyId, keys.platform, keys.chatId, m.messageId],
    );
    for (const row of existing.rows) {
      if (!known.has(row.k))
        known.set(row.k, {
          editedAt: row.edited_at?.getTime() ?? null,
          kind: row.kind,
          text: row.text,
          body: row.body,
          rejected: row.status === 'rejected',
        });
    }
    const bodies = storedBodies(deliver);
    for (let i = 0; i < m.messageId.length; i++) {
      const key = `${keys.platform[i]}/${keys.chatId[i]}/${m.messageId[i]}`;
      const current = known.get(key);
      const version: KnownVersion = {
        editedAt: m.editedAt[i] ? Date.parse(m.editedAt[i]!) : null,
        kind: m.kind[i]!,
        text: m.text[i]!,
        body: JSON.parse(bodies[i]!),
        rejected: false,
      };
      if (current && !wouldEdit(current, version, bodies[i]!)) {
        summary.duplicates++;
        continue;
      }
      known.set(key, { ...version, rejected: current?.rejected ?? false });
      if (current) summary.edited++;
      else summary.wouldDeliver!++;
      // the approximation of a dry run: a quarantined message's original is not decrypted to compare
      if (current?.rejected) continue;
      if (decisionOf(deliver, i).action === 'quarantine') summary.quarantined++;
      else if (m.redacted[i]) summary.redacted++;
    }
    batch = [];
  };
  try {
    for await (const entry of request.source.entries()) {
      summary.read++;
      if (entry.problem) {
        summary.failed++;
        continue;
      }
      await countEntry(summary, entry, request.source, context.dataDir, null);
      batch.push(entry);
      if (batch.length >= BATCH_SIZE) await flush();
    }
    await flush();
  } catch (error) {
    await flush();
    summary.status = 'failed';
    summary.error = (error as Error).message;
  }
  return summary;
}

/** How often an import looks whether its attachments have been read. */
const INSPECTION_POLL_MS = 250;

/**
 * Reads the run's attachments in this process (an extract worker beside any others running), until none of its
 * messages waits for them; says how many are left, now and then.
 */
async function awaitInspection(
  context: ImportContext,
  runId: string,
  failedBefore: number,
  log: Logger,
  signal?: AbortSignal,
) {
  const pending = async () =>
    Number(
      (
        await context.store.pool.query<{ n: string }>(
          `SELECT count(*) AS n FROM messages WHERE import_run_id = $1 AND inspection = 'pending'`,
          [runId],
        )
      ).rows[0]?.n ?? 0,
    );
  if ((await pending()) === 0) return;
  const workers = await startWorkers({ ...context, stages: ['extract'], concurrency: 1 });
  try {
    await withExtractQueue(context, async (extract) => {
      let saidAt = 0;
      for (let left = await pending(); left > 0; left = await pending()) {
        if (signal?.aborted) throw signal.reason;
        // a reader that fails for good (a tool missing from the machine) would leave the run waiting for ever
        if ((await extract.getFailedCount()) > failedBefore) {
          const failed = (await extract.getFailed(0, 0))[0]?.failedReason || 'see the log';
          throw new JobFailedError(
            `reading attachments failed (${maskPersonalData(failed)}); ${left} messages wait for theirs: fix it and run the same command again`,
          );
        }
        if (Date.now() - saidAt > 10_000) {
          log.info('reading attachments', { messagesWaiting: left });
          saidAt = Date.now();
        }
        await new Promise((resolve) => setTimeout(resolve, INSPECTION_POLL_MS));
      }
    });
  } finally {
    await workers.close();
  }
}

async function withExtractQueue<T>(context: QueueContext, work: (queue: Queue) => Promise<T>): Promise<T> {
  const connection = producerConnection(context.redisUrl);
  const queue = new Queue(QueueName.extract, { connection, prefix: context.prefix });
  try {
    return await work(queue);
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

const failedExtractJobs = (context: QueueContext) => withExtractQueue(context, (queue) => queue.getFailedCount());

async function inspectionSummary(store: Store, runId: string): Promise<NonNullable<ImportSummary['inspection']>> {
  const files = await inspectionCounts(store.pool, { runId });
  const decided = await store.pool.query<{ quarantined: number; blocked: number }>(
    `SELECT count(*) FILTER (WHERE d.action = 'quarantine')::int AS quarantined,
            count(*) FILTER (WHERE d.action = 'block')::int AS blocked
       FROM messages m JOIN decisions d ON d.id = m.decision_id
      WHERE m.import_run_id = $1 AND d.rule LIKE 'attachment: %'`,
    [runId],
  );
  return { ...files, ...(decided.rows[0] ?? { quarantined: 0, blocked: 0 }) };
}
