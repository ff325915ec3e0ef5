import type { BackfillingConnector, BridgeEvent, ConnectorHost } from '../core/connector.ts';
import type { Store } from '../store/database.ts';
import { withoutImported } from './backfill.ts';
import { eventMessage } from './events.ts';

export interface CatchUpResult {
  /** mapped chats the store already held messages of (the others are left to `bridge <platform> backfill`) */
  chats: number;
  /** history messages read back */
  fetched: number;
  /** handed to the pipeline (the store absorbs those it already holds) */
  emitted: number;
}

export interface CatchUpOptions {
  /** history read per call */
  pageSize?: number;
  /** at most this many messages read back per chat */
  maxPerChat?: number;
  /** how far before the newest stored message the history is read back (messages of a chat may be stored out of order) */
  marginMs?: number;
  /** true once the bridge is stopping: no further page is read */
  stopping?: () => boolean;
}

/** Each mapped chat of the platform that the store holds messages of, with the time of the newest one. */
async function storedChats(
  store: Store,
  agencyId: string,
  platform: string,
): Promise<{ chatId: string; newest: Date }[]> {
  const rows = await store.pool.query<{ source_chat_id: string; newest: Date }>(
    `SELECT s.source_chat_id, m.sent_at AS newest FROM chat_sources s
       CROSS JOIN LATERAL (
         SELECT sent_at FROM messages m
          WHERE m.chat_id = s.chat_id AND m.agency_id = s.agency_id AND m.platform = s.platform AND m.source_chat_id = s.source_chat_id
          ORDER BY sent_at DESC LIMIT 1) m
      WHERE s.agency_id = $1 AND s.platform = $2`,
    [agencyId, platform],
  );
  return rows.rows.map((r) => ({ chatId: r.source_chat_id, newest: r.newest }));
}

const timeOf = (event: BridgeEvent) => Date.parse(eventMessage(event).sentAt);

/**
 * What a chat's history holds from a little before its newest stored message on: pages read newest first until
 * one reaches back past that point (or the chat's beginning, or `maxPerChat`).
 */
async function recentHistory(
  connector: BackfillingConnector,
  chatId: string,
  since: number,
  options: Required<Omit<CatchUpOptions, 'marginMs'>>,
): Promise<{ events: BridgeEvent[]; fetched: number }> {
  const pages: BridgeEvent[][] = [];
  let fetched = 0;
  let cursor: string | null = null;
  do {
    const page = await connector.fetchHistory(chatId, { limit: options.pageSize, before: cursor });
    pages.unshift(page.events);
    fetched += page.events.length;
    cursor = page.cursor;
    const oldest = page.events[0];
    if (!oldest || timeOf(oldest) < since) break;
  } while (cursor !== null && fetched < options.maxPerChat && !options.stopping());
  return { events: pages.flat().filter((event) => timeOf(event) >= since), fetched };
}

/**
 * Messages written while the bridge was down, or on their way into Redis when it was killed, that the messenger
 * does not hand over again by itself (whatsapp-web.js emits no `message` for what arrived while it was offline). At
 * start, each mapped chat's latest history is read back to a little before the newest message the store holds of
 * it and handed to the pipeline as live events are; what the store already holds is absorbed by its unique key (a
 * duplicate), what an imported export holds is left out as a backfill leaves it out. A chat the store holds
 * nothing of yet is left to `bridge <platform> backfill`.
 */
export async function catchUp(
  store: Store,
  connector: BackfillingConnector,
  host: ConnectorHost,
  agencyId: string,
  options: CatchUpOptions = {},
): Promise<CatchUpResult> {
  const settings = {
    pageSize: options.pageSize ?? 50,
    maxPerChat: options.maxPerChat ?? 1000,
    stopping: options.stopping ?? (() => false),
  };
  const marginMs = options.marginMs ?? 10 * 60_000;
  const result: CatchUpResult = { chats: 0, fetched: 0, emitted: 0 };
  for (const chat of await storedChats(store, agencyId, connector.platform)) {
    if (settings.stopping()) break;
    result.chats++;
    const history = await recentHistory(connector, chat.chatId, chat.newest.getTime() - marginMs, settings);
    const { events } = await withoutImported(store.pool, agencyId, history.events);
    // in the chat's order: a version after the message it edits
    for (const event of events) await host.emit(event);
    result.fetched += history.fetched;
    result.emitted += events.length;
  }
  return result;
}
