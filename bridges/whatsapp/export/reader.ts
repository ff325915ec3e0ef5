import { createHash } from 'node:crypto';
import { basename, extname } from 'node:path';
import type { Readable } from 'node:stream';
import { InputError, UsageError } from '../../../src/core/errors.ts';
import {
  AttachmentBudget,
  describeLimit,
  formatCount,
  withLimits,
  type InputLimits,
} from '../../../src/core/limits.ts';
import { decodeUtf8Strict, invalidUtf8Offset, LineSplitter, type Line } from '../../../src/core/lines.ts';
import type {
  Checkpoint,
  HistoryChat,
  HistoryEntry,
  HistoryProgress,
  HistorySource,
} from '../../../src/core/history.ts';
import type { CanonicalMessageInput } from '../../../src/core/message.ts';
import {
  DATE_ORDERS,
  DateOrderEvidence,
  assertTimeZone,
  isDateOrder,
  latestPossibleYear,
  localToUtcIso,
  toLocalDateTime,
} from './date-order.ts';
import type { AmbiguousDate, DateOrder } from './date-order.ts';
import { isPlainFileName, openExportContainer } from './export-container.ts';
import type { ExportContainer } from './export-container.ts';
import { cleanLine, parseHeaderLine } from './line-format.ts';
import type { HeaderLayout, HeaderLine } from './line-format.ts';
import { MessageIdAssigner } from './message-id.ts';
import { classifyEntryBody, matchEncryptionNotice, wordingLanguage } from './system-lines.ts';
import type { AttachmentRef } from './system-lines.ts';

export interface WhatsAppExportOptions {
  chatName?: string;
  /** the id a live WhatsApp bridge knows (`120363025246125486@g.us`, `77011234567@c.us`) */
  chatId?: string;
  dateFormat?: DateOrder;
  /** the year of the first message, for an export whose dates write none (`18 Mar 12:14`) */
  year?: number;
  /** IANA zone the export's local times are read in; defaults to the machine's */
  timezone?: string;
  /** defaults: the configured limits */
  limits?: Partial<InputLimits>;
  /** counts the attachment bytes the import reads (maxImportAttachmentBytes); by default one of its own */
  budget?: AttachmentBudget;
}

export interface WhatsAppHistorySource extends HistorySource {
  readonly chatId: string;
  readonly title: string;
  /** the zone used, to be recorded on the run */
  readonly timezone: string;
  readonly dateOrder: DateOrder;
  /** what the operator should know but that does not stop the import (refused zip entries…) */
  warnings(): string[];
}

/** A checkpoint of this reader: entries before `entryIndex` were delivered; `line` is where the last one ended. */
export interface WhatsAppCheckpoint extends Checkpoint {
  entryIndex: number;
  line: number;
}

interface RawEntry {
  /** null for a line before the first message (a page number, a title): it is only ever a problem */
  header: HeaderLine | null;
  /** 1-based line of the header */
  line: number;
  endLine: number;
  /** the body as written, continuation lines joined with \n */
  body: string;
  /** why the entry cannot be taken (a line past maxLineBytes or not UTF-8), naming the file and line */
  problem: string | null;
}

/** A line of the export as text; `problem` says why it cannot be trusted (then `text` only serves to tell its kind). */
interface TextLine {
  text: string;
  problem: string | null;
  /** the line's length in bytes as read (without its line break) */
  bytes: number;
}

const TITLE_PATTERNS = [
  /^WhatsApp Chat with\s+(.+)$/iu,
  /^WhatsApp Chat\s+-\s+(.+)$/iu,
  /^Чат WhatsApp с\s+(?:контактом\s+|группой\s+)?(.+)$/iu,
  /^WhatsApp чат\s+(.+)$/iu,
];

/** The chat's name from WhatsApp's file naming (`WhatsApp Chat with X.txt`, iOS `WhatsApp Chat - X.zip`…). */
export function chatTitleFromFileName(fileName: string): string | null {
  const stem = basename(fileName)
    .replace(/\.(txt|zip)$/iu, '')
    .replace(/\s\(\d+\)$/u, '');
  for (const pattern of TITLE_PATTERNS) {
    const title = pattern.exec(stem)?.[1]?.trim();
    if (title) return title;
  }
  return null;
}

/** A sender written as a phone number (`+7 701 234 56 78`) is identified by its digits, as a live bridge does. */
export function senderOf(author: string): { id: string; name: string } {
  if (/^\+?[\d\s\-().]+$/u.test(author)) {
    const digits = author.replace(/\D/g, '');
    if (digits.length >= 7 && digits.length <= 15) return { id: digits, name: author };
  }
  return { id: `name:${author}`, name: author };
}

export function derivedChatId(title: string): string {
  return `export:${createHash('sha256').update(title).digest('hex').slice(0, 16)}`;
}

function resumeIndexOf(checkpoint: Checkpoint | null | undefined, label: string): number {
  if (checkpoint === null || checkpoint === undefined) return 0;
  const index = checkpoint['entryIndex'];
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0) {
    throw new InputError(`${label}: the checkpoint to resume from is not one of the WhatsApp export reader's`);
  }
  return index;
}

/**
 * The export's lines, a chunk's at a time (one step of the async iteration for hundreds of lines), split on LF,
 * CR LF or a lone CR as Node's readline splits them (message ids derive from the text, so the same export must give
 * the same lines as before). A line past maxLineBytes is streamed past, not kept
 * (its first bytes tell whether it starts a message); a line that is not UTF-8 is marked, never read with U+FFFD.
 */
async function* readLines(
  stream: Readable,
  label: string,
  maxLineBytes: number,
  onBytes: (count: number) => void,
): AsyncGenerator<TextLine[]> {
  const splitter = new LineSplitter({ maxBytes: maxLineBytes, crEndsLine: true });
  const asText = (line: Line): TextLine =>
    textLine(line.bytes, line.head, line.length, line.number, label, maxLineBytes);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      onBytes(chunk.length);
      yield splitter.push(chunk).map(asText);
    }
    yield splitter.end().map(asText);
  } catch (error) {
    // the zip container names the entry and what is wrong with it already
    if (error instanceof InputError) throw error;
    // A truncated or corrupt zip entry fails mid-stream (zlib, size checks): the operator needs the file, not a stack.
    throw new InputError(`${label}: the export could not be read to its end (${(error as Error).message})`, {
      cause: error,
    });
  } finally {
    stream.destroy();
  }
}

function textLine(
  bytes: Buffer | null,
  head: Buffer | null,
  length: number,
  number: number,
  label: string,
  maxLineBytes: number,
): TextLine {
  if (bytes === null) {
    return {
      text: (head ?? Buffer.alloc(0)).toString('utf8'),
      problem: `${label}, line ${number}: ${formatCount(length)} bytes exceeds ${describeLimit('maxLineBytes', maxLineBytes)}`,
      bytes: length,
    };
  }
  const text = decodeUtf8Strict(bytes);
  if (text !== null) return { text, problem: null, bytes: bytes.length };
  return {
    text: bytes.toString('utf8'),
    problem: `${label}, line ${number}: not valid UTF-8 (byte ${formatCount(invalidUtf8Offset(bytes) + 1)} of the line)`,
    bytes: bytes.length,
  };
}

/**
 * Groups lines into entries: a header starts one, any other line continues it. A non-blank line before the
 * first header (a page number, a title, a sentence pasted above the export) is an entry of its own with a
 * problem naming its line, never its text; blank lines there are skipped. An entry whose lines together pass maxLineBytes keeps no more of them: it is refused as a line past it would be.
 * A phone writes every date of an export alike, so a line with the month in words (`15 января 10:00 - …`) starts
 * an entry only in a file whose first message line writes its month in words too; elsewhere it is typed text.
 */
async function* scanEntries(
  lines: AsyncIterable<TextLine[]>,
  label: string,
  maxLineBytes: number,
): AsyncGenerator<RawEntry[]> {
  const entries = new EntryAssembler(label, maxLineBytes);
  for await (const batch of lines) {
    // the entries a chunk's lines complete, handed on together (the last one may go on in the next chunk)
    const done: RawEntry[] = [];
    for (const line of batch) entries.add(line, done);
    if (done.length > 0) yield done;
  }
  const last = entries.end();
  if (last) yield [last];
}

/** An entry while its lines come in. */
interface OpenEntry {
  header: HeaderLine;
  line: number;
  endLine: number;
  parts: string[];
  bytes: number;
  problem: string | null;
}

/** Assembles entries line by line (see scanEntries). */
class EntryAssembler {
  private current: OpenEntry | null = null;
  private number = 0;
  private wordedMonths: boolean | null = null;

  constructor(
    private readonly label: string,
    private readonly maxLineBytes: number,
  ) {}

  /** Takes the next line; an entry it completes goes to `done`. */
  add({ text: raw, problem, bytes }: TextLine, done: RawEntry[]): void {
    const number = ++this.number;
    let header = parseHeaderLine(raw);
    if (header && this.wordedMonths === null) this.wordedMonths = header.fixedOrder;
    else if (header?.fixedOrder && !this.wordedMonths) header = null;
    const current = this.current;
    if (header) {
      if (current) done.push(finish(current));
      this.current = { header, line: number, endLine: number, parts: [header.body], bytes, problem };
      return;
    }
    if (current === null) {
      if (
        cleanLine(raw)
          .replace(/\uFEFF/g, '')
          .trim() === ''
      )
        return;
      done.push({
        header: null,
        line: number,
        endLine: number,
        body: '',
        problem: `${this.label}, line ${number}: not a WhatsApp export line (no date and time at its start, and no message before it to continue)`,
      });
      return;
    }
    current.endLine = number;
    if (current.problem) return;
    current.problem = problem;
    current.bytes += bytes + 1;
    if (current.bytes > this.maxLineBytes && !current.problem) {
      current.problem = `${this.label}, lines ${current.line}–${number}: the message's lines exceed ${describeLimit('maxLineBytes', this.maxLineBytes)} together`;
    }
    if (current.problem) current.parts = [];
    else current.parts.push(cleanLine(raw));
  }

  /** The last entry, once the lines have ended. */
  end(): RawEntry | null {
    return this.current ? finish(this.current) : null;
  }
}

function finish(entry: OpenEntry): RawEntry {
  const parts = entry.parts;
  // The export's last line ends with a newline, and some tools add blank lines; they are not content.
  while (parts.length > 1 && parts[parts.length - 1]?.trim() === '') parts.pop();
  return {
    header: entry.header,
    line: entry.line,
    endLine: entry.endLine,
    body: entry.problem ? '' : parts.join('\n'),
    problem: entry.problem,
  };
}

/**
 * Opens a WhatsApp "Export chat" .txt or .zip as a history source. Reads the text once up front to decide the
 * date order and count entries (exports are small enough to read twice), so an undecidable file stops before
 * anything is delivered.
 */
export async function openWhatsAppExport(
  path: string,
  options: WhatsAppExportOptions = {},
): Promise<WhatsAppHistorySource> {
  const timezone = options.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  try {
    assertTimeZone(timezone);
  } catch (error) {
    throw new UsageError(`unknown time zone "${timezone}": pass an IANA zone such as Asia/Almaty`, { cause: error });
  }
  if (options.dateFormat !== undefined && !isDateOrder(options.dateFormat)) {
    throw new UsageError(`--date-format must be one of ${DATE_ORDERS.join(', ')}`);
  }
  if (options.year !== undefined && !(Number.isInteger(options.year) && options.year >= 2009 && options.year <= 2100)) {
    throw new UsageError('--year must be a four-digit year from 2009 on');
  }

  const limits = withLimits(options.limits);
  const container = await openExportContainer(path, limits);
  try {
    const evidence = new DateOrderEvidence({ latestYear: latestPossibleYear(Date.now()) });
    const authors = new Set<string>();
    let entryCount = 0;
    let messageLines = 0;
    let firstYearless: number | null = null;
    let noticeAuthor: string | null = null;
    // what the first pass learns from each entry
    const survey = (entry: RawEntry): void => {
      entryCount++;
      if (entry.header === null) return;
      messageLines++;
      evidence.add(entry.header.dateFields, entry.line, entry.header.fixedOrder);
      if (firstYearless === null && entry.header.fixedOrder && entry.header.dateFields[0] === '') {
        firstYearless = entry.line;
      }
      const author = entry.header.author;
      if (entry.problem === null && LANGUAGE_LAYOUTS.has(entry.header.layout)) {
        const language = wordingLanguage({ author, body: entry.body });
        if (language !== null) evidence.addLanguage(language);
      }
      if (author !== null && entry.problem === null) {
        authors.add(author);
        // iOS writes the encryption notice as a line from the chat's name: the best title after the file's name.
        if (noticeAuthor === null && matchEncryptionNotice(entry.body.split('\n', 1)[0] ?? '') !== null) {
          noticeAuthor = author;
        }
      }
    };
    const lines = readLines(await container.openText(), container.label, limits.maxLineBytes, () => {});
    for await (const entries of scanEntries(lines, container.label, limits.maxLineBytes)) entries.forEach(survey);
    if (messageLines === 0) {
      throw new InputError(
        `${container.label}: no WhatsApp message line in the file (no line starts with a date and a time)`,
      );
    }
    if (firstYearless !== null && options.year === undefined) {
      throw new UsageError(
        `${container.label}, line ${firstYearless}: the dates write no year; pass --year <yyyy> (the year of the first message)`,
      );
    }
    const title =
      options.chatName?.trim() ||
      chatTitleFromFileName(container.textName) ||
      chatTitleFromFileName(path) ||
      noticeAuthor ||
      basename(path, extname(path));
    const chatId = options.chatId?.trim() || derivedChatId(title);

    let dateOrder: DateOrder;
    if (options.dateFormat !== undefined) {
      dateOrder = options.dateFormat;
    } else {
      const decision = evidence.decide();
      if (decision.kind === 'undecidable') {
        throw new UsageError(
          `${container.label}: the date order cannot be decided from the file (no date rules out all orders but one, the dates advance alike under those left, and no language marker settles it)${readingsOf(decision.orders, decision.first)}; pass --date-format DMY|MDY|YMD`,
        );
      }
      if (decision.kind === 'conflict') {
        const lines = decision.evidence
          .map((item) => `line ${item.line} reads only as ${item.orders.join(' or ')}`)
          .join(', ');
        throw new InputError(
          `${container.label}: the dates contradict each other (${lines}); check the file, or pass --date-format DMY|MDY|YMD`,
        );
      }
      dateOrder = decision.order;
    }
    const budget = options.budget ?? new AttachmentBudget(limits.maxImportAttachmentBytes, path);
    return new WhatsAppExportSource(path, container, {
      title,
      chatId,
      timezone,
      dateOrder,
      year: options.year ?? null,
      entryCount,
      authors,
      limits,
      budget,
    });
  } catch (error) {
    await container.close();
    throw error;
  }
}

/**
 * The layouts whose dates an Android phone writes in the locale of its language, so that WhatsApp's own words in
 * the file tell the date order. iOS writes dates in the phone's region whatever its language (a Russian-language
 * iPhone set to the US writes `3/27/22`), and the colon layout is older iOS's too: their words tell nothing.
 */
const LANGUAGE_LAYOUTS: ReadonlySet<HeaderLayout> = new Set(['android', 'android-time-first', 'android-worded']);

const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** What each remaining order makes of the first ambiguous date (a date is not personal data). */
function readingsOf(orders: readonly DateOrder[], first: AmbiguousDate): string {
  const readings = orders.flatMap((order) => {
    const local = toLocalDateTime({ dateFields: first.fields, hour: 0, minute: 0, second: 0, meridiem: null }, order);
    return local ? [`${order} reads it as ${local.day} ${MONTH_NAMES[local.month - 1]} ${local.year}`] : [];
  });
  const possible = `${orders.slice(0, -1).join(', ')} and ${orders[orders.length - 1]}`;
  return `: the orders still possible are ${possible}; the first ambiguous date, on line ${first.line}, is ${first.fields.join('/')}: ${readings.join(', ')}`;
}

/**
 * The year of each date that writes none: --year for the first, then one more each time the month goes back
 * (December → January). Every entry passes through it in file order, skipped ones too, so a resumed run counts
 * the same years.
 */
class YearlessCalendar {
  private lastMonth = 0;
  private year: number | undefined;

  constructor(year: number | null) {
    this.year = year ?? undefined;
  }

  yearOf(header: HeaderLine): number | undefined {
    if (this.year === undefined || !header.fixedOrder || header.dateFields[0] !== '') return this.year;
    const month = Number(header.dateFields[1]);
    if (month < this.lastMonth) this.year++;
    this.lastMonth = month;
    return this.year;
  }
}

class WhatsAppExportSource implements WhatsAppHistorySource {
  readonly platform = 'whatsapp' as const;
  readonly title: string;
  readonly chatId: string;
  readonly timezone: string;
  readonly dateOrder: DateOrder;
  /** the year of the first yearless date (--year); later ones advance it when the month goes back */
  private readonly year: number | null;
  private readonly entryCount: number;
  private readonly authors: ReadonlySet<string>;
  private readonly limits: InputLimits;
  private readonly budget: AttachmentBudget;
  private bytesRead = 0;

  constructor(
    readonly inputPath: string,
    private readonly container: ExportContainer,
    facts: {
      title: string;
      chatId: string;
      timezone: string;
      dateOrder: DateOrder;
      year: number | null;
      entryCount: number;
      authors: ReadonlySet<string>;
      limits: InputLimits;
      budget: AttachmentBudget;
    },
  ) {
    this.title = facts.title;
    this.chatId = facts.chatId;
    this.timezone = facts.timezone;
    this.dateOrder = facts.dateOrder;
    this.year = facts.year;
    this.entryCount = facts.entryCount;
    this.authors = facts.authors;
    this.limits = facts.limits;
    this.budget = facts.budget;
  }

  async chats(): Promise<HistoryChat[]> {
    return [{ platform: 'whatsapp', sourceChatId: this.chatId, title: this.title, expectedEntries: this.entryCount }];
  }

  progress(): HistoryProgress {
    return { bytesRead: this.bytesRead, totalBytes: this.container.textSize };
  }

  warnings(): string[] {
    return this.container.warnings();
  }

  describeEntry(checkpoint: Checkpoint): string {
    return `${this.container.label}, the message ending at line ${String(checkpoint['line'])}`;
  }

  async openAttachment(sourcePath: string): Promise<Readable | null> {
    const bytes = await this.container.openAttachment(sourcePath);
    return bytes && this.budget.meter(bytes, sourcePath);
  }

  close(): Promise<void> {
    return this.container.close();
  }

  async *entries(options: { resumeAfter?: Checkpoint | null } = {}): AsyncIterable<HistoryEntry> {
    const label = this.container.label;
    const resumeIndex = resumeIndexOf(options.resumeAfter, label);
    const ids = new MessageIdAssigner();
    this.bytesRead = 0;
    const maxLineBytes = this.limits.maxLineBytes;
    const lines = readLines(await this.container.openText(), label, maxLineBytes, (count) => {
      this.bytesRead += count;
    });
    let index = 0;
    const years = new YearlessCalendar(this.year);
    for await (const entries of scanEntries(lines, label, maxLineBytes))
      for (const entry of entries) {
        const header = entry.header;
        if (header === null || entry.problem !== null) {
          // an unreadable entry's date still counts towards the year of yearless dates after it
          if (header !== null) years.yearOf(header);
          index++;
          if (index <= resumeIndex) continue;
          // its text is not kept (too long, not UTF-8, or no message at all): it has no id, only its place in the file
          const message = { platform: 'whatsapp', chatId: this.chatId, chatTitle: this.title } as CanonicalMessageInput;
          yield {
            message,
            checkpoint: { entryIndex: index, line: entry.endLine } satisfies WhatsAppCheckpoint,
            problem: entry.problem ?? `${label}, line ${entry.line}: not a WhatsApp export line`,
          };
          continue;
        }
        const local = toLocalDateTime(header, this.dateOrder, years.yearOf(header));
        if (local === null) {
          throw new InputError(
            `${label}, line ${entry.line}: the date or time at the start of the line does not exist when read as ${this.dateOrder}`,
          );
        }
        const sentAt = localToUtcIso(local, this.timezone);
        const author = header.author;
        const person = author === null ? null : senderOf(author);
        // Every entry gets its id, skipped or not: an occurrence index counts the skipped twins too.
        const messageId = ids.next({ chatId: this.chatId, sentAt, sender: person?.id ?? '', text: entry.body });
        index++;
        if (index <= resumeIndex) continue;
        const converted = this.toMessage(entry, header, { messageId, sentAt, person });
        // most lines refer to no file: only those wait for the export to be asked about theirs
        const message = converted instanceof Promise ? await converted : converted;
        const checkpoint: WhatsAppCheckpoint = { entryIndex: index, line: entry.endLine };
        yield { message, checkpoint };
      }
  }

  /** The entry as a canonical message; a promise only when it refers to files whose presence must be looked up. */
  private toMessage(
    entry: RawEntry,
    header: HeaderLine,
    facts: { messageId: string; sentAt: string; person: { id: string; name: string } | null },
  ): CanonicalMessageInput | Promise<CanonicalMessageInput> {
    const classified = classifyEntryBody(
      { style: header.style, author: header.author, body: entry.body, bodyMarked: header.bodyMarked },
      { knownNames: this.authors },
    );
    if (classified.kind === 'service') {
      return {
        platform: 'whatsapp',
        chatId: this.chatId,
        messageId: facts.messageId,
        chatTitle: this.title,
        sentAt: facts.sentAt,
        kind: 'service',
        // A system line is WhatsApp's, even when iOS writes it as a line from the chat's name.
        sender: classified.system ? null : facts.person,
        text: classified.text,
        service: classified.service,
      };
    }
    // one literal, not a spread of the fields both kinds share: this runs for every line of the export
    const message = (attachments: (AttachmentRef & { size?: number })[]): CanonicalMessageInput => ({
      platform: 'whatsapp',
      chatId: this.chatId,
      messageId: facts.messageId,
      chatTitle: this.title,
      sentAt: facts.sentAt,
      kind: 'message',
      sender: facts.person,
      text: classified.content.text,
      attachments,
      extra: classified.content.extra,
    });
    const refs = classified.content.attachments;
    if (refs.every((attachment) => attachment.sourcePath === undefined)) return message(refs);
    return Promise.all(refs.map((attachment) => this.locate(attachment))).then(message);
  }

  /** An attached file is present only if the export holds its bytes; otherwise it is a reference to missing bytes. */
  private async locate(attachment: AttachmentRef): Promise<AttachmentRef & { size?: number }> {
    if (attachment.sourcePath === undefined) return attachment;
    if (!isPlainFileName(attachment.sourcePath)) {
      // A reference with a path in it (`../x`) is kept as a name only, so nothing downstream can follow it.
      const { sourcePath: _unsafe, ...rest } = attachment;
      return { ...rest, missing: true };
    }
    const size = await this.container.attachmentSize(attachment.sourcePath);
    return size === null ? { ...attachment, missing: true } : { ...attachment, missing: false, size };
  }
}
