import type { Command } from 'commander';
import { withSession, type TokenOptions } from '../session.ts';
import { config } from '../../src/core/config.ts';
import { ExitCode } from '../../src/core/errors.ts';
import { loadKeyring, requireQueueKey } from '../../src/core/keys.ts';
import { connectRedisOnce } from '../../src/core/redis.ts';
import type { Actor } from '../../src/auth/roles.ts';
import { listDeadLetters, viewDeadLetter } from '../../src/pipeline/dead-letter.ts';
import { openQueues } from '../../src/pipeline/queues.ts';
import {
  authorizeDeadLetterChange,
  purgeDeadLetterItems,
  retryDeadLetterItems,
  type DeadLetterChange,
} from '../../src/service/dead-letters.ts';
import { action, printJson, tokenOptions } from '../common.ts';

/** The queues with the queue key: dead letters are sealed, and only the key opens their source ids and entries. */
async function withQueues<T>(work: (queues: ReturnType<typeof openQueues>) => Promise<T>): Promise<T> {
  const cfg = config();
  const queueKey = requireQueueKey(await loadKeyring(cfg.keyFile));
  const queues = openQueues(
    { redisUrl: cfg.redisUrl, prefix: cfg.queuePrefix, queueKey },
    await connectRedisOnce(cfg.redisUrl, { maxRetriesPerRequest: 3 }),
  );
  try {
    return await work(queues);
  } finally {
    await queues.close();
  }
}

/** Runs a retry or purge as the token's holder (operator, admin), through the audited service. */
function asOperator<T>(
  options: TokenOptions,
  change: DeadLetterChange,
  work: (session: { pool: Parameters<typeof retryDeadLetterItems>[0]; actor: Actor }) => Promise<T>,
): Promise<T> {
  return withSession(options, `dlq ${change}`, async ({ store, actor }) => {
    authorizeDeadLetterChange(actor, change);
    return work({ pool: store.pool, actor });
  });
}

export function registerDlq(program: Command): void {
  const dlq = program.command('dlq').description('dead letters: messages that kept failing, with their reason');
  dlq
    .command('list')
    .description('list dead letters (source ids and reasons, never message text)')
    .option('--json', 'print as JSON')
    .action(
      action(async (options: { json?: boolean }) =>
        withQueues(async (queues) => {
          const views = (await listDeadLetters(queues)).map((job) => viewDeadLetter(queues, job));
          if (options.json) printJson(views);
          else if (views.length === 0) process.stdout.write('no dead letters\n');
          else
            for (const v of views)
              process.stdout.write(`${v.id}\t${v.failedAt}\t${v.stage}\t${v.source}\t${v.reason}\n`);
        }),
      ),
    );
  tokenOptions(dlq.command('retry [ids...]'))
    .description('send dead letters (all, or the given ids) through the pipeline again (operator, admin)')
    .action(
      action(async (ids: string[], options: TokenOptions) =>
        asOperator(options, 'retry', ({ pool, actor }) =>
          withQueues(async (queues) => {
            const { retried, refused } = await retryDeadLetterItems(pool, actor, queues, ids);
            process.stdout.write(`retried ${retried.length}\n`);
            for (const r of refused) process.stderr.write(`aitu-gateway: not retried: ${r.reason}\n`);
            return refused.length > 0 ? ExitCode.failed : ExitCode.ok;
          }),
        ),
      ),
    );
  tokenOptions(dlq.command('purge'))
    .description('delete every dead letter (operator, admin)')
    .action(
      action(async (options: TokenOptions) =>
        asOperator(options, 'purge', ({ pool, actor }) =>
          withQueues(async (queues) => {
            const purged = await purgeDeadLetterItems(pool, actor, queues);
            process.stdout.write(`purged ${purged}\n`);
          }),
        ),
      ),
    );
}
