import { readFile } from 'node:fs/promises';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import type { Command } from 'commander';
import { action, wholeNumber } from '../common.ts';
import { UsageError } from '../../src/core/errors.ts';
import { inputLimitDefaults } from '../../src/core/limit-defaults.ts';
import { LineSplitter, type Line } from '../../src/core/lines.ts';
import { ScanThreads } from '../scan-threads.ts';
import { CATEGORIES } from '../../src/classifier/types.ts';
import type { CustomClassifier } from '../../src/classifier/index.ts';
import type { ScanOptions } from '../scan-lines.ts';

/**
 * The classifier is loaded where a command scans in its own thread: with `--jsonl --threads` the command only splits
 * and writes, and its threads start the sooner for not waiting on it.
 */
const loadScanLines = () => import('../scan-lines.ts');

/** This thread's scanner of blocks, for a scan without threads. */
async function ownScanner(options: ScanOptions): Promise<(block: Buffer) => string> {
  const { scanBlock } = await loadScanLines();
  return (block) => scanBlock(block, options);
}

/** What scanJsonl writes for each run of lines: result lines (from a scan thread as UTF-8), in input order. */
type Results = string | Promise<string | Uint8Array>;

/**
 * The lines of a chunk as blocks for scanBlock (joined by LF), and a line too long to keep as its error line, in
 * order. (A block sent to a thread is moved there by ScanThreads, which copies one that shares a pool first.)
 */
function blocksOf(lines: readonly Line[], maxLineBytes: number): (Buffer | string)[] {
  const out: (Buffer | string)[] = [];
  let run: Buffer[] = [];
  let size = 0;
  const close = () => {
    if (run.length === 0) return;
    const block = Buffer.allocUnsafe(size);
    let at = 0;
    for (const bytes of run) {
      at += bytes.copy(block, at);
      block[at++] = 0x0a;
    }
    out.push(block);
    run = [];
    size = 0;
  };
  for (const line of lines) {
    if (line.bytes === null) {
      close();
      out.push(
        `${JSON.stringify({ id: null, line: line.number, error: `line longer than the maximum of ${maxLineBytes} bytes` })}\n`,
      );
      continue;
    }
    run.push(line.bytes);
    size += line.bytes.length + 1;
  }
  close();
  return out;
}

/**
 * Streams JSON lines from `input` to `output`: one output line per non-blank input line, in order, waiting on
 * the output when it is full, so memory stays flat however long the input is. Lines are split by LineSplitter
 * (bounded: a line past `maxLineBytes` is reported by its number, never held). Each chunk's lines are scanned at
 * once and their results written together: lines queued between awaits (as a line-by-line async iterator holds
 * them) outlive V8's young generation, and over a gigabyte the garbage they leave grew the old one past 250 MB.
 * With `threads` above 1 the chunks are scanned by that many worker threads, at most two chunks each in hand, and
 * written in input order.
 */
export async function scanJsonl(
  input: Readable,
  output: Writable,
  options: ScanOptions & { maxLineBytes?: number; threads?: number },
): Promise<void> {
  const maxLineBytes = options.maxLineBytes ?? inputLimitDefaults.maxLineBytes;
  const splitter = new LineSplitter({ maxBytes: maxLineBytes, crEndsLine: false });
  const threadCount = Math.max(1, Math.floor(options.threads ?? 1));
  const threads =
    threadCount > 1
      ? new ScanThreads(threadCount, { minConfidence: options.minConfidence, custom: options.custom?.spec ?? null })
      : null;
  const scan = threads ? (block: Buffer): Results => threads.scan(block) : await ownScanner(options);
  const inHand: Results[] = [];
  const write = async (results: string | Uint8Array) => {
    if (results.length > 0 && !output.write(results)) await once(output, 'drain');
  };
  const scanLines = async (lines: readonly Line[]) => {
    for (const block of blocksOf(lines, maxLineBytes)) {
      if (typeof block === 'string') inHand.push(block);
      else inHand.push(scan(block));
      // the oldest is written first: what is in hand stays within two blocks a thread
      while (inHand.length > 2 * threadCount || (inHand.length > 0 && typeof inHand[0] === 'string'))
        await write(await (inHand.shift() as Results));
    }
  };
  try {
    for await (const chunk of input)
      await scanLines(splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)));
    await scanLines(splitter.end());
    while (inHand.length > 0) await write(await (inHand.shift() as Results));
  } finally {
    // a scan that failed leaves nothing running; its blocks still in hand are dropped with it
    for (const results of inHand) if (typeof results !== 'string') results.catch(() => {});
    await threads?.close();
  }
}

function parseConfidence(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new UsageError(`--min-confidence must be a number from 0 to 1, got "${value}"`);
  }
  return n;
}

/**
 * The `classifier:` section of the agency's stored policy (undefined when it has none). Only `--agency` opens the
 * store: scan without it needs no service, so the store's modules are loaded here and not at start.
 */
async function agencyClassifier(slug: string): Promise<CustomClassifier | undefined> {
  const [{ openStore }, { requireAgency }, { policyFromStored }] = await Promise.all([
    import('../../src/store/database.ts'),
    import('../../src/store/agencies.ts'),
    import('../../src/policy/parse-policy.ts'),
  ]);
  const { config } = await import('../../src/core/config.ts');
  const store = await openStore(config().databaseUrl);
  try {
    const agency = await requireAgency(store.pool, slug);
    const row = await store.pool.query<{ policy: unknown }>(`SELECT policy FROM agencies WHERE id = $1`, [agency.id]);
    return policyFromStored(row.rows[0]?.policy ?? null).classifier;
  } finally {
    await store.close();
  }
}

export function registerScan(program: Command): void {
  program
    .command('scan')
    .description(`find personal data (${CATEGORIES.join(', ')}) in text and show it redacted; needs no service`)
    .argument('[text...]', 'the text to scan')
    .option('--file <path>', 'scan the contents of a file')
    .option('--jsonl', 'read JSON lines {"id", "text"} on standard input, write one JSON result line per input line')
    .option('--min-confidence <n>', 'report findings from this confidence (0–1)', '0.5')
    .option(
      '--threads <n>',
      "with --jsonl: scan on this many worker threads, results in input order (1: in the command's own thread)",
      '1',
    )
    .option(
      '--agency <slug>',
      "apply the classifier section of this agency's policy (its ignore list, terms and patterns); reads the store",
    )
    .action(
      action(
        async (
          words: string[],
          opts: { file?: string; jsonl?: boolean; minConfidence: string; agency?: string; threads: string },
        ) => {
          const sources = [words.length > 0, opts.file !== undefined, opts.jsonl === true].filter(Boolean).length;
          if (sources !== 1)
            throw new UsageError('give exactly one of: text to scan, --file <path>, --jsonl (standard input)');
          const options: ScanOptions = { minConfidence: parseConfidence(opts.minConfidence) };
          if (opts.agency !== undefined) options.custom = await agencyClassifier(opts.agency);
          if (opts.jsonl) {
            await scanJsonl(process.stdin, process.stdout, {
              ...options,
              threads: wholeNumber(opts.threads, '--threads', 1, 256),
            });
            return;
          }
          let text: string;
          if (opts.file !== undefined) {
            try {
              text = await readFile(opts.file, 'utf8');
            } catch (error) {
              throw new UsageError(`cannot read ${opts.file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, {
                cause: error,
              });
            }
          } else {
            text = words.join(' ');
          }
          const [{ classifyWithEffect }, { formatReport }] = await Promise.all([
            import('../../src/classifier/index.ts'),
            loadScanLines(),
          ]);
          const effect = classifyWithEffect(text, options.custom, { minConfidence: options.minConfidence });
          process.stdout.write(
            formatReport(text, effect.findings, { custom: options.custom, dropped: effect.dropped }),
          );
        },
      ),
    );
}
