/**
 * Office documents read inside their zip, in this process, nothing written to disk: DOCX (WordprocessingML), XLSX
 * (SpreadsheetML) and ODT/ODS (OpenDocument). Only the entries that hold a document's text are opened; each is
 * streamed from yauzl's inflater into the saxes SAX parser, so a large sheet is never one string. A zip bomb (a small
 * file that unpacks to gigabytes) is stopped by counting every byte inflated, and every character of text produced,
 * against one limit; the extract job's deadline is checked as the bytes come.
 * A reason names the limit or the kind of fault, never the document's content.
 */
import path from 'node:path';
import { SaxesParser } from 'saxes';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import type { ExtractedPage } from './extract.ts';

export interface OfficeLimits {
  /** bytes inflated from all entries read together, and characters of text produced (the extractor: maxBytes × 20) */
  maxUnpacked: number;
  /** Date.now() past which reading stops */
  deadline: number;
  /** the whole file's time limit, as the reason names it */
  timeoutMs: number;
}

/** The document was not read, and why; the extractor records the message as the file's uninspected reason. */
export class OfficeUninspected extends Error {}

const UNREADABLE = 'an unreadable office document';
const NOT_OFFICE = 'a zip archive that is not a DOCX, XLSX or ODT document';

/** The entries that may be read (names lower-cased: OOXML part names are case-insensitive); no other is opened. */
const KNOWN =
  /^(?:word\/(?:document|header\d*|footer\d*|footnotes|endnotes|comments)\.xml|xl\/(?:workbook\.xml|_rels\/workbook\.xml\.rels|sharedstrings\.xml|worksheets\/[^/]+\.xml)|content\.xml|styles\.xml)$/;
const WORKSHEET = /^xl\/worksheets\/[^/]+\.xml$/;

/** The text of the office document at `file`, page by page: a sheet is a page, a text document is one page. */
export async function readOffice(file: string, limits: OfficeLimits): Promise<Omit<ExtractedPage, 'words'>[]> {
  const budget = new Budget(limits);
  let zip: ZipFile | undefined;
  try {
    zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false });
    const archive = new Archive(zip, await knownEntries(zip, budget), budget);
    const pages = await readDocument(archive);
    return pages.map((text, k) => ({ page: k + 1, text, ocr: false }));
  } catch (error) {
    // yauzl's, zlib's and saxes' errors alike: the file's fault, reported without its content
    throw error instanceof OfficeUninspected ? error : new OfficeUninspected(UNREADABLE);
  } finally {
    zip?.close();
  }
}

async function readDocument(archive: Archive): Promise<string[]> {
  if (archive.has('word/document.xml')) return readWord(archive);
  if (archive.has('xl/workbook.xml') || archive.names(WORKSHEET).length > 0) return readWorkbook(archive);
  if (archive.has('content.xml')) return readOpenDocument(archive);
  throw new OfficeUninspected(NOT_OFFICE);
}

/** What reading may spend: bytes inflated, characters produced (one limit for both) and time. */
class Budget {
  private inflated = 0;
  private produced = 0;

  constructor(private readonly limits: OfficeLimits) {}

  /** An entry declaring more than the whole limit is refused before a byte of it is inflated. */
  declared(bytes: number): void {
    if (bytes > this.limits.maxUnpacked) throw this.tooLarge();
  }

  inflate(bytes: number): void {
    this.inflated += bytes;
    if (this.inflated > this.limits.maxUnpacked) throw this.tooLarge();
    this.checkTime();
  }

  /** Charged before the text is built: a shared string used a million times, or "this row 10⁹ times", is a bomb too. */
  produce(chars: number): void {
    this.produced += chars;
    if (this.produced > this.limits.maxUnpacked) throw this.tooLarge();
  }

  /** Past the deadline, as the extractor's tools report it. */
  checkTime(): void {
    if (Date.now() >= this.limits.deadline)
      throw new OfficeUninspected(`timed out: the limit is ${this.limits.timeoutMs} ms`);
  }

  private tooLarge(): OfficeUninspected {
    return new OfficeUninspected(`too large when unpacked: the limit is ${this.limits.maxUnpacked} bytes`);
  }
}

/** The archive's known entries by lower-cased name; the central directory is walked, no entry opened. */
function knownEntries(zip: ZipFile, budget: Budget): Promise<Map<string, Entry>> {
  return new Promise((resolve, reject) => {
    const found = new Map<string, Entry>();
    zip.on('entry', (entry: Entry) => {
      const name = entry.fileName.toLowerCase();
      if (KNOWN.test(name)) found.set(name, entry);
      try {
        budget.checkTime();
        zip.readEntry();
      } catch (error) {
        reject(error);
      }
    });
    zip.once('end', () => resolve(found));
    zip.once('error', reject);
    zip.readEntry();
  });
}

/** A SAX handler; names are local (the prefix dropped), so a producer's choice of prefixes does not matter. */
interface XmlHandler {
  open(name: string, attributes: Record<string, string>): void;
  close(name: string): void;
  text(text: string): void;
}

class Archive {
  constructor(
    private readonly zip: ZipFile,
    private readonly entries: Map<string, Entry>,
    readonly budget: Budget,
  ) {}

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Known entries whose names match, in the order of the number in their names (sheet2 before sheet10). */
  names(pattern: RegExp): string[] {
    return [...this.entries.keys()].filter((name) => pattern.test(name)).sort(byNumber);
  }

  /** Streams the entry's XML into `handler`, chunk by chunk as it inflates; broken XML throws. */
  async parse(name: string, handler: XmlHandler): Promise<void> {
    const entry = this.entries.get(name);
    if (!entry) return;
    this.budget.declared(entry.uncompressedSize);
    this.budget.checkTime();
    const parser = saxParser(handler);
    const decoder = new TextDecoder('utf-8');
    const stream = await this.zip.openReadStreamPromise(entry);
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        this.budget.inflate(chunk.length);
        parser.write(decoder.decode(chunk, { stream: true }));
      }
      parser.write(decoder.decode());
      parser.close();
    } finally {
      stream.destroy();
    }
  }
}

type Options = { xmlns: false; position: false };

function saxParser(handler: XmlHandler): SaxesParser<Options> {
  // no error handler: saxes then throws from write(), which ends the entry's reading
  const parser = new SaxesParser<Options>({ xmlns: false, position: false });
  parser.on('opentag', (tag) => handler.open(localName(tag.name), tag.attributes));
  parser.on('closetag', (tag) => handler.close(localName(tag.name)));
  parser.on('text', (text) => handler.text(text));
  parser.on('cdata', (text) => handler.text(text));
  return parser;
}

function localName(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}

/** An attribute by its local name, whatever prefix the producer bound its namespace to. */
function attribute(attributes: Record<string, string>, local: string): string | undefined {
  for (const name in attributes) if (localName(name) === local) return attributes[name];
  return undefined;
}

function byNumber(a: string, b: string): number {
  const number = (name: string) => Number(/(\d+)\.[a-z]+$/.exec(name)?.[1] ?? Infinity);
  return number(a) - number(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** A repeat count from an attribute (ODF's number-…-repeated, text:c): 1 unless a positive integer. */
function count(value: string | undefined): number {
  const n = Number(value);
  return Number.isSafeInteger(n) && n > 0 ? n : 1;
}

const LINES_A_BLOCK = 4096;

/**
 * Lines and pages of text as parts are parsed. A table row is one line, its cells joined by tabs (a cell's own
 * paragraphs, tabs and breaks become spaces, so a row stays one line); paragraphs nested in a text box or a note run
 * on in their paragraph's line. Every character is charged to the budget before it is added.
 */
class TextSink {
  private readonly pages: string[] = [];
  private lines: string[] = [];
  /** the page's earlier lines, joined a block at a time (see push) */
  private blocks: string[] = [];
  private line = '';
  /** a page was begun by nextPage() (a sheet): it is a page even when empty */
  private begun = false;
  private paragraphs = 0;
  private rows = 0;
  private row = '';
  private cell = '';
  private cells = 0;
  /** empty cells since the last one with text: written (as tabs) only if text follows, so trailing ones never are */
  private blanks = 0;

  constructor(private readonly budget: Budget) {}

  get inParagraph(): boolean {
    return this.paragraphs > 0;
  }

  text(text: string): void {
    this.repeat(text, 1);
  }

  /** `text` `times` times, charged before it is built. */
  repeat(text: string, times: number): void {
    this.budget.produce(text.length * times);
    const all = times === 1 ? text : text.repeat(times);
    if (this.rows > 0) this.cell += all.replace(/[\t\r\n]/g, ' ');
    else this.line += all;
  }

  openParagraph(): void {
    if (this.paragraphs++ > 0) this.text(' '); // a text box's or a note's paragraph: not glued to the text before it
  }

  closeParagraph(): void {
    this.paragraphs--;
    if (this.rows > 0 || this.paragraphs > 0) this.text(' ');
    else this.endLine();
  }

  openRow(): void {
    if (this.rows++ > 0) return;
    if (this.line !== '') this.endLine();
    [this.row, this.cell, this.cells, this.blanks] = ['', '', 0, 0];
  }

  /** A cell, repeated `times` (ODF's number-columns-repeated). */
  closeCell(times = 1): void {
    if (this.rows > 1) return this.text(' '); // a table nested in a cell runs on in the outer cell
    const text = this.cell.trim();
    this.cell = '';
    if (text === '') {
      this.blanks += times;
      return;
    }
    const gap = '\t'.repeat(this.blanks + (this.cells > 0 ? 1 : 0));
    this.budget.produce(gap.length + (times - 1) * (text.length + 1));
    this.row += gap + text + `\t${text}`.repeat(times - 1);
    this.cells += times;
    this.blanks = 0;
  }

  /** A row, repeated `times` (ODF's number-rows-repeated); a row without text is no line. */
  closeRow(times = 1): void {
    if (--this.rows > 0) return this.text(' ');
    const row = this.row;
    this.row = '';
    if (row === '') return;
    this.budget.produce((times - 1) * (row.length + 1));
    this.push(times > 1 ? `${row}\n`.repeat(times - 1) + row : row);
  }

  /** Starts a page (a sheet); the text so far, if a page was begun or there is any, is the page before it. */
  nextPage(): void {
    if (this.begun || this.hasText()) this.endPage();
    this.begun = true;
  }

  /** The pages; a text document is always one page, even an empty one. */
  finish(): string[] {
    if (this.begun || this.hasText() || this.pages.length === 0) this.endPage();
    return this.pages;
  }

  private hasText(): boolean {
    return this.blocks.length > 0 || this.lines.length > 0 || this.line !== '';
  }

  private endLine(): void {
    this.push(this.line);
    this.line = '';
  }

  /**
   * Lines are joined into a new string every LINES_A_BLOCK: a line is built of pieces that may be slices of the
   * parser's input chunks, and holding them would hold the whole input (a large sheet) until the page ends.
   */
  private push(line: string): void {
    this.lines.push(line);
    if (this.lines.length < LINES_A_BLOCK) return;
    this.blocks.push(this.lines.join('\n'));
    this.lines = [];
  }

  private endPage(): void {
    if (this.line !== '') this.endLine();
    if (this.lines.length > 0 || this.blocks.length === 0) this.blocks.push(this.lines.join('\n'));
    this.pages.push(this.blocks.join('\n'));
    [this.blocks, this.lines] = [[], []];
  }
}

/** DOCX: headers, the body, notes and comments, then footers, as one page (its pages are the layout's: not in the file). */
async function readWord(archive: Archive): Promise<string[]> {
  const sink = new TextSink(archive.budget);
  const parts = [
    ...archive.names(/^word\/header\d*\.xml$/),
    'word/document.xml',
    'word/footnotes.xml',
    'word/endnotes.xml',
    'word/comments.xml',
    ...archive.names(/^word\/footer\d*\.xml$/),
  ];
  for (const part of parts) await archive.parse(part, wordHandler(sink));
  return sink.finish();
}

/**
 * WordprocessingML: w:p a line, text in w:t (and w:delText: deleted tracked changes are still in the file), w:tab and
 * w:br inside a run (a w:tab elsewhere is a tab stop's definition), w:tr a line of w:tc cells. mc:Fallback repeats
 * mc:Choice (a text box drawn twice, for old readers) and is skipped.
 */
function wordHandler(sink: TextSink): XmlHandler {
  const open: string[] = [];
  let inText = 0;
  let fallback = 0;
  return {
    open(name) {
      const parent = open.at(-1);
      open.push(name);
      if (name === 'Fallback') fallback++;
      if (fallback > 0) return;
      if (name === 'p') sink.openParagraph();
      else if (name === 'tr') sink.openRow();
      else if (name === 't' || name === 'delText') inText++;
      else if (parent === 'r' && (name === 'tab' || name === 'ptab')) sink.text('\t');
      else if (parent === 'r' && (name === 'br' || name === 'cr')) sink.text('\n');
    },
    close(name) {
      open.pop();
      if (name === 'Fallback') fallback--;
      if (fallback > 0) return;
      if (name === 'p') sink.closeParagraph();
      else if (name === 'tc') sink.closeCell();
      else if (name === 'tr') sink.closeRow();
      else if (name === 't' || name === 'delText') inText--;
    },
    text(text) {
      if (inText > 0) sink.text(text);
    },
  };
}

/** XLSX: each sheet a page, in the workbook's order; cells as written (a number as in its v, not as formatted). */
async function readWorkbook(archive: Archive): Promise<string[]> {
  const shared: string[] = [];
  await archive.parse('xl/sharedstrings.xml', sharedStringsHandler(shared));
  const sink = new TextSink(archive.budget);
  for (const sheet of await sheetOrder(archive)) {
    sink.nextPage();
    if (sheet !== null) await archive.parse(sheet, worksheetHandler(sink, shared));
  }
  return sink.finish();
}

/**
 * The worksheets in the workbook's order, through xl/workbook.xml and its relationships; a listed sheet that is no
 * worksheet (a chart sheet) is null, an empty page, so later sheets keep their numbers. Worksheets the workbook does
 * not list come after. When the workbook does not say simply, the number in the file names gives the order.
 */
async function sheetOrder(archive: Archive): Promise<(string | null)[]> {
  const files = archive.names(WORKSHEET);
  const listed = await listedSheets(archive);
  if (listed === null) return files;
  const ordered = listed.map((target) => (files.includes(target) ? target : null));
  return [...ordered, ...files.filter((file) => !listed.includes(file))];
}

/** The targets of the workbook's sheets, lower-cased, in its order; null when a sheet has none to be found. */
async function listedSheets(archive: Archive): Promise<string[] | null> {
  if (!archive.has('xl/workbook.xml') || !archive.has('xl/_rels/workbook.xml.rels')) return null;
  const ids: (string | undefined)[] = [];
  const targets = new Map<string, string>();
  await archive.parse('xl/workbook.xml', {
    open: (name, attributes) => void (name === 'sheet' && ids.push(attribute(attributes, 'id'))),
    close: () => {},
    text: () => {},
  });
  await archive.parse('xl/_rels/workbook.xml.rels', {
    open(name, attributes) {
      const [id, target] = [attribute(attributes, 'Id'), attribute(attributes, 'Target')];
      if (name === 'Relationship' && id && target && attribute(attributes, 'TargetMode') !== 'External')
        targets.set(id, partName('xl', target));
    },
    close: () => {},
    text: () => {},
  });
  const listed = ids.map((id) => (id === undefined ? undefined : targets.get(id)));
  return listed.every((target) => target !== undefined) ? (listed as string[]) : null;
}

/** A relationship's target as a part name: relative to the source's folder, or absolute from the package root. */
function partName(folder: string, target: string): string {
  const joined = target.startsWith('/') ? target.slice(1) : path.posix.join(folder, target);
  return path.posix.normalize(joined).toLowerCase();
}

/** xl/sharedStrings.xml: each si's text (rich text runs joined; rPh, the phonetic reading of East Asian text, left out). */
function sharedStringsHandler(strings: string[]): XmlHandler {
  let current: string | null = null;
  let reading = false;
  let phonetic = 0;
  return {
    open(name) {
      if (name === 'si') current = '';
      else if (name === 'rPh') phonetic++;
      else if (name === 't') reading = current !== null && phonetic === 0;
    },
    close(name) {
      if (name === 'si') {
        strings.push(current ?? '');
        current = null;
      } else if (name === 'rPh') phonetic--;
      else if (name === 't') reading = false;
    },
    text(text) {
      if (reading) current += text;
    },
  };
}

/** A worksheet: a row a line; a cell's v as written, a shared string by its index, an inline string's is/t. */
function worksheetHandler(sink: TextSink, shared: readonly string[]): XmlHandler {
  let type = 'n';
  let value = '';
  let reading = false;
  let phonetic = 0;
  return {
    open(name, attributes) {
      if (name === 'row') sink.openRow();
      else if (name === 'c') [type, value] = [attribute(attributes, 't') ?? 'n', ''];
      else if (name === 'rPh') phonetic++;
      else if (name === 'v' || name === 't') reading = phonetic === 0;
    },
    close(name) {
      if (name === 'v' || name === 't') reading = false;
      else if (name === 'rPh') phonetic--;
      else if (name === 'c') {
        sink.text(type === 's' ? sharedString(shared, value) : value);
        sink.closeCell();
      } else if (name === 'row') sink.closeRow();
    },
    text(text) {
      if (reading) value += text;
    },
  };
}

function sharedString(shared: readonly string[], index: string): string {
  return /^\d+$/.test(index.trim()) ? (shared[Number(index)] ?? '') : '';
}

/** ODT, ODS (and ODP, read as one page): content.xml; a text document's headers and footers are in styles.xml. */
async function readOpenDocument(archive: Archive): Promise<string[]> {
  const sink = new TextSink(archive.budget);
  const document = { spreadsheet: false };
  await archive.parse('content.xml', openDocumentHandler(sink, document));
  if (!document.spreadsheet) await archive.parse('styles.xml', openDocumentHandler(sink, document));
  return sink.finish();
}

/**
 * OpenDocument: text:p and text:h lines, text:tab, text:s (text:c spaces), text:line-break; table rows lines of
 * cells, repeated as number-rows-repeated and number-columns-repeated say. A spreadsheet's top-level tables are its
 * sheets, a page each. Runs of white space in text collapse to one space, as ODF reads them.
 */
function openDocumentHandler(sink: TextSink, document: { spreadsheet: boolean }): XmlHandler {
  const repeats: number[] = []; // of the rows and cells open
  let tables = 0;
  return {
    open(name, attributes) {
      switch (name) {
        case 'spreadsheet':
          document.spreadsheet = true;
          break;
        case 'table':
          if (tables++ === 0 && document.spreadsheet) sink.nextPage();
          break;
        case 'table-row':
          sink.openRow();
          repeats.push(count(attribute(attributes, 'number-rows-repeated')));
          break;
        case 'table-cell':
        case 'covered-table-cell':
          repeats.push(count(attribute(attributes, 'number-columns-repeated')));
          break;
        case 'p':
        case 'h':
          sink.openParagraph();
          break;
        default:
          if (sink.inParagraph) inline(sink, name, attributes);
      }
    },
    close(name) {
      if (name === 'table') tables--;
      else if (name === 'table-row') sink.closeRow(repeats.pop());
      else if (name === 'table-cell' || name === 'covered-table-cell') sink.closeCell(repeats.pop());
      else if (name === 'p' || name === 'h') sink.closeParagraph();
    },
    text(text) {
      if (sink.inParagraph) sink.text(text.replace(/[ \t\r\n]+/g, ' '));
    },
  };
}

/** OpenDocument's white space elements inside a paragraph. */
function inline(sink: TextSink, name: string, attributes: Record<string, string>): void {
  if (name === 'tab') sink.text('\t');
  else if (name === 's') sink.repeat(' ', count(attribute(attributes, 'c')));
  else if (name === 'line-break') sink.text('\n');
}
