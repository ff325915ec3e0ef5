/**
 * `aitu-gateway bridge whatsapp --agency <slug>` as a process of its own, for tests that kill it: the command's own
 * code (runBridgeCommand, the production WhatsAppConnector, runConnector), with a stand-in for whatsapp-web.js's
 * Client in place of the browser. Its environment is the test world's; its WhatsApp is played by the parent:
 * - WA_HISTORY_FILE names a JSON file of the chat history WhatsApp holds when the process starts (what a restored
 *   session syncs, and what `fetchMessages` reads);
 * - each IPC message `{ type: 'message', message }` is a message arriving now: added to the history and emitted as
 *   whatsapp-web.js emits it. Like whatsapp-web.js, nothing that arrived before the process started is emitted;
 * - it sends `{ type: 'listening' }` once it takes messages.
 * Run: node --import tsx test/helpers/whatsapp-bridge-child.ts <agency-slug>
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { action } from '../../cli/common.ts';
import { runBridgeCommand } from '../../cli/commands/bridge.ts';
import type { WaChat, WaClient, WaMedia, WaMessage } from '../../bridges/whatsapp/live/client-surface.ts';
import { WhatsAppConnector } from '../../bridges/whatsapp/live/connector.ts';
import { logger } from '../../src/core/logger.ts';
import { putOwnedBlob } from '../../src/store/attachments.ts';

/** A message as the parent describes it (JSON over IPC). */
export interface WireWaMessage {
  /** the id the sending device chose */
  id: string;
  chat: string;
  chatName: string;
  /** the sender's number (…@c.us) */
  from: string;
  notifyName: string;
  body: string;
  /** seconds since the epoch */
  timestamp: number;
}

export const SELF = '77010000001@c.us';

class StandInClient extends EventEmitter implements WaClient {
  info = { wid: { _serialized: SELF, user: SELF.split('@')[0]! }, pushname: 'Clinic desk' };
  readonly history: WaMessage[] = [];
  private readonly names = new Map<string, string>();

  add(wire: WireWaMessage): WaMessage {
    this.names.set(wire.chat, wire.chatName);
    const message: WaMessage = {
      id: { fromMe: false, remote: wire.chat, id: wire.id, _serialized: `false_${wire.chat}_${wire.id}` },
      from: wire.chat,
      to: SELF,
      fromMe: false,
      body: wire.body,
      timestamp: wire.timestamp,
      type: 'chat',
      hasMedia: false,
      hasQuotedMsg: false,
      _data: { notifyName: wire.notifyName },
      downloadMedia: async () => null,
      getQuotedMessage: async () => null,
      getChat: async () => this.chat(wire.chat),
    };
    this.history.push(message);
    return message;
  }

  async initialize(): Promise<void> {
    setImmediate(() => this.emit('ready'));
  }

  async destroy(): Promise<void> {}

  chat(chatId: string): WaChat {
    return {
      id: { _serialized: chatId },
      name: this.names.get(chatId) ?? chatId,
      isGroup: chatId.endsWith('@g.us'),
      fetchMessages: async ({ limit }) => {
        const all = this.history.filter((m) => m.from === chatId);
        return limit === undefined ? all : all.slice(Math.max(0, all.length - limit));
      },
    };
  }

  async getChatById(chatId: string): Promise<WaChat> {
    return this.chat(chatId);
  }

  async sendMessage(): Promise<WaMessage> {
    throw new Error('the stand-in WhatsApp of the kill tests sends nothing');
  }
}

const stand = new StandInClient();
for (const wire of JSON.parse(readFileSync(process.env.WA_HISTORY_FILE!, 'utf8')) as WireWaMessage[]) stand.add(wire);
process.on('message', (note: { type: string; message: WireWaMessage }) => {
  if (note.type === 'message') stand.emit('message', stand.add(note.message));
});
// from here on a message the parent sends is not lost on its way in (it is in the history at least)
process.send?.({ type: 'listening' });

await action(() =>
  runBridgeCommand({ agency: process.argv[2]! }, ({ cfg, store, agencyId }) => {
    return new WhatsAppConnector({
      client: stand,
      storeFile: async (bytes) => putOwnedBlob(store.pool, cfg.dataDir, { agencyId }, Readable.from([bytes])),
      makeMedia: (mimetype, data, filename): WaMedia => ({ mimetype, data, filename }),
      showQr: () => {
        throw new Error('the stand-in session is logged in');
      },
      log: logger().child({ bridge: 'whatsapp' }),
    });
  }),
)();
// the IPC channel would keep the process alive after the bridge stopped
process.disconnect?.();
