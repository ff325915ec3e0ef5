import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { config } from '../../src/core/config.ts';
import { UsageError } from '../../src/core/errors.ts';
import { parse as parseYaml } from 'yaml';
import { addAgency, listAgencies } from '../../src/store/agencies.ts';
import { openStore } from '../../src/store/database.ts';
import { action, printJson } from '../common.ts';

/** Reads a policy file (YAML or JSON); the policy issue validates its rules. */
export async function readPolicyFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read policy file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return parseYaml(text);
  } catch (error) {
    throw new UsageError(`policy file ${file} is not valid YAML/JSON: ${(error as Error).message}`);
  }
}

export function registerAgency(program: Command): void {
  const agency = program.command('agency').description('agencies: every import, chat and review item belongs to one');
  agency
    .command('add <slug>')
    .description('create an agency')
    .requiredOption('--name <name>', 'the agency\'s full name')
    .option('--policy <file>', 'policy file (YAML or JSON)')
    .option('--json', 'print the agency as JSON')
    .action(
      action(async (slug: string, options: { name: string; policy?: string; json?: boolean }) => {
        const policy = options.policy ? await readPolicyFile(options.policy) : undefined;
        const store = await openStore(config().databaseUrl);
        try {
          const created = await addAgency(store.prisma, { slug, name: options.name, policy });
          if (options.json) printJson(created);
          else process.stdout.write(`created agency ${created.slug} (${created.name})\n`);
        } finally {
          await store.close();
        }
      }),
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
          else if (agencies.length === 0) process.stdout.write('no agencies yet: aitu-gateway agency add <slug> --name "…"\n');
          else for (const a of agencies) process.stdout.write(`${a.slug}\t${a.name}${a.hasPolicy ? '\t(custom policy)' : ''}\n`);
        } finally {
          await store.close();
        }
      }),
    );
}
