import { isAscii, isUtf8, transcode } from 'node:buffer';
import { createReadStream, statSync } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { InputError } from '../../../src/core/errors.ts';
import { archiveKind } from '../../../src/core/file-kind.ts';
import {
  AttachmentBudget,
  describeLimit,
  formatCount,
  withLimits,
  type InputLimits,
} from '../../../src/core/limits.ts';
import { invalidUtf8Offset } from '../../../src/core/lines.ts';
import type { CanonicalMessageInput } from '../../../src/core/message.ts';
import type {
  Checkpoint,
  HistoryChat,
  HistoryEntry,
  HistoryProgress,
  HistorySource,
} from '../../../src/core/history.ts';
import { normalizeTelegramChatId } from './chat-id.ts';
import { convertTelegramMessage, TelegramMessageError, type TelegramChatContext } from './convert.ts';
import { indexTelegramExport, type ExportIndex, type IndexedChat } from './export-index.ts';
import { MessageArrayScanner, type ScannedMessage } from './message-scanner.ts';

/**
 * A Telegram Desktop "Export chat history" JSON export as a HistorySource: a single-chat export (its folder or its
 * result.json) or a full-account export, whose every chat is its own chat. Opening makes one fast index pass (chat
 * headers, byte ranges, counts); entries() then reads only the selected chats' message arrays, one message object
 * at a time.
 */

export interface TelegramExportOptions {
  /** chats to read, by export id, Bot API id or name; all chats when absent or empty */
  chats?: string[];
  /** read size in bytes; tests make it tiny so that every token crosses a chunk boundary somewhere */
  chunkSize?: number;
  /** counts the attachment bytes the import reads (maxImportAttachmentBytes); by default one of its own */
  budget?: AttachmentBudget;
  /** defaults: the configured limits; a message object past maxLineBytes is dead-lettered, never held whole */
  limits?: Partial<InputLimits>;
}

export interface TelegramExportSource extends HistorySource {
  /** operator-facing notes (refused attachment paths…); never message text */
  readonly warnings: readonly string[];
}

/** Where an entry ended; JSON-serializable, opaque to the core (a type, so that it is a Checkpoint as it is). */
type TelegramCheckpoint = {
  chatIndex: number;
  chatId: string;
  /** offset of the message object's `{`, to re-read it and check the file is the one the checkpoint came from */
  messageStart: number;
  /** offset just after the message object: reading resumes here */
  byteOffset: number;
  messageId: string;
  /** the message was past maxLineBytes and never read: a resume checks only that an object stands there */
  unread?: true;
};

interface ResolvedChat {
  indexed: IndexedChat;
  context: TelegramChatContext;
}

const CHUNK = 1 << 20;
// A checkpointed message is re-read to verify the file; no real message comes near this.
const MAX_CHECKED_MESSAGE_BYTES = 64 << 20;

export async function openTelegramExport(
  inputPath: string,
  options: TelegramExportOptions = {},
): Promise<TelegramExportSource> {
  const file = await resolveExportFile(inputPath);
  const label = file;
  const root = path.dirname(path.resolve(file));
  const totalBytes = (await stat(file)).size;
  const chunkSize = options.chunkSize ?? CHUNK;
  const index = await indexTelegramExport(file, chunkSize);
  if (index.shape === 'none') {
    if (index.problem) {
      throw new InputError(
        `${label}: not a readable Telegram export: ${index.problem.reason} at byte ${index.problem.offset}`,
      );
    }
    throw new InputError(
      `${label}: neither a Telegram chat export (a top-level "messages" array) nor a full-account export (a top-level "chats" list)`,
    );
  }
  const all = index.chats.map((chat) => resolveChat(chat, label));
  const selected = selectChats(all, options.chats ?? [], label);
  const limits = withLimits(options.limits);
  const budget = options.budget ?? new AttachmentBudget(limits.maxImportAttachmentBytes, label);
  const source = new TelegramExport(
    inputPath,
    file,
    label,
    root,
    totalBytes,
    index,
    selected,
    chunkSize,
    budget,
    limits.maxLineBytes,
  );
  for (const { indexed, context } of selected) {
    if (indexed.nameNotUtf8At !== undefined) {
      source.warnings.push(
        `${label}: the name of chat #${indexed.index + 1} (at byte ${indexed.nameNotUtf8At}) is not valid UTF-8; a chat created for it is named "${context.chatTitle}"`,
      );
    }
  }
  return source;
}

async function resolveExportFile(inputPath: string): Promise<string> {
  let info;
  try {
    info = await stat(inputPath);
  } catch {
    throw new InputError(`${inputPath}: no such file or folder`);
  }
  if (info.isDirectory()) {
    const file = path.join(inputPath, 'result.json');
    try {
      if ((await stat(file)).isFile()) return file;
    } catch {
      // reported below
    }
    throw new InputError(`${inputPath}: no result.json in this folder; point at a Telegram Desktop JSON export`);
  }
  // read as JSON it would fail at its first byte; say what it is and what to do instead
  const archive = await archiveKind(inputPath).catch(() => null);
  if (archive !== null) {
    throw new InputError(
      `${inputPath}: a ${archive} archive, not a Telegram export; unpack it and name the export's folder or its result.json`,
    );
  }
  return inputPath;
}

function resolveChat(chat: IndexedChat, label: string): ResolvedChat {
  if (chat.id === undefined) throw new InputError(`${label}: chat #${chat.index + 1} has no id`);
  let chatId: string;
  try {
    chatId = normalizeTelegramChatId(chat.id, chat.type);
  } catch {
    throw new InputError(`${label}: chat #${chat.index + 1} has an id that is not an integer`);
  }
  const chatTitle =
    typeof chat.name === 'string' && chat.name !== ''
      ? chat.name
      : chat.type === 'saved_messages'
        ? 'Saved Messages'
        : `Telegram chat ${chatId}`;
  return { indexed: chat, context: { chatId, chatTitle } };
}

function selectChats(all: ResolvedChat[], wanted: string[], label: string): ResolvedChat[] {
  if (wanted.length === 0) return all;
  const picked = new Set<ResolvedChat>();
  const unknown: string[] = [];
  for (const raw of wanted) {
    const selector = raw.trim();
    let matches = all.filter(
      (chat) => chat.indexed.id === selector || chat.context.chatId === selector || chat.indexed.name === selector,
    );
    if (matches.length === 0) {
      const folded = selector.toLocaleLowerCase();
      matches = all.filter(
        (chat) => typeof chat.indexed.name === 'string' && chat.indexed.name.toLocaleLowerCase() === folded,
      );
    }
    if (matches.length === 0) unknown.push(raw);
    for (const chat of matches) picked.add(chat);
  }
  if (unknown.length > 0) {
    const available = all
      .slice(0, 50)
      .map((chat) => `"${chat.context.chatTitle}" (${chat.context.chatId}, ${chat.indexed.type ?? 'unknown type'})`)
      .join(', ');
    const more = all.length > 50 ? ` and ${all.length - 50} more` : '';
    throw new InputError(
      `${label}: no chat matches --chat ${unknown.map((name) => JSON.stringify(name)).join(', ')}; available: ${available || 'none'}${more}`,
    );
  }
  // File order, whatever order the selectors came in: checkpoints rely on it.
  return all.filter((chat) => picked.has(chat));
}

class TelegramExport implements TelegramExportSource {
  readonly platform = 'telegram' as const;
  readonly warnings: string[] = [];
  private bytesRead = 0;
  private active: Readable | null = null;
  private closed = false;
  private realRoot: string | undefined;
  /** the export's folders found absent while reading it: their files are not looked up one by one */
  private readonly absentFolders = new Set<string>();

  constructor(
    readonly inputPath: string,
    private readonly file: string,
    private readonly label: string,
    private readonly root: string,
    private readonly totalBytes: number,
    private readonly index: ExportIndex,
    private readonly selected: ResolvedChat[],
    private readonly chunkSize: number,
    private readonly budget: AttachmentBudget,
    private readonly maxMessageBytes: number,
  ) {}

  get contentHash(): { file: string; sha256: string } {
    return { file: this.file, sha256: this.index.sha256 };
  }

  async chats(): Promise<HistoryChat[]> {
    return this.selected.map((chat) => ({
      platform: 'telegram',
      sourceChatId: chat.context.chatId,
      title: chat.context.chatTitle,
      expectedEntries: chat.indexed.messageCount,
    }));
  }

  progress(): HistoryProgress {
    return { bytesRead: this.bytesRead, totalBytes: this.totalBytes };
  }

  async *entries(options: { resumeAfter?: Checkpoint | null } = {}): AsyncIterable<HistoryEntry> {
    const resume = options.resumeAfter ? await this.checkResume(options.resumeAfter) : null;
    for (const chat of this.selected) {
      const { indexed } = chat;
      if (this.closed) return;
      if (resume && indexed.index < resume.chatIndex) continue;
      if (indexed.messagesStart === undefined) continue;
      const resuming = resume !== null && indexed.index === resume.chatIndex;
      const start = resuming ? resume.byteOffset : indexed.messagesStart + 1;
      // Throws where this chat's array is truncated or malformed, after the good entries before it.
      yield* this.readChat(chat, start, resuming ? resume.messageId : null);
    }
    // A structural problem outside the selected message arrays: everything readable has been yielded.
    const problem = this.index.problem;
    if (problem && !this.closed) {
      throw new InputError(
        `${this.label}: ${problem.truncated ? 'truncated' : 'malformed JSON'} at byte ${problem.offset}: ${problem.reason}`,
      );
    }
    this.bytesRead = this.totalBytes;
  }

  private async *readChat(
    chat: ResolvedChat,
    start: number,
    resumedAfterId: string | null,
  ): AsyncGenerator<HistoryEntry> {
    const { indexed, context } = chat;
    const scanner = new MessageArrayScanner(resumedAfterId === null ? 'first' : 'afterElement', this.maxMessageBytes);
    let lastId = resumedAfterId;
    const where = this.index.shape === 'full-account' ? ` in chat "${context.chatTitle}"` : '';
    // where a problem stands, for its message: built only when one is reported
    const described = (): string =>
      (lastId === null ? 'before the first message' : `after message id ${lastId}`) + where;
    const stream = createReadStream(this.file, {
      start,
      ...(indexed.messagesEnd !== undefined ? { end: indexed.messagesEnd } : {}),
      highWaterMark: this.chunkSize,
    });
    this.active = stream;
    let position = start;
    this.bytesRead = start;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        const base = position;
        const messages = scanner.feed(chunk, base);
        position += chunk.length;
        let group: unknown[] | null = null;
        for (let i = 0; i < messages.length; i++) {
          const scanned = messages[i]!;
          if (i % PARSE_GROUP === 0) group = parseGroup(chunk, base, messages, i);
          if (scanned.tooLong) {
            this.bytesRead = scanned.end;
            yield this.tooLong(scanned, indexed.index, context, described());
            if (this.closed) return;
            continue;
          }
          const raw = group !== null ? group[i % PARSE_GROUP] : this.parseAlone(scanned, described);
          if (raw === NOT_UTF8) {
            // never stored with U+FFFD in place of what it said: the message goes to the dead-letter queue
            this.bytesRead = scanned.end;
            yield this.notUtf8(scanned, indexed.index, context, described());
            if (this.closed) return;
            continue;
          }
          this.bytesRead = scanned.end;
          const checkpoint: TelegramCheckpoint = {
            chatIndex: indexed.index,
            chatId: context.chatId,
            messageStart: scanned.start,
            byteOffset: scanned.end,
            messageId: rawId(raw),
          };
          let message;
          try {
            message = convertTelegramMessage(raw, context);
          } catch (error) {
            if (!(error instanceof TelegramMessageError)) throw error;
            // Well-formed JSON the converter cannot use (no id, no date): the file around it is sound, so this one
            // entry goes to the dead-letter queue and the import goes on.
            yield {
              message: {
                platform: 'telegram',
                chatId: context.chatId,
                chatTitle: context.chatTitle,
              } as CanonicalMessageInput,
              checkpoint,
              problem: `${this.label}: unreadable message at byte ${scanned.start} ${described()}: ${error.message}`,
            };
            if (this.closed) return;
            continue;
          }
          lastId = message.messageId;
          // a new checkpoint object for each message: handed on as it is, never changed after
          yield { message, checkpoint };
          if (this.closed) return;
        }
        if (scanner.problem) {
          throw new InputError(
            `${this.label}: malformed JSON at byte ${scanner.problem.offset} ${described()}: ${scanner.problem.reason}`,
          );
        }
        if (scanner.done) break;
      }
    } catch (error) {
      // close() destroys the stream under us: that ends the entries, it is not a failure.
      if (this.closed) return;
      throw error;
    } finally {
      stream.destroy();
      if (this.active === stream) this.active = null;
    }
    if (!scanner.done && !this.closed) {
      const inside = scanner.insideElement ? ' inside a message' : '';
      throw new InputError(`${this.label}: truncated at byte ${position}${inside} ${described()}`);
    }
  }

  /** One message's JSON, or NOT_UTF8; malformed JSON ends the import, naming its byte. */
  private parseAlone(scanned: ScannedMessage, described: () => string): unknown {
    const source = decodeUtf8(scanned.bytes);
    if (source === null) return NOT_UTF8;
    try {
      return JSON.parse(source);
    } catch (error) {
      // V8's message quotes the offending text, which may be personal data: keep only the position.
      const offset = scanned.start + syntaxErrorByteOffset(error, source);
      throw new InputError(`${this.label}: malformed JSON at byte ${offset} ${described()}`);
    }
  }

  /** The problem entry of a message object past maxLineBytes: scanned past, never read, so it has no id. */
  private tooLong(
    scanned: { start: number; end: number },
    chatIndex: number,
    context: TelegramChatContext,
    position: string,
  ): HistoryEntry {
    const checkpoint: TelegramCheckpoint = {
      chatIndex,
      chatId: context.chatId,
      messageStart: scanned.start,
      byteOffset: scanned.end,
      messageId: '',
      unread: true,
    };
    return {
      message: { platform: 'telegram', chatId: context.chatId, chatTitle: context.chatTitle } as CanonicalMessageInput,
      checkpoint,
      problem: `${this.label}: message at byte ${scanned.start} ${position}: ${formatCount(scanned.end - scanned.start)} bytes exceeds ${describeLimit('maxLineBytes', this.maxMessageBytes)}`,
    };
  }

  /** The problem entry of a message whose bytes are not UTF-8, naming the file and the byte offsets. */
  private notUtf8(
    scanned: { start: number; end: number; bytes: Buffer },
    chatIndex: number,
    context: TelegramChatContext,
    position: string,
  ): HistoryEntry {
    let raw: unknown;
    try {
      // read as V8 would, only for the message id its checkpoint must name
      raw = JSON.parse(scanned.bytes.toString('utf8'));
    } catch {
      raw = null;
    }
    const invalidAt = scanned.start + invalidUtf8Offset(scanned.bytes);
    return {
      message: { platform: 'telegram', chatId: context.chatId, chatTitle: context.chatTitle } as CanonicalMessageInput,
      checkpoint: {
        chatIndex,
        chatId: context.chatId,
        messageStart: scanned.start,
        byteOffset: scanned.end,
        messageId: rawId(raw),
      },
      problem: `${this.label}: message at byte ${scanned.start} ${position}: not valid UTF-8 (at byte ${invalidAt})`,
    };
  }

  /** A checkpoint is trusted only when it points at the very message it names, in this same export. */
  private async checkResume(checkpoint: Checkpoint): Promise<TelegramCheckpoint> {
    const mismatch = (why: string): InputError =>
      new InputError(
        `${this.label}: the resume checkpoint does not match this export (${why}); start the import afresh`,
      );
    const { chatIndex, chatId, messageStart, byteOffset, messageId } = checkpoint;
    if (
      typeof chatIndex !== 'number' ||
      typeof chatId !== 'string' ||
      typeof messageStart !== 'number' ||
      typeof byteOffset !== 'number' ||
      typeof messageId !== 'string' ||
      !Number.isInteger(messageStart) ||
      !Number.isInteger(byteOffset)
    ) {
      throw mismatch('not a Telegram export checkpoint');
    }
    const chat = this.index.chats[chatIndex];
    if (!chat || chat.messagesStart === undefined) throw mismatch('no such chat');
    const expectedId = normalizeTelegramChatId(chat.id ?? '0', chat.type);
    if (expectedId !== chatId) throw mismatch('another chat');
    const end = chat.messagesEnd ?? this.totalBytes;
    const length = byteOffset - messageStart;
    const unread = checkpoint['unread'] === true;
    if (
      messageStart <= chat.messagesStart ||
      byteOffset > end ||
      length < 2 ||
      (!unread && length > MAX_CHECKED_MESSAGE_BYTES)
    ) {
      throw mismatch('offset outside the chat');
    }
    if (unread) {
      // a message too long to read was never parsed: an object must stand there, its braces at both ends
      if ((await this.byteAt(messageStart)) !== 0x7b || (await this.byteAt(byteOffset - 1)) !== 0x7d)
        throw mismatch('no message at the offset');
      return { chatIndex, chatId, messageStart, byteOffset, messageId, unread: true };
    }
    const handle = await open(this.file, 'r');
    let bytes: Buffer;
    try {
      bytes = Buffer.alloc(length);
      const { bytesRead } = await handle.read(bytes, 0, length, messageStart);
      if (bytesRead !== length) throw mismatch('the file is shorter');
    } finally {
      await handle.close();
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw mismatch('no message at the offset');
    }
    if (typeof parsed !== 'object' || parsed === null || rawId(parsed) !== messageId)
      throw mismatch('another message at the offset');
    return { chatIndex, chatId, messageStart, byteOffset, messageId };
  }

  private async byteAt(offset: number): Promise<number | undefined> {
    const handle = await open(this.file, 'r');
    try {
      const one = Buffer.alloc(1);
      const { bytesRead } = await handle.read(one, 0, 1, offset);
      return bytesRead === 1 ? one[0] : undefined;
    } finally {
      await handle.close();
    }
  }

  describeEntry(checkpoint: Checkpoint): string {
    const start = checkpoint['messageStart'];
    const at = typeof start === 'number' ? ` at byte ${start}` : '';
    const id = checkpoint['messageId'];
    return `${this.label}: message${at}${typeof id === 'string' && id !== '' ? ` (id ${id})` : ''}`;
  }

  async openAttachment(sourcePath: string): Promise<Readable | null> {
    const relative = sourcePath.replace(/\\/g, '/');
    if (
      relative === '' ||
      relative.includes('\0') ||
      path.posix.isAbsolute(relative) ||
      /^[A-Za-z]:/.test(relative) ||
      relative.split('/').includes('..')
    ) {
      this.warnings.push('refused an attachment path that leaves the export folder');
      return null;
    }
    const full = path.resolve(this.root, relative);
    const folder = path.dirname(full);
    if (this.absentFolders.has(folder)) return null;
    // Most referenced files an export lacks are simply absent: say so without an exception (creating one per
    // missing file cost more than the rest of reading the message). A dangling link is absent too.
    try {
      if (!statSync(full, { throwIfNoEntry: false })) {
        // a whole folder absent (result.json copied alone, the media not exported) is looked up once, not per file
        if (!statSync(folder, { throwIfNoEntry: false })) this.absentFolders.add(folder);
        return null;
      }
    } catch {
      return null; // ENOTDIR, EACCES…: no file to read either
    }
    let real: string;
    let realRoot: string;
    try {
      this.realRoot ??= await realpath(this.root);
      realRoot = this.realRoot;
      real = await realpath(full);
    } catch {
      return null;
    }
    // A symbolic link inside the export must not lead out of it either.
    if (!real.startsWith(realRoot + path.sep)) {
      this.warnings.push('refused an attachment path that leaves the export folder');
      return null;
    }
    try {
      if (!(await stat(real)).isFile()) return null;
    } catch {
      return null;
    }
    return this.budget.meter(createReadStream(real), relative);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.active?.destroy();
    this.active = null;
  }
}

/**
 * A message's bytes as a string, or null when they are not UTF-8 (never a silent U+FFFD). Faster than
 * `toString('utf8')`, whose UTF-8 decoding (V8, Node 20) was a large share of reading an export of Cyrillic text
 * (docs/benchmarks.md); ICU's converter into UTF-16 is faster, and ASCII needs no decoding.
 */
function decodeUtf8(bytes: Buffer): string | null {
  if (isAscii(bytes)) return bytes.toString('latin1');
  if (!isUtf8(bytes)) return null;
  return transcode(bytes, 'utf8', 'utf16le').toString('utf16le');
}

/** Messages parsed together: one decoding and one JSON.parse for a group costs less than one for each message. */
const PARSE_GROUP = 32;
const NOT_UTF8 = Symbol('not UTF-8');

/**
 * The messages `from` to `from + PARSE_GROUP` of a chunk, parsed as one JSON array, or null when the group must be
 * read message by message (one of them spans chunks or is too long, is not UTF-8 or not JSON), so that a bad message
 * is found and reported exactly as alone. Between the scanner's elements there are only commas and whitespace, so
 * the bytes from the first one's start to the last one's end, in brackets, are an array of the same elements.
 */
function parseGroup(chunk: Buffer, base: number, messages: readonly ScannedMessage[], from: number): unknown[] | null {
  const to = Math.min(from + PARSE_GROUP, messages.length);
  if (messages[from]!.start < base) return null;
  for (let k = from; k < to; k++) if (messages[k]!.tooLong) return null;
  const source = decodeUtf8(chunk.subarray(messages[from]!.start - base, messages[to - 1]!.end - base));
  if (source === null) return null;
  try {
    const list: unknown = JSON.parse(`[${source}]`);
    return Array.isArray(list) && list.length === to - from ? list : null;
  } catch {
    return null;
  }
}

/** The id a checkpoint records: the message's own, or '' for a message without one (a problem entry). */
function rawId(raw: unknown): string {
  const id = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)['id'] : undefined;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : '';
}

/** V8 reports "… at position N" (a UTF-16 index into the parsed string); turn it into a byte count. */
function syntaxErrorByteOffset(error: unknown, source: string): number {
  const match = error instanceof Error ? /position (\d+)/.exec(error.message) : null;
  if (!match?.[1]) {
    // "Unexpected end of JSON input" and the like: the problem is at the end.
    return Buffer.byteLength(source);
  }
  return Buffer.byteLength(source.slice(0, Number(match[1])));
}
