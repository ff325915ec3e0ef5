import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeTelegramExport } from './generate.ts';
import { createReadStream } from 'node:fs';
import { indexTelegramExport } from './export-index.ts';
import { MessageArrayScanner } from './message-scanner.ts';
import { openTelegramExport } from './reader.ts';

/**
 * Parse throughput of the Telegram export reader over a generated export (~300 MB by default; the first argument
 * is the message count). Not run by the tests.
 *   node --import tsx bridges/telegram/export/bench-parse.ts [messages] [--streamparser]
 * --streamparser also times @streamparser/json over the same file, for comparison.
 */

const args = process.argv.slice(2);
const messages = Number(args.find((arg) => /^\d+$/.test(arg)) ?? 250_000);
const compare = args.includes('--streamparser');

const dir = await mkdtemp(path.join(tmpdir(), 'tg-bench-'));
const file = path.join(dir, 'result.json');
try {
  const generated = await writeTelegramExport(file, { messages });
  const mb = generated.bytes / 1e6;
  console.log(`generated ${generated.messages} messages, ${mb.toFixed(1)} MB`);
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const sample = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);

  let t = performance.now();
  await indexTelegramExport(file);
  let seconds = (performance.now() - t) / 1000;
  console.log(`index pass:            ${(mb / seconds).toFixed(0)} MB/s (${seconds.toFixed(2)} s)`);

  const index = await indexTelegramExport(file);
  const start = index.chats[0]?.messagesStart ?? 0;
  t = performance.now();
  const scanner = new MessageArrayScanner('first');
  let parsed = 0;
  let position = start + 1;
  for await (const chunk of createReadStream(file, { start: position, highWaterMark: 1 << 20 })) {
    for (const message of scanner.feed(chunk as Buffer, position))
      if (JSON.parse(message.bytes.toString('utf8'))) parsed++;
    position += (chunk as Buffer).length;
  }
  seconds = (performance.now() - t) / 1000;
  console.log(`split + JSON.parse:    ${(mb / seconds).toFixed(0)} MB/s, ${parsed} messages (${seconds.toFixed(2)} s)`);

  t = performance.now();
  const source = await openTelegramExport(file);
  let count = 0;
  for await (const entry of source.entries()) {
    if (entry.message.messageId !== '') count++;
  }
  await source.close();
  seconds = (performance.now() - t) / 1000;
  peak = Math.max(peak, process.memoryUsage().rss);
  console.log(
    `open + entries (index, split, JSON.parse, convert): ${(mb / seconds).toFixed(0)} MB/s, ${(count / seconds).toFixed(0)} messages/s (${seconds.toFixed(2)} s)`,
  );
  console.log(`RSS before ${(rssBefore / 1e6).toFixed(0)} MB, peak ${(peak / 1e6).toFixed(0)} MB`);

  if (compare) {
    const { JSONParser } = await import('@streamparser/json');
    t = performance.now();
    let seen = 0;
    const parser = new JSONParser({ paths: ['$.messages.*'], keepStack: false });
    parser.onValue = () => {
      seen++;
    };
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) parser.write(chunk as Buffer);
    seconds = (performance.now() - t) / 1000;
    console.log(
      `@streamparser/json (parse only): ${(mb / seconds).toFixed(0)} MB/s, ${seen} messages (${seconds.toFixed(2)} s)`,
    );
  }
  clearInterval(sample);
} finally {
  await rm(dir, { recursive: true, force: true });
}
