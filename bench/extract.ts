/**
 * `npm run bench:extract`: reading attachments — pages a second for PDFs with a text layer and for scanned pages
 * (OCR), the OCR's recall of IINs on generated scans (PASS at ≥ 95 %), redaction with black boxes (PASS when no
 * redacted copy still yields its IIN), and what one attachment in fifty messages
 * costs the `import jsonl` a newcomer runs. The scans are rendered by ImageMagick at
 * 300 dpi with noise and a slight tilt, each with its own valid IIN among Russian and Kazakh lines.
 *
 * Environment: BENCH_SCANS (default 40) scanned pages, BENCH_TEXT_PDFS (default 100) text PDFs,
 * BENCH_SHEETS (default 20) XLSX sheets of 1,000 rows, BENCH_IMPORT_MESSAGES (default 5,000) messages of the import with one attachment in fifty.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { classify } from '../src/classifier/index.ts';
import { extract } from '../src/extract/extract.ts';
import { inspectAttachment } from '../src/extract/inspect.ts';
import type { Box } from '../src/extract/layout.ts';
import { redactFile } from '../src/extract/redact-file.ts';
import { scan, textPdf } from '../test/helpers/attachment-fixtures.ts';
import { validIins, xlsx } from '../test/helpers/office-fixtures.ts';
import { createImportWorld } from '../test/helpers/import-world.ts';
import { makeMessages, writeJsonl } from '../test/helpers/messages.ts';
import { fmt, rate } from './helpers.ts';

const RECALL_FLOOR = 0.95;
const SCANS = Number(process.env.BENCH_SCANS ?? 40);
const TEXT_PDFS = Number(process.env.BENCH_TEXT_PDFS ?? 100);

/** the k-th person's IIN (the test fixtures' generator: valid, independent of the detector's checksum code) */
const IINS = validIins(Math.max(SCANS, TEXT_PDFS));
const iin = (k: number): string => IINS[k]!;

const SURNAMES = ['Ахметова', 'Серікбаев', 'Иванов', 'Нұрланова', 'Жумабеков', 'Ким', 'Омарова', 'Тлеуберген'];
const DIAGNOSES = ['пневмония, J18.9', 'гипертония II ст.', 'қант диабеті', 'перелом лучевой кости', 'бронхит'];

function scanLines(k: number): string[] {
  const name = SURNAMES[k % SURNAMES.length];
  return k % 2 === 0
    ? [`СПРАВКА № ${100 + k}`, `Пациент: ${name} А.`, `ИИН ${iin(k)}`, `Диагноз: ${DIAGNOSES[k % DIAGNOSES.length]}`]
    : [`АНЫҚТАМА № ${100 + k}`, `Науқас: ${name} А.`, `ЖСН ${iin(k)}`, `Диагнозы: ${DIAGNOSES[k % DIAGNOSES.length]}`];
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = process.hrtime.bigint();
  const result = await work();
  return [result, Number(process.hrtime.bigint() - started) / 1e9];
}

/** The IIN findings of the files, read one after the other as one extract worker does. */
async function iinsIn(files: readonly string[]): Promise<number> {
  let n = 0;
  for (const file of files) {
    const inspection = await inspectAttachment(file);
    if (inspection.inspected) n += inspection.findings.filter((f) => f.category === 'IIN').length;
  }
  return n;
}

async function textPdfs(dir: string): Promise<void> {
  const files = Array.from({ length: TEXT_PDFS }, (_, k) => path.join(dir, `text-${k}.pdf`));
  files.forEach((file, k) => textPdf(file, ['Staff list', `Employee ${k}, IIN ${iin(k)}`, 'Signed']));
  const [found, seconds] = await timed(() => iinsIn(files));
  console.log(
    `text PDFs: ${files.length} pages in ${seconds.toFixed(1)} s: ${(files.length / seconds).toFixed(1)} pages/s; IINs found ${found}/${files.length}`,
  );
}

/** XLSX staff lists of 1,000 rows with IINs: a sheet is a page. */
async function spreadsheets(dir: string): Promise<void> {
  const count = Number(process.env.BENCH_SHEETS ?? 20);
  const iins = validIins(1000);
  const files = Array.from({ length: count }, (_, k) => path.join(dir, `staff-${k}.xlsx`));
  for (const file of files)
    xlsx(file, [{ name: 'Staff', rows: iins.map((value, row) => [row + 1, `Employee ${row + 1}`, value]) }]);
  const [found, seconds] = await timed(() => iinsIn(files));
  console.log(
    `spreadsheets: ${count} sheets of 1,000 rows in ${seconds.toFixed(1)} s: ${(count / seconds).toFixed(1)} sheets/s (${fmt(rate(count * 1000, seconds))} rows/s); IINs found ${fmt(found)}/${fmt(count * 1000)}`,
  );
}

async function scans(dir: string): Promise<void> {
  const files = Array.from({ length: SCANS }, (_, k) => path.join(dir, `scan-${k}.png`));
  const [, renderSeconds] = await timed(async () => files.forEach((file, k) => scan(file, scanLines(k))));
  const [found, seconds] = await timed(async () => {
    let n = 0;
    for (const [k, file] of files.entries()) if (await holdsIin(file, iin(k))) n++;
    return n;
  });
  const recall = found / files.length;
  console.log(
    `scanned pages: ${files.length} rendered in ${renderSeconds.toFixed(1)} s; OCR and classification ${(files.length / seconds).toFixed(2)} pages/s (${(seconds / files.length).toFixed(2)} s a page, one process)`,
  );
  console.log(
    `${recall >= RECALL_FLOOR ? 'PASS' : 'MISS'} OCR recall of IINs on scans: ${found}/${files.length} = ${recall.toFixed(3)} vs floor ≥ ${RECALL_FLOOR}`,
  );
}

/** The scan's IIN is found: an IIN finding whose digits, in the OCR text, are exactly the IIN rendered. */
async function holdsIin(file: string, value: string): Promise<boolean> {
  const extraction = await extract(file);
  if (!extraction.inspected) return false;
  return extraction.pages.some((page) =>
    classify(page.text).some(
      (f) => f.category === 'IIN' && page.text.slice(f.start, f.end).replace(/\D/g, '') === value,
    ),
  );
}

/**
 * Black boxes (policy `redaction.attachments: boxes`) on the text PDFs and scans made above: copies a second, and
 * whether reading a copy back (the same OCR) still finds the IIN its original held: PASS when no copy does.
 */
async function redaction(dir: string): Promise<void> {
  const count = Math.min(10, SCANS, TEXT_PDFS);
  const files = Array.from({ length: count }, (_, k) => [
    { file: path.join(dir, `text-${k}.pdf`), k },
    { file: path.join(dir, `scan-${k}.png`), k },
  ]).flat();
  let leaks = 0;
  const [, seconds] = await timed(async () => {
    for (const { file, k } of files) {
      const inspection = await inspectAttachment(file);
      if (!inspection.inspected) continue;
      const boxes = new Map<number, Box[]>();
      for (const f of inspection.findings) boxes.set(f.page, [...(boxes.get(f.page) ?? []), ...(f.boxes ?? [])]);
      const copy = path.join(dir, `redacted-${path.basename(file)}`);
      writeFileSync(copy, (await redactFile(file, boxes, 60_000)).bytes);
      if (await holdsIin(copy, iin(k))) leaks++;
    }
  });
  console.log(
    `redaction: ${files.length} files (text PDFs and scans) read, boxed and read back in ${seconds.toFixed(1)} s: ${(files.length / seconds).toFixed(2)} files/s`,
  );
  console.log(`${leaks === 0 ? 'PASS' : 'MISS'} redacted copies whose IIN OCR still reads: ${leaks}/${files.length}`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agw-bench-extract-'));
  try {
    await textPdfs(dir);
    await spreadsheets(dir);
    await scans(dir);
    await redaction(dir);
    await importThroughput(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

/**
 * The same `import jsonl` a newcomer runs, twice on fresh databases: a chat of BENCH_IMPORT_MESSAGES messages
 * (default 5,000) without files, and the same chat with one message in fifty carrying its own small scanned note
 * (a distinct file each: OCR is not cached across files). The import ends when its attachments are read.
 */
async function importThroughput(dir: string): Promise<void> {
  const count = Number(process.env.BENCH_IMPORT_MESSAGES ?? 5000);
  const media = path.join(dir, 'media');
  mkdirSync(media, { recursive: true });
  const messages = makeMessages(count).map((m, k) => {
    if (k % 50 !== 49) return m;
    const name = `note-${k}.png`;
    execFileSync('convert', [
      '-size',
      '640x200',
      'xc:white',
      '-pointsize',
      '18',
      '-annotate',
      '+20+60',
      `Служебная записка № ${k}`,
      path.join(media, name),
    ]);
    return { ...m, attachments: [{ kind: 'photo', name, sourcePath: name }] };
  });
  const plain = messages.map(({ attachments: _attachments, ...m }: Record<string, unknown>) => m);
  const run = async (label: string, rows: readonly unknown[]) => {
    const world = await createImportWorld(['bench']);
    try {
      const file = path.join(world.dir, `${label}.jsonl`);
      writeJsonl(file, rows);
      const started = process.hrtime.bigint();
      const result = await world.importJson(['import', 'jsonl', file, '--agency', 'bench', '--attachments-dir', media]);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (result.code !== 0) throw new Error(`import ${label} exited ${result.code}: ${result.stderr.slice(-500)}`);
      return seconds;
    } finally {
      await world.close();
    }
  };
  const without = await run('plain', plain);
  const withFiles = await run('files', messages);
  const files = Math.floor(count / 50);
  console.log(
    `import jsonl of ${fmt(count)} messages: ${fmt(rate(count, without))} msg/s without attachments; ${fmt(rate(count, withFiles))} msg/s with ${files} (1 in 50), each read before the run ends (${((withFiles - without) / files).toFixed(2)} s a file)`,
  );
}
