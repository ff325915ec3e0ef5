import type { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import { config } from '../../src/core/config.ts';
import { UsageError } from '../../src/core/errors.ts';
import { requireQueueKey } from '../../src/core/keys.ts';
import { logger } from '../../src/core/logger.ts';
import { connectRedisOnce } from '../../src/core/redis.ts';
import { openQueues, producerConnection, PIPELINE_QUEUES } from '../../src/pipeline/queues.ts';
import { openStore } from '../../src/store/database.ts';
import { openInstallation } from '../../src/store/installation.ts';
import { action, wholeNumber } from '../common.ts';
import { metricsOptions, startMetricsIfAsked, type MetricsCliOptions } from '../metrics-options.ts';

interface ServeOptions extends MetricsCliOptions {
  port: string;
  host: string;
  behindTls?: boolean;
  trustProxy?: string;
  signInPerMinute: string;
  timeZone: string;
}

function checkTimeZone(zone: string): string {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone;
  } catch {
    throw new UsageError(`--time-zone "${zone}" is not a time zone (e.g. Asia/Almaty, UTC)`);
  }
}

export function registerServe(program: Command): void {
  const command = program
    .command('serve')
    .description("the officers' web console and its JSON API (review, reports, audit, operations)")
    .option('--port <n>', 'listen on this port', '8080')
    .option('--host <address>', 'listen on this address (behind a reverse proxy: keep 127.0.0.1)', '127.0.0.1')
    .option('--behind-tls', 'browsers reach the console over HTTPS (a TLS-terminating proxy): cookies are Secure')
    .option(
      '--trust-proxy <addresses>',
      "the reverse proxy's addresses (comma-separated, CIDR or loopback): its X-Forwarded-For names the client",
    )
    .option('--sign-in-per-minute <n>', 'sign-in attempts allowed per client address and minute', '10')
    .option('--time-zone <zone>', 'show dates and times in this zone', 'Asia/Almaty');
  metricsOptions(command).action(
    action(async (options: ServeOptions) => {
      const port = wholeNumber(options.port, '--port', 0, 65535);
      const signInPerMinute = wholeNumber(options.signInPerMinute, '--sign-in-per-minute', 1, 10_000);
      const timeZone = checkTimeZone(options.timeZone);
      const cfg = config();
      (await connectRedisOnce(cfg.redisUrl)).disconnect();
      const store = await openStore(cfg.databaseUrl, { max: 10 });
      const log = logger();
      let app: FastifyInstance | null = null;
      const redis = producerConnection(cfg.redisUrl);
      let queues: ReturnType<typeof openQueues> | null = null;
      const closeAll = async () => {
        await app?.close();
        await queues?.close();
        redis.disconnect();
        await store.close();
      };
      try {
        const installation = await openInstallation(store.pool, cfg, { signing: false });
        const keyring = await installation.keyring();
        queues = openQueues(
          { redisUrl: cfg.redisUrl, prefix: cfg.queuePrefix, queueKey: requireQueueKey(keyring) },
          redis,
        );
        const { buildConsole } = await import('../../src/console/app.ts');
        app = await buildConsole({
          store,
          queues,
          redis,
          queuePrefix: cfg.queuePrefix,
          keyFile: cfg.keyFile,
          chain: installation.chain,
          secure: options.behindTls ?? false,
          trustProxy: options.trustProxy,
          idleMinutes: cfg.consoleIdleMinutes,
          absoluteHours: cfg.consoleAbsoluteHours,
          signInPerMinute,
          timeZone,
          logger: log,
        });
        await app.listen({ port, host: options.host }).catch((error: NodeJS.ErrnoException) => {
          throw new UsageError(
            `--port ${port} on ${options.host}: cannot listen (${error.code ?? error.message}); pick another port or host`,
          );
        });
      } catch (error) {
        await closeAll();
        throw error;
      }
      const stopped = new Promise<string>((resolve) => {
        process.once('SIGTERM', () => resolve('SIGTERM'));
        process.once('SIGINT', () => resolve('SIGINT'));
      });
      const endpoint = await startMetricsIfAsked(options, {
        redisUrl: cfg.redisUrl,
        prefix: cfg.queuePrefix,
        pool: store.pool,
        queueNames: PIPELINE_QUEUES,
        logger: log,
      }).catch(async (error: unknown) => {
        await closeAll();
        throw error;
      });
      const address = app.server.address();
      log.info('console listening', {
        host: options.host,
        port: typeof address === 'object' && address ? address.port : port,
        secureCookies: options.behindTls ?? false,
      });
      log.info(`${await stopped}: closing the console`);
      await endpoint?.close();
      await closeAll();
      log.info('console stopped');
    }),
  );
}
