/**
 * Attachments made by the tests themselves, none downloaded: PDFs written object by object, scans rendered by
 * ImageMagick at 300 dpi with noise and a slight tilt, HEIC encoded by libheif's heif-enc.
 */
import { execFileSync } from 'node:child_process';
import { deflateSync } from 'node:zlib';
import { readFileSync, writeFileSync } from 'node:fs';

/** A PDF from its objects (1-based, in order), with a correct cross-reference table. */
function pdf(objects: (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  const offsets: number[] = [];
  let length = parts[0]!.length;
  objects.forEach((body, k) => {
    offsets.push(length);
    const part = Buffer.concat([
      Buffer.from(`${k + 1} 0 obj\n`),
      typeof body === 'string' ? Buffer.from(body, 'latin1') : body,
      Buffer.from('\nendobj\n'),
    ]);
    parts.push(part);
    length += part.length;
  });
  const xref = [
    `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`,
    ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`),
    `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${length}\n%%EOF\n`,
  ].join('');
  return Buffer.concat([...parts, Buffer.from(xref, 'latin1')]);
}

const stream = (dict: string, data: Buffer) =>
  Buffer.concat([Buffer.from(`<< ${dict} /Length ${data.length} >>\nstream\n`), data, Buffer.from('\nendstream')]);

/** A one-page PDF with a text layer (Helvetica, so ASCII lines). */
export function textPdf(file: string, lines: string[]): void {
  const text = lines
    .map((line, k) => `BT /F1 12 Tf 72 ${720 - 18 * k} Td (${line.replace(/[()\\]/g, '\\$&')}) Tj ET`)
    .join('\n');
  writeFileSync(
    file,
    pdf([
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
      '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
      stream('', Buffer.from(text, 'latin1')),
    ]),
  );
}

/** A one-page PDF holding only a JPEG of a scan: no text layer. */
export function scannedPdf(file: string, jpeg: string): void {
  const [width, height] = execFileSync('identify', ['-format', '%w %h', jpeg], { encoding: 'utf8' })
    .split(' ')
    .map(Number) as [number, number];
  const [w, h] = [(width * 72) / 300, (height * 72) / 300];
  writeFileSync(
    file,
    pdf([
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${w} ${h}] /Resources << /XObject << /Im1 4 0 R >> >> /Contents 5 0 R >>`,
      stream(
        `/Type /XObject /Subtype /Image /Width ${width} /Height ${height} /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode`,
        readFileSync(jpeg),
      ),
      stream('', Buffer.from(`q ${w} 0 0 ${h} 0 0 cm /Im1 Do Q`, 'latin1')),
    ]),
  );
}

/** A scanned page: the lines rendered at 300 dpi in DejaVu Sans, grey, with noise and a slight tilt. */
export function scan(file: string, lines: string[]): void {
  execFileSync('convert', [
    '-density',
    '300',
    '-units',
    'PixelsPerInch',
    '-size',
    '2480x1000',
    'xc:white',
    '-font',
    'DejaVu-Sans',
    '-pointsize',
    '14',
    '-fill',
    'black',
    '-annotate',
    '+150+200',
    lines.join('\n'),
    '-attenuate',
    '0.4',
    '+noise',
    'Gaussian',
    '-rotate',
    '0.7',
    '-colorspace',
    'Gray',
    '-depth',
    '8',
    file,
  ]);
}

export function heic(png: string, file: string): void {
  execFileSync('heif-enc', [png, '-o', file], { stdio: 'ignore' });
}

/** A small PNG whose header declares 60,000 × 60,000 pixels: decoding it would take gigabytes. */
export function oversizedPng(file: string): void {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(60_000, 0);
  header.writeUInt32BE(60_000, 4);
  header[8] = 1; // one bit a pixel, grey
  const row = Buffer.alloc(1 + 60_000 / 8);
  const rows = deflateSync(Buffer.concat(Array.from({ length: 64 }, () => row)));
  writeFileSync(
    file,
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', header),
      chunk('IDAT', rows),
      chunk('IEND', Buffer.alloc(0)),
    ]),
  );
}

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
