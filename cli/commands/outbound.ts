import type { Command } from 'commander';
import { withSession, type TokenOptions } from '../session.ts';
import { UsageError } from '../../src/core/errors.ts';
import { resolveUncertainSend } from '../../src/service/outbound.ts';
import { action, tokenOptions } from '../common.ts';

export function registerOutbound(program: Command): void {
  const outbound = program
    .command('outbound')
    .description('outbound attempts a person must check (aitu-gateway status lists them)');
  tokenOptions(
    outbound
      .command('resolve <attempt-id>')
      .description(
        'record what you found for an uncertain send: it reached the chat (--sent) or not (--not-sent) (operator, admin)',
      )
      .option('--sent [foreign-message-id]', 'it is in the foreign chat (with its message id there, when known)')
      .option('--not-sent', 'it is not in the foreign chat (send it again with aitu-gateway send)'),
  ).action(
    action((attemptId: string, options: TokenOptions & { sent?: string | boolean; notSent?: boolean }) => {
      if ((options.sent !== undefined) === Boolean(options.notSent))
        throw new UsageError('give --sent [foreign-message-id] or --not-sent');
      const outcome = options.notSent
        ? ({ sent: false } as const)
        : { sent: true as const, foreignMessageId: typeof options.sent === 'string' ? options.sent : undefined };
      return withSession(options, 'outbound resolve', async ({ store, actor }) => {
        await resolveUncertainSend(store.pool, actor, attemptId, outcome);
        process.stdout.write(`attempt ${attemptId}: ${outcome.sent ? 'sent' : 'not sent (failed)'}\n`);
      });
    }),
  );
}
