import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { TOKEN_VARIABLE } from '../../src/auth/users.ts';
import { loadConfig } from '../../src/core/config.ts';
import { UsageError } from '../../src/core/errors.ts';
import { SUBJECT_CATEGORIES, type SubjectCategory } from '../../src/core/subject.ts';
import { eraseSubject } from '../../src/service/erasure.ts';
import { backfillSubjects } from '../../src/service/keys.ts';
import {
  exportSubject,
  findSubject,
  placesAsLines,
  reportHtml,
  type SubjectQuery,
} from '../../src/service/subjects.ts';
import { action, printJson } from '../common.ts';
import { readStream, withSession } from '../session.ts';

const tokenHelp = `your token (default: ${TOKEN_VARIABLE})`;

/** --iin, --phone, --email, --passport, --id-card, --card, --iban: the option of each category */
export const OPTIONS: Record<SubjectCategory, string> = {
  IIN: 'iin',
  PHONE: 'phone',
  EMAIL: 'email',
  PASSPORT: 'passport',
  ID_CARD: 'idCard',
  CARD: 'card',
  IBAN: 'iban',
};
const flag = (category: SubjectCategory) => `--${category.toLowerCase().replace('_', '-')} <value>`;

export type ValueOptions = Partial<Record<string, string>> & { token?: string };

export function withValueOptions(command: Command): Command {
  for (const category of SUBJECT_CATEGORIES)
    command.option(flag(category), `the person's ${category} (- reads it from standard input, unseen by ps)`);
  return command.option('--token <token>', tokenHelp);
}

/** The one identifier given; `-` reads it from standard input (a value on the command line shows in `ps`). */
export async function queryOf(options: ValueOptions): Promise<SubjectQuery> {
  const given = SUBJECT_CATEGORIES.filter((c) => options[OPTIONS[c]] !== undefined);
  if (given.length !== 1)
    throw new UsageError(`give exactly one of ${SUBJECT_CATEGORIES.map((c) => flag(c).split(' ')[0]).join(', ')}`);
  const category = given[0]!;
  let value = options[OPTIONS[category]]!;
  if (value === '-') value = await readStream(process.stdin);
  value = value.trim();
  if (!value) throw new UsageError(`${flag(category).split(' ')[0]}: the value is empty`);
  return { category, value };
}

export function registerSubject(program: Command): void {
  const subject = program
    .command('subject')
    .description("data subjects' rights: find, export and erase what is held about a person (officer, admin)");
  withValueOptions(
    subject
      .command('find')
      .description(
        "every message, attachment, review item and outbound attempt holding the person's identifier (audited with its keyed digest, never the value)",
      ),
  )
    .option('--jsonl', 'one JSON object per place, with kind (message, attachment, review-item, outbound-attempt)')
    .option('--json', 'everything as one JSON object')
    .action(
      action((options: ValueOptions & { jsonl?: boolean; json?: boolean }) =>
        withSession(options, 'subject find', async ({ store, actor, keyring }) => {
          const places = await findSubject(store, actor, keyring, await queryOf(options));
          if (options.json) return printJson(places);
          const lines = placesAsLines(places);
          if (options.jsonl) for (const line of lines) process.stdout.write(`${JSON.stringify(line)}\n`);
          else {
            process.stdout.write(
              `messages ${places.messages.length}, attachments ${places.attachments.length}, review items ${places.reviewItems.length}, outbound attempts ${places.outboundAttempts.length}\n`,
            );
            for (const m of places.messages)
              process.stdout.write(`message\t${m.id}\t${m.sentAt}\t${m.chat}\t${m.action}\tvia ${m.via}\n`);
            for (const a of places.attachments)
              process.stdout.write(
                `attachment\t${a.sha256}\tpages ${a.pages.join(',')}\tmessages ${a.messageIds.join(',')}\n`,
              );
            for (const r of places.reviewItems)
              process.stdout.write(`review-item\t${r.id}\t${r.status}\tmessage ${r.messageId}\n`);
            for (const o of places.outboundAttempts)
              process.stdout.write(`outbound-attempt\t${o.id}\t${o.status}\t${o.createdAt}\n`);
          }
        }),
      ),
    );
  withValueOptions(
    subject
      .command('export')
      .description(
        "an access request's report: JSON and a readable HTML page of the person's messages (others' personal data tagged) and where else it is held",
      ),
  )
    .requiredOption('--out <dir>', 'the folder to write report.json and report.html into (0700, files 0600)')
    .action(
      action((options: ValueOptions & { out: string }) =>
        withSession(options, 'subject export', async ({ store, actor, keyring }) => {
          const report = await exportSubject(store, actor, keyring, await queryOf(options));
          await mkdir(options.out, { recursive: true, mode: 0o700 });
          await writeFile(path.join(options.out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`, {
            mode: 0o600,
          });
          await writeFile(path.join(options.out, 'report.html'), reportHtml(report), { mode: 0o600 });
          process.stdout.write(
            `wrote ${path.join(options.out, 'report.json')} and report.html: ${report.texts.length} messages, ${report.attachments.length} attachments\n`,
          );
        }),
      ),
    );
  withValueOptions(
    subject
      .command('erase')
      .description(
        "erase the person's identifier everywhere it is held (texts, originals, versions, attachments, the index), or --block it (admin; audited, resumable: run again to continue)",
      ),
  )
    .requiredOption('--note <text>', 'the request this answers (kept with the erasure; the audit log keeps its digest)')
    .option('--block', 'mark the data blocked from processing instead of destroying it')
    .option('--json', 'print the counts as JSON')
    .action(
      action((options: ValueOptions & { note: string; block?: boolean; json?: boolean }) =>
        withSession(options, 'subject erase', async ({ store, actor, keyring }) => {
          const query = await queryOf(options);
          const request = { ...query, note: options.note, ...(options.block ? { block: true } : {}) };
          const result = await eraseSubject(store, actor, keyring, loadConfig().dataDir, request);
          if (options.json) return printJson(result);
          const c = result.counts;
          process.stdout.write(
            `${result.mode === 'block' ? 'blocked' : 'erased'} (${result.resumed ? 'resumed ' : ''}erasure ${result.id}): messages ${c.messages}, texts ${c.texts}, originals ${c.originals}, versions ${c.versions}, attachments ${c.attachments} (withheld ${c.withheldFiles}), outbound attempts ${c.outboundAttempts}\n`,
          );
        }),
      ),
    );
  subject
    .command('backfill')
    .description(
      'index what was stored before the subject index existed (messages and attachments; admin; resumable: run again to continue)',
    )
    .option('--token <token>', tokenHelp)
    .option('--json', 'print the counts as JSON')
    .action(
      action((options: { token?: string; json?: boolean }) =>
        withSession(options, 'subject backfill', async ({ store, actor, keyring }) => {
          const counts = await backfillSubjects(store, actor, keyring, loadConfig().dataDir, (c) => {
            if (!options.json && process.stderr.isTTY)
              process.stderr.write(`\rindexed ${c.messages} messages, ${c.attachments} files…`);
          });
          if (options.json) return printJson(counts);
          process.stdout.write(
            `indexed ${counts.messages} messages and ${counts.attachments} files; ${counts.notRecoverable} messages redacted before the index hold no value to index; ${counts.unreadableFiles} files no longer held\n`,
          );
        }),
      ),
    );
}
