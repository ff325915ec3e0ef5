import type { Command } from 'commander';
import { classifyWithEffect } from '../../src/classifier/index.ts';
import { config } from '../../src/core/config.ts';
import { readHashKey } from '../../src/core/keys.ts';
import { explainPolicyCheck } from '../../src/policy/index.ts';
import { policyLoader } from '../../src/pipeline/workers.ts';
import { requireAgency } from '../../src/store/agencies.ts';
import { openStore } from '../../src/store/database.ts';
import { action } from '../common.ts';

export function registerPolicy(program: Command): void {
  const policy = program.command('policy').description("agencies' compliance policies");
  policy
    .command('check <slug> <text>')
    .description(
      "show what the agency's policy would do with a message in each direction, and why (and what its classifier section dropped or added)",
    )
    .action(
      action(async (slug: string, text: string) => {
        const store = await openStore(config().databaseUrl);
        try {
          const agency = await requireAgency(store.pool, slug);
          const rules = await policyLoader(store)(agency.id);
          // read only: a check never creates the key file; without one, hashing is shown as tags
          const hashKey = await readHashKey(config().keyFile);
          const effect = classifyWithEffect(text, rules.classifier);
          process.stdout.write(`${explainPolicyCheck(text, effect.findings, rules, { hashKey, effect })}\n`);
        } finally {
          await store.close();
        }
      }),
    );
}
