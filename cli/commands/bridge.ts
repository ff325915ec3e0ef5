import type { Command } from 'commander';
import { config, type Config } from '../../src/core/config.ts';
import { canRelay, type Connector } from '../../src/core/connector.ts';
import { ConnectorFailedError, ExitCode, UsageError } from '../../src/core/errors.ts';
import { connectRedisOnce } from '../../src/core/redis.ts';
import { logger } from '../../src/core/logger.ts';
import { runConnector, type RunConnectorOptions } from '../../src/live/run.ts';
import { startSealTimer } from '../../src/service/seal-timer.ts';
import { requireAgency } from '../../src/store/agencies.ts';
import { openStore, type Store } from '../../src/store/database.ts';
import { openInstallation } from '../../src/store/installation.ts';
import { backfillQueueName, outboundQueueName, PIPELINE_QUEUES, relayQueueName } from '../../src/pipeline/queues.ts';
import type { MetricsEndpoint } from '../../src/metrics/server.ts';
import { metricsListen, metricsOptions, startMetricsIfAsked, type MetricsCliOptions } from '../metrics-options.ts';
import { registerAituBridge } from './bridge-aitu.ts';
import { registerTelegramBridge } from './bridge-telegram.ts';
import { registerWhatsAppBridge } from './bridge-whatsapp.ts';

export interface BridgeCommandOptions extends MetricsCliOptions {
  agency: string;
  autoMap?: boolean;
  enqueueOnly?: boolean;
}

/** `--webhook-url` and `--port` checked: an https URL the platform posts to, and the local port that serves it. */
export function webhookUrlAndPort(
  options: { webhookUrl: string; port?: string },
  platform: string,
): { url: string; port: number } {
  let url: URL;
  try {
    url = new URL(options.webhookUrl);
  } catch {
    throw new UsageError(`--webhook-url must be a URL, e.g. https://gateway.example.kz/${platform.toLowerCase()}/hook`);
  }
  if (url.protocol !== 'https:')
    throw new UsageError(`--webhook-url must be an https:// URL (${platform} posts only to https)`);
  const port = Number(options.port);
  if (!options.port || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new UsageError('--webhook-url needs --port <n>, the local port to listen on (1-65535)');
  return { url: url.toString(), port };
}

/** The options every `bridge <platform>` command shares. */
export function bridgeOptions(command: Command): Command {
  return metricsOptions(
    command
      .requiredOption('--agency <slug>', 'the agency whose chats this bridge carries (its own bot or account)')
      .option('--auto-map', 'give an unmapped chat a national chat named after it (default: logged once and ignored)')
      .option('--enqueue-only', 'leave classification and delivery to running `aitu-gateway worker` processes'),
  );
}

/**
 * Runs one agency's connector until SIGTERM or SIGINT, then drains: the connector stops taking events, every event
 * it emitted reaches Redis, the send in flight finishes; exit 0. A connector that cannot start (no network,
 * logged out) exits 3 with its reason.
 */
export async function runBridgeCommand(
  options: BridgeCommandOptions,
  makeConnector: (context: { cfg: Config; store: Store; agencyId: string }) => Promise<Connector> | Connector,
  extra: Pick<RunConnectorOptions, 'assignWaitMs'> = {},
): Promise<number> {
  metricsListen(options);
  const cfg = config();
  (await connectRedisOnce(cfg.redisUrl)).disconnect();
  const store = await openStore(cfg.databaseUrl, { max: 8 });
  let endpoint: MetricsEndpoint | null = null;
  const log = logger();
  let stopRequested: (signal: string) => void = () => {};
  const stopped = new Promise<string>((resolve) => (stopRequested = resolve));
  const onSignal = (signal: NodeJS.Signals) => stopRequested(signal);
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    const installation = await openInstallation(store.pool, cfg, { signing: true });
    await installation.keyring();
    const agency = await requireAgency(store.pool, options.agency);
    const connector = await makeConnector({ cfg, store, agencyId: agency.id });
    // before the connector starts: /readyz says `connecting` until it is connected
    endpoint = await startMetricsIfAsked(options, {
      redisUrl: cfg.redisUrl,
      prefix: cfg.queuePrefix,
      pool: store.pool,
      queueNames: [
        ...PIPELINE_QUEUES,
        outboundQueueName(connector.platform, agency.id),
        backfillQueueName(connector.platform, agency.id),
        ...(canRelay(connector) ? [relayQueueName(agency.id)] : []),
      ],
      connector: { platform: connector.platform, agencyId: agency.id },
      logger: log,
    });
    const running = await runConnector({
      redisUrl: cfg.redisUrl,
      prefix: cfg.queuePrefix,
      store,
      keyFile: cfg.keyFile,
      dataDir: cfg.dataDir,
      logger: log,
      agencyId: agency.id,
      connector,
      autoMap: options.autoMap,
      enqueueOnly: options.enqueueOnly,
      ...extra,
    });
    const sealer = startSealTimer(store, installation.chain, 30_000, (error) =>
      log.warn('could not seal the audit log; trying again in 30 s', { error: error.message }),
    );
    log.info('bridge running', { platform: connector.platform, agency: options.agency, pid: process.pid });
    const outcome = await Promise.race([
      stopped.then((signal) => ({ signal })),
      running.gaveUp.then((failure) => ({ failure })),
    ]);
    log.info(
      'signal' in outcome ? `${outcome.signal}: draining the bridge` : `${outcome.failure}: draining the bridge`,
    );
    await running.stop();
    await sealer.stop();
    log.info('bridge stopped');
    // a connector that gave up ends the process with exit 3, so a supervisor (systemd, compose) sees it
    if ('failure' in outcome) throw new ConnectorFailedError(outcome.failure);
    return ExitCode.ok;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await endpoint?.close();
    await store.close();
  }
}

export function registerBridge(program: Command): void {
  const bridge = program
    .command('bridge')
    .description('run a live bridge: foreign chats into the national store as they are written, allowed replies out');
  registerTelegramBridge(bridge);
  registerWhatsAppBridge(bridge);
  registerAituBridge(bridge);
}
