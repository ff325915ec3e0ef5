import type { Command } from 'commander';
import { withSession, type TokenOptions } from '../session.ts';
import { config } from '../../src/core/config.ts';
import { ExitCode, JobFailedError, UsageError } from '../../src/core/errors.ts';
import { requireQueueKey } from '../../src/core/keys.ts';
import { connectRedisOnce } from '../../src/core/redis.ts';
import { openQueues, outboundJobId, type Queues } from '../../src/pipeline/queues.ts';
import { sendAs } from '../../src/service/outbound.ts';
import type { Store } from '../../src/store/database.ts';
import { action, printJson, tokenOptions } from '../common.ts';
import { normalizeSource } from './map.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Reason = { action: string; rule: string; categories: string[] };

/** Waits for the bridge's result: the foreign message id, or an error saying what became of the attempt. */
async function waitForSend(
  store: Store,
  queues: Queues,
  attemptId: string,
  platform: string,
  timeoutSeconds: string,
): Promise<string> {
  const agencyId =
    (
      await store.pool.query<{ agency_id: string }>(`SELECT agency_id FROM outbound_attempts WHERE id = $1`, [
        attemptId,
      ])
    ).rows[0]?.agency_id ?? '';
  const until = Date.now() + Number(timeoutSeconds) * 1000;
  while (Date.now() < until) {
    const row = (
      await store.pool.query<{ status: string; foreign_message_id: string | null }>(
        `SELECT status, foreign_message_id FROM outbound_attempts WHERE id = $1`,
        [attemptId],
      )
    ).rows[0];
    if (row?.status === 'sent') return row.foreign_message_id ?? '';
    if (row?.status === 'uncertain')
      throw new JobFailedError(
        `attempt ${attemptId} is uncertain: its ${platform} sender stopped mid-send; check the chat, then: aitu-gateway outbound resolve ${attemptId} --sent|--not-sent`,
      );
    // a completed job is removed at once (its result is the row above); a failed one is kept, sealed
    const job = await queues.outboundFor(platform, agencyId).getJob(outboundJobId(attemptId));
    if (job && (await job.isFailed()))
      throw new JobFailedError(`the ${platform} bridge could not send it: ${job.failedReason}`);
    await sleep(100);
  }
  throw new JobFailedError(
    `no ${platform} bridge sent it within ${timeoutSeconds} s (is \`aitu-gateway bridge ${platform}\` running for this agency?); it stays queued as attempt ${attemptId}`,
  );
}

export function registerSend(program: Command): void {
  tokenOptions(
    program
      .command('send <text>')
      .description('send from the national side to a foreign chat through the outbound gate (operator, admin)')
      .requiredOption('--agency <slug>', 'the sending agency (its policy decides)')
      .requiredOption('--to <target>', 'telegram:<chat-id> or whatsapp:<chat-id>')
      .option('--reply-to <message>', 'reply to this stored message of the target chat (its store id)')
      .option('--attach <file>', 'send this file with the text as its caption')
      .option('--wait', "wait for the bridge's result and print the foreign message id")
      .option('--timeout <seconds>', 'how long --wait waits', '60')
      .option('--json', 'print the result as JSON'),
  ).action(
    action(
      (
        text: string,
        options: TokenOptions & {
          agency: string;
          to: string;
          replyTo?: string;
          attach?: string;
          wait?: boolean;
          timeout: string;
          json?: boolean;
        },
      ) => {
        const target = normalizeSource(options.to);
        if (target.platform === 'aitu')
          throw new UsageError('--to names a foreign chat (telegram:… or whatsapp:…); Aitu is the national side');
        if (!text.trim() && !options.attach) throw new UsageError('nothing to send: the text is empty');
        return withSession(options, 'send', async ({ store, actor, keyring }) => {
          const cfg = config();
          const queueKey = requireQueueKey(await keyring());
          const queues = openQueues(
            { redisUrl: cfg.redisUrl, prefix: cfg.queuePrefix, queueKey },
            await connectRedisOnce(cfg.redisUrl, { maxRetriesPerRequest: 3 }),
          );
          try {
            const input = {
              agency: options.agency,
              target,
              text,
              ...(options.replyTo ? { replyTo: options.replyTo } : {}),
              ...(options.attach ? { attach: { path: options.attach } } : {}),
            };
            const result = await sendAs(store, queues, actor, input, cfg.keyFile, cfg.dataDir);
            const reason: Reason = {
              action: result.decision.action,
              rule: result.decision.rule,
              categories: result.decision.categories,
            };
            if (result.status === 'blocked') {
              if (options.json) printJson({ status: 'blocked', attemptId: result.attemptId, ...reason });
              process.stderr.write(
                `aitu-gateway: blocked: ${reason.rule} (categories: ${reason.categories.join(', ')}); nothing was sent\n`,
              );
              return ExitCode.failed;
            }
            if (!options.wait) {
              if (options.json) printJson({ status: 'queued', attemptId: result.attemptId, ...reason });
              else process.stdout.write(`queued for the ${target.platform} bridge (attempt ${result.attemptId})\n`);
              return ExitCode.ok;
            }
            const foreignMessageId = await waitForSend(
              store,
              queues,
              result.attemptId,
              target.platform,
              options.timeout,
            );
            if (options.json) printJson({ status: 'sent', attemptId: result.attemptId, foreignMessageId, ...reason });
            else process.stdout.write(`${foreignMessageId}\n`);
            return ExitCode.ok;
          } finally {
            await queues.close();
          }
        });
      },
    ),
  );
}
