import type { Command } from 'commander';
import { config } from '../../src/core/config.ts';
import { UsageError } from '../../src/core/errors.ts';
import { connectRedisOnce } from '../../src/core/redis.ts';
import { logger } from '../../src/core/logger.ts';
import { STAGES, startWorkers, type Stage } from '../../src/pipeline/workers.ts';
import { openStore } from '../../src/store/database.ts';
import { requireInstallation } from '../../src/store/installation.ts';
import { action } from '../common.ts';

export function parseStages(value: string): Stage[] {
  const stages = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = stages.filter((s) => !(STAGES as readonly string[]).includes(s));
  if (unknown.length > 0 || stages.length === 0) throw new UsageError(`--stages: unknown stage ${unknown.join(', ') || '(none)'}; known: ${STAGES.join(', ')}`);
  return stages as Stage[];
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run pipeline workers; start more on any machine against the same Redis and PostgreSQL to scale')
    .option('--stages <list>', `comma-separated stages (${STAGES.join(', ')})`, 'classify,deliver')
    .option('--concurrency <n>', 'jobs processed at once per stage', '8')
    .action(
      action(async (options: { stages: string; concurrency: string }) => {
        const stages = parseStages(options.stages);
        const concurrency = Number(options.concurrency);
        if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError('--concurrency must be a positive integer');
        const cfg = config();
        (await connectRedisOnce(cfg.redisUrl)).disconnect();
        const store = await openStore(cfg.databaseUrl, { max: concurrency + 2 });
        await requireInstallation(store.pool, cfg, { keys: true }).catch(async (error: unknown) => {
          await store.close();
          throw error;
        });
        const log = logger();
        const workers = await startWorkers({ redisUrl: cfg.redisUrl, prefix: cfg.queuePrefix, keyFile: cfg.keyFile, stages, concurrency, store, logger: log });
        log.info('workers running', { stages, concurrency, pid: process.pid });
        await new Promise<void>((resolve) => {
          const stop = (signal: string) => {
            log.info(`${signal}: draining jobs in flight`);
            resolve();
          };
          process.once('SIGTERM', () => stop('SIGTERM'));
          process.once('SIGINT', () => stop('SIGINT'));
        });
        await workers.close();
        await store.close();
        log.info('workers stopped');
      }),
    );
}
