import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { openJsonlSource } from '../../src/importers/jsonl-source.ts';

/**
 * Defect: the JSONL reader appended each read chunk to the pending partial line with Buffer.concat, copying the
 * whole line again for every chunk: quadratic in the line's length. Measured without a clock: the bytes
 * Buffer.concat produces while a long line (within a raised limit) is read stay within twice the line's length.
 */
describe('the JSONL line buffer', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aitu-quadratic-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('copies a long line a bounded number of times, and reads it right', async () => {
    const textBytes = 48 * 1024 * 1024;
    const file = path.join(dir, 'long.jsonl');
    const head = '{"platform":"telegram","chatId":"-1001","messageId":"1","sentAt":"2024-01-15T09:00:00Z","text":"';
    const fd = openSync(file, 'w');
    const chunk = Buffer.alloc(1024 * 1024, 'b');
    writeSync(fd, head);
    for (let written = 0; written < textBytes; written += chunk.length) writeSync(fd, chunk);
    writeSync(
      fd,
      '"}\n{"platform":"telegram","chatId":"-1001","messageId":"2","sentAt":"2024-01-15T09:01:00Z","text":"next"}\n',
    );
    closeSync(fd);
    const lineBytes = head.length + textBytes + 2;

    const source = await openJsonlSource(file, { limits: { maxLineBytes: 64 * 1024 * 1024 } });
    const concat = Buffer.concat;
    let copied = 0;
    Buffer.concat = ((list: readonly Uint8Array[], length?: number) => {
      const result = concat(list, length);
      copied += result.length;
      return result;
    }) as typeof Buffer.concat;
    const texts: { id: unknown; length: number }[] = [];
    try {
      for await (const entry of source.entries()) {
        assert.equal(entry.problem, undefined);
        texts.push({ id: entry.message.messageId, length: String(entry.message.text).length });
      }
    } finally {
      Buffer.concat = concat;
      await source.close();
    }
    assert.deepEqual(texts, [
      { id: '1', length: textBytes },
      { id: '2', length: 4 },
    ]);
    // the line is joined once (its bytes copied once); a chunk-by-chunk concatenation copies it ≈ 24 times over
    assert.ok(copied >= lineBytes, `the joining copy is seen (${copied} bytes copied)`);
    assert.ok(copied <= 2 * lineBytes, `${copied} bytes copied for a ${lineBytes}-byte line`);
  });
});
