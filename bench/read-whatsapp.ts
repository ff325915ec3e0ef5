/**
 * `npm run bench:read:whatsapp`: how fast the WhatsApp export reader reads, normalisation included. For each of a
 * few layouts (plain Android, iOS, and the ones that need normalising: Arabic-Indic digits with U+200F, a BOM at
 * every line and inside the bracket), it writes a synthetic export of BENCH_MESSAGES messages (default 200000, one
 * in five with a continuation line) to a temporary folder, then opens it (the first pass: date order, counts) and
 * reads every entry (the second pass: headers, classification, ids), and prints messages/s and MB/s of the two
 * passes together. Reader only: no database, no queues (bench:import:telegram measures a whole import).
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openWhatsAppExport } from '../bridges/whatsapp/export/reader.ts';
import { runBench } from './helpers.ts';

const MESSAGES = Number(process.env['BENCH_MESSAGES'] ?? 200_000);
const pad = (n: number): string => String(n).padStart(2, '0');
const arabic = (text: string): string => text.replace(/\d/g, (d) => String.fromCharCode(0x660 + Number(d)));

const LAYOUTS: [string, (d: Date) => string][] = [
  [
    'Android ru 24h',
    (d) =>
      `${pad(d.getUTCDate())}.${pad(d.getUTCMonth() + 1)}.${d.getUTCFullYear()}, ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} - Айгерим Сейтова: `,
  ],
  [
    'iOS en 12h',
    (d) =>
      `[${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear() % 100}, ${d.getUTCHours() % 12 || 12}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${d.getUTCHours() < 12 ? 'AM' : 'PM'}] Dana: `,
  ],
  [
    'Arabic-Indic digits, U+200F (normalised)',
    (d) =>
      `\u200F${arabic(pad(d.getUTCDate()))}\u200F/${arabic(pad(d.getUTCMonth() + 1))}\u200F/${arabic(String(d.getUTCFullYear()))}\u060C ${arabic(`${d.getUTCHours() % 12 || 12}:${pad(d.getUTCMinutes())}`)} ${d.getUTCHours() < 12 ? 'ص' : 'م'} - دانا: `,
  ],
  [
    'BOM at every line and in the bracket (normalised)',
    (d) =>
      `\uFEFF[\uFEFF${pad(d.getUTCDate())}.${pad(d.getUTCMonth() + 1)}.${d.getUTCFullYear() % 100}, ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}] Dana: `,
  ],
];

async function main(): Promise<void> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'bench-wa-'));
  try {
    console.log(`WhatsApp export reader: ${MESSAGES} messages per layout, both passes, Node ${process.version}`);
    for (const [name, header] of LAYOUTS) {
      const file = path.join(folder, `${name.replace(/\W+/g, '-')}.txt`);
      const lines: string[] = [];
      let at = Date.UTC(2023, 0, 13, 8, 0, 0);
      for (let i = 0; i < MESSAGES; i++) {
        at += 37_000;
        lines.push(`${header(new Date(at))}Коллеги, отчёт по обращениям за неделю номер ${i} готов`);
        if (i % 5 === 0) lines.push('и вторая строка сообщения');
      }
      await writeFile(file, `${lines.join('\n')}\n`);
      const bytes = (await stat(file)).size;
      const started = performance.now();
      const source = await openWhatsAppExport(file, { timezone: 'Asia/Almaty' });
      let count = 0;
      try {
        for await (const entry of source.entries()) if (entry.problem === undefined) count++;
      } finally {
        await source.close();
      }
      const seconds = (performance.now() - started) / 1000;
      if (count !== MESSAGES) throw new Error(`${name}: read ${count} of ${MESSAGES} messages`);
      console.log(
        `${name}: ${Math.round(count / seconds)} messages/s, ${(bytes / 1e6 / seconds).toFixed(1)} MB/s (${(bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(2)} s)`,
      );
    }
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

await runBench(main);
