// What `scan` writes: a JSON result line for each input line of `--jsonl` (in the command's thread or in its scan
// threads), and the report for a person.
import {
  classifyFor,
  redact,
  wordOf,
  type CustomClassifier,
  type Dropped,
  type Finding,
} from '../src/classifier/index.ts';

export interface ScanOptions {
  minConfidence: number;
  /** the `classifier:` section of the agency named by `--agency` */
  custom?: CustomClassifier | undefined;
}

/** The JSON line written for one input line of `scan --jsonl`. */
export function scanLine(line: string, options: ScanOptions): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return JSON.stringify({ id: null, error: 'not valid JSON' });
  }
  const record =
    parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  const id = record && 'id' in record ? (record.id ?? null) : null;
  if (!record || typeof record.text !== 'string') return JSON.stringify({ id, error: 'no string "text" field' });
  const text = record.text;
  const findings = classifyFor(text, options.custom, { minConfidence: options.minConfidence });
  // most lines: the same shape, without the set, sort and copies that findings need
  if (findings.length === 0) return JSON.stringify({ id, categories: [], findings: [], redacted: text });
  const categories = [...new Set(findings.map((f) => f.category))].sort();
  return JSON.stringify({
    id,
    categories,
    findings: findings.map((f) => ({
      category: f.category,
      start: f.start,
      end: f.end,
      confidence: f.confidence,
      detector: f.detector,
    })),
    redacted: redact(text, findings, { kind: 'tag' }),
  });
}

/**
 * The result lines of a block of JSON lines joined by LF (a CR before a line's end is dropped, blank lines give
 * nothing). The block is decoded once: an LF is never part of a longer UTF-8 sequence, so its lines read as they
 * would one by one.
 */
export function scanBlock(block: Buffer, options: ScanOptions): string {
  let results = '';
  for (const line of block.toString('utf8').split('\n')) {
    const trimmed = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (trimmed.trim() !== '') results += `${scanLine(trimmed, options)}\n`;
  }
  return results;
}

/**
 * The report for a person: findings with their explanations, then the redacted text; with `--agency`, also what the
 * agency's ignore list dropped (by entry) and the agency's term or pattern behind each finding it added.
 */
export function formatReport(
  text: string,
  findings: readonly Finding[],
  agency: { custom?: CustomClassifier | undefined; dropped?: readonly Dropped[] } = {},
): string {
  const out: string[] = [];
  if (findings.length === 0) out.push('No personal data found.');
  else out.push(`${findings.length} finding${findings.length === 1 ? '' : 's'}:`);
  for (const f of findings) {
    const masked = redact(text.slice(f.start, f.end), [{ ...f, start: 0, end: f.end - f.start }], { kind: 'mask' });
    const why = [`base ${f.explanation.baseScore}`, `validator ${f.explanation.validator}`];
    // scan's input is its user's own text: it shows them the term and context word behind the ids a finding stores
    if (f.explanation.termId !== undefined) {
      const word = wordOf(f.explanation.termId) ?? agency.custom?.entryOf(f.detector, f.explanation.termId);
      why.push(`term "${word ?? '?'}" (${f.explanation.termId})`);
    }
    if (f.explanation.contextId !== undefined)
      why.push(`context "${wordOf(f.explanation.contextId) ?? '?'}" (${f.explanation.contextId})`);
    if (f.explanation.note !== undefined) why.push(f.explanation.note);
    out.push(
      `  ${f.category.padEnd(8)} ${String(f.start).padStart(5)}–${String(f.end).padEnd(5)} ${f.confidence.toFixed(2)}  ${f.detector.padEnd(17)} ${masked}`,
    );
    out.push(`           ${why.join('; ')}`);
  }
  for (const { finding, ignore } of agency.dropped ?? []) {
    const entry = agency.custom?.spec.ignore?.[finding.category]?.[ignore];
    out.push(
      `  dropped ${finding.category} ${finding.start}–${finding.end} (${finding.detector}): the agency ignores ${JSON.stringify(entry ?? '?')} (classifier.ignore.${finding.category}.${ignore})`,
    );
  }
  out.push('', 'Redacted:', redact(text, findings, { kind: 'tag' }));
  return `${out.join('\n')}\n`;
}
