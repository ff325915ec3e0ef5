import type { Command } from 'commander';
import { withSession } from '../session.ts';
import { classifierFeedback, type ClassifierFeedback } from '../../src/service/classifier-feedback.ts';
import { action, printJson, tokenOptions } from '../common.ts';

function printFeedback(feedback: ClassifierFeedback): void {
  const scope = feedback.agency ? `${feedback.agency.slug} (${feedback.agency.name})` : 'every agency you may see';
  const lines = [
    `false positives decided in review, ${scope}, ${feedback.generatedAt}: ${feedback.totalFalsePositives}`,
  ];
  if (feedback.rows.length === 0) lines.push('  none yet: officers have decided no review item false-positive');
  else lines.push('  count  share of reviewed  detector / category / term');
  for (const r of feedback.rows) {
    const share = r.share === null ? '—' : `${(r.share * 100).toFixed(0)}% of ${r.reviewed}`;
    const term = r.termId === null ? '' : `  ${r.termId}${r.term !== null ? ` "${r.term}"` : ''}`;
    lines.push(`  ${String(r.falsePositives).padStart(5)}  ${share.padEnd(17)}  ${r.detector} / ${r.category}${term}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function registerClassifier(program: Command): void {
  const classifier = program.command('classifier').description('the personal-data classifier: how it fares in review');
  tokenOptions(
    classifier
      .command('feedback')
      .description(
        "which detectors and terms officers judged false positives, and how often (tune them with the policy's classifier.ignore)",
      )
      .option('--agency <slug>', 'only this agency (default: every agency you may see)')
      .option('--json', 'print as JSON'),
  ).action(
    action((options: { agency?: string; json?: boolean; token?: string; tokenFile?: string }) =>
      withSession(options, 'classifier feedback', async ({ store, actor }) => {
        const feedback = await classifierFeedback(store.pool, actor, {
          ...(options.agency !== undefined ? { agencySlug: options.agency } : {}),
          format: options.json ? 'json' : 'text',
        });
        if (options.json) printJson(feedback);
        else printFeedback(feedback);
      }),
    ),
  );
}
