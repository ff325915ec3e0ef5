import type { Command } from 'commander';
import { config } from '../../src/core/config.ts';
import { connectRedisOnce } from '../../src/core/redis.ts';
import type { Queue } from 'bullmq';
import { PLATFORMS } from '../../src/core/message.ts';
import { readConnectorStatuses, type ConnectorStatus } from '../../src/live/connector-status.ts';
import { openQueues, QueueName } from '../../src/pipeline/queues.ts';
import { processedLastMinute } from '../../src/pipeline/stats.ts';
import { listUncertainSends, type UncertainSend } from '../../src/service/outbound.ts';
import { openStore } from '../../src/store/database.ts';
import { action, printJson } from '../common.ts';

interface StoreView {
  uncertain: UncertainSend[];
  agencies: { id: string; slug: string }[];
}

/** Sends a person must check, and the agencies; null (with a warning) when the store cannot be reached, so the queues still show. */
async function fromStore(databaseUrl: string): Promise<StoreView | null> {
  try {
    const store = await openStore(databaseUrl, { max: 1, connectTimeoutMs: 3000 });
    try {
      const agencies = (
        await store.pool.query<{ id: string; slug: string }>(`SELECT id, slug FROM agencies ORDER BY slug`)
      ).rows;
      return { uncertain: await listUncertainSends(store.pool), agencies };
    } finally {
      await store.close();
    }
  } catch (error) {
    process.stderr.write(
      `aitu-gateway: warning: cannot read outbound attempts from the store: ${(error as Error).message}\n`,
    );
    return null;
  }
}

type QueueReport = {
  waitingBatches: number;
  activeBatches: number;
  failedJobs: number;
  workers: number;
  messagesLastMinute: number;
};

async function queueReport(queue: Queue, counted: number): Promise<QueueReport> {
  const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed');
  return {
    waitingBatches: (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0),
    activeBatches: counts.active ?? 0,
    failedJobs: counts.failed ?? 0,
    workers: await queue.getWorkersCount(),
    messagesLastMinute: counted,
  };
}

/** Per-agency queues of one kind (each taken by that agency's bridge), summed. */
async function summedReport(perAgency: Queue[], counted: number): Promise<QueueReport> {
  const total: QueueReport = {
    waitingBatches: 0,
    activeBatches: 0,
    failedJobs: 0,
    workers: 0,
    messagesLastMinute: counted,
  };
  for (const queue of perAgency) {
    const r = await queueReport(queue, 0);
    total.waitingBatches += r.waitingBatches;
    total.activeBatches += r.activeBatches;
    total.failedJobs += r.failedJobs;
    total.workers += r.workers;
  }
  return total;
}

function printConnectors(connectors: ConnectorStatus[], agencies: StoreView['agencies']): void {
  const slug = (id: string) => agencies.find((a) => a.id === id)?.slug ?? id;
  for (const c of connectors) {
    const last = c.lastEventAt ? `last event ${c.lastEventAt}` : 'no events yet';
    process.stdout.write(
      `connector ${c.platform} (${slug(c.agencyId)}): ${c.state}${c.detail ? ` (${c.detail})` : ''} since ${c.since ?? '?'}, ${last}, ${c.eventsPerMinute} events/min\n`,
    );
  }
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description(
      'queue depths, messages per stage over the last minute, failures, dead letters, live connectors, and sends a person must check',
    )
    .option('--json', 'print as JSON')
    .action(
      action(async (options: { json?: boolean }) => {
        const cfg = config();
        const redis = await connectRedisOnce(cfg.redisUrl, { maxRetriesPerRequest: 3 });
        const queues = openQueues({ redisUrl: cfg.redisUrl, prefix: cfg.queuePrefix }, redis);
        try {
          const report: Record<string, unknown> = {};
          const view = await fromStore(cfg.databaseUrl);
          for (const name of [QueueName.classify, QueueName.deliver] as const) {
            report[name] = await queueReport(queues[name], await processedLastMinute(redis, cfg.queuePrefix, name));
          }
          const agencies = view?.agencies ?? [];
          report.outbound = await summedReport(
            agencies.flatMap((agency) => PLATFORMS.map((platform) => queues.outboundFor(platform, agency.id))),
            await processedLastMinute(redis, cfg.queuePrefix, QueueName.outbound),
          );
          // posts into Aitu groups (bridge aitu)
          report.relay = await summedReport(
            agencies.map((agency) => queues.relayFor(agency.id)),
            await processedLastMinute(redis, cfg.queuePrefix, QueueName.relay),
          );
          report.deadLetters = (await queues['dead-letter'].getJobCounts('waiting')).waiting ?? 0;
          const connectors = await readConnectorStatuses(redis, cfg.queuePrefix);
          const uncertain = view?.uncertain ?? null;
          if (options.json) printJson({ ...report, connectors, outboundUncertain: uncertain });
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
            printConnectors(connectors, view?.agencies ?? []);
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
