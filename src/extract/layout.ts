/**
 * A page's text with where each word sits on the page, as tesseract (TSV) and poppler (`pdftotext -bbox-layout`)
 * report them. The text is built from the words themselves (a space between words, a line break between lines, a
 * blank line between blocks), so a finding's offsets in it name the words to black out when a copy is redacted.
 */
import { SaxesParser } from 'saxes';

/** Left, top, right, bottom as fractions of the page's width and height: the same at any rendering resolution. */
export type Box = readonly [number, number, number, number];

export interface PlacedWord {
  /** offsets of the word in the page's text */
  start: number;
  end: number;
  box: Box;
}

export interface PageLayout {
  text: string;
  words: PlacedWord[];
}

interface RawWord {
  text: string;
  /** a new block or paragraph, a new line, or the same line as the word before */
  breakBefore: 'block' | 'line' | 'none';
  box: Box;
}

function assemble(raw: RawWord[]): PageLayout {
  let text = '';
  const words: PlacedWord[] = [];
  for (const word of raw) {
    if (text !== '') text += word.breakBefore === 'block' ? '\n\n' : word.breakBefore === 'line' ? '\n' : ' ';
    words.push({ start: text.length, end: text.length + word.text.length, box: word.box });
    text += word.text;
  }
  return { text, words };
}

/** tesseract's `tsv` output: level 1 is the page (its size), level 5 a word with its box in pixels. */
export function fromTesseractTsv(tsv: string): PageLayout {
  let [width, height] = [0, 0];
  let last = { block: '', par: '', line: '' };
  const raw: RawWord[] = [];
  for (const row of tsv.split('\n').slice(1)) {
    const cells = row.split('\t');
    if (cells.length < 12) continue;
    const [level, , , , , , left, top, w, h] = cells.map(Number) as number[];
    if (level === 1) [width, height] = [w!, h!];
    const text = cells.slice(11).join('\t').trim();
    if (level !== 5 || text === '' || !width || !height) continue;
    const at = { block: cells[2]!, par: cells[3]!, line: cells[4]! };
    const breakBefore =
      at.block !== last.block || at.par !== last.par ? 'block' : at.line !== last.line ? 'line' : 'none';
    last = at;
    raw.push({ text, breakBefore, box: [left! / width, top! / height, (left! + w!) / width, (top! + h!) / height] });
  }
  return assemble(raw);
}

/** poppler's `pdftotext -bbox-layout` XHTML for one page: page size and word boxes in points. */
export function fromPdfBboxLayout(xhtml: string): PageLayout {
  const parser = new SaxesParser();
  let [width, height] = [0, 0];
  let breakBefore: RawWord['breakBefore'] = 'block';
  let current: { box: Box; text: string } | null = null;
  const raw: RawWord[] = [];
  const number = (value: unknown) => Number(value);
  parser.on('opentag', (tag) => {
    const a = tag.attributes as Record<string, string>;
    if (tag.name === 'page') [width, height] = [number(a.width), number(a.height)];
    else if (tag.name === 'block') breakBefore = 'block';
    else if (tag.name === 'line' && breakBefore !== 'block') breakBefore = 'line';
    else if (tag.name === 'word' && width > 0 && height > 0) {
      const box: Box = [
        number(a.xMin) / width,
        number(a.yMin) / height,
        number(a.xMax) / width,
        number(a.yMax) / height,
      ];
      current = { box, text: '' };
    }
  });
  parser.on('text', (text) => {
    if (current) current.text += text;
  });
  parser.on('closetag', (tag) => {
    if (tag.name !== 'word' || !current) return;
    const text = current.text.trim();
    if (text !== '') {
      raw.push({ text, breakBefore, box: current.box });
      breakBefore = 'none';
    }
    current = null;
  });
  parser.write(xhtml).close();
  return assemble(raw);
}

/** The boxes of the words a span of the page's text touches. */
export function boxesOf(words: readonly PlacedWord[], start: number, end: number): Box[] {
  return words.filter((w) => w.start < end && w.end > start).map((w) => w.box);
}
