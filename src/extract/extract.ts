/**
 * The extract stage's core: an attachment's bytes turned into text, page by page, with Debian's tools (poppler's
 * pdftotext and pdftoppm, tesseract with its kaz, rus and eng data, libheif, and the image-size library for headers). Nothing is
 * downloaded and nothing is guessed: a file past a limit, or one that cannot be read, comes back uninspected with a
 * reason, which policy decides like any other finding (category UNINSPECTED); it is never passed as clean.
 * A reason names the file type and the limit, never the file's content.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { imageSizeFromFile } from 'image-size/fromFile';
import { extractLimitDefaults } from '../core/limit-defaults.ts';
import type { AttachmentLimits } from '../core/limits.ts';
import { fromPdfBboxLayout, fromTesseractTsv, type PageLayout, type PlacedWord } from './layout.ts';
import { OfficeUninspected, readOffice } from './office.ts';

/** Bytes of the file, pages of a PDF, pixels of an image or rendered page, and time for the whole file. */
export type ExtractLimits = AttachmentLimits;

export const DEFAULT_LIMITS: ExtractLimits = {
  maxBytes: extractLimitDefaults.extractMaxBytes,
  maxPages: extractLimitDefaults.extractMaxPages,
  maxPixels: extractLimitDefaults.extractMaxPixels,
  timeoutMs: extractLimitDefaults.extractTimeoutSeconds * 1000,
};

export interface ExtractedPage {
  /** 1-based; an image or a text file is page 1 */
  page: number;
  text: string;
  /** the text was read by OCR */
  ocr: boolean;
  /** where each word of `text` sits on the page: empty for a file without pages to draw on (office, text) */
  words: PlacedWord[];
}

export type Extraction = { inspected: true; kind: Kind; pages: ExtractedPage[] } | { inspected: false; reason: string };

/** OCR languages: Kazakh, Russian and English, from Debian's tesseract-ocr-* packages */
const OCR_LANGUAGES = 'kaz+rus+eng';
/** pages without a text layer are rendered at this resolution for OCR */
const OCR_DPI = 300;

class Uninspected extends Error {}
/** A Debian tool the setup installs is not there: an installation fault, not a property of the file. */
export class MissingToolError extends Error {}

/** The tool's failure as the file's: uninspected for `reason`; a missing tool stays an error. */
function unless<T>(work: Promise<T>, reason: string): Promise<T> {
  return work.catch((error: unknown) => {
    throw error instanceof MissingToolError || error instanceof Uninspected ? error : new Uninspected(reason);
  });
}

export type Kind = 'pdf' | 'image' | 'heic' | 'office' | 'text' | 'unknown';

/** The file's type by its first bytes, not by its name (a name is the sender's to choose). */
export function sniff(head: Buffer): Kind {
  if (head.subarray(0, 5).toString('latin1') === '%PDF-') return 'pdf';
  if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image';
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image';
  if (head.subarray(4, 8).toString('latin1') === 'ftyp') {
    const brand = head.subarray(8, 12).toString('latin1');
    if (['heic', 'heix', 'heim', 'heis', 'mif1', 'msf1', 'hevc', 'hevx'].includes(brand)) return 'heic';
  }
  if (head.subarray(0, 4).toString('latin1') === 'PK\u0003\u0004') return 'office';
  return head.includes(0) ? 'unknown' : 'text';
}

/** Text of the file at `file`, page by page, or why it was not inspected. */
export async function extract(file: string, limits: ExtractLimits = DEFAULT_LIMITS): Promise<Extraction> {
  const deadline = Date.now() + limits.timeoutMs;
  const work = await mkdtemp(path.join(os.tmpdir(), 'agw-extract-'));
  try {
    const size = (await stat(file)).size;
    if (size > limits.maxBytes) throw new Uninspected(`too large: ${size} bytes, the limit is ${limits.maxBytes}`);
    const kind = sniff(await firstBytes(file, 16));
    const run: Runner = (command, args) => tool(command, args, deadline, limits.timeoutMs);
    const pages = await extractKind(kind, { file, work, limits, run, deadline });
    return { inspected: true, kind, pages };
  } catch (error) {
    if (error instanceof Uninspected) return { inspected: false, reason: error.message };
    throw error;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

type Runner = (command: string, args: string[]) => Promise<string>;
interface Job {
  file: string;
  work: string;
  limits: ExtractLimits;
  run: Runner;
  /** Date.now() past which the file is uninspected (timed out) */
  deadline: number;
}

async function extractKind(kind: Kind, job: Job): Promise<ExtractedPage[]> {
  switch (kind) {
    case 'pdf':
      return pdfPages(job);
    case 'image':
      return [{ page: 1, ...(await ocrImage(job, job.file)), ocr: true }];
    case 'heic':
      return [{ page: 1, ...(await ocrImage(job, await heicToPng(job))), ocr: true }];
    case 'text':
      return [{ page: 1, text: await plainText(job.file), ocr: false, words: [] }];
    case 'office': {
      // read in-process (office.ts); what it unpacks is limited to 20 times the file's own limit of bytes
      const limits = { maxUnpacked: job.limits.maxBytes * 20, deadline: job.deadline, timeoutMs: job.limits.timeoutMs };
      const pages = readOffice(job.file, limits).then((read) => read.map((p) => ({ ...p, words: [] })));
      return pages.catch((error: unknown) => {
        throw error instanceof OfficeUninspected ? new Uninspected(error.message) : error;
      });
    }
    default:
      throw new Uninspected('an unknown file type');
  }
}

async function pdfPages(job: Job): Promise<ExtractedPage[]> {
  const info = await unless(job.run('pdfinfo', [job.file]), 'an unreadable PDF');
  const pages = Number(/^Pages:\s+(\d+)/m.exec(info)?.[1] ?? NaN);
  if (!Number.isInteger(pages)) throw new Uninspected('an unreadable PDF');
  if (pages > job.limits.maxPages)
    throw new Uninspected(`too many pages: ${pages}, the limit is ${job.limits.maxPages}`);
  const out: ExtractedPage[] = [];
  for (let page = 1; page <= pages; page++) {
    const range = ['-f', String(page), '-l', String(page)];
    const xhtml = await unless(
      job.run('pdftotext', [...range, '-enc', 'UTF-8', '-bbox-layout', job.file, '-']),
      'an unreadable PDF',
    );
    const layout = await unless(
      Promise.resolve().then(() => fromPdfBboxLayout(xhtml)),
      'an unreadable PDF',
    );
    if (layout.text.trim() !== '') out.push({ page, ...layout, ocr: false });
    else out.push({ page, ...(await ocrPdfPage(job, page)), ocr: true });
  }
  return out;
}

/** A page without a text layer (a scan): rendered to PNG and read by OCR. */
async function ocrPdfPage(job: Job, page: number): Promise<PageLayout> {
  const base = path.join(job.work, `page-${page}`);
  const range = ['-f', String(page), '-l', String(page)];
  await unless(
    job.run('pdftoppm', [...range, '-r', String(OCR_DPI), '-png', '-singlefile', job.file, base]),
    'an unreadable PDF page',
  );
  return ocrImage(job, `${base}.png`);
}

async function ocrImage(job: Job, image: string): Promise<PageLayout> {
  await checkPixels(job, image);
  const tsv = await unless(job.run('tesseract', [image, '-', '-l', OCR_LANGUAGES, 'tsv']), 'an unreadable image');
  return fromTesseractTsv(tsv);
}

/** Reads only the image's header: a small file declaring a huge picture is refused before anything decodes it. */
async function checkPixels(job: Job, image: string): Promise<void> {
  const size = await imageSizeFromFile(image).catch(() => null);
  const [width, height] = [size?.width ?? 0, size?.height ?? 0];
  if (!width || !height) throw new Uninspected('an unreadable image');
  if (width * height > job.limits.maxPixels)
    throw new Uninspected(`too many pixels: ${width}×${height}, the limit is ${job.limits.maxPixels}`);
}

async function heicToPng(job: Job): Promise<string> {
  await checkPixels(job, job.file);
  const png = path.join(job.work, 'image.png');
  await unless(job.run('heif-convert', [job.file, png]), 'an unreadable HEIC image');
  return png;
}

/** UTF-8, or else Windows-1251 (Cyrillic Windows exports: CSV from Excel and 1C). */
async function plainText(file: string): Promise<string> {
  const bytes = await readFile(file);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1251').decode(bytes);
  }
}

async function firstBytes(file: string, n: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(n);
    const { bytesRead } = await handle.read(buffer, 0, n, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Runs a Debian tool within what is left of the file's time; a tool past it is killed and the file uninspected. */
function tool(command: string, args: string[], deadline: number, timeoutMs: number): Promise<string> {
  const left = deadline - Date.now();
  if (left <= 0) return Promise.reject(new Uninspected(`timed out: the limit is ${timeoutMs} ms`));
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { timeout: left, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout) => {
        if (error && (error as { killed?: boolean }).killed)
          reject(new Uninspected(`timed out: the limit is ${timeoutMs} ms`));
        else if (error && (error as { code?: unknown }).code === 'ENOENT')
          reject(
            new MissingToolError(`${command} is missing: run scripts/setup.sh (Debian's packages for attachments)`),
          );
        else if (error) reject(error);
        else resolve(stdout);
      },
    );
  });
}
