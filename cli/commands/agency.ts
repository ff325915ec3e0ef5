import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { withSession, type TokenOptions } from '../session.ts';
import { config } from '../../src/core/config.ts';
import { UsageError } from '../../src/core/errors.ts';
import { parsePolicyFile, serializePolicy } from '../../src/policy/index.ts';
import { createAgency, setAgencyLanguage, setAgencyPolicy } from '../../src/service/agencies.ts';
import { listAgencies } from '../../src/store/agencies.ts';
import { openStore } from '../../src/store/database.ts';
import { action, printJson, tokenOptions } from '../common.ts';

/** Reads and validates a policy file (YAML or JSON); returns the document the store keeps. */
export async function readPolicyFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `cannot read policy file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  return serializePolicy(parsePolicyFile(text, file));
}

export function registerAgency(program: Command): void {
  const agency = program.command('agency').description('agencies: every import, chat and review item belongs to one');
  tokenOptions(
    agency
      .command('add <slug>')
      .description('create an agency (admin)')
      .requiredOption('--name <name>', "the agency's full name")
      .option('--policy <file>', 'policy file (YAML or JSON)')
      .option('--json', 'print the agency as JSON'),
  ).action(
    action((slug: string, options: TokenOptions & { name: string; policy?: string; json?: boolean }) =>
      withSession(options, 'agency add', async ({ store, actor }) => {
        const policy = options.policy ? await readPolicyFile(options.policy) : undefined;
        const created = await createAgency(store, actor, { slug, name: options.name, policy });
        if (options.json) printJson(created);
        else process.stdout.write(`created agency ${created.slug} (${created.name})\n`);
      }),
    ),
  );
  tokenOptions(
    agency
      .command('set-policy <slug> <file>')
      .description("replace an agency's policy with a validated policy file, YAML or JSON (admin)"),
  ).action(
    action((slug: string, file: string, options: TokenOptions) =>
      withSession(options, 'agency set-policy', async ({ store, actor }) => {
        const policy = await readPolicyFile(file);
        await setAgencyPolicy(store, actor, slug, policy);
        process.stdout.write(`policy of ${slug} replaced (workers pick it up within seconds)\n`);
      }),
    ),
  );
  tokenOptions(
    agency
      .command('set-language <slug> <language>')
      .description("the language the agency's bots answer in, in its messengers: kk, ru or en (admin)"),
  ).action(
    action((slug: string, language: string, options: TokenOptions) =>
      withSession(options, 'agency set-language', async ({ store, actor }) => {
        await setAgencyLanguage(store, actor, slug, language);
        process.stdout.write(`language of ${slug}: ${language}\n`);
      }),
    ),
  );
  agency
    .command('list')
    .description('list agencies')
    .option('--json', 'print as JSON')
    .action(
      action(async (options: { json?: boolean }) => {
        const store = await openStore(config().databaseUrl);
        try {
          const agencies = await listAgencies(store.prisma);
          if (options.json) printJson(agencies);
          else if (agencies.length === 0)
            process.stdout.write('no agencies yet: aitu-gateway agency add <slug> --name "…"\n');
          else
            for (const a of agencies)
              process.stdout.write(`${a.slug}\t${a.name}${a.hasPolicy ? '\t(custom policy)' : ''}\n`);
        } finally {
          await store.close();
        }
      }),
    );
}
