import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { InputError } from '../core/errors.ts';
import type { Checkpoint, HistoryChat, HistoryEntry, HistorySource } from '../core/history.ts';
import type { CanonicalMessageInput } from '../core/message.ts';

/**
 * Canonical messages, one JSON object per line (see the README): the way in for agencies migrating from other
 * tools. A line that is not a JSON object is reported with its line number and dead-lettered; the rest go on.
 * Checkpoint: `{ line, offset }`, the byte offset just after the line, so a resume seeks straight to it.
 */
export async function openJsonlSource(file: string): Promise<HistorySource> {
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
    throw new InputError(`${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
  if (!info.isFile()) throw new InputError(`${file}: not a file`);
  const name = path.basename(file);
  let bytesRead = 0;

  async function* entries(options: { resumeAfter?: Checkpoint | null } = {}): AsyncGenerator<HistoryEntry> {
    const start = typeof options.resumeAfter?.offset === 'number' ? options.resumeAfter.offset : 0;
    let line = typeof options.resumeAfter?.line === 'number' ? options.resumeAfter.line : 0;
    let offset = start;
    bytesRead = start;
    let pending = Buffer.alloc(0);
    const stream = createReadStream(file, { start, highWaterMark: 1 << 20 });
    const emit = (bytes: Buffer): HistoryEntry | null => {
      line++;
      offset += bytes.length + 1;
      bytesRead = Math.min(offset, info.size);
      const text = bytes.toString('utf8').replace(/\r$/, '');
      if (text.trim() === '') return null;
      const checkpoint = { line, offset };
      try {
        const value: unknown = JSON.parse(text);
        if (value === null || typeof value !== 'object' || Array.isArray(value)) {
          return { message: {} as CanonicalMessageInput, checkpoint, problem: `${name}:${line}: not a JSON object` };
        }
        return { message: value as CanonicalMessageInput, checkpoint };
      } catch (error) {
        return { message: {} as CanonicalMessageInput, checkpoint, problem: `${name}:${line}: not valid JSON (${(error as Error).message.replace(/".*"/, '…')})` };
      }
    };
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let data = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let newline: number;
      while ((newline = data.indexOf(10)) !== -1) {
        const entry = emit(data.subarray(0, newline));
        data = data.subarray(newline + 1);
        if (entry) yield entry;
      }
      pending = Buffer.from(data);
    }
    if (pending.length > 0) {
      const entry = emit(pending);
      if (entry) yield entry;
    }
  }

  return {
    platform: 'telegram',
    inputPath: file,
    async chats(): Promise<HistoryChat[]> {
      return [];
    },
    entries,
    progress: () => ({ bytesRead, totalBytes: info.size }),
    async openAttachment(): Promise<Readable | null> {
      // canonical messages reference attachments already in the store (sha256); there are no bytes to read
      return null;
    },
    async close() {},
  };
}
