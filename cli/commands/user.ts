import type { Command } from 'commander';
import { config } from '../../src/core/config.ts';
import { addUser, disableUser, listUsers, authenticate, TOKEN_VARIABLE } from '../../src/auth/users.ts';
import { requireRole } from '../../src/auth/roles.ts';
import { chainContext, seal, tokenFrom, withSession } from '../../src/auth/session.ts';
import { openStore } from '../../src/store/database.ts';
import { action, printJson } from '../common.ts';

/** Repeatable, comma-separable option values (`--agency a --agency b,c`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((v) => v.trim()).filter(Boolean)];
}

export function registerUser(program: Command): void {
  const user = program.command('user').description('people who review, audit and administer; each has a role and a token');
  user
    .command('add <name>')
    .description('create a user and print their token once (only its hash is stored); the first admin needs no token')
    .requiredOption('--role <role>', 'operator | officer | auditor | admin')
    .option('--agency <slug>', 'an agency an officer reviews (or an auditor is limited to); repeat for several', collect, [])
    .option('--token <token>', `an admin's token (default: ${TOKEN_VARIABLE})`)
    .option('--json', 'print the user and token as JSON')
    .action(
      action(async (name: string, options: { role: string; agency: string[]; token?: string; json?: boolean }) => {
        const store = await openStore(config().databaseUrl);
        try {
          const token = tokenFrom(options);
          const by = token ? await authenticate(store.pool, token) : null;
          const created = await addUser(store.pool, { name, role: options.role, agencies: options.agency }, by);
          await seal(store, await chainContext());
          if (options.json) printJson(created);
          else {
            const scope = created.user.agencies.length ? ` for ${created.user.agencies.join(', ')}` : '';
            process.stdout.write(`created ${created.user.role} ${created.user.name}${scope}\n`);
            process.stdout.write(`token (shown once; pass it as --token or ${TOKEN_VARIABLE}):\n${created.token}\n`);
          }
        } finally {
          await store.close();
        }
      }),
    );
  user
    .command('list')
    .description('list users (admin)')
    .option('--token <token>', `your token (default: ${TOKEN_VARIABLE})`)
    .option('--json', 'print as JSON')
    .action(
      action((options: { token?: string; json?: boolean }) =>
        withSession(options, 'user list', async ({ store, actor }) => {
          requireRole(actor, ['admin'], 'list users');
          const users = await listUsers(store.pool);
          if (options.json) printJson(users);
          else for (const u of users) process.stdout.write(`${u.name}\t${u.role}\t${u.agencies.join(',') || '-'}\t${u.disabled ? 'disabled' : 'enabled'}\n`);
        }),
      ),
    );
  user
    .command('disable <name>')
    .description('disable a user: their token stops working (admin)')
    .option('--token <token>', `your token (default: ${TOKEN_VARIABLE})`)
    .action(
      action((name: string, options: { token?: string }) =>
        withSession(options, 'user disable', async ({ store, actor }) => {
          requireRole(actor, ['admin'], 'disable users');
          await disableUser(store.pool, name, actor);
          process.stdout.write(`disabled ${name}\n`);
        }),
      ),
    );
}
