import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { config } from '../../src/core/config.ts';
import { UsageError } from '../../src/core/errors.ts';
import { parsePolicyFile, serializePolicy } from '../../src/policy/index.ts';
import { requireAgency } from '../../src/store/agencies.ts';
import { addAgency, listAgencies } from '../../src/store/agencies.ts';
import { openStore } from '../../src/store/database.ts';
import { action, printJson } from '../common.ts';

/** Reads and validates a policy file (YAML or JSON); returns the document the store keeps. */
export async function readPolicyFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read policy file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return serializePolicy(parsePolicyFile(text, file));
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
    .command('set-policy <slug> <file>')
    .description("replace an agency's policy with a validated policy file (YAML or JSON)")
    .action(
      action(async (slug: string, file: string) => {
        const policy = await readPolicyFile(file);
        const store = await openStore(config().databaseUrl);
        try {
          const found = await requireAgency(store.pool, slug);
          await store.prisma.agency.update({ where: { id: found.id }, data: { policy: policy as never } });
          await store.prisma.auditEntry.create({ data: { actor: 'operator', action: 'agency.set-policy', agencyId: found.id, subject: slug, details: policy as never } });
          process.stdout.write(`policy of ${slug} replaced (workers pick it up within seconds)\n`);
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
