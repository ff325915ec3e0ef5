import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import { InputError, UsageError } from '../../../src/core/errors.ts';
import { describeLimit, formatCount, LimitError, withLimits, type InputLimits } from '../../../src/core/limits.ts';

/**
 * Where an export's chat text and attached files live: a bare .txt (its attachments, if the operator unzipped
 * them, beside it) or the .zip WhatsApp shares. Reads only; nothing is ever written to disk.
 */
export interface ExportContainer {
  /** the chat text's name: the file's base name, or the zip entry's name */
  readonly textName: string;
  readonly textSize: number;
  /** what the operator should see in messages: the file, and the entry for a zip */
  readonly label: string;
  openText(): Promise<Readable>;
  /** the size of an attached file the export holds, or null when it is absent or refused */
  attachmentSize(name: string): Promise<number | null>;
  openAttachment(name: string): Promise<Readable | null>;
  warnings(): string[];
  close(): Promise<void>;
}

/**
 * An entry name that would land outside the folder it is extracted to: `..` segments, absolute paths,
 * drive letters, NUL. Backslashes count as separators, as Windows tools write them.
 */
export function isUnsafeEntryName(name: string): boolean {
  const normal = name.replace(/\\/g, '/');
  if (normal.includes('\0')) return true;
  if (normal.startsWith('/') || /^[a-zA-Z]:/.test(normal)) return true;
  return normal.split('/').includes('..');
}

/** A reference from the chat text names a file beside it; anything with a path in it is not ours to open. */
export function isPlainFileName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[\\/\0]/.test(name) && !/^[a-zA-Z]:/.test(name);
}

const ZIP_MAGIC = [Buffer.from('PK\x03\x04', 'latin1'), Buffer.from('PK\x05\x06', 'latin1')];

async function isZipFile(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    return bytesRead === 4 && ZIP_MAGIC.some((magic) => magic.equals(head));
  } finally {
    await handle.close();
  }
}

/** Entries inflating to less than this are not held to maxZipRatio: small files of repeated bytes are harmless. */
const RATIO_FLOOR_BYTES = 1024 * 1024;

/**
 * The per-file limits of a zip entry, checked on the sizes its headers declare before anything is inflated (yauzl
 * then fails an entry that inflates to more than it declared): its inflated size and its compression ratio.
 */
export function zipEntryRefusal(
  zipPath: string,
  name: string,
  entry: Pick<Entry, 'uncompressedSize' | 'compressedSize'>,
  limits: Pick<InputLimits, 'maxZipEntryBytes' | 'maxZipRatio'>,
): LimitError | null {
  const inflated = entry.uncompressedSize;
  if (inflated > limits.maxZipEntryBytes) {
    return new LimitError(
      'maxZipEntryBytes',
      `${zipPath}: zip entry ${JSON.stringify(name)} inflates to ${formatCount(inflated)} bytes, past ${describeLimit('maxZipEntryBytes', limits.maxZipEntryBytes)}`,
    );
  }
  if (inflated > RATIO_FLOOR_BYTES && inflated > limits.maxZipRatio * entry.compressedSize) {
    const ratio =
      entry.compressedSize === 0 ? 'without limit' : `${formatCount(Math.floor(inflated / entry.compressedSize))}:1`;
    return new LimitError(
      'maxZipRatio',
      `${zipPath}: zip entry ${JSON.stringify(name)} inflates ${ratio} (${formatCount(entry.compressedSize)} bytes to ${formatCount(inflated)}), past ${describeLimit('maxZipRatio', limits.maxZipRatio)}`,
    );
  }
  return null;
}

export async function openExportContainer(path: string, limits: Partial<InputLimits> = {}): Promise<ExportContainer> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new UsageError(`${path}: not a file; name a WhatsApp export .txt or .zip`);
    size = info.size;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(`${path}: cannot read the file (${code})`, { cause: error });
  }
  return (await isZipFile(path)) ? openZipContainer(path, withLimits(limits)) : openTextContainer(path, size);
}

async function openTextContainer(path: string, size: number): Promise<ExportContainer> {
  const folder = dirname(path);
  const own = basename(path);
  let siblings: Promise<Set<string>> | null = null;
  // Listed once, on the first reference: an operator who unzipped the export has the files beside the text.
  function listSiblings(): Promise<Set<string>> {
    siblings ??= readdir(folder, { withFileTypes: true }).then(
      (items) => new Set(items.filter((item) => item.isFile() && item.name !== own).map((item) => item.name)),
      () => new Set<string>(),
    );
    return siblings;
  }
  async function find(name: string): Promise<string | null> {
    if (!isPlainFileName(name) || !(await listSiblings()).has(name)) return null;
    return join(folder, name);
  }
  return {
    textName: own,
    textSize: size,
    label: path,
    openText: async () => createReadStream(path),
    attachmentSize: async (name) => {
      const file = await find(name);
      if (file === null) return null;
      try {
        return (await stat(file)).size;
      } catch {
        return null;
      }
    },
    openAttachment: async (name) => {
      const file = await find(name);
      return file === null ? null : createReadStream(file);
    },
    warnings: () => [],
    close: async () => {},
  };
}

/** Android names the chat text after the chat, iOS `_chat.txt`; the localized Android forms are in FORMATS.md. */
const CHAT_TEXT_NAMES = [
  /^_chat\.txt$/i,
  /^WhatsApp Chat with .+\.txt$/i,
  /^Чат WhatsApp с\s.+\.txt$/iu,
  /^WhatsApp чат\s.+\.txt$/iu,
];

function readAllEntries(zip: ZipFile): Promise<Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: Entry[] = [];
    zip.on('entry', (entry: Entry) => {
      entries.push(entry);
      zip.readEntry();
    });
    zip.once('end', () => resolve(entries));
    zip.once('error', reject);
    zip.readEntry();
  });
}

async function openZipContainer(path: string, limits: InputLimits): Promise<ExportContainer> {
  let zip: ZipFile;
  let entries: Entry[];
  try {
    // decodeStrings off: yauzl would otherwise fail the whole zip on the first unsafe name, and an unsafe
    // entry must be refused and reported while the chat is still read.
    zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, decodeStrings: false });
    entries = await readAllEntries(zip);
  } catch (error) {
    throw new InputError(`${path}: not a readable zip (${(error as Error).message})`, { cause: error });
  }

  const refused: string[] = [];
  const skipped: string[] = [];
  const files = new Map<string, Entry>();
  for (const entry of entries) {
    const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false);
    if (isUnsafeEntryName(name)) {
      refused.push(name);
      continue;
    }
    if (name.endsWith('/')) continue;
    if (entry.isEncrypted() || !entry.canDecodeFileData()) {
      skipped.push(name);
      continue;
    }
    const refusal = zipEntryRefusal(path, name, entry, limits);
    if (refusal) {
      zip.close();
      throw refusal;
    }
    files.set(name, entry);
  }

  const texts = [...files.keys()].filter((name) => name.toLowerCase().endsWith('.txt'));
  const named = texts.filter((name) => CHAT_TEXT_NAMES.some((pattern) => pattern.test(basename(name))));
  const chosen = named.length === 1 ? named : texts.length === 1 ? texts : named.length > 1 ? named : texts;
  if (chosen.length !== 1) {
    zip.close();
    const found = chosen.length === 0 ? 'no chat text (.txt)' : `${chosen.length} chat texts`;
    throw new InputError(`${path}: the zip holds ${found}; a WhatsApp export holds exactly one`);
  }
  const textName = chosen[0] as string;
  const textEntry = files.get(textName) as Entry;
  const textFolder = textName.includes('/') ? textName.slice(0, textName.lastIndexOf('/') + 1) : '';

  const warnings: string[] = [];
  if (refused.length > 0) {
    warnings.push(
      `${path}: refused ${refused.length} zip entr${refused.length === 1 ? 'y' : 'ies'} whose path would escape the export: ${refused.map((name) => JSON.stringify(name)).join(', ')}`,
    );
  }
  if (skipped.length > 0) {
    warnings.push(
      `${path}: skipped ${skipped.length} encrypted or undecodable zip entr${skipped.length === 1 ? 'y' : 'ies'}: ${skipped.map((name) => JSON.stringify(name)).join(', ')}`,
    );
  }

  function find(name: string): Entry | null {
    if (!isPlainFileName(name)) return null;
    return files.get(textFolder + name) ?? files.get(name) ?? null;
  }

  let closed = false;
  return {
    textName,
    textSize: textEntry.uncompressedSize,
    label: `${path} (${textName})`,
    openText: () => zip.openReadStreamPromise(textEntry),
    attachmentSize: async (name) => find(name)?.uncompressedSize ?? null,
    openAttachment: async (name) => {
      const entry = find(name);
      return entry && !closed ? zip.openReadStreamPromise(entry) : null;
    },
    warnings: () => [...warnings],
    close: async () => {
      if (closed) return;
      closed = true;
      zip.close();
    },
  };
}
