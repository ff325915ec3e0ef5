import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../src/core/config.ts';
import { viewOriginalFiles, type OriginalFile } from '../../src/service/attachments.ts';
import { UsageError, JobFailedError } from '../../src/core/errors.ts';
import { TOKEN_VARIABLE } from '../../src/auth/users.ts';
import { withSession } from '../session.ts';
import type { Decision } from '../../src/review/decide.ts';
import {
  findingsByPage,
  parseFilter,
  parseSince,
  type ReviewFilter,
  type ReviewItemView,
} from '../../src/review/items.ts';
import type { OriginalMessage } from '../../src/core/original.ts';
import {
  decideReviewItems,
  escalateReviewItems,
  listReview,
  showReviewItem,
  type BatchOutcome,
} from '../../src/service/review.ts';
import { action, printJson } from '../common.ts';

const tokenHelp = `your token (default: ${TOKEN_VARIABLE})`;

function oneLine(text: string, max = 100): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function printItem(item: ReviewItemView, original: OriginalMessage | null, originalNote: string): void {
  const out: string[] = [
    `review item ${item.id}`,
    `  agency:     ${item.agency}`,
    `  status:     ${item.status}${item.escalated ? ` (escalated by ${item.escalated.by ?? '?'} at ${item.escalated.at})` : ''}`,
    `  categories: ${item.categories.join(', ')}`,
    `  chat:       ${item.chat?.title ?? '-'} (${item.platform}:${item.sourceChatId})`,
    `  sender:     ${item.sender ? `${item.sender.name ?? ''} (${item.sender.id})` : '-'}`,
    `  sent at:    ${item.sentAt}`,
    `  delivered:  ${item.delivered}`,
    `  redacted:   ${item.redactedText}`,
    `  findings:`,
    ...item.findings.map(
      (f) =>
        `    ${f.category}\t${f.detector}\tconfidence ${f.confidence.toFixed(2)}\t[${f.start}, ${f.end})\t${JSON.stringify(f.explanation)}`,
    ),
  ];
  for (const a of item.attachments)
    out.push(`  attachment ${a.position}: ${attachmentLine(a)}${a.redacted ? '; delivered with black boxes' : ''}`);
  if (item.attachments.length > 0 && original !== null)
    out.push(`  files as received: aitu-gateway review files ${item.messageId} --out <folder>   (audited)`);
  if (item.decided)
    out.push(
      `  decided:    ${item.status} by ${item.decided.by ?? '?'} at ${item.decided.at}${item.decided.note ? ` — ${item.decided.note}` : ''}`,
    );
  if (item.escalated?.note) out.push(`  escalation: ${item.escalated.note}`);
  if (original === null) out.push(`  original:   ${originalNote}`);
  else {
    out.push(`  original:   ${original.text}`);
    if (original.extra) out.push(`  original structured parts: ${JSON.stringify(original.extra)}`);
    if (original.service) out.push(`  original service event:    ${JSON.stringify(original.service)}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

function attachmentLine(a: ReviewItemView['attachments'][number]): string {
  if (a.status !== 'read') return a.reason ? `${a.status} (${a.reason})` : a.status;
  const found = findingsByPage(a).map(({ category, page, count }) =>
    count > 1 ? `${category} p.${page} ×${count}` : `${category} p.${page}`,
  );
  return `read, ${a.pages} page${a.pages === 1 ? '' : 's'}: ${found.length > 0 ? found.join(', ') : 'nothing found'}`;
}

/** Prints what a decision or escalation did; fails (exit 1) when any item was not changed. */
function printOutcome(outcome: BatchOutcome, json: boolean | undefined): number {
  if (json)
    printJson({ decided: outcome.done, failed: outcome.failed.map((f) => ({ id: f.id, reason: f.error.message })) });
  else for (const o of outcome.done) process.stdout.write(`${o.id}\t${o.status}\n`);
  if (outcome.failed.length === 0) return 0;
  if (outcome.targets === 1) throw outcome.failed[0]!.error;
  for (const f of outcome.failed) process.stderr.write(`aitu-gateway: ${f.error.message}\n`);
  throw new JobFailedError(`${outcome.failed.length} of ${outcome.targets} items were not changed (see above)`);
}

export function registerReview(program: Command): void {
  const review = program
    .command('review')
    .description("officers' queue of quarantined messages: list, show, decide, escalate");
  review
    .command('list')
    .description('review items you may see (officers: their agencies), oldest message first')
    .option('--agency <slug>', 'one agency')
    .option('--category <category>', 'items flagged for this category (IIN, HEALTH, …)')
    .option('--status <status>', 'open | escalated | approved | redacted | rejected | false_positive')
    .option('--chat <chat>', 'a national chat title or id, or a foreign chat id')
    .option('--since <time>', 'items opened at or after this date or time')
    .option('--limit <n>', 'at most this many')
    .option('--token <token>', tokenHelp)
    .option('--json', 'print as JSON')
    .action(
      action(
        (options: {
          agency?: string;
          category?: string;
          status?: string;
          chat?: string;
          since?: string;
          limit?: string;
          token?: string;
          json?: boolean;
        }) =>
          withSession(options, 'review list', async ({ store, actor }) => {
            const filter: ReviewFilter = {
              agency: options.agency,
              category: options.category,
              chat: options.chat,
              status: options.status,
            };
            if (options.since) filter.since = parseSince(options.since);
            const limit = options.limit === undefined ? undefined : Number(options.limit);
            const items = await listReview(store, actor, filter, { limit });
            if (options.json) printJson(items);
            else if (items.length === 0) process.stdout.write('no review items match\n');
            else
              for (const i of items)
                process.stdout.write(
                  `${i.id}\t${i.agency}\t${i.status}\t${i.categories.join(',')}\t${i.chat?.title ?? i.sourceChatId}\t${i.sentAt}\t${oneLine(i.redactedText)}\n`,
                );
          }),
      ),
    );
  review
    .command('show <id>')
    .description(
      'an item with its findings and redacted text; the decrypted original only for an officer of its agency or an admin (audited)',
    )
    .option('--token <token>', tokenHelp)
    .option('--json', 'print as JSON')
    .action(
      action((id: string, options: { token?: string; json?: boolean }) =>
        withSession(options, 'review show', async ({ store, actor, keyring }) => {
          const { item, original } = await showReviewItem(store, actor, id, keyring);
          const note = '(not shown: only an officer of this agency or an admin may view the original)';
          if (options.json) {
            const { text, ...parts } = original ?? { text: null };
            printJson({
              ...item,
              original: text,
              ...(Object.keys(parts).length > 0 ? { originalParts: parts } : {}),
              originalShown: original !== null,
            });
          } else printItem(item, original, note);
        }),
      ),
    );
  review
    .command('decide [ids...]')
    .description(
      'decide items, finally: approve (deliver the original), redact (keep the copy), reject (withdraw the copy), false-positive (deliver the original, record the miss)',
    )
    .option('--approve', 'replace the delivered redacted copy with the original')
    .option('--redact', 'keep the delivered redacted copy')
    .option('--reject', 'withdraw the delivered copy; the encrypted original stays as evidence')
    .option('--false-positive', "deliver the original and record the detectors' miss for tuning")
    .option(
      '--filter <filter>',
      'decide every matching item instead of ids: category=HEALTH,chat=<title or id>,status=open,agency=<slug>,since=<date>',
    )
    .option('--note <note>', 'a note kept on the item (the audit log keeps only its digest)')
    .option('--token <token>', tokenHelp)
    .option('--json', 'print the outcome as JSON')
    .action(
      action(
        (
          ids: string[],
          options: {
            approve?: boolean;
            redact?: boolean;
            reject?: boolean;
            falsePositive?: boolean;
            filter?: string;
            note?: string;
            token?: string;
            json?: boolean;
          },
        ) => {
          const chosen = (['approve', 'redact', 'reject', 'false-positive'] as const).filter((d) =>
            d === 'false-positive' ? options.falsePositive : options[d],
          );
          if (chosen.length !== 1)
            throw new UsageError('give exactly one of --approve, --redact, --reject, --false-positive');
          const decision: Decision = chosen[0]!;
          if (ids.length === 0 && !options.filter)
            throw new UsageError('name the items to decide (ids, as review list prints) or give --filter');
          if (ids.length > 0 && options.filter) throw new UsageError('give either ids or --filter, not both');
          return withSession(options, 'review decide', async ({ store, actor, keyring }) => {
            const which = options.filter ? { filter: parseFilter(options.filter) } : { ids };
            const outcome = await decideReviewItems(store, actor, keyring, which, decision, options.note);
            if (options.filter && outcome.targets === 0) {
              process.stdout.write('no review items match the filter\n');
              return 0;
            }
            return printOutcome(outcome, options.json);
          });
        },
      ),
    );
  review
    .command('escalate <ids...>')
    .description('hand open items to the admins: an officer can no longer decide them')
    .option('--note <note>', 'why (kept on the item; the audit log keeps only its digest)')
    .option('--token <token>', tokenHelp)
    .option('--json', 'print the outcome as JSON')
    .action(
      action((ids: string[], options: { note?: string; token?: string; json?: boolean }) =>
        withSession(options, 'review escalate', async ({ store, actor }) =>
          printOutcome(await escalateReviewItems(store, actor, ids, options.note), options.json),
        ),
      ),
    );
  review
    .command('files <message-id>')
    .description(
      "write a message's attachments as received into a folder (0700, files 0600): a file delivered with black boxes comes from its sealed original; only an officer of its agency or an admin (audited)",
    )
    .requiredOption('--out <dir>', 'the folder to write them into (created if needed)')
    .option('--token <token>', tokenHelp)
    .option('--json', 'print what was written as JSON')
    .action(
      action((messageId: string, options: { out: string; token?: string; json?: boolean }) =>
        withSession(options, 'review files', async ({ store, actor, keyring }) => {
          const { files } = await viewOriginalFiles(store, actor, messageId, keyring, loadConfig().dataDir);
          const written = await writeOriginalFiles(options.out, files);
          if (options.json) printJson(written);
          else
            for (const w of written)
              process.stdout.write(
                `${w.position}\t${w.file ?? '(not held)'}\t${w.redacted ? 'redacted copy delivered' : ''}\n`,
              );
        }),
      ),
    );
}

/** Each file as `<position>-<its name, without folders>`, readable by the gateway's user alone. */
async function writeOriginalFiles(out: string, files: OriginalFile[]) {
  await mkdir(out, { recursive: true, mode: 0o700 });
  const written = [];
  for (const f of files) {
    const name = `${f.position}-${path.basename(f.name).replace(/[^\p{L}\p{N}._-]/gu, '_') || 'file'}`;
    const file = f.bytes ? path.join(out, name) : null;
    if (file && f.bytes) await writeFile(file, f.bytes, { mode: 0o600 });
    written.push({ position: f.position, sha256: f.sha256, redacted: f.redacted, file });
  }
  return written;
}
