import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import { InputError, UsageError } from '../../../src/core/errors.ts';
import { archiveKind } from '../../../src/core/file-kind.ts';
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

const UNIX_HOST = 3;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

/**
 * A symbolic link as a Unix zip tool stores it: the entry's bytes are the link's target path. Nothing here ever
 * extracts, so no link is followed; but the target's path is not the file it names, so the entry is refused.
 */
export function isSymlinkEntry(entry: Pick<Entry, 'versionMadeBy' | 'externalFileAttributes'>): boolean {
  return entry.versionMadeBy >> 8 === UNIX_HOST && ((entry.externalFileAttributes >>> 16) & S_IFMT) === S_IFLNK;
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
  return (await archiveKind(path)) === 'zip'
    ? openZipContainer(path, withLimits(limits))
    : openTextContainer(path, size);
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
  const links: string[] = [];
  const skipped: string[] = [];
  const files = new Map<string, Entry>();
  for (const entry of entries) {
    const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false);
    if (isUnsafeEntryName(name)) {
      refused.push(name);
      continue;
    }
    if (name.endsWith('/')) continue;
    if (isSymlinkEntry(entry)) {
      links.push(name);
      continue;
    }
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
  const warnings: string[] = [];
  if (refused.length > 0) {
    warnings.push(
      `${path}: refused ${refused.length} zip entr${refused.length === 1 ? 'y' : 'ies'} whose path would escape the export: ${refused.map((name) => JSON.stringify(name)).join(', ')}`,
    );
  }
  if (links.length > 0) {
    warnings.push(
      `${path}: refused ${links.length} zip entr${links.length === 1 ? 'y' : 'ies'} that ${links.length === 1 ? 'is a symbolic link' : 'are symbolic links'}: ${links.map((name) => JSON.stringify(name)).join(', ')}`,
    );
  }
  if (skipped.length > 0) {
    warnings.push(
      `${path}: skipped ${skipped.length} encrypted or undecodable zip entr${skipped.length === 1 ? 'y' : 'ies'}: ${skipped.map((name) => JSON.stringify(name)).join(', ')}`,
    );
  }
  if (chosen.length !== 1) {
    zip.close();
    const found = chosen.length === 0 ? 'no chat text (.txt)' : `${chosen.length} chat texts`;
    // the refusals may be why there is no chat text: said in the same line, as the run never starts
    const besides = warnings.length > 0 ? ` (${warnings.map((w) => w.slice(path.length + 2)).join('; ')})` : '';
    throw new InputError(`${path}: the zip holds ${found}; a WhatsApp export holds exactly one${besides}`);
  }
  const textName = chosen[0] as string;
  const textEntry = files.get(textName) as Entry;
  const textFolder = textName.includes('/') ? textName.slice(0, textName.lastIndexOf('/') + 1) : '';

  function find(name: string): Entry | null {
    if (!isPlainFileName(name)) return null;
    return files.get(textFolder + name) ?? files.get(name) ?? null;
  }

  let closed = false;
  return {
    textName,
    textSize: textEntry.uncompressedSize,
    label: `${path} (${textName})`,
    openText: () => openEntry(zip, textEntry, path, textName),
    attachmentSize: async (name) => find(name)?.uncompressedSize ?? null,
    openAttachment: async (name) => {
      const entry = find(name);
      return entry && !closed ? openEntry(zip, entry, path, name) : null;
    },
    warnings: () => [...warnings],
    close: async () => {
      if (closed) return;
      closed = true;
      zip.close();
    },
  };
}

/**
 * An entry's inflated bytes. Reading fails with an InputError naming the zip and the entry when its data is corrupt
 * or inflates to other than the size its header declares (a bomb hiding its size: yauzl stops it at the declared
 * size, which the limits were checked on). yauzl starts inflating before anyone reads; an error met then is kept
 * for the reader (the stream's `errored`), never an unhandled 'error' event that would end the process.
 */
async function openEntry(zip: ZipFile, entry: Entry, path: string, name: string): Promise<Readable> {
  const unreadable = (error: unknown): InputError => {
    const reason = (error as Error).message;
    const why = /too many bytes/.test(reason)
      ? `it inflates past the ${formatCount(entry.uncompressedSize)} bytes its header declares`
      : /not enough bytes/.test(reason)
        ? `it inflates to fewer than the ${formatCount(entry.uncompressedSize)} bytes its header declares`
        : 'the zip is corrupt there';
    return new InputError(`${path}: zip entry ${JSON.stringify(name)} cannot be read: ${why} (${reason})`, {
      cause: error,
    });
  };
  let raw: Readable;
  try {
    // its local header is read here: a corrupt one fails at once
    raw = await zip.openReadStreamPromise(entry);
  } catch (error) {
    throw unreadable(error);
  }
  raw.on('error', () => {});
  async function* checked(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of raw as AsyncIterable<Buffer>) yield chunk;
    } catch (error) {
      throw unreadable(error);
    }
  }
  const bytes = Readable.from(checked(), { objectMode: false });
  // closed unread (a dry run only looks): the entry's inflater is stopped too
  bytes.once('close', () => raw.destroy());
  return bytes;
}
