import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_LIMITS } from '../src/extract/extract.ts';
import { inspectAttachment, type Inspection } from '../src/extract/inspect.ts';
import { heic, oversizedPng, scan, scannedPdf, textPdf } from './helpers/attachment-fixtures.ts';

const IIN_RU = '940101300123';
const IIN_KK = '811201401188';
const SCAN_LINES = [
  'СПРАВКА № 112 о временной нетрудоспособности',
  'Пациент: Ахметова Айгерим Сериковна',
  `ИИН ${IIN_RU}`,
  'Диагноз: пневмония, J18.9',
  `Науқастың ЖСН ${IIN_KK}, диагнозы: қант диабеті`,
];

const values = (inspection: Inspection, category: string, text: (page: number) => string) => {
  assert.ok(inspection.inspected, 'inspected');
  return inspection.findings
    .filter((f) => f.category === category)
    .map((f) => text(f.page).slice(f.start, f.end).replace(/\D/g, ''));
};

/** Attachments the tests make themselves (test/helpers/attachment-fixtures.ts), read with Debian's tools. */
describe('attachments: text found inside PDFs, scans and photos', () => {
  let dir: string;
  const at = (name: string) => path.join(dir, name);

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'agw-extract-test-'));
    scan(at('scan.png'), SCAN_LINES);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a PDF with a text layer: the IIN on its page, no OCR', async () => {
    textPdf(at('text.pdf'), ['Staff list, department 4', `Aliya Nurlanovna, IIN ${IIN_RU}`, 'Total: 1']);
    const inspection = await inspectAttachment(at('text.pdf'));
    assert.ok(inspection.inspected);
    assert.deepEqual([inspection.pages, inspection.ocrPages], [1, 0]);
    const iin = inspection.findings.filter((f) => f.category === 'IIN');
    assert.deepEqual(
      iin.map((f) => f.page),
      [1],
    );
  });

  it('a scanned page (PNG, 300 dpi, noise): both IINs, Russian and Kazakh, and the diagnosis, by OCR', async () => {
    const inspection = await inspectAttachment(at('scan.png'));
    assert.ok(inspection.inspected);
    assert.equal(inspection.ocrPages, 1);
    const categories = new Set(inspection.findings.map((f) => f.category));
    assert.ok(categories.has('HEALTH'), `a health finding among ${[...categories].join(', ')}`);
    const text = await ocrText(at('scan.png'));
    assert.deepEqual(values(inspection, 'IIN', () => text).sort(), [IIN_KK, IIN_RU].sort());
  });

  it('a PDF whose page is only a scan is read by OCR', async () => {
    execFileSync('convert', [at('scan.png'), '-quality', '85', at('scan.jpg')]);
    scannedPdf(at('scanned.pdf'), at('scan.jpg'));
    const inspection = await inspectAttachment(at('scanned.pdf'));
    assert.ok(inspection.inspected);
    assert.deepEqual([inspection.pages, inspection.ocrPages], [1, 1]);
    assert.equal(inspection.findings.filter((f) => f.category === 'IIN').length, 2);
  });

  it('a HEIC photo converted from the same scan is inspected like the PNG', async () => {
    heic(at('scan.png'), at('scan.heic'));
    const [png, photo] = [await inspectAttachment(at('scan.png')), await inspectAttachment(at('scan.heic'))];
    assert.ok(png.inspected && photo.inspected);
    const iins = (i: typeof png) => i.findings.filter((f) => f.category === 'IIN').length;
    assert.equal(iins(photo), 2);
    assert.equal(iins(photo), iins(png));
  });

  it('a clean image: inspected, nothing found', async () => {
    scan(at('clean.png'), ['Совещание в четверг в 10:00', 'Кеңес бейсенбі күні сағат 10:00-де', 'Meeting on Thursday']);
    const inspection = await inspectAttachment(at('clean.png'));
    assert.ok(inspection.inspected);
    assert.deepEqual(inspection.findings, []);
  });

  it('a corrupt PDF and an oversized image are not inspected, each with its reason; never clean', async () => {
    writeFileSync(at('corrupt.pdf'), '%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> garbage\n');
    oversizedPng(at('bomb.png'));
    assert.deepEqual(await inspectAttachment(at('corrupt.pdf')), { inspected: false, reason: 'an unreadable PDF' });
    assert.deepEqual(await inspectAttachment(at('bomb.png')), {
      inspected: false,
      reason: `too many pixels: 60000×60000, the limit is ${DEFAULT_LIMITS.maxPixels}`,
    });
  });

  it('limits of bytes, pages and time give their reasons', async () => {
    textPdf(at('small.pdf'), ['hello']);
    const tight = { ...DEFAULT_LIMITS, maxBytes: 100 };
    const tooLarge = await inspectAttachment(at('small.pdf'), tight);
    assert.equal(tooLarge.inspected, false);
    assert.match((tooLarge as { reason: string }).reason, /^too large: \d+ bytes, the limit is 100$/);
    const noPages = await inspectAttachment(at('small.pdf'), { ...DEFAULT_LIMITS, maxPages: 0 });
    assert.deepEqual(noPages, { inspected: false, reason: 'too many pages: 1, the limit is 0' });
    const noTime = await inspectAttachment(at('scan.png'), { ...DEFAULT_LIMITS, timeoutMs: 50 });
    assert.deepEqual(noTime, { inspected: false, reason: 'timed out: the limit is 50 ms' });
  });

  it('a fake office document (a zip header, then nothing) is not inspected, and an unknown binary neither', async () => {
    writeFileSync(at('list.xlsx'), Buffer.from('PK\u0003\u0004 not really', 'latin1'));
    writeFileSync(at('blob.bin'), Buffer.from([0, 1, 2, 3, 0, 5]));
    assert.equal(
      ((await inspectAttachment(at('list.xlsx'))) as { reason: string }).reason,
      'an unreadable office document',
    );
    assert.equal(((await inspectAttachment(at('blob.bin'))) as { reason: string }).reason, 'an unknown file type');
  });

  it('a CSV in Windows-1251 (an Excel or 1C export) is read as Cyrillic', async () => {
    const csv = `ФИО;ИИН\nАхметова Айгерим;${IIN_RU}\n`;
    writeFileSync(at('staff.csv'), win1251(csv));
    const inspection = await inspectAttachment(at('staff.csv'));
    assert.deepEqual(
      values(inspection, 'IIN', () => csv),
      [IIN_RU],
    );
  });
});

/** The OCR text of an image, as inspectAttachment read it (offsets of findings are into it). */
async function ocrText(image: string): Promise<string> {
  return execFileSync('tesseract', [image, '-', '-l', 'kaz+rus+eng'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
}

/** Windows-1251 bytes of a text in Russian letters and ASCII. */
function win1251(text: string): Buffer {
  return Buffer.from(
    [...text].map((ch) => {
      const code = ch.charCodeAt(0);
      if (code < 128) return code;
      if (code >= 0x410 && code <= 0x44f) return code - 0x410 + 0xc0;
      throw new Error(`not in the test's Windows-1251 table: ${ch}`);
    }),
  );
}
