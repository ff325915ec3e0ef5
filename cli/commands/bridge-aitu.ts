import type { Command } from 'commander';
import { AituConnector, type AituWebhookOptions } from '../../bridges/aitu/connector.ts';
import { aituBotToken } from '../../src/core/config.ts';
import { UsageError } from '../../src/core/errors.ts';
import { logger } from '../../src/core/logger.ts';
import { action } from '../common.ts';
import { bridgeOptions, runBridgeCommand, webhookUrlAndPort, type BridgeCommandOptions } from './bridge.ts';

interface AituBridgeOptions extends BridgeCommandOptions {
  botTokenFile?: string;
  webhookUrl?: string;
  port?: string;
  perGroup: string;
  perBot: string;
  assignWait: string;
}

function positive(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a positive number, not "${value}"`);
  return n;
}

function webhookOptions(options: AituBridgeOptions): AituWebhookOptions | undefined {
  if (!options.webhookUrl) {
    if (options.port) throw new UsageError('--port goes with --webhook-url');
    return undefined;
  }
  return webhookUrlAndPort({ webhookUrl: options.webhookUrl, port: options.port }, 'Aitu');
}

export function registerAituBridge(bridge: Command): void {
  bridgeOptions(
    bridge
      .command('aitu')
      .description(
        "run the agency's Aitu bot: stored messages relayed into mapped Aitu groups, Aitu replies out through policy",
      )
      .option(
        '--bot-token-file <file>',
        'a file holding the bot token (default: AITU_BOT_TOKEN_FILE, else AITU_BOT_TOKEN)',
      )
      .option('--webhook-url <url>', 'receive updates by webhook at this public https URL instead of long polling')
      .option('--port <n>', 'with --webhook-url: the local port the webhook listens on')
      .option('--per-group <n>', 'posts a second into one Aitu group', '1')
      .option('--per-bot <n>', 'posts a second for the whole bot', '20')
      .option(
        '--assign-wait <seconds>',
        "how long a post whose answer was lost waits for Aitu's MessageIdAssigned before it is sent again",
        '30',
      ),
  ).action(
    action(async (options: AituBridgeOptions) => {
      const webhook = webhookOptions(options);
      const perGroup = positive(options.perGroup, '--per-group');
      const perBot = positive(options.perBot, '--per-bot');
      const assignWaitMs = positive(options.assignWait, '--assign-wait') * 1000;
      return runBridgeCommand(
        options,
        ({ cfg }) =>
          new AituConnector({
            token: aituBotToken(cfg, options.botTokenFile),
            apiRoot: cfg.aituApiRoot,
            logger: logger(),
            perGroup,
            perBot,
            ...(webhook ? { webhook } : {}),
          }),
        { assignWaitMs },
      );
    }),
  );
}
