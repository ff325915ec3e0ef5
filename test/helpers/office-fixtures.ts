/**
 * Office documents made by the tests themselves, none downloaded: the XML of DOCX, XLSX, ODT and ODS parts written
 * here (the parts a reader needs, laid out as Word, Excel and LibreOffice lay them out) and zipped by Debian's zip.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A part's content: a string, or chunks written one by one (a large part is never one string). */
type Content = string | (() => Iterable<string>);

/** A zip of `parts` (path inside the zip → content), built by Debian's zip in a temporary folder. */
export function zipOf(out: string, parts: Record<string, Content>): void {
  const tree = mkdtempSync(path.join(os.tmpdir(), 'agw-office-fixture-'));
  try {
    for (const [name, content] of Object.entries(parts)) writePart(path.join(tree, name), content);
    rmSync(out, { force: true });
    execFileSync('zip', ['-q', '-X', '-r', path.resolve(out), '.'], { cwd: tree });
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
}

function writePart(file: string, content: Content): void {
  mkdirSync(path.dirname(file), { recursive: true });
  if (typeof content === 'string') return writeFileSync(file, content);
  const fd = openSync(file, 'w');
  try {
    for (const chunk of content()) writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
}

const XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Valid IINs: YYMMDD of a birth in the 1900s, the century-and-sex digit (3 a man, 4 a woman), a 4-digit serial and
 * the check digit (weights 1..11 mod 11; if 10, weights 3..11,1,2; if 10 again the serial is not issued).
 */
export function validIins(count: number): string[] {
  const out: string[] = [];
  for (let serial = 1; out.length < count; serial++) {
    const birth = new Date(Date.UTC(1960, 0, 1) + ((serial * 7919) % 14_600) * 86_400_000);
    const date = birth.toISOString().slice(2, 10).replace(/-/g, '');
    const head = `${date}${serial % 2 ? 3 : 4}${String(serial % 10_000).padStart(4, '0')}`;
    const check = iinCheck(head);
    if (check !== null) out.push(head + check);
  }
  return out;
}

function iinCheck(head: string): number | null {
  const digits = [...head].map(Number);
  const sum = (weights: number[]) => digits.reduce((s, d, i) => s + d * weights[i]!, 0) % 11;
  const first = sum([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  if (first !== 10) return first;
  const second = sum([3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]);
  return second === 10 ? null : second;
}

/** A cell of a sheet: a string (a shared string, styled as text), a number, or an inline string. */
export type XlsxCell = string | number | { inline: string };
export interface XlsxSheet {
  name: string;
  rows: XlsxCell[][];
  /** the worksheet's file name under xl/worksheets/ (Excel keeps a sheet's file when sheets are reordered) */
  file?: string;
}

/** An XLSX workbook; its sheets in the order given, strings in xl/sharedStrings.xml as Excel writes them. */
export function xlsx(out: string, sheets: XlsxSheet[]): void {
  const shared = new Map<string, number>();
  const files = sheets.map((sheet, k) => sheet.file ?? `sheet${k + 1}.xml`);
  const parts: Record<string, Content> = {
    '[Content_Types].xml': contentTypes(files),
    '_rels/.rels': rels([['officeDocument', 'xl/workbook.xml']]),
    'xl/workbook.xml': workbook(sheets),
    'xl/_rels/workbook.xml.rels': rels([
      ...files.map((file): [string, string] => ['worksheet', `worksheets/${file}`]),
      ['styles', 'styles.xml'],
      ['sharedStrings', 'sharedStrings.xml'],
    ]),
    'xl/styles.xml': STYLES,
  };
  sheets.forEach((sheet, k) => (parts[`xl/worksheets/${files[k]}`] = worksheet(sheet.rows, shared)));
  // written after the sheets, which fill the table as they are written
  parts['xl/sharedStrings.xml'] = () => [sharedStrings(shared)];
  zipOf(out, parts);
}

const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
/** Style 1 is Excel's "Text" format (numFmtId 49): a column of IINs typed as text keeps them as strings. */
const STYLES = `${XML}<styleSheet xmlns="${MAIN}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/><xf numFmtId="49" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/></cellXfs></styleSheet>`;

function contentTypes(sheetFiles: string[]): string {
  const sheet = 'application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml';
  return `${XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>${sheetFiles.map((f) => `<Override PartName="/xl/worksheets/${f}" ContentType="${sheet}"/>`).join('')}</Types>`;
}

function rels(targets: [type: string, target: string][]): string {
  const items = targets.map(
    ([type, target], k) => `<Relationship Id="rId${k + 1}" Type="${REL}/${type}" Target="${target}"/>`,
  );
  return `${XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${items.join('')}</Relationships>`;
}

function workbook(sheets: XlsxSheet[]): string {
  const list = sheets.map((s, k) => `<sheet name="${escape(s.name)}" sheetId="${k + 1}" r:id="rId${k + 1}"/>`);
  return `${XML}<workbook xmlns="${MAIN}" xmlns:r="${REL}"><bookViews><workbookView/></bookViews><sheets>${list.join('')}</sheets></workbook>`;
}

function worksheet(rows: XlsxCell[][], shared: Map<string, number>): () => Iterable<string> {
  return function* () {
    yield `${XML}<worksheet xmlns="${MAIN}" xmlns:r="${REL}"><sheetData>`;
    for (const [r, row] of rows.entries())
      yield `<row r="${r + 1}">${row.map((cell, c) => xlsxCell(`${column(c)}${r + 1}`, cell, shared)).join('')}</row>`;
    yield '</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>';
  };
}

function xlsxCell(ref: string, cell: XlsxCell, shared: Map<string, number>): string {
  if (typeof cell === 'number') return `<c r="${ref}"><v>${cell}</v></c>`;
  if (typeof cell !== 'string') return `<c r="${ref}" t="inlineStr"><is><t>${escape(cell.inline)}</t></is></c>`;
  if (!shared.has(cell)) shared.set(cell, shared.size);
  return `<c r="${ref}" s="1" t="s"><v>${shared.get(cell)}</v></c>`;
}

function column(index: number): string {
  return index < 26 ? String.fromCharCode(65 + index) : column(Math.floor(index / 26) - 1) + column(index % 26);
}

function sharedStrings(shared: Map<string, number>): string {
  const items = [...shared.keys()].map((s) => `<si><t xml:space="preserve">${escape(s)}</t></si>`);
  return `${XML}<sst xmlns="${MAIN}" count="${items.length}" uniqueCount="${items.length}">${items.join('')}</sst>`;
}

/**
 * An XLSX zip bomb: worksheets each of about `bytes` bytes of one row repeated, which zip deflates ~1000 to 1. Each
 * entry's header declares its true size.
 */
export function xlsxBomb(out: string, sheetBytes: number[]): void {
  const row = '<row><c t="n"><v>0</v></c></row>';
  const block = row.repeat(Math.ceil(65_536 / row.length));
  const sheets = sheetBytes.map((bytes, k) => ({ name: `Sheet${k + 1}`, file: `sheet${k + 1}.xml`, bytes }));
  const parts: Record<string, Content> = {
    '[Content_Types].xml': contentTypes(sheets.map((s) => s.file)),
    '_rels/.rels': rels([['officeDocument', 'xl/workbook.xml']]),
    'xl/workbook.xml': workbook(sheets.map((s) => ({ name: s.name, rows: [] }))),
    'xl/_rels/workbook.xml.rels': rels(sheets.map((s): [string, string] => ['worksheet', `worksheets/${s.file}`])),
  };
  for (const sheet of sheets)
    parts[`xl/worksheets/${sheet.file}`] = function* () {
      yield `${XML}<worksheet xmlns="${MAIN}"><sheetData>`;
      for (let written = 0; written < sheet.bytes; written += block.length) yield block;
      yield '</sheetData></worksheet>';
    };
  zipOf(out, parts);
}

/** A paragraph of a DOCX: its runs (Word splits a line into runs wherever formatting or editing changed); in a run, a tab is w:tab and a newline w:br. */
export type DocxParagraph = string[];
export type DocxBlock = DocxParagraph | { table: string[][] };

const W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';

/** A DOCX: the body's paragraphs and tables, with a header and a footer part. */
export function docx(out: string, document: { header: string; body: DocxBlock[]; footer: string }): void {
  const wordType = (part: string) => `application/vnd.openxmlformats-officedocument.wordprocessingml.${part}+xml`;
  zipOf(out, {
    '[Content_Types].xml': `${XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="${wordType('document.main')}"/><Override PartName="/word/header1.xml" ContentType="${wordType('header')}"/><Override PartName="/word/footer1.xml" ContentType="${wordType('footer')}"/></Types>`,
    '_rels/.rels': rels([['officeDocument', 'word/document.xml']]),
    'word/_rels/document.xml.rels': rels([
      ['header', 'header1.xml'],
      ['footer', 'footer1.xml'],
    ]),
    'word/document.xml': `${XML}<w:document xmlns:w="${W}" xmlns:r="${REL}"><w:body>${document.body.map(docxBlock).join('')}<w:sectPr><w:headerReference w:type="default" r:id="rId1"/><w:footerReference w:type="default" r:id="rId2"/></w:sectPr></w:body></w:document>`,
    'word/header1.xml': `${XML}<w:hdr xmlns:w="${W}">${docxParagraph([document.header])}</w:hdr>`,
    'word/footer1.xml': `${XML}<w:ftr xmlns:w="${W}">${docxParagraph([document.footer])}</w:ftr>`,
  });
}

function docxBlock(block: DocxBlock): string {
  if (Array.isArray(block)) return docxParagraph(block);
  const rows = block.table.map(
    (row) => `<w:tr>${row.map((cell) => `<w:tc>${docxParagraph([cell])}</w:tc>`).join('')}</w:tr>`,
  );
  return `<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/></w:tblPr>${rows.join('')}</w:tbl>`;
}

/** A paragraph with a tab stop defined in its properties: a w:tab that is not text. */
function docxParagraph(runs: string[]): string {
  const run = (text: string) =>
    `<w:r><w:rPr><w:lang w:val="ru-RU"/></w:rPr>${text
      .split(/([\t\n])/)
      .map((part) =>
        part === '\t'
          ? '<w:tab/>'
          : part === '\n'
            ? '<w:br/>'
            : part
              ? `<w:t xml:space="preserve">${escape(part)}</w:t>`
              : '',
      )
      .join('')}</w:r>`;
  return `<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="4536"/></w:tabs></w:pPr>${runs.map(run).join('')}</w:p>`;
}

const OFFICE = 'urn:oasis:names:tc:opendocument:xmlns:office:1.0';
const TEXT = 'urn:oasis:names:tc:opendocument:xmlns:text:1.0';
const TABLE = 'urn:oasis:names:tc:opendocument:xmlns:table:1.0';
const NS = `xmlns:office="${OFFICE}" xmlns:text="${TEXT}" xmlns:table="${TABLE}" office:version="1.3"`;

/** An ODT block: a paragraph, a heading, or a table of cells. */
export type OdtBlock = string | { heading: string } | { table: string[][] };

/** An ODT as LibreOffice writes one: mimetype, manifest, content.xml, and styles.xml with a page header. */
export function odt(out: string, blocks: OdtBlock[], header: string): void {
  const body = blocks.map(odtBlock).join('');
  odf(out, 'text', `<office:text>${body}</office:text>`, {
    'styles.xml': `${XML}<office:document-styles ${NS} xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"><office:master-styles><style:master-page style:name="Standard"><style:header><text:p>${odfText(header)}</text:p></style:header></style:master-page></office:master-styles></office:document-styles>`,
  });
}

function odtBlock(block: OdtBlock): string {
  if (typeof block === 'string') return `<text:p text:style-name="Standard">${odfText(block)}</text:p>`;
  if ('heading' in block) return `<text:h text:outline-level="1">${odfText(block.heading)}</text:h>`;
  const rows = block.table.map(
    (row) =>
      `<table:table-row>${row.map((cell) => `<table:table-cell><text:p>${odfText(cell)}</text:p></table:table-cell>`).join('')}</table:table-row>`,
  );
  return `<table:table table:name="Table1"><table:table-column table:number-columns-repeated="${block.table[0]?.length ?? 1}"/>${rows.join('')}</table:table>`;
}

/** Text as ODF writes it: a run of spaces after the first is text:s with its count, a tab text:tab. */
function odfText(text: string): string {
  return escape(text)
    .replace(/ {2,}/g, (spaces) => ` <text:s text:c="${spaces.length - 1}"/>`)
    .replace(/\t/g, '<text:tab/>');
}

/** A cell of an ODS sheet: its text, and how many times it repeats across (number-columns-repeated). */
export type OdsCell = string | { text: string; repeat: number };

/**
 * An ODS as LibreOffice writes one: each row ends with its empty cells repeated to the last column, and each sheet
 * with its empty rows repeated to the last row.
 */
export function ods(out: string, sheets: { name: string; rows: OdsCell[][] }[]): void {
  const table = (sheet: { name: string; rows: OdsCell[][] }) =>
    `<table:table table:name="${escape(sheet.name)}"><table:table-column table:number-columns-repeated="1024"/>${sheet.rows
      .map(
        (row) =>
          `<table:table-row>${row.map(odsCell).join('')}<table:table-cell table:number-columns-repeated="16000"/></table:table-row>`,
      )
      .join(
        '',
      )}<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/></table:table-row></table:table>`;
  odf(out, 'spreadsheet', `<office:spreadsheet>${sheets.map(table).join('')}</office:spreadsheet>`);
}

function odsCell(cell: OdsCell): string {
  const [text, repeat] = typeof cell === 'string' ? [cell, 1] : [cell.text, cell.repeat];
  const repeated = repeat > 1 ? ` table:number-columns-repeated="${repeat}"` : '';
  if (text === '') return `<table:table-cell${repeated}/>`;
  const value = /^\d+$/.test(text)
    ? ` office:value-type="float" office:value="${text}"`
    : ' office:value-type="string"';
  return `<table:table-cell${repeated}${value}><text:p>${odfText(text)}</text:p></table:table-cell>`;
}

function odf(out: string, kind: 'text' | 'spreadsheet', body: string, more: Record<string, string> = {}): void {
  const mime = `application/vnd.oasis.opendocument.${kind}`;
  zipOf(out, {
    mimetype: mime,
    'META-INF/manifest.xml': `${XML}<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" manifest:media-type="${mime}"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>`,
    'content.xml': `${XML}<office:document-content ${NS}><office:body>${body}</office:body></office:document-content>`,
    ...more,
  });
}
