import type { Command } from 'commander';
import { TOKEN_VARIABLE } from '../../src/auth/users.ts';
import { loadConfig } from '../../src/core/config.ts';
import { runRetention } from '../../src/service/retention.ts';
import { action, printJson } from '../common.ts';
import { withSession } from '../session.ts';

const tokenHelp = `your token (default: ${TOKEN_VARIABLE})`;

export function registerRetention(program: Command): void {
  const retention = program
    .command('retention')
    .description("enforce agencies' retention now (the worker also runs it daily; admin, audited with counts)");
  retention
    .command('run')
    .description('delete or unlink what each agency policy says has expired; legal holds and open reviews are kept')
    .option('--agency <slug>', 'one agency only')
    .option('--token <token>', tokenHelp)
    .option('--json', 'print the counts as JSON')
    .action(
      action((options: { agency?: string; token?: string; json?: boolean }) =>
        withSession(options, 'retention run', async ({ store, actor }) => {
          const counts = await runRetention(
            store,
            actor,
            loadConfig().dataDir,
            options.agency ? { agency: options.agency } : {},
          );
          if (options.json) printJson(counts);
          else
            for (const [agency, c] of Object.entries(counts))
              process.stdout.write(
                `${agency}: messages ${c.messages} deleted (${c.held} kept under legal hold), attachments ${c.attachments}, originals ${c.originals}, evidence ${c.evidence}\n`,
              );
        }),
      ),
    );
}
