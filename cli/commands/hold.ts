import type { Command } from 'commander';
import { TOKEN_VARIABLE } from '../../src/auth/users.ts';
import { UsageError } from '../../src/core/errors.ts';
import { SUBJECT_CATEGORIES } from '../../src/core/subject.ts';
import { addHold, listHolds, removeHold } from '../../src/service/retention.ts';
import { action, printJson } from '../common.ts';
import { withSession } from '../session.ts';
import { OPTIONS, queryOf, withValueOptions, type ValueOptions } from './subject.ts';

const tokenHelp = `your token (default: ${TOKEN_VARIABLE})`;

export function registerHold(program: Command): void {
  const hold = program
    .command('hold')
    .description('legal holds: retention is suspended for a chat or a subject while one is in force (admin, audited)');
  withValueOptions(
    hold
      .command('add')
      .description(
        'hold a chat (--chat <national id | platform:chat id>) or a subject (--iin, --phone, …) from retention',
      ),
  )
    .requiredOption('--agency <slug>', 'the agency whose chat or subject it is')
    .option('--chat <id>', 'the national chat id, or platform:source chat id (telegram:-100…)')
    .requiredOption('--note <text>', 'why: the case or request it serves')
    .option('--json', 'print the hold as JSON')
    .action(
      action((options: ValueOptions & { agency: string; chat?: string; note: string; json?: boolean }) =>
        withSession(options, 'hold add', async ({ store, actor, keyring }) => {
          const given = SUBJECT_CATEGORIES.some((c) => options[OPTIONS[c]] !== undefined);
          if (!given && !options.chat) throw new UsageError('give --chat or one subject option (--iin, --phone, …)');
          const subject = given ? await queryOf(options) : undefined;
          const added = await addHold(store, actor, keyring, {
            agency: options.agency,
            note: options.note,
            ...(options.chat ? { chat: options.chat } : {}),
            ...(subject ? { subject } : {}),
          });
          if (options.json) printJson(added);
          else
            process.stdout.write(
              `hold ${added.id} on ${added.chat ? `chat ${added.chat}` : `a subject's ${added.subject?.category}`}\n`,
            );
        }),
      ),
    );
  hold
    .command('list')
    .description('the holds in force')
    .option('--agency <slug>', 'one agency only')
    .option('--token <token>', tokenHelp)
    .option('--json', 'print as JSON')
    .action(
      action((options: { agency?: string; token?: string; json?: boolean }) =>
        withSession(options, 'hold list', async ({ store, actor }) => {
          const holds = await listHolds(store, actor, options.agency);
          if (options.json) printJson(holds);
          else
            for (const h of holds)
              process.stdout.write(
                `${h.id}\t${h.agency}\t${h.chat ? `chat ${h.chat}` : `${h.subject?.category} ${h.subject?.digest}`}\t${h.createdBy}\t${h.createdAt}\t${h.note}\n`,
              );
        }),
      ),
    );
  hold
    .command('remove <id>')
    .description('end a hold: retention applies again at its next run')
    .option('--token <token>', tokenHelp)
    .action(
      action((id: string, options: { token?: string }) =>
        withSession(options, 'hold remove', async ({ store, actor }) => {
          await removeHold(store, actor, id);
          process.stdout.write(`hold ${id} removed\n`);
        }),
      ),
    );
}
