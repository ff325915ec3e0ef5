import { Readable } from 'node:stream';
import path from 'node:path';
import type { Command } from 'commander';
import { withSession, type TokenOptions } from '../session.ts';
import { config, type Config } from '../../src/core/config.ts';
import { ExitCode, UsageError } from '../../src/core/errors.ts';
import { requireQueueKey } from '../../src/core/keys.ts';
import { logger } from '../../src/core/logger.ts';
import { connectRedisOnce } from '../../src/core/redis.ts';
import { openQueues } from '../../src/pipeline/queues.ts';
import { requestBackfill } from '../../src/service/backfill.ts';
import { putOwnedBlob } from '../../src/store/attachments.ts';
import type { Store } from '../../src/store/database.ts';
import type { WaClient, WaMedia } from '../../bridges/whatsapp/live/client-surface.ts';
import { WhatsAppConnector } from '../../bridges/whatsapp/live/connector.ts';
import { action, printJson, tokenOptions } from '../common.ts';
import { bridgeOptions, runBridgeCommand, type BridgeCommandOptions } from './bridge.ts';

/** whatsapp-web.js (and puppeteer under it) loads only for the bridge, not for every command of the CLI. */
async function loadWhatsApp() {
  const [whatsapp, qrcode] = await Promise.all([import('whatsapp-web.js'), import('qrcode-terminal')]);
  return { ...whatsapp.default, qrcode: qrcode.default };
}

/**
 * The real whatsapp-web.js client with the project's options: the session (LocalAuth) in
 * <dataDir>/whatsapp/<agency>, Debian's chromium (AITU_GATEWAY_CHROMIUM to point elsewhere), headless.
 */
export async function whatsappClient(
  dataDir: string,
  agencySlug: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<WaClient> {
  const { Client, LocalAuth } = await loadWhatsApp();
  return new Client({
    authStrategy: new LocalAuth({ dataPath: path.join(dataDir, 'whatsapp', agencySlug) }),
    puppeteer: {
      executablePath: env.AITU_GATEWAY_CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox'],
    },
  }) as unknown as WaClient;
}

/** Media WhatsApp sent into the attachment store, owned by the agency (the message may then reference it). */
function fileStore(cfg: Config, store: Store, agencyId: string) {
  return async (bytes: Buffer) => {
    const blob = await putOwnedBlob(store.pool, cfg.dataDir, { agencyId }, Readable.from([bytes]));
    return { sha256: blob.sha256, size: blob.size };
  };
}

/** The QR code is a login secret, not a log line: drawn on standard error only. */
function showQr(
  qrcode: { generate(text: string, options: { small: boolean }, done: (drawn: string) => void): void },
  qr: string,
): void {
  qrcode.generate(qr, { small: true }, (drawn: string) =>
    process.stderr.write(`\nScan with WhatsApp → Linked devices:\n${drawn}\n`),
  );
}

function positiveInt(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${name} must be a positive whole number`);
  return n;
}

export function registerWhatsAppBridge(bridge: Command): void {
  const command = bridgeOptions(
    bridge
      .command('whatsapp')
      .description(
        "run the agency's WhatsApp Web session (whatsapp-web.js in Debian's chromium): its mapped chats in, allowed replies out",
      )
      .option('--start-timeout <seconds>', 'give up when WhatsApp Web has not loaded within this (no network)', '45'),
  ).action(
    action((options: BridgeCommandOptions & { startTimeout: string }) => {
      const startTimeoutMs = positiveInt(options.startTimeout, '--start-timeout') * 1000;
      return runBridgeCommand(options, async ({ cfg, store, agencyId }) => {
        const { MessageMedia, qrcode } = await loadWhatsApp();
        return new WhatsAppConnector({
          client: await whatsappClient(cfg.dataDir, options.agency),
          storeFile: fileStore(cfg, store, agencyId),
          makeMedia: (mime, base64, filename) => new MessageMedia(mime, base64, filename) as WaMedia,
          showQr: (qr) => showQr(qrcode, qr),
          log: logger().child({ bridge: 'whatsapp', agency: options.agency }),
          startTimeoutMs,
        });
      });
    }),
  );

  tokenOptions(
    command
      .command('backfill <chat-id>')
      .usage('--agency <slug> <chat-id> [--limit N] [options]')
      .description(
        "pull a chat's recent history through the running bridge, older than where the last backfill stopped (operator, admin)",
      )
      .option('--limit <n>', 'at most this many messages', '200')
      .option('--restart', 'start again from the newest message instead of where the last backfill stopped')
      .option('--timeout <seconds>', "how long to wait for the bridge's result", '600')
      .option('--json', 'print the counts as JSON'),
  ).action(
    action(
      (chatId: string, own: TokenOptions & { limit: string; restart?: boolean; timeout: string; json?: boolean }) => {
        // --agency is the parent's option (commander gives it to `bridge whatsapp` wherever it is written)
        const options = { ...own, agency: (command.opts() as { agency: string }).agency };
        if (!/@(c|g)\.us$/.test(chatId))
          throw new UsageError('<chat-id> is a WhatsApp chat id: <number>@c.us for a person, <id>@g.us for a group');
        const limit = positiveInt(options.limit, '--limit');
        const timeoutMs = positiveInt(options.timeout, '--timeout') * 1000;
        return withSession(options, 'bridge whatsapp backfill', async ({ store, actor, keyring }) => {
          const cfg = config();
          const queues = openQueues(
            { redisUrl: cfg.redisUrl, prefix: cfg.queuePrefix, queueKey: requireQueueKey(await keyring()) },
            await connectRedisOnce(cfg.redisUrl, { maxRetriesPerRequest: 3 }),
          );
          try {
            const result = await requestBackfill(store, queues, actor, {
              agency: options.agency,
              platform: 'whatsapp',
              chatId,
              limit,
              restart: options.restart === true,
              timeoutMs,
            });
            if (options.json) printJson(result);
            else {
              process.stdout.write(
                `fetched ${result.fetched}, handed to the pipeline ${result.emitted}, already imported from an export ${result.matchedImport}${result.exhausted ? '; the chat has no older messages' : ''}\n`,
              );
            }
            return ExitCode.ok;
          } finally {
            await queues.close();
          }
        });
      },
    ),
  );
}
