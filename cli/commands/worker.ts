import type { Command } from 'commander';
import { config } from '../../src/core/config.ts';
import { UsageError } from '../../src/core/errors.ts';
import { connectRedisOnce } from '../../src/core/redis.ts';
import { logger } from '../../src/core/logger.ts';
import { STAGES, startWorkers, type Stage } from '../../src/pipeline/workers.ts';
import { maintenanceHandlers } from '../../src/service/maintenance.ts';
import { startSealTimer } from '../../src/service/seal-timer.ts';
import { openStore } from '../../src/store/database.ts';
import { openInstallation } from '../../src/store/installation.ts';
import { action } from '../common.ts';
import { metricsListen, metricsOptions, startMetricsIfAsked, type MetricsCliOptions } from '../metrics-options.ts';
import { PIPELINE_QUEUES } from '../../src/pipeline/queues.ts';

export function parseStages(value: string): Stage[] {
  const stages = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = stages.filter((s) => !(STAGES as readonly string[]).includes(s));
  if (unknown.length > 0 || stages.length === 0)
    throw new UsageError(`--stages: unknown stage ${unknown.join(', ') || '(none)'}; known: ${STAGES.join(', ')}`);
  return stages as Stage[];
}

type WorkerCliOptions = {
  stages: string;
  concurrency: string;
  sealInterval: string;
  lockDuration: string;
} & MetricsCliOptions;

export function registerWorker(program: Command): void {
  const command = program
    .command('worker')
    .description('run pipeline workers; start more on any machine against the same Redis and PostgreSQL to scale')
    .option('--stages <list>', `comma-separated stages (${STAGES.join(', ')})`, STAGES.join(','))
    .option('--concurrency <n>', 'jobs processed at once per stage', '8')
    .option('--seal-interval <seconds>', 'seal the audit log this often (and once more on shutdown)', '30')
    .option(
      '--lock-duration <seconds>',
      'how long a job stays held by a worker that stopped renewing it (killed); other workers look this often and take such jobs up',
      '30',
    );
  metricsOptions(command).action(
    action(async (options: WorkerCliOptions) => {
      const stages = parseStages(options.stages);
      const concurrency = Number(options.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1)
        throw new UsageError('--concurrency must be a positive integer');
      const sealSeconds = Number(options.sealInterval);
      if (!Number.isFinite(sealSeconds) || sealSeconds <= 0)
        throw new UsageError('--seal-interval must be a positive number of seconds');
      const lockSeconds = Number(options.lockDuration);
      if (!Number.isFinite(lockSeconds) || lockSeconds < 1)
        throw new UsageError('--lock-duration must be a number of seconds, at least 1');
      metricsListen(options);
      const cfg = config();
      (await connectRedisOnce(cfg.redisUrl)).disconnect();
      const store = await openStore(cfg.databaseUrl, { max: concurrency + 3 });
      // the installation and its signing key first: a worker that could not seal what it writes does not start
      const chain = await openInstallation(store.pool, cfg, { signing: true })
        .then(async (installation) => (await installation.keyring(), installation.chain))
        .catch(async (error: unknown) => {
          await store.close();
          throw error;
        });
      const log = logger();
      // listening before the workers start: a SIGTERM during start-up still drains, seals and exits cleanly
      const stopped = new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          log.info(`${signal}: draining jobs in flight`);
          resolve();
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
        // started by an import (an IPC channel to it): when that import is gone, even SIGKILLed, drain and exit too
        if (process.channel) {
          process.once('disconnect', () => stop('the import that started this worker ended'));
          process.channel.unref();
        }
      });
      const endpoint = await startMetricsIfAsked(options, {
        redisUrl: cfg.redisUrl,
        prefix: cfg.queuePrefix,
        pool: store.pool,
        queueNames: PIPELINE_QUEUES,
        logger: log,
      }).catch(async (error: unknown) => {
        await store.close();
        throw error;
      });
      const workers = await startWorkers({
        redisUrl: cfg.redisUrl,
        prefix: cfg.queuePrefix,
        keyFile: cfg.keyFile,
        stages,
        concurrency,
        store,
        logger: log,
        lockMs: lockSeconds * 1000,
        dataDir: cfg.dataDir,
        maintenance: maintenanceHandlers(store, cfg.keyFile, cfg.dataDir),
      });
      const sealer = startSealTimer(store, chain, sealSeconds * 1000, (error) =>
        log.warn(`could not seal the audit log; trying again in ${sealSeconds} s`, { error: error.message }),
      );
      log.info('workers running', { stages, concurrency, pid: process.pid, sealIntervalSeconds: sealSeconds });
      await stopped;
      await workers.close();
      await sealer.stop();
      // the endpoint answers until the drain is done: a scrape during shutdown still sees the last jobs
      await endpoint?.close();
      await store.close();
      log.info('workers stopped');
    }),
  );
}
