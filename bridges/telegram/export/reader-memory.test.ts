import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeTelegramExport, type GenerateResult } from './generate.ts';
import { openTelegramExport } from './reader.ts';

// A bound on memory, not on time: the reader must stream whatever the export's size.
const MESSAGES = 200_000;
const MAX_RSS_GROWTH = 200 * 1024 * 1024;

describe('Telegram export reader on a large export', () => {
  let dir = '';
  let file = '';
  let generated: GenerateResult;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tg-large-'));
    file = path.join(dir, 'result.json');
    generated = await writeTelegramExport(file, { messages: MESSAGES });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it(`reads ${MESSAGES} messages with flat memory`, async (t) => {
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 25);
    const source = await openTelegramExport(file);
    const [chat] = await source.chats();
    assert.equal(chat?.expectedEntries, MESSAGES);
    let count = 0;
    let lastId = 0;
    let attachments = 0;
    for await (const entry of source.entries()) {
      count++;
      const id = Number(entry.message.messageId);
      assert.equal(id, lastId + 1);
      lastId = id;
      attachments += entry.message.attachments?.length ?? 0;
      if (count % 1000 === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    await source.close();
    assert.equal(count, MESSAGES);
    assert.ok(attachments > 0);
    assert.deepEqual(source.progress(), { bytesRead: generated.bytes, totalBytes: generated.bytes });
    const growth = peak - before;
    t.diagnostic(
      `${(generated.bytes / 1e6).toFixed(0)} MB export: RSS ${(before / 1e6).toFixed(0)} MB before, peak growth ${(growth / 1e6).toFixed(0)} MB`,
    );
    assert.ok(growth < MAX_RSS_GROWTH, `RSS grew by ${(growth / 1e6).toFixed(0)} MB`);
  });
});
