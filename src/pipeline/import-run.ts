import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'winston';
import { JobFailedError } from '../core/errors.ts';
import type { Checkpoint, HistoryEntry, HistorySource } from '../core/history.ts';
import type { Attachment } from '../core/message.ts';
import { createProgress } from '../core/progress.ts';
import { blobPath, putOwnedBlob } from '../store/attachments.ts';
import type { Store } from '../store/database.ts';
import { addDeadLetters } from './dead-letter.ts';
import { BATCH_SIZE, contentJobId, type QueueContext, type Queues } from './queues.ts';
import { runClassifyStage } from './stages/classify.processor.ts';
import { PipelineFeed } from './feed.ts';
import type { BatchCounts } from './stages/deliver.ts';
import { policyLoader } from './workers.ts';
import { loadKeyring, readHashKey, requireQueueKey } from '../core/keys.ts';
import { decisionOf, messageChats, storedBodies } from '../store/delivery.ts';
import { differsFromStored } from '../store/edits.ts';

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
  /** how long without a commit before checking whether batches were lost (default 30 s) */
  stallCheckMs?: number;
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

/** How long an import waits without any batch committing before it checks whether its batches were lost. */
const STALL_CHECK_MS = 30_000;

async function pipelineIdle(queues: Queues): Promise<boolean> {
  const pending = async (queue: Queues['classify'] | Queues['deliver']) => {
    const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  };
  return (await pending(queues.classify)) === 0 && (await pending(queues.deliver)) === 0;
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
type BlobOwner = { store: Store; agencyId: string; runId: string } | null;

/** Puts the bytes of an entry's attachments into the content-addressed store; absent files become missing. */
async function storeAttachments(entry: HistoryEntry, source: HistorySource, dataDir: string, owner: BlobOwner) {
  const dryRun = owner === null;
  let stored = 0;
  let missing = 0;
  const attachments = (entry.message.attachments ?? []) as Attachment[];
  for (const attachment of attachments) {
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
  };
  if (request.dryRun) return dryRun(context, request, summary);
  // before the run is recorded: a key file without a queue key is a configuration error, not a failed run
  const keyring = await loadKeyring(context.keyFile);
  requireQueueKey(keyring);

  const resume = await findResumePoint(store, request.agencyId, request.sourceKind, inputPath, inputHash, log);
  const runId = randomUUID();
  summary.runId = runId;
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

  const refreshCommitted = async () => {
    const result = await store.pool.query<{ n: string }>(`SELECT count(*) AS n FROM import_batches WHERE run_id = $1`, [
      runId,
    ]);
    committed = Number(result.rows[0]?.n ?? 0);
  };
  let lastProgressAt = Date.now();
  let lastCommitted = 0;
  // the store's committed batches, not the queue's events, say how far the run got: events can be missed
  const waitForCommits = async (pipeline: PipelineFeed, allowedInFlight: number) => {
    for (;;) {
      if (pipeline.failure)
        throw new JobFailedError(`the pipeline gave up on a batch of this import: ${pipeline.failure}`);
      if (request.signal?.aborted) throw request.signal.reason;
      await refreshCommitted().catch((error: Error) =>
        runLog.warn('cannot read progress from the store; will retry', { error: error.message }),
      );
      if (batchesSent - committed <= allowedInFlight) return;
      if (committed !== lastCommitted) {
        lastCommitted = committed;
        lastProgressAt = Date.now();
      } else if (
        Date.now() - lastProgressAt > (request.stallCheckMs ?? STALL_CHECK_MS) &&
        (await pipelineIdle(pipeline.queues))
      ) {
        // batches were handed over but neither queue holds anything and the store lacks them: lost (a database
        // restart that dropped unflushed commits, a queue emptied by hand); the store's checkpoint is still right
        throw new JobFailedError(
          `${batchesSent - committed} batch(es) of this import were lost in the pipeline; run the same command again to resume`,
        );
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
      const jobId = `${jobPrefix}${origin.seq}-${contentJobId('b', pipeline.batchIdentity).slice(2, 18)}`;
      await pipeline.flush(origin, jobId);
      batchesSent++;
      await waitForCommits(pipeline, MAX_BATCHES_IN_FLIGHT);
    };

    const showProgress = () =>
      progress.update({ entries: summary.read, ...request.source.progress(), batchesCommitted: committed });
    try {
      for await (const entry of request.source.entries({ resumeAfter: resume?.checkpoint ?? null })) {
        summary.read++;
        if (entry.problem) {
          importerFailed++;
          await addDeadLetters(pipeline.queues, [
            {
              agencyId: request.agencyId,
              runId,
              stage: 'ingest',
              reason: entry.problem,
              message: entry.message,
              failedAt: new Date().toISOString(),
            },
          ]);
          runLog.warn(entry.problem);
          continue;
        }
        await countEntry(summary, entry, request.source, context.dataDir, { store, agencyId: request.agencyId, runId });
        pipeline.add(entry.message);
        lastCheckpoint = entry.checkpoint;
        if (pipeline.pending >= BATCH_SIZE) await flush();
        // every 256 entries: the bar redraws a few times a second anyway, and a state object per message is garbage
        if ((summary.read & 0xff) === 0) showProgress();
      }
      showProgress();
      await flush();
    } catch (error) {
      // a reading error (truncated or malformed export): what was read before is delivered and kept
      await flush().catch(() => {});
      summary.status = 'failed';
      summary.error = (error as Error).message;
    }
    await waitForCommits(pipeline, 0);
  } catch (error) {
    summary.status = 'failed';
    summary.error ??= (error as Error).message;
  } finally {
    progress.stop();
    await feed?.close();
  }

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

/** Counts a readable entry into the summary, with its attachments: stored, or on a dry run only looked for. */
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
