import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { TelegramConnector, type TelegramWebhookOptions } from '../../bridges/telegram/live/connector.ts';
import { telegramBotToken } from '../../src/core/config.ts';
import { UsageError } from '../../src/core/errors.ts';
import { logger } from '../../src/core/logger.ts';
import { putOwnedBlob } from '../../src/store/attachments.ts';
import { action } from '../common.ts';
import { bridgeOptions, runBridgeCommand, webhookUrlAndPort, type BridgeCommandOptions } from './bridge.ts';

interface TelegramBridgeOptions extends BridgeCommandOptions {
  botTokenFile?: string;
  webhookUrl?: string;
  port?: string;
  webhookSecretFile?: string;
}

/** Webhook settings from the options, or undefined for long polling; the secret is never a flag's value either. */
function webhookOptions(options: TelegramBridgeOptions): TelegramWebhookOptions | undefined {
  if (!options.webhookUrl) {
    if (options.port || options.webhookSecretFile)
      throw new UsageError('--port and --webhook-secret-file go with --webhook-url');
    return undefined;
  }
  const { url, port } = webhookUrlAndPort({ webhookUrl: options.webhookUrl, port: options.port }, 'Telegram');
  let secretToken: string;
  if (options.webhookSecretFile) {
    try {
      secretToken = readFileSync(options.webhookSecretFile, 'utf8').trim();
    } catch (error) {
      throw new UsageError(
        `cannot read the webhook secret file ${options.webhookSecretFile}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`,
      );
    }
    if (!/^[A-Za-z0-9_-]{1,256}$/.test(secretToken))
      throw new UsageError(`the webhook secret file ${options.webhookSecretFile} must hold 1-256 of A-Z a-z 0-9 _ -`);
  } else {
    // a fresh secret each start: setWebhook hands it to Telegram, which sends it back with every update
    secretToken = randomBytes(32).toString('hex');
  }
  return { url, port, secretToken };
}

export function registerTelegramBridge(bridge: Command): void {
  bridgeOptions(
    bridge
      .command('telegram')
      .description(
        "run the agency's Telegram bot: messages of mapped chats into the store as they are written, allowed replies out",
      )
      .option(
        '--bot-token-file <file>',
        'a file holding the bot token (default: TELEGRAM_BOT_TOKEN_FILE, else TELEGRAM_BOT_TOKEN)',
      )
      .option('--webhook-url <url>', 'receive updates by webhook at this public https URL instead of long polling')
      .option('--port <n>', 'with --webhook-url: the local port the webhook listens on')
      .option(
        '--webhook-secret-file <file>',
        "with --webhook-url: a file holding the webhook's secret token (default: a fresh one each start)",
      ),
  ).action(
    action(async (options: TelegramBridgeOptions) => {
      const webhook = webhookOptions(options);
      return runBridgeCommand(options, ({ cfg, store, agencyId }) => {
        const token = telegramBotToken(cfg, options.botTokenFile);
        return new TelegramConnector({
          token,
          apiRoot: cfg.telegramApiRoot,
          logger: logger(),
          ...(webhook ? { webhook } : {}),
          // bytes into the content-addressed store, owned by this agency (a message may reference only its own blobs)
          storeFile: (bytes) => putOwnedBlob(store.pool, cfg.dataDir, { agencyId }, bytes),
        });
      });
    }),
  );
}
