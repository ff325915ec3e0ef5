import type { IndexKeys } from '../core/keys.ts';
import type pg from 'pg';
import { machineActor } from '../core/machine-actor.ts';
import type { CanonicalMessageInput } from '../core/message.ts';
import { submitOutbound, type OutboundResult } from '../outbound/gate.ts';
import type { Queues } from '../pipeline/queues.ts';
import { policyLoader } from '../pipeline/workers.ts';
import type { Store } from '../store/database.ts';

/**
 * Foreign to foreign (`map add … --relay`): a national chat mapped to a Telegram group and a WhatsApp group joins
 * them. A message from one relaying source goes to the others only through the outbound gate, as if written on the
 * national side, so whatever the agency's policy blocks stays behind; each send is audited like any other.
 */
export class Relay {
  private readonly policyFor: (agencyId: string) => ReturnType<ReturnType<typeof policyLoader>>;

  constructor(
    private readonly store: Store,
    private readonly queues: Pick<Queues, 'outboundFor'>,
    private readonly agencyId: string,
    private readonly hashKey: Buffer | undefined,
    private readonly indexKeys?: IndexKeys,
  ) {
    this.policyFor = policyLoader(store);
  }

  /** The other relaying sources of the national chat `nationalChatId`. */
  private async targets(db: Pick<pg.Pool, 'query'>, nationalChatId: string, platform: string, chatId: string) {
    const rows = await db.query<{ platform: string; source_chat_id: string }>(
      `SELECT platform, source_chat_id FROM chat_sources
        WHERE agency_id = $1 AND chat_id = $2 AND relay AND NOT (platform = $3 AND source_chat_id = $4)`,
      [this.agencyId, nationalChatId, platform, chatId],
    );
    return rows.rows;
  }

  /** Submits the message to each other relaying source; returns how many sends were queued and blocked. */
  async forward(nationalChatId: string, message: CanonicalMessageInput): Promise<{ queued: number; blocked: number }> {
    const targets = await this.targets(
      this.store.pool,
      nationalChatId,
      String(message.platform),
      String(message.chatId),
    );
    const counts = { queued: 0, blocked: 0 };
    for (const result of await this.submit(targets, message)) counts[result.status]++;
    return counts;
  }

  /**
   * A message written in the national messenger (an Aitu group): submitted to every foreign source of its
   * national chat, through the outbound gate. A reply to one of the bot's relayed posts replies to the relayed
   * message where it came from. Returns the categories that blocked it anywhere (empty: nothing was blocked).
   */
  async fromNational(nationalChatId: string, message: CanonicalMessageInput): Promise<string[]> {
    const targets = await this.store.pool.query<{ platform: string; source_chat_id: string }>(
      `SELECT platform, source_chat_id FROM chat_sources WHERE agency_id = $1 AND chat_id = $2 AND platform <> 'aitu'`,
      [this.agencyId, nationalChatId],
    );
    const replied = message.replyTo ? await this.relayedOrigin(String(message.replyTo)) : null;
    const results = await this.submit(targets.rows, message, replied);
    return [...new Set(results.flatMap((r) => (r.status === 'blocked' ? r.decision.categories : [])))].sort();
  }

  /** The foreign message a relayed Aitu post shows, by the post's Aitu id. */
  private async relayedOrigin(postId: string) {
    const row = await this.store.pool.query<{ platform: string; source_chat_id: string; source_message_id: string }>(
      `SELECT m.platform, m.source_chat_id, m.source_message_id FROM aitu_posts p JOIN messages m ON m.id = p.message_id
        WHERE p.agency_id = $1 AND p.aitu_message_id = $2 LIMIT 1`,
      [this.agencyId, postId],
    );
    return row.rows[0] ?? null;
  }

  private async submit(
    targets: readonly { platform: string; source_chat_id: string }[],
    message: CanonicalMessageInput,
    replied: { platform: string; source_chat_id: string; source_message_id: string } | null = null,
  ): Promise<OutboundResult[]> {
    const text = relayedText(message);
    if (!text || targets.length === 0) return [];
    const policy = await this.policyFor(this.agencyId);
    const results: OutboundResult[] = [];
    for (const target of targets) {
      const repliesHere = replied?.platform === target.platform && replied.source_chat_id === target.source_chat_id;
      results.push(
        await submitOutbound(
          this.store,
          this.queues,
          {
            agencyId: this.agencyId,
            target: { platform: target.platform, chatId: target.source_chat_id },
            text,
            author: `relay:${String(message.platform)}`,
            ...(repliesHere ? { replyTo: replied.source_message_id } : {}),
          },
          { policy, hashKey: this.hashKey, indexKeys: this.indexKeys },
          machineActor(),
        ),
      );
    }
    return results;
  }
}

/** What the other chats see: the author's name and the text (attachments are not relayed). */
function relayedText(message: CanonicalMessageInput): string {
  const text = String(message.text ?? '').trim();
  if (!text) return '';
  const name = message.sender?.name?.trim();
  return name ? `${name}: ${text}` : text;
}
