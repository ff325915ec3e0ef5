import type { Command } from 'commander';
import { machineActor } from '../../src/core/machine-actor.ts';
import { sealAuditLog } from '../../src/audit/chain.ts';
import { warmUp } from '../../src/classifier/warm-up.ts';
import { chainContext } from '../session.ts';
import { config } from '../../src/core/config.ts';
import { ExitCode, UsageError } from '../../src/core/errors.ts';
import type { HistorySource } from '../../src/core/history.ts';
import { AttachmentBudget, inputLimits } from '../../src/core/limits.ts';
import { logger } from '../../src/core/logger.ts';
import { connectRedisOnce } from '../../src/core/redis.ts';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { openTelegramExport } from '../../bridges/telegram/export/reader.ts';
import { openWhatsAppExport } from '../../bridges/whatsapp/export/reader.ts';
import { openJsonlSource } from '../../src/importers/jsonl-source.ts';
import { runImport, type ImportSummary } from '../../src/pipeline/import-run.ts';
import { recordImportFinish, recordImportStart } from '../../src/service/imports.ts';
import { requireAgency } from '../../src/store/agencies.ts';
import { openStore } from '../../src/store/database.ts';
import { requireInstallation } from '../../src/store/installation.ts';
import { action, printJson } from '../common.ts';
import { defaultWorkerProcesses, superviseWorkerProcesses, type WorkerProcesses } from '../worker-processes.ts';

export interface CommonImportOptions {
  agency: string;
  json?: boolean;
  dryRun?: boolean;
  enqueueOnly?: boolean;
  concurrency?: string;
  workers?: string;
  progress?: boolean;
  relay?: boolean;
}

export function addCommonImportOptions(command: Command): Command {
  return command
    .requiredOption('--agency <slug>', 'the agency the history belongs to')
    .option('--json', 'print one JSON summary on standard output at the end')
    .option('--dry-run', 'read and classify only; write nothing')
    .option('--enqueue-only', 'leave the work to running workers and wait for the run to finish')
    .option('--concurrency <n>', 'jobs at once in each deliver worker this import runs', '4')
    .option(
      '--workers <n>',
      `deliver worker processes to start when none are running, stopped at the end (default: cores - 1, here ${defaultWorkerProcesses()}); 0 delivers in this process`,
    )
    .option('--no-progress', 'no progress output on standard error')
    .option('--relay', 'also post the imported messages into mapped Aitu groups (default: history is not relayed)');
}

function printSummary(summary: ImportSummary, json: boolean | undefined): void {
  if (json) {
    printJson(summary);
    if (summary.error) process.stderr.write(`aitu-gateway: ${summary.error}\n`);
    return;
  }
  const lines = [
    `${summary.status === 'completed' ? 'import completed' : 'import FAILED'}${summary.runId ? ` (run ${summary.runId})` : ' (dry run)'}${summary.resumedFrom ? `, resumed from ${summary.resumedFrom}` : ''}`,
    `  read ${summary.read} (service events ${summary.serviceEvents})`,
    summary.wouldDeliver !== undefined
      ? `  would deliver ${summary.wouldDeliver}, would edit ${summary.edited}`
      : `  delivered ${summary.delivered}, edited ${summary.edited}`,
    `  duplicates ${summary.duplicates}, blocked ${summary.blocked}, failed ${summary.failed}`,
    `  attachments ${summary.attachments}, missing ${summary.missingAttachments}`,
    ...(summary.inspection
      ? [
          `  attachments read ${summary.inspection.inspected}, not readable ${summary.inspection.uninspected}, pending ${summary.inspection.pending}; ` +
            `messages held back by what their attachments hold: quarantined ${summary.inspection.quarantined}, blocked ${summary.inspection.blocked}`,
        ]
      : []),
    `  quarantined ${summary.quarantined}, redacted ${summary.redacted}`,
    `  flagged: ${
      Object.entries(summary.flaggedByCategory)
        .map(([c, n]) => `${c} ${n}`)
        .join(', ') || 'none'
    }`,
  ];
  if (summary.failed > 0) lines.push('  failed messages are in the dead-letter queue: aitu-gateway dlq list');
  process.stdout.write(`${lines.join('\n')}\n`);
  if (summary.error) process.stderr.write(`aitu-gateway: ${summary.error}\n`);
}

/**
 * Shared by every importer: opens the store, checks the agency, runs the import-run contract, reports. A real run
 * (not a dry run) is audited as the OS user and host that started it, and seals the audit log before it exits.
 */
export async function runImportCommand(
  sourceKind: string,
  open: () => Promise<{
    source: HistorySource;
    inputFile: string;
    recorded?: Record<string, unknown>;
    warnings?: () => readonly string[];
    /** the import's attachment bytes: past maxImportAttachmentBytes the run stops and the command exits 2 */
    budget?: AttachmentBudget;
  }>,
  options: CommonImportOptions,
): Promise<number> {
  const concurrency = Number(options.concurrency ?? 4);
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new UsageError('--concurrency must be a positive integer');
  const workerCount = parseWorkers(options);
  const cfg = config();
  // both services are required: say so at once (exit 3) rather than wait on a queue that never answers
  if (!options.dryRun) (await connectRedisOnce(cfg.redisUrl)).disconnect();
  const store = await openStore(cfg.databaseUrl);
  try {
    // this installation's data directory, and its key file where this process classifies or delivers
    if (!options.dryRun) await requireInstallation(store.pool, cfg, { keys: !options.enqueueOnly });
    const agency = await requireAgency(store.pool, options.agency);
    // the chain key first: an installation that cannot seal says so before anything is imported
    const chain = options.dryRun ? null : await chainContext();
    // started before the input is opened (a Telegram export's index pass), so their start-up overlaps with it
    const workers =
      workerCount > 0
        ? await superviseWorkerProcesses({
            count: workerCount,
            concurrency,
            redisUrl: cfg.redisUrl,
            prefix: cfg.queuePrefix,
            logger: logger(),
            logLevel: cfg.logLevel,
          })
        : null;
    try {
      return await importWith(workers, agency, chain);
    } finally {
      await workers?.stop();
    }
  } finally {
    await store.close();
  }

  async function importWith(
    workers: WorkerProcesses | null,
    agency: { id: string },
    chain: Awaited<ReturnType<typeof chainContext>> | null,
  ): Promise<number> {
    const { source, inputFile, recorded, warnings, budget } = await open();
    // refused zip entries and the like: said before the run, whatever the log level
    const reported = new Set<string>();
    const reportWarnings = () => {
      for (const warning of warnings?.() ?? []) {
        if (reported.has(warning)) continue;
        reported.add(warning);
        process.stderr.write(`aitu-gateway: warning: ${warning}\n`);
      }
    };
    reportWarnings();
    // the run is recorded once its deliver workers take jobs: one that could not start leaves no run behind
    if (workers) {
      const ready = workers.ready();
      // their start-up is a wait for this process: it compiles its classifier meanwhile
      await warmUp(ready);
      await ready.catch(async (error: unknown) => {
        await source.close();
        throw error;
      });
    }
    const actor = machineActor();
    const audited = { agencyId: agency.id, sourceKind };
    if (chain) await recordImportStart(store.pool, actor, { ...audited, enqueueOnly: Boolean(options.enqueueOnly) });
    let summary: ImportSummary | null = null;
    try {
      summary = await runImport(
        {
          store,
          redisUrl: cfg.redisUrl,
          prefix: cfg.queuePrefix,
          dataDir: cfg.dataDir,
          keyFile: cfg.keyFile,
          logger: logger(),
        },
        {
          agencyId: agency.id,
          sourceKind,
          source,
          inputFile,
          options: options.relay ? { ...recorded, relay: true } : recorded,
          dryRun: options.dryRun,
          enqueueOnly: options.enqueueOnly,
          concurrency,
          showProgress: options.progress !== false,
          signal: workers?.signal,
        },
      );
      reportWarnings();
      printSummary(summary, options.json);
      // a per-file input limit stopped the run: invalid input, as a zip refused before the run would be
      if (budget?.exceeded) return ExitCode.usage;
      return summary.status === 'completed' && summary.failed === 0 ? ExitCode.ok : ExitCode.failed;
    } finally {
      await source.close();
      if (chain) {
        // never hides the import's own outcome; the next command or audit verify seals again
        await recordImportFinish(store.pool, actor, audited, summary)
          .then(() => sealAuditLog(store.pool, chain))
          .catch((error: Error) =>
            process.stderr.write(
              `aitu-gateway: warning: could not audit and seal the end of the import: ${error.message}\n`,
            ),
          );
      }
    }
  }
}

/** `--workers`: how many deliver worker processes to start; 0 with --dry-run or --enqueue-only, which deliver nothing here. */
function parseWorkers(options: CommonImportOptions): number {
  if (options.workers === undefined) return options.dryRun || options.enqueueOnly ? 0 : defaultWorkerProcesses();
  const count = Number(options.workers);
  if (!Number.isInteger(count) || count < 0) throw new UsageError('--workers must be 0 or a positive integer');
  if (count > 0 && (options.dryRun || options.enqueueOnly))
    throw new UsageError(
      '--workers starts deliver workers for this import; --dry-run and --enqueue-only deliver nothing here',
    );
  return count;
}

/** One import's attachment budget (maxImportAttachmentBytes), named after its input. */
const newBudget = (input: string) => new AttachmentBudget(inputLimits().maxImportAttachmentBytes, input);

export function registerImport(program: Command): Command {
  const importCommand = program
    .command('import')
    .description('bring chat history into the national store (resumable import runs)');
  addCommonImportOptions(
    importCommand
      .command('jsonl <file>')
      .description('import canonical messages, one JSON object per line (see the README)')
      .option(
        '--attachments-dir <dir>',
        "the folder the attachments' sourcePath names are relative to; their bytes are stored",
      ),
  ).action(
    action(async (file: string, options: CommonImportOptions & { attachmentsDir?: string }) =>
      runImportCommand(
        'jsonl',
        async () => {
          const budget = newBudget(file);
          const source = await openJsonlSource(file, { attachmentsDir: options.attachmentsDir, budget });
          return {
            source,
            inputFile: file,
            budget,
            warnings: () => source.warnings(),
            recorded: options.attachmentsDir ? { attachmentsDir: path.resolve(options.attachmentsDir) } : undefined,
          };
        },
        options,
      ),
    ),
  );
  addCommonImportOptions(
    importCommand
      .command('telegram <path>')
      .description('import a Telegram Desktop JSON export: a chat folder, its result.json, or a full-account export')
      .option('--chat <id-or-name...>', 'only these chats of a full-account export'),
  ).action(
    action(async (input: string, options: CommonImportOptions & { chat?: string[] }) =>
      runImportCommand(
        'telegram',
        async () => {
          const budget = newBudget(input);
          const source = await openTelegramExport(input, { chats: options.chat, budget });
          const isFolder = (await stat(input)).isDirectory();
          return {
            source,
            inputFile: isFolder ? path.join(input, 'result.json') : input,
            recorded: { chats: options.chat ?? null },
            warnings: () => source.warnings,
            budget,
          };
        },
        options,
      ),
    ),
  );
  addCommonImportOptions(
    importCommand
      .command('whatsapp <file>')
      .description('import a WhatsApp "Export chat" .txt or .zip (Android or iOS, any language)')
      .option('--chat-name <name>', "the chat's name (default: from the file name)")
      .option('--chat-id <whatsapp-id>', 'the chat id a live WhatsApp bridge knows, so history and live land together')
      .option('--date-format <order>', 'DMY, MDY or YMD when the file cannot tell')
      .option('--year <yyyy>', 'the year of the first message, for old exports whose dates write none')
      .option('--timezone <zone>', "IANA zone of the export's times (default: this machine's)"),
  ).action(
    action(
      async (
        file: string,
        options: CommonImportOptions & {
          chatName?: string;
          chatId?: string;
          dateFormat?: string;
          year?: string;
          timezone?: string;
        },
      ) => {
        const dateFormat = options.dateFormat?.toUpperCase();
        if (dateFormat !== undefined && !['DMY', 'MDY', 'YMD'].includes(dateFormat))
          throw new UsageError('--date-format must be DMY, MDY or YMD');
        if (options.year !== undefined && !/^\d{4}$/.test(options.year))
          throw new UsageError('--year must be a four-digit year (--year 2012)');
        const year = options.year === undefined ? undefined : Number(options.year);
        return runImportCommand(
          'whatsapp',
          async () => {
            const budget = newBudget(file);
            const source = await openWhatsAppExport(file, {
              budget,
              chatName: options.chatName,
              chatId: options.chatId,
              dateFormat: dateFormat as 'DMY' | 'MDY' | 'YMD' | undefined,
              year,
              timezone: options.timezone,
            });
            return {
              source,
              inputFile: file,
              recorded: {
                timezone: source.timezone,
                dateOrder: source.dateOrder,
                ...(year === undefined ? {} : { year }),
                chatId: source.chatId,
                chatName: source.title,
              },
              warnings: () => source.warnings(),
              budget,
            };
          },
          options,
        );
      },
    ),
  );
  return importCommand;
}
