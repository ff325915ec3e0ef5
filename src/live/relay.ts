import type pg from 'pg';
import { machineActor } from '../core/machine-actor.ts';
import type { CanonicalMessageInput } from '../core/message.ts';
import { submitOutbound } from '../outbound/gate.ts';
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
    const text = relayedText(message);
    const counts = { queued: 0, blocked: 0 };
    if (!text) return counts;
    const targets = await this.targets(
      this.store.pool,
      nationalChatId,
      String(message.platform),
      String(message.chatId),
    );
    if (targets.length === 0) return counts;
    const policy = await this.policyFor(this.agencyId);
    for (const target of targets) {
      const result = await submitOutbound(
        this.store,
        this.queues,
        {
          agencyId: this.agencyId,
          target: { platform: target.platform, chatId: target.source_chat_id },
          text,
          author: `relay:${String(message.platform)}`,
        },
        { policy, hashKey: this.hashKey },
        machineActor(),
      );
      counts[result.status]++;
    }
    return counts;
  }
}

/** What the other chats see: the author's name and the text (attachments are not relayed). */
function relayedText(message: CanonicalMessageInput): string {
  const text = String(message.text ?? '').trim();
  if (!text) return '';
  const name = message.sender?.name?.trim();
  return name ? `${name}: ${text}` : text;
}
