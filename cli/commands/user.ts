import type { Command } from 'commander';
import { parseExpiry, TOKEN_HINT } from '../../src/auth/users.ts';
import { addUser, disableUser, enableUser, listUsers, reissueToken } from '../../src/service/users.ts';
import { withOptionalSession, withSession, type TokenOptions } from '../session.ts';
import { action, printJson, tokenOptions } from '../common.ts';

/** Repeatable, comma-separable option values (`--agency a --agency b,c`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean),
  ];
}

const expiresHelp =
  'the token stops working after this: a duration (90d, 12h, 2w) or a date (2027-01-31); default: never';

function printToken(token: string, expiresAt: Date | null): void {
  process.stdout.write(`token (shown once; keep it in a file only you can read and pass ${TOKEN_HINT}):\n${token}\n`);
  process.stdout.write(`expires: ${expiresAt ? expiresAt.toISOString() : 'never'}\n`);
}

export function registerUser(program: Command): void {
  const user = program
    .command('user')
    .description('people who review, audit, operate and administer; each has a role and a token');
  tokenOptions(
    user
      .command('add <name>')
      .description('create a user and print their token once (only its hash is stored); the first admin needs no token')
      .requiredOption('--role <role>', 'operator | officer | auditor | admin')
      .option(
        '--agency <slug>',
        'an agency an officer reviews (or an auditor is limited to); repeat for several',
        collect,
        [],
      )
      .option('--expires <when>', expiresHelp)
      .option('--json', 'print the user and token as JSON'),
  ).action(
    action(
      (name: string, options: TokenOptions & { role: string; agency: string[]; expires?: string; json?: boolean }) => {
        const expiresAt = options.expires ? parseExpiry(options.expires) : null;
        return withOptionalSession(options, 'user add', async ({ store, actor }) => {
          const created = await addUser(store, actor, {
            name,
            role: options.role,
            agencies: options.agency,
            expiresAt,
          });
          if (options.json) printJson(created);
          else {
            const scope = created.user.agencies.length ? ` for ${created.user.agencies.join(', ')}` : '';
            process.stdout.write(`created ${created.user.role} ${created.user.name}${scope}\n`);
            printToken(created.token, created.user.expiresAt);
          }
        });
      },
    ),
  );
  tokenOptions(user.command('list').description('list users (admin)').option('--json', 'print as JSON')).action(
    action((options: TokenOptions & { json?: boolean }) =>
      withSession(options, 'user list', async ({ store, actor }) => {
        const users = await listUsers(store, actor);
        if (options.json) printJson(users);
        else {
          for (const u of users) {
            const state = u.disabled
              ? 'disabled'
              : u.expiresAt && u.expiresAt.getTime() <= Date.now()
                ? 'expired'
                : 'enabled';
            process.stdout.write(
              `${u.name}\t${u.role}\t${u.agencies.join(',') || '-'}\t${state}\t${u.expiresAt ? `expires ${u.expiresAt.toISOString()}` : '-'}\n`,
            );
          }
        }
      }),
    ),
  );
  tokenOptions(user.command('disable <name>').description('disable a user: their token stops working (admin)')).action(
    action((name: string, options: TokenOptions) =>
      withSession(options, 'user disable', async ({ store, actor }) => {
        await disableUser(store, actor, name);
        process.stdout.write(`disabled ${name}\n`);
      }),
    ),
  );
  tokenOptions(
    user
      .command('enable <name>')
      .description('enable a disabled user again: their token works again unless expired (admin)'),
  ).action(
    action((name: string, options: TokenOptions) =>
      withSession(options, 'user enable', async ({ store, actor }) => {
        await enableUser(store, actor, name);
        process.stdout.write(`enabled ${name}\n`);
      }),
    ),
  );
  tokenOptions(
    user
      .command('token <name>')
      .description('issue a user a new token, printed once; their old token stops working (admin)')
      .option('--expires <when>', expiresHelp)
      .option('--json', 'print the name, role, expiry and token as JSON'),
  ).action(
    action((name: string, options: TokenOptions & { expires?: string; json?: boolean }) => {
      const expiresAt = options.expires ? parseExpiry(options.expires) : null;
      return withSession(options, 'user token', async ({ store, actor }) => {
        const issued = await reissueToken(store, actor, name, expiresAt);
        if (options.json) printJson(issued);
        else {
          process.stdout.write(
            `new token for ${issued.name} (${issued.role})${issued.disabled ? '; the user is disabled: aitu-gateway user enable ' + issued.name : ''}\n`,
          );
          printToken(issued.token, issued.expiresAt);
        }
      });
    }),
  );
}
