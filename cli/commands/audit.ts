import type { Command } from 'commander';
import { JobFailedError, UsageError } from '../../src/core/errors.ts';
import { TOKEN_VARIABLE } from '../../src/auth/users.ts';
import { withSession } from '../session.ts';
import { auditCsv } from '../../src/audit/export.ts';
import { exportAuditLog, verifyAuditLog } from '../../src/service/audit.ts';
import { parseSince } from '../../src/review/items.ts';
import { action, printJson } from '../common.ts';

const tokenHelp = `your token (default: ${TOKEN_VARIABLE})`;

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('the append-only, hash-chained audit log (auditors and admins)');
  audit
    .command('verify')
    .description(
      'seal (where the signing key is at hand), then recompute the whole chain and check it reaches the signed head: names the first edited, ' +
        'deleted or reordered entry, a missing tail, a missing or altered head file; needs only the public key; exit 1 if any',
    )
    .option('--token <token>', tokenHelp)
    .option('--json', 'print as JSON')
    .action(
      action((options: { token?: string; json?: boolean }) =>
        withSession(
          options,
          'audit verify',
          async ({ store, actor, chain }) => {
            const { result, sealRefused } = await verifyAuditLog(store, actor, chain);
            // a refused seal is what verification then reports in full
            if (sealRefused) process.stderr.write(`aitu-gateway: warning: ${sealRefused}\n`);
            if (options.json) printJson(result);
            else if (result.ok) {
              process.stdout.write(
                `audit log verified: ${result.checked} entries, chain up to entry ${result.last?.entryId ?? '-'} (position ${result.last?.seq ?? 0})`,
              );
              process.stdout.write(
                result.head
                  ? `, reaching the signed head (entry ${result.head.entryId})\n`
                  : ', no head recorded yet\n',
              );
            } else {
              for (const p of result.problems) process.stdout.write(`${p.message}\n`);
            }
            if (result.legacyUnchecked > 0) {
              process.stderr.write(
                `aitu-gateway: ${result.legacyUnchecked} links sealed before the upgrade were not recomputed: their HMAC key is in the key file, which this process cannot read\n`,
              );
            }
            if (!chain.signingKey)
              process.stderr.write(
                `aitu-gateway: verified with the public key alone; entries written since the last seal stay unsealed until a command with the signing key runs\n`,
              );
            if (!result.ok) throw new JobFailedError(`audit log verification failed: ${result.problems[0]!.message}`);
          },
          { verifyOnly: true },
        ),
      ),
    );
  audit
    .command('export')
    .description(
      "audit entries with their chain hashes (auditors limited to agencies see only those agencies' entries)",
    )
    .option('--since <time>', 'entries at or after this date or time')
    .option('--json', 'print as JSON')
    .option('--csv', 'print as CSV (columns: id,at,actor,action,agency,subject,details,seq,hash)')
    .option('--token <token>', tokenHelp)
    .action(
      action((options: { since?: string; json?: boolean; csv?: boolean; token?: string }) => {
        if (options.json && options.csv) throw new UsageError('give --json or --csv, not both');
        const since = options.since ? parseSince(options.since) : undefined;
        return withSession(options, 'audit export', async ({ store, actor, chain }) => {
          const entries = await exportAuditLog(store, actor, chain, {
            since,
            format: options.csv ? 'csv' : options.json ? 'json' : 'text',
          });
          if (options.csv) process.stdout.write(auditCsv(entries));
          else if (options.json) printJson(entries);
          else
            for (const e of entries)
              process.stdout.write(
                `${e.id}\t${e.at}\t${e.actor}\t${e.action}\t${e.agency ?? '-'}\t${e.subject ?? '-'}\t${JSON.stringify(e.details)}\n`,
              );
        });
      }),
    );
}
