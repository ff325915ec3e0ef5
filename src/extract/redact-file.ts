/**
 * A copy of an image or PDF with black boxes over what was found (policy `redaction.attachments: boxes`). The copy is
 * pixels only: an image is redrawn by ImageMagick without its metadata; a PDF's pages are rendered by poppler and put
 * back together as pictures (pdf-lib), so no text layer, hidden text or metadata of the original survives under a
 * box. Boxes come as fractions of the page (layout.ts), so they fit any rendering resolution.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { imageSizeFromFile } from 'image-size/fromFile';
import { sniff } from './extract.ts';
import type { Box } from './layout.ts';

const run = promisify(execFile);

/** PDF pages of the redacted copy are rendered at this resolution */
const PDF_DPI = 150;
/** each box grows by these shares of its height, up and down and to the sides, so tight boxes cover glyphs' edges */
const MARGIN = { vertical: 0.25, horizontal: 0.1 };

export interface RedactedFile {
  bytes: Buffer;
  mime: 'image/png' | 'image/jpeg' | 'application/pdf';
  boxes: number;
}

/** The boxes to draw, by 1-based page. */
export type PageBoxes = ReadonlyMap<number, readonly Box[]>;

/** Whether a file of these first bytes can be redacted with boxes (an image, HEIC included, or a PDF). */
export function redactable(head: Buffer): boolean {
  return ['pdf', 'image', 'heic'].includes(sniff(head));
}

export async function redactFile(file: string, boxes: PageBoxes, timeoutMs: number): Promise<RedactedFile> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'agw-redact-'));
  try {
    const head = (await readFile(file)).subarray(0, 16);
    const kind = sniff(head);
    const count = [...boxes.values()].reduce((n, b) => n + b.length, 0);
    const tools = { work, timeoutMs };
    if (kind === 'pdf') return { bytes: await redactPdf(file, boxes, tools), mime: 'application/pdf', boxes: count };
    if (kind === 'heic') {
      const png = path.join(work, 'image.png');
      await run('heif-convert', [file, png], { timeout: timeoutMs });
      return { bytes: await drawBoxes(png, boxes.get(1) ?? [], 'jpg', tools), mime: 'image/jpeg', boxes: count };
    }
    if (kind !== 'image') throw new Error('only images and PDFs are redacted with boxes');
    const jpeg = head[0] === 0xff;
    const bytes = await drawBoxes(file, boxes.get(1) ?? [], jpeg ? 'jpg' : 'png', tools);
    return { bytes, mime: jpeg ? 'image/jpeg' : 'image/png', boxes: count };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

interface Tools {
  work: string;
  timeoutMs: number;
}

/** The picture at `image` with black rectangles over `boxes`, written as `format` without metadata. */
async function drawBoxes(image: string, boxes: readonly Box[], format: 'png' | 'jpg', tools: Tools): Promise<Buffer> {
  const size = await imageSizeFromFile(image);
  const [width, height] = [size.width ?? 0, size.height ?? 0];
  const draws = boxes.flatMap((box) => ['-draw', rectangle(box, width, height)]);
  const out = path.join(tools.work, `out-${Math.random().toString(36).slice(2)}.${format}`);
  await run('convert', [image, '-fill', 'black', '-stroke', 'none', ...draws, '-strip', out], {
    timeout: tools.timeoutMs,
  });
  return readFile(out);
}

function rectangle([left, top, right, bottom]: Box, width: number, height: number): string {
  const lineHeight = (bottom - top) * height;
  const [dx, dy] = [lineHeight * MARGIN.horizontal, lineHeight * MARGIN.vertical];
  const x0 = Math.max(0, Math.floor(left * width - dx));
  const y0 = Math.max(0, Math.floor(top * height - dy));
  const x1 = Math.min(width - 1, Math.ceil(right * width + dx));
  const y1 = Math.min(height - 1, Math.ceil(bottom * height + dy));
  return `rectangle ${x0},${y0} ${x1},${y1}`;
}

/** Every page rendered, boxes drawn on those that have them, the pictures put back together as a PDF. */
async function redactPdf(file: string, boxes: PageBoxes, tools: Tools): Promise<Buffer> {
  const base = path.join(tools.work, 'page');
  await run('pdftoppm', ['-r', String(PDF_DPI), '-png', file, base], { timeout: tools.timeoutMs });
  const rendered = (await readdir(tools.work)).filter((f) => /^page-\d+\.png$/.test(f));
  rendered.sort((a, b) => pageNumber(a) - pageNumber(b));
  // loaded when a file is redacted: pdf-lib is the largest module of the CLI's start-up, which rarely needs it
  const { PDFDocument } = await import('pdf-lib');
  const document = await PDFDocument.create();
  for (const name of rendered) {
    const page = pageNumber(name);
    const png = path.join(tools.work, name);
    const drawn = (boxes.get(page) ?? []).length > 0 ? await drawBoxes(png, boxes.get(page)!, 'png', tools) : null;
    const image = await document.embedPng(drawn ?? (await readFile(png)));
    const [w, h] = [(image.width * 72) / PDF_DPI, (image.height * 72) / PDF_DPI];
    document.addPage([w, h]).drawImage(image, { x: 0, y: 0, width: w, height: h });
  }
  return Buffer.from(await document.save());
}

const pageNumber = (name: string) => Number(/(\d+)\.png$/.exec(name)![1]);
