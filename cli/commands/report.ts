import type { Command } from 'commander';
import { UsageError } from '../../src/core/errors.ts';
import { TOKEN_VARIABLE } from '../../src/auth/users.ts';
import { withSession } from '../session.ts';
import { reportCsv, type AgencyReport } from '../../src/review/report.ts';
import { reportFor } from '../../src/service/report.ts';
import { action, printJson } from '../common.ts';

function printReport(report: AgencyReport): void {
  const t = report.totals;
  const lines = [
    `report for ${report.agency.slug} (${report.agency.name}), ${report.generatedAt}`,
    `  messages imported: ${t.imported}`,
    ...report.rows.filter((r) => r.section === 'imported').map((r) => `    ${r.source}\t${r.chat}\t${r.count}`),
    `  findings: ${t.findings}`,
    ...report.rows.filter((r) => r.section === 'findings').map((r) => `    ${r.category}\t${r.count}`),
    `  quarantined: ${t.quarantined} (open ${t.open}, escalated now ${t.escalatedNow}, escalated ever ${t.escalatedEver})`,
    ...report.rows.filter((r) => r.section === 'quarantined').map((r) => `    ${r.category}\t${r.count}`),
    `  decided: ${t.decided}`,
    ...report.rows
      .filter((r) => r.section === 'decided')
      .map((r) => `    ${r.decision}\tby ${r.decidedBy}\t${r.count}`),
    `  blocked inbound messages: ${t.blockedInbound}`,
    `  blocked outbound attempts: ${t.blockedOutbound}`,
    ...report.rows
      .filter((r) => r.section === 'blocked_outbound')
      .map((r) => `    ${r.source}:${r.chat}\t${r.category}\t${r.count}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      "an agency's compliance figures for its auditors: imports, findings, quarantine, decisions, escalations, blocked sends",
    )
    .requiredOption('--agency <slug>', 'the agency')
    .option('--json', 'print as JSON')
    .option('--csv', 'print as CSV (columns: section,source,chat,category,decision,decided_by,count)')
    .option('--token <token>', `your token (default: ${TOKEN_VARIABLE})`)
    .action(
      action((options: { agency: string; json?: boolean; csv?: boolean; token?: string }) => {
        if (options.json && options.csv) throw new UsageError('give --json or --csv, not both');
        return withSession(options, 'report', async ({ store, actor }) => {
          const report = await reportFor(store, actor, options.agency, {
            format: options.csv ? 'csv' : options.json ? 'json' : 'text',
          });
          if (options.csv) process.stdout.write(reportCsv(report));
          else if (options.json) printJson(report);
          else printReport(report);
        });
      }),
    );
}
