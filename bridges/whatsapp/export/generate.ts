import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { corpusStream, mulberry32 } from '../../../src/classifier/corpus.ts';

/**
 * Writes a synthetic WhatsApp "Export chat" .txt of any size, as Android writes it in Russian (`13.01.2023, 08:00 -
 * Name: text`, 24-hour times, a continuation line for one message in five, the encryption notice first), with texts
 * from the classifier's seeded kk/ru/en corpus, a share of them with personal data. For the import benchmarks;
 * deterministic for a given seed.
 */

export interface WhatsAppGenerateOptions {
  /** lines in the file, the notice and continuation lines included */
  lines: number;
  seed?: number;
  /** share of the messages with personal data (an IIN, a phone, a diagnosis… from the labeled corpus) */
  personalDataRate?: number;
}

export interface WhatsAppGenerateResult {
  bytes: number;
  /** messages (header lines), the notice included */
  messages: number;
}

const SENDERS = ['Айгерим Сапарова', 'Ерлан Жумабаев', 'Dana Akhmetova', '+7 701 555 01 02', 'Нурлан Касымов'];
const CONTINUATIONS = ['и вторая строка сообщения', 'екінші жол', 'see the attached list, second line'];

const pad = (n: number) => String(n).padStart(2, '0');
const header = (at: Date) =>
  `${pad(at.getUTCDate())}.${pad(at.getUTCMonth() + 1)}.${at.getUTCFullYear()}, ${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())} - `;

export async function writeWhatsAppExport(
  file: string,
  options: WhatsAppGenerateOptions,
): Promise<WhatsAppGenerateResult> {
  const seed = options.seed ?? 1;
  const next = mulberry32(seed);
  const rate = options.personalDataRate ?? 0;
  const texts = corpusStream(seed, { positiveRate: rate, negativeRate: rate });
  const out = createWriteStream(file);
  let bytes = 0;
  let chunk: string[] = [];
  const flush = async () => {
    const text = chunk.join('');
    chunk = [];
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };
  let at = Date.UTC(2023, 0, 13, 8, 0, 0);
  chunk.push(
    `${header(new Date(at))}Сообщения и звонки защищены сквозным шифрованием. Никто вне этого чата не может их прочитать.\n`,
  );
  let lines = 1;
  let messages = 1;
  while (lines < options.lines) {
    at += 37_000;
    // texts from the corpus are single lines; a message's own line break is a continuation line
    const text = (texts.next().value as { text: string }).text.replace(/[\r\n]+/g, ' ');
    chunk.push(`${header(new Date(at))}${SENDERS[Math.floor(next() * SENDERS.length)]}: ${text}\n`);
    lines++;
    messages++;
    if (lines < options.lines && next() < 0.2) {
      chunk.push(`${CONTINUATIONS[Math.floor(next() * CONTINUATIONS.length)]}\n`);
      lines++;
    }
    if (chunk.length >= 2000) await flush();
  }
  await flush();
  out.end();
  await once(out, 'finish');
  return { bytes, messages };
}
