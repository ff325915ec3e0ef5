import { readFile } from 'node:fs/promises';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import type { Command } from 'commander';
import { action } from '../common.ts';
import { UsageError } from '../../src/core/errors.ts';
import { inputLimitDefaults } from '../../src/core/config.ts';
import { LineSplitter, type Line } from '../../src/core/lines.ts';
import { CATEGORIES, classify, redact, wordOf, type Finding } from '../../src/classifier/index.ts';

export interface ScanOptions {
  minConfidence: number;
}

/** The JSON line written for one input line of `scan --jsonl`. */
export function scanLine(line: string, options: ScanOptions): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return JSON.stringify({ id: null, error: 'not valid JSON' });
  }
  const record = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  const id = record && 'id' in record ? (record.id ?? null) : null;
  if (!record || typeof record.text !== 'string') return JSON.stringify({ id, error: 'no string "text" field' });
  const text = record.text;
  const findings = classify(text, { minConfidence: options.minConfidence });
  const categories = [...new Set(findings.map((f) => f.category))].sort();
  return JSON.stringify({
    id,
    categories,
    findings: findings.map((f) => ({ category: f.category, start: f.start, end: f.end, confidence: f.confidence, detector: f.detector })),
    redacted: redact(text, findings, { kind: 'tag' }),
  });
}

/**
 * Streams JSON lines from `input` to `output`: one output line per non-blank input line, in order, waiting on
 * the output when it is full, so memory stays flat however long the input is. Lines are split by LineSplitter
 * (bounded: a line past `maxLineBytes` is reported by its number, never held). Each chunk's lines are scanned at
 * once and their results written together: lines queued between awaits (as a line-by-line async iterator holds
 * them) outlive V8's young generation, and over a gigabyte the garbage they leave grew the old one past 250 MB.
 */
export async function scanJsonl(input: Readable, output: Writable, options: ScanOptions & { maxLineBytes?: number }): Promise<void> {
  const splitter = new LineSplitter({ maxBytes: options.maxLineBytes ?? inputLimitDefaults.maxLineBytes, crEndsLine: false });
  const scanLines = (lines: readonly Line[]): string => {
    let results = '';
    for (const line of lines) {
      if (line.bytes === null) {
        results += `${JSON.stringify({ id: null, line: line.number, error: `line longer than the maximum of ${options.maxLineBytes ?? inputLimitDefaults.maxLineBytes} bytes` })}\n`;
        continue;
      }
      const text = line.bytes.toString('utf8');
      const trimmed = text.endsWith('\r') ? text.slice(0, -1) : text;
      if (trimmed.trim() !== '') results += `${scanLine(trimmed, options)}\n`;
    }
    return results;
  };
  for await (const chunk of input) {
    const results = scanLines(splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)));
    if (results !== '' && !output.write(results)) await once(output, 'drain');
  }
  const rest = scanLines(splitter.end());
  if (rest !== '' && !output.write(rest)) await once(output, 'drain');
}

/** The report for a person: findings with their explanations, then the redacted text. */
export function formatReport(text: string, findings: readonly Finding[]): string {
  const out: string[] = [];
  if (findings.length === 0) out.push('No personal data found.');
  else out.push(`${findings.length} finding${findings.length === 1 ? '' : 's'}:`);
  for (const f of findings) {
    const masked = redact(text.slice(f.start, f.end), [{ ...f, start: 0, end: f.end - f.start }], { kind: 'mask' });
    const why = [`base ${f.explanation.baseScore}`, `validator ${f.explanation.validator}`];
    // scan's input is its user's own text: it shows them the term and context word behind the ids a finding stores
    if (f.explanation.termId !== undefined) why.push(`term "${wordOf(f.explanation.termId) ?? '?'}" (${f.explanation.termId})`);
    if (f.explanation.contextId !== undefined) why.push(`context "${wordOf(f.explanation.contextId) ?? '?'}" (${f.explanation.contextId})`);
    if (f.explanation.note !== undefined) why.push(f.explanation.note);
    out.push(`  ${f.category.padEnd(8)} ${String(f.start).padStart(5)}–${String(f.end).padEnd(5)} ${f.confidence.toFixed(2)}  ${f.detector.padEnd(17)} ${masked}`);
    out.push(`           ${why.join('; ')}`);
  }
  out.push('', 'Redacted:', redact(text, findings, { kind: 'tag' }));
  return `${out.join('\n')}\n`;
}

function parseConfidence(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new UsageError(`--min-confidence must be a number from 0 to 1, got "${value}"`);
  }
  return n;
}

export function registerScan(program: Command): void {
  program
    .command('scan')
    .description(`find personal data (${CATEGORIES.join(', ')}) in text and show it redacted; needs no service`)
    .argument('[text...]', 'the text to scan')
    .option('--file <path>', 'scan the contents of a file')
    .option('--jsonl', 'read JSON lines {"id", "text"} on standard input, write one JSON result line per input line')
    .option('--min-confidence <n>', 'report findings from this confidence (0–1)', '0.5')
    .action(
      action(async (words: string[], opts: { file?: string; jsonl?: boolean; minConfidence: string }) => {
        const options: ScanOptions = { minConfidence: parseConfidence(opts.minConfidence) };
        const sources = [words.length > 0, opts.file !== undefined, opts.jsonl === true].filter(Boolean).length;
        if (sources !== 1) throw new UsageError('give exactly one of: text to scan, --file <path>, --jsonl (standard input)');
        if (opts.jsonl) {
          await scanJsonl(process.stdin, process.stdout, options);
          return;
        }
        let text: string;
        if (opts.file !== undefined) {
          try {
            text = await readFile(opts.file, 'utf8');
          } catch (error) {
            throw new UsageError(`cannot read ${opts.file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { cause: error });
          }
        } else {
          text = words.join(' ');
        }
        process.stdout.write(formatReport(text, classify(text, options)));
      }),
    );
}
