import type { Command } from 'commander';
import { config } from '../../src/core/config.ts';
import { ExitCode, JobFailedError, UsageError } from '../../src/core/errors.ts';
import { loadKeyring, requireQueueKey } from '../../src/core/keys.ts';
import { connectRedisOnce } from '../../src/core/redis.ts';
import { submitOutbound } from '../../src/outbound/gate.ts';
import { openQueues, outboundJobId } from '../../src/pipeline/queues.ts';
import { policyLoader } from '../../src/pipeline/workers.ts';
import { requireAgency } from '../../src/store/agencies.ts';
import { openStore } from '../../src/store/database.ts';
import { requireInstallation } from '../../src/store/installation.ts';
import { action, printJson } from '../common.ts';
import { normalizeSource } from './map.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function registerSend(program: Command): void {
  program
    .command('send <text>')
    .description('send from the national side to a foreign chat through the outbound gate')
    .requiredOption('--agency <slug>', 'the sending agency (its policy decides)')
    .requiredOption('--to <target>', 'telegram:<chat-id> or whatsapp:<chat-id>')
    .option('--wait', "wait for the bridge's result and print the foreign message id")
    .option('--timeout <seconds>', 'how long --wait waits', '60')
    .option('--json', 'print the result as JSON')
    .action(
      action(async (text: string, options: { agency: string; to: string; wait?: boolean; timeout: string; json?: boolean }) => {
        const target = normalizeSource(options.to);
        if (target.platform === 'aitu') throw new UsageError('--to names a foreign chat (telegram:… or whatsapp:…); Aitu is the national side');
        if (!text.trim()) throw new UsageError('nothing to send: the text is empty');
        const cfg = config();
        const keyring = await loadKeyring(cfg.keyFile);
        const store = await openStore(cfg.databaseUrl);
        const queues = openQueues({ redisUrl: cfg.redisUrl, prefix: cfg.queuePrefix, queueKey: requireQueueKey(keyring) }, await connectRedisOnce(cfg.redisUrl, { maxRetriesPerRequest: 3 }));
        try {
          await requireInstallation(store.pool, cfg, { keys: true });
          const agency = await requireAgency(store.pool, options.agency);
          const policy = await policyLoader(store)(agency.id);
          const result = await submitOutbound(store, queues, { agencyId: agency.id, target, text, author: 'cli' }, { policy, hashKey: keyring.hashKey });
          const reason = { action: result.decision.action, rule: result.decision.rule, categories: result.decision.categories };
          if (result.status === 'blocked') {
            if (options.json) printJson({ status: 'blocked', attemptId: result.attemptId, ...reason });
            process.stderr.write(`aitu-gateway: blocked: ${reason.rule} (categories: ${reason.categories.join(', ')}); nothing was sent\n`);
            return ExitCode.failed;
          }
          if (!options.wait) {
            if (options.json) printJson({ status: 'queued', attemptId: result.attemptId, ...reason });
            else process.stdout.write(`queued for the ${target.platform} bridge (attempt ${result.attemptId})\n`);
            return ExitCode.ok;
          }
          const until = Date.now() + Number(options.timeout) * 1000;
          while (Date.now() < until) {
            const row = (await store.pool.query<{ status: string; foreign_message_id: string | null }>(`SELECT status, foreign_message_id FROM outbound_attempts WHERE id = $1`, [result.attemptId])).rows[0];
            if (row?.status === 'sent') {
              if (options.json) printJson({ status: 'sent', attemptId: result.attemptId, foreignMessageId: row.foreign_message_id, ...reason });
              else process.stdout.write(`${row.foreign_message_id}\n`);
              return ExitCode.ok;
            }
            // a completed job is removed at once (its result is the row above); a failed one is kept, sealed
            const job = await queues.outbound.getJob(outboundJobId(result.attemptId));
            if (job && (await job.isFailed())) throw new JobFailedError(`the ${target.platform} bridge could not send it: ${job.failedReason}`);
            await sleep(100);
          }
          throw new JobFailedError(`no ${target.platform} bridge sent it within ${options.timeout} s (is a worker with --stages outbound running?); it stays queued as attempt ${result.attemptId}`);
        } finally {
          await queues.close();
          await store.close();
        }
      }),
    );
}
