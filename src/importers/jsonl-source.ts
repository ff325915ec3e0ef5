import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { InputError, UsageError } from '../core/errors.ts';
import { archiveKind } from '../core/file-kind.ts';
import type { Checkpoint, HistoryChat, HistoryEntry, HistorySource } from '../core/history.ts';
import { AttachmentBudget, describeLimit, formatCount, withLimits, type InputLimits } from '../core/limits.ts';
import { decodeUtf8Strict, invalidUtf8Offset, LineSplitter, type Line } from '../core/lines.ts';
import type { CanonicalMessageInput } from '../core/message.ts';
import { parseJsonObjectLine } from './raw-line.ts';

export interface JsonlSourceOptions {
  /** defaults: the configured limits */
  limits?: Partial<InputLimits>;
  /**
   * Where the files attachments name (`sourcePath`, relative to this folder) are: `import jsonl --attachments-dir`.
   * Their bytes are then read, hashed and stored by the import, and a sha256 the line claims is not trusted.
   */
  attachmentsDir?: string;
  /** counts the attachment bytes the import reads (maxImportAttachmentBytes); by default one of its own */
  budget?: AttachmentBudget;
}

export interface JsonlHistorySource extends HistorySource {
  /** what the operator should know but that does not stop the import (an attachment link leading out of its folder) */
  warnings(): string[];
}

/** A path that names a file inside a folder: relative, without `..`, NUL or a drive letter (backslashes count as separators). */
export function isSafeRelativePath(name: string): boolean {
  const normal = name.replace(/\\/g, '/');
  if (normal === '' || normal.includes('\0') || normal.startsWith('/') || /^[a-zA-Z]:/.test(normal)) return false;
  return !normal.split('/').includes('..');
}

async function requireFolder(dir: string): Promise<string> {
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory()) throw new UsageError(`--attachments-dir ${dir}: not a folder`);
  return realpath(dir);
}

/**
 * Canonical messages, one JSON object per line (see the README): the way in for agencies migrating from other
 * tools. A line that cannot be a message (past maxLineBytes, not UTF-8, not a JSON object) is reported with its line
 * number and dead-lettered, keeping its text when it has one (`{ raw }`, src/importers/raw-line.ts); the rest go on.
 * Checkpoint: `{ line, offset }`, the byte offset just after the line, so a resume seeks straight to it.
 */
export async function openJsonlSource(file: string, options: JsonlSourceOptions = {}): Promise<JsonlHistorySource> {
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
    throw new InputError(`${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
  if (!info.isFile()) throw new InputError(`${file}: not a file`);
  // each of its lines would be dead-lettered as bytes that are not text: refused whole instead
  const archive = await archiveKind(file);
  if (archive !== null)
    throw new InputError(`${file}: a ${archive} archive, not JSONL (one JSON object per line); unpack it first`);
  const limits = withLimits(options.limits);
  const attachmentsRoot = options.attachmentsDir === undefined ? null : await requireFolder(options.attachmentsDir);
  const budget = options.budget ?? new AttachmentBudget(limits.maxImportAttachmentBytes, file);
  const name = path.basename(file);
  const warnings: string[] = [];
  let bytesRead = 0;

  /** The entry of one line; null for a blank line. */
  const toEntry = (line: Line): HistoryEntry | null => {
    bytesRead = Math.min(line.end, info.size);
    const checkpoint = { line: line.number, offset: line.end };
    const where = `${name}:${line.number}`;
    const unreadable = (problem: string, message: unknown = {}): HistoryEntry => ({
      message: message as CanonicalMessageInput,
      checkpoint,
      problem: `${where}: ${problem}`,
    });
    if (line.bytes === null)
      return unreadable(
        `${formatCount(line.length)} bytes exceeds ${describeLimit('maxLineBytes', limits.maxLineBytes)}`,
      );
    const decoded = decodeUtf8Strict(line.bytes);
    if (decoded === null)
      return unreadable(`not valid UTF-8 (byte ${formatCount(invalidUtf8Offset(line.bytes) + 1)} of the line)`);
    const text = decoded.endsWith('\r') ? decoded.slice(0, -1) : decoded;
    if (text.trim() === '') return null;
    const parsed = parseJsonObjectLine(text);
    if (!parsed.ok) return unreadable(parsed.reason, { raw: text });
    const refusal = takeAttachments(parsed.value, attachmentsRoot !== null);
    if (refusal) return unreadable(refusal, { raw: text });
    return { message: parsed.value as CanonicalMessageInput, checkpoint };
  };

  async function* entries(resume: { resumeAfter?: Checkpoint | null } = {}): AsyncGenerator<HistoryEntry> {
    const { start, linesBefore } = resumePoint(resume.resumeAfter ?? null, file);
    bytesRead = start;
    const splitter = new LineSplitter({ maxBytes: limits.maxLineBytes, start, linesBefore });
    const stream = createReadStream(file, { start, highWaterMark: 1 << 20 });
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        for (const line of splitter.push(chunk)) {
          const entry = toEntry(line);
          if (entry) yield entry;
        }
      }
      for (const line of splitter.end()) {
        const entry = toEntry(line);
        if (entry) yield entry;
      }
    } finally {
      stream.destroy();
    }
  }

  async function openAttachment(sourcePath: string): Promise<Readable | null> {
    if (attachmentsRoot === null || !isSafeRelativePath(sourcePath)) return null;
    let real: string;
    try {
      real = await realpath(path.resolve(attachmentsRoot, sourcePath));
      if (!(await stat(real)).isFile()) return null;
    } catch {
      return null;
    }
    // a symbolic link inside the folder must not lead out of it either
    if (!real.startsWith(attachmentsRoot + path.sep)) {
      warnings.push(`refused an attachment of ${name} whose link leads out of --attachments-dir`);
      return null;
    }
    return budget.meter(createReadStream(real), sourcePath);
  }

  return {
    platform: 'telegram',
    inputPath: file,
    async chats(): Promise<HistoryChat[]> {
      return [];
    },
    entries,
    progress: () => ({ bytesRead, totalBytes: info.size }),
    describeEntry: (checkpoint) => `${name}:${String(checkpoint['line'])}`,
    openAttachment,
    warnings: () => [...warnings],
    async close() {},
  };
}

/** Where a resume starts: after the checkpoint's line, at its byte offset; a checkpoint not of this reader is refused. */
function resumePoint(checkpoint: Checkpoint | null, file: string): { start: number; linesBefore: number } {
  if (checkpoint === null) return { start: 0, linesBefore: 0 };
  const { offset, line } = checkpoint;
  const count = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
  if (!count(offset) || !count(line))
    throw new InputError(
      `${file}: the checkpoint to resume from is not one of the JSONL reader's; start the import afresh`,
    );
  return { start: offset, linesBefore: line };
}

/**
 * Checks a line's attachment references. One naming a file (`sourcePath`) must name it inside the attachments
 * folder; when that folder is given, the file's bytes decide the attachment's sha256, not what the line claims. A bare
 * sha256 stays a reference: the store accepts it only for a blob the message's agency stored (attachment_owners).
 * Returns why the line is refused, or null.
 */
function takeAttachments(message: Record<string, unknown>, withFolder: boolean): string | null {
  const attachments = message['attachments'];
  if (!Array.isArray(attachments)) return null;
  for (const [index, attachment] of attachments.entries()) {
    if (attachment === null || typeof attachment !== 'object') continue;
    const fields = attachment as Record<string, unknown>;
    if (typeof fields['sourcePath'] !== 'string') continue;
    if (!isSafeRelativePath(fields['sourcePath']))
      return `attachment ${index + 1}: its sourcePath is not a relative path inside --attachments-dir`;
    if (withFolder) delete fields['sha256'];
  }
  return null;
}
