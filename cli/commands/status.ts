import type { Command } from 'commander';
import { config } from '../../src/core/config.ts';
import { connectRedisOnce } from '../../src/core/redis.ts';
import { openQueues, QueueName } from '../../src/pipeline/queues.ts';
import { processedLastMinute } from '../../src/pipeline/stats.ts';
import { listUncertainSends, type UncertainSend } from '../../src/service/outbound.ts';
import { openStore } from '../../src/store/database.ts';
import { action, printJson } from '../common.ts';

/** Sends a person must check; null (with a warning) when the store cannot be reached, so the queues still show. */
async function uncertainSends(databaseUrl: string): Promise<UncertainSend[] | null> {
  try {
    const store = await openStore(databaseUrl, { max: 1, connectTimeoutMs: 3000 });
    try {
      return await listUncertainSends(store.pool);
    } finally {
      await store.close();
    }
  } catch (error) {
    process.stderr.write(`aitu-gateway: warning: cannot read outbound attempts from the store: ${(error as Error).message}\n`);
    return null;
  }
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('queue depths, messages per stage over the last minute, failures, dead letters, and sends a person must check')
    .option('--json', 'print as JSON')
    .action(
      action(async (options: { json?: boolean }) => {
        const cfg = config();
        const redis = await connectRedisOnce(cfg.redisUrl, { maxRetriesPerRequest: 3 });
        const queues = openQueues({ redisUrl: cfg.redisUrl, prefix: cfg.queuePrefix }, redis);
        try {
          const report: Record<string, unknown> = {};
          for (const name of [QueueName.classify, QueueName.deliver, QueueName.outbound] as const) {
            const counts = await queues[name].getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed');
            report[name] = {
              waitingBatches: (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0),
              activeBatches: counts.active ?? 0,
              failedJobs: counts.failed ?? 0,
              workers: await queues[name].getWorkersCount(),
              messagesLastMinute: await processedLastMinute(redis, cfg.queuePrefix, name),
            };
          }
          report.deadLetters = (await queues['dead-letter'].getJobCounts('waiting')).waiting ?? 0;
          const uncertain = await uncertainSends(cfg.databaseUrl);
          if (options.json) printJson({ ...report, outboundUncertain: uncertain });
          else {
            for (const [name, value] of Object.entries(report)) {
              if (typeof value === 'number') process.stdout.write(`${name}: ${value}\n`);
              else {
                const v = value as Record<string, number>;
                process.stdout.write(
                  `${name}: ${v.waitingBatches} waiting, ${v.activeBatches} active batches, ${v.messagesLastMinute} messages in the last minute, ${v.failedJobs} failed jobs, ${v.workers} workers\n`,
                );
              }
            }
            for (const u of uncertain ?? []) {
              process.stdout.write(
                `outbound attempt ${u.attemptId} UNCERTAIN (${u.agency} → ${u.platform}:${u.chatId}, sending since ${u.sendingSince ?? '?'}): check the chat, then: aitu-gateway outbound resolve ${u.attemptId} --sent|--not-sent\n`,
              );
            }
          }
        } finally {
          await queues.close();
        }
      }),
    );
}
