import { createHash } from 'node:crypto';
import { UnrecoverableError, Worker } from '../core/bullmq.ts';
import type { Job } from 'bullmq';
import type pg from 'pg';
import type { Logger } from 'winston';
import type { BackfillingConnector, BridgeEvent, ConnectorHost } from '../core/connector.ts';
import { loadKeyring, requireQueueKey } from '../core/keys.ts';
import type { CanonicalMessageInput } from '../core/message.ts';
import {
  backfillQueueName,
  openQueues,
  workerConnection,
  type QueueContext,
  type RouteOf,
} from '../pipeline/queues.ts';
import type { Sealed } from '../pipeline/sealed-payload.ts';
import type { Store } from '../store/database.ts';

type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/** What one backfill did: counts only (the result rests in Redis in clear). */
export interface BackfillResult {
  /** messages the messenger returned */
  fetched: number;
  /** handed to the pipeline (the store still skips any it already holds under the same id) */
  emitted: number;
  /** left out: the same message is already in the store from an imported export of the chat */
  matchedImport: number;
  /** the chat's history was fetched to its beginning */
  exhausted: boolean;
}

/** A page at most this long is fetched, handed over and its cursor recorded before the next: the resume point. */
const PAGE = 100;

/**
 * Where an imported export and a backfill of the same chat overlap. WhatsApp exports carry no message ids (the
 * importer derives one from chat, time, sender and text: bridges/whatsapp/export/message-id.ts), while a backfilled
 * message has WhatsApp's own id, so the ids never match. Nor can the importer's id be recomputed: the export names a
 * sender as the phone's contact name, the live message by number, and the export's time is the minute in the
 * phone's zone. What both sides do share is the national chat, the minute and the words. So a backfilled message is
 * left out when a message imported (import_run_id set) into the same national chat has the same minute and the same
 * content key — the sha256 of its text for a message (media: its caption, as the importer keeps it), its service
 * type for a service event — counting repeats, so the third "Ок" of a minute is left out only if the import holds
 * three. A message the import stored redacted has a different text and is not matched (see docs/bridges.md, WhatsApp).
 */
export async function withoutImported(
  db: Queryable,
  agencyId: string,
  events: readonly BridgeEvent[],
): Promise<{ events: BridgeEvent[]; matched: number }> {
  const candidates = events.filter(
    (e): e is Extract<BridgeEvent, { message: CanonicalMessageInput }> => e.type !== 'delete' && e.type !== 'edit',
  );
  if (candidates.length === 0) return { events: [...events], matched: 0 };
  const first = candidates[0]!.message;
  const chat = await db.query<{ chat_id: string }>(
    `SELECT chat_id FROM chat_sources WHERE agency_id = $1 AND platform = $2 AND source_chat_id = $3`,
    [agencyId, first.platform, first.chatId],
  );
  const nationalChat = chat.rows[0]?.chat_id;
  if (!nationalChat) return { events: [...events], matched: 0 };
  const minutes = candidates.map((e) => minuteOf(e.message.sentAt));
  const from = minutes.reduce((a, b) => (a < b ? a : b));
  const to = new Date(Date.parse(minutes.reduce((a, b) => (a > b ? a : b))) + 60_000).toISOString();
  const stored = await db.query<{ minute: Date; key: string; n: number }>(
    `SELECT date_trunc('minute', sent_at) AS minute,
            kind || ':' || CASE WHEN kind = 'service' THEN coalesce(body->'service'->>'type', '') ELSE encode(sha256(convert_to(text, 'UTF8')), 'hex') END AS key,
            count(*)::int AS n
       FROM messages
      WHERE agency_id = $1 AND chat_id = $2 AND import_run_id IS NOT NULL AND sent_at >= $3 AND sent_at < $4
      GROUP BY 1, 2`,
    [agencyId, nationalChat, from, to],
  );
  const available = new Map(stored.rows.map((r) => [`${r.minute.toISOString()} ${r.key}`, r.n]));
  const kept: BridgeEvent[] = [];
  let matched = 0;
  for (const event of events) {
    if (event.type === 'delete' || event.type === 'edit') {
      kept.push(event);
      continue;
    }
    const k = `${minuteOf(event.message.sentAt)} ${contentKey(event.message)}`;
    const left = available.get(k) ?? 0;
    if (left > 0) {
      available.set(k, left - 1);
      matched++;
    } else kept.push(event);
  }
  return { events: kept, matched };
}

function minuteOf(time: string): string {
  const at = new Date(time);
  at.setUTCSeconds(0, 0);
  return at.toISOString();
}

/** The key the SQL above computes for a stored message, for a message not yet stored. */
export function contentKey(message: CanonicalMessageInput): string {
  const kind = message.kind ?? 'message';
  if (kind === 'service') return `service:${message.service?.type ?? ''}`;
  return `${kind}:${createHash('sha256')
    .update(message.text ?? '', 'utf8')
    .digest('hex')}`;
}

async function readCursor(
  db: Queryable,
  agencyId: string,
  platform: string,
  chatId: string,
): Promise<{ cursor: string | null } | null> {
  const row = await db.query<{ cursor: string | null }>(
    `SELECT cursor FROM backfill_cursors WHERE agency_id = $1 AND platform = $2 AND source_chat_id = $3`,
    [agencyId, platform, chatId],
  );
  return row.rows[0] ?? null;
}

async function saveCursor(
  db: Queryable,
  key: { agencyId: string; platform: string; chatId: string },
  cursor: string | null,
  fetched: number,
): Promise<void> {
  await db.query(
    `INSERT INTO backfill_cursors (agency_id, platform, source_chat_id, cursor, fetched, updated_at) VALUES ($1, $2, $3, $4, $5, now())
     ON CONFLICT (agency_id, platform, source_chat_id) DO UPDATE SET cursor = $4, fetched = backfill_cursors.fetched + $5, updated_at = now()`,
    [key.agencyId, key.platform, key.chatId, cursor, fetched],
  );
}

/**
 * Pulls up to `limit` messages of a chat older than where its last backfill stopped, page by page: each page is
 * fetched, left without what an import already holds, handed to the host (the same pipeline as live events) and
 * then its cursor is recorded, so a backfill cut short goes on from its last whole page.
 */
export async function runBackfill(
  store: Store,
  connector: BackfillingConnector,
  host: ConnectorHost,
  request: { agencyId: string; chatId: string; limit: number; restart?: boolean | undefined },
): Promise<BackfillResult> {
  const key = { agencyId: request.agencyId, platform: connector.platform, chatId: request.chatId };
  if (request.restart)
    await store.pool.query(
      `DELETE FROM backfill_cursors WHERE agency_id = $1 AND platform = $2 AND source_chat_id = $3`,
      [key.agencyId, key.platform, key.chatId],
    );
  const saved = await readCursor(store.pool, key.agencyId, key.platform, key.chatId);
  const result: BackfillResult = {
    fetched: 0,
    emitted: 0,
    matchedImport: 0,
    exhausted: saved !== null && saved.cursor === null,
  };
  let cursor = saved?.cursor ?? null;
  while (!result.exhausted && result.fetched < request.limit) {
    const page = await connector.fetchHistory(request.chatId, {
      limit: Math.min(PAGE, request.limit - result.fetched),
      before: cursor,
    });
    const { events, matched } = await withoutImported(store.pool, request.agencyId, page.events);
    await Promise.all(events.map((event) => host.emit(event)));
    await saveCursor(store.pool, key, page.cursor, page.events.length);
    result.fetched += page.events.length;
    result.emitted += events.length;
    result.matchedImport += matched;
    cursor = page.cursor;
    if (cursor === null || page.events.length === 0) result.exhausted = true;
  }
  return result;
}

export interface BackfillConsumerOptions extends QueueContext {
  store: Store;
  keyFile: string;
  logger: Logger;
  agencyId: string;
  connector: BackfillingConnector;
  host: ConnectorHost;
}

/** Takes the agency's backfill requests for the connector's platform (`bridge <platform> backfill`), one at a time. */
export async function startBackfillConsumer(options: BackfillConsumerOptions): Promise<{ close(): Promise<void> }> {
  const { connector, agencyId, logger: log } = options;
  const queueKey = requireQueueKey(await loadKeyring(options.keyFile));
  const queues = openQueues({ ...options, queueKey }, workerConnection(options.redisUrl));
  const queue = queues.backfillFor(connector.platform, agencyId);
  const connection = workerConnection(options.redisUrl);
  const worker = new Worker<Sealed<RouteOf['backfill']>, BackfillResult>(
    backfillQueueName(connector.platform, agencyId),
    async (job: Job<Sealed<RouteOf['backfill']>>) => {
      const payload = queue.open(job);
      if (payload.agencyId !== agencyId || payload.platform !== connector.platform)
        throw new UnrecoverableError(`backfill job ${job.id} is not for this bridge's agency and platform`);
      if (!Number.isSafeInteger(payload.limit) || payload.limit < 1)
        throw new UnrecoverableError(`backfill job ${job.id}: its limit is not a positive whole number`);
      const result = await runBackfill(options.store, connector, options.host, payload);
      log.info('backfill done', { job: job.id, ...result });
      return result;
    },
    { connection, prefix: options.prefix, concurrency: 1 },
  );
  worker.on('failed', (job, error) => log.warn('backfill failed', { job: job?.id, error: error.message }));
  worker.on('error', (error) => log.warn(`backfill worker: ${error.message}`));
  await worker.waitUntilReady();
  return {
    async close() {
      // not waiting for a long backfill: its job stalls and is taken again, from its last recorded page
      await worker.close(true);
      await queues.close();
      connection.disconnect();
    },
  };
}
