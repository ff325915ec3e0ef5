import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeUtf8Strict, invalidUtf8Offset, LineSplitter, type Line, type LineSplitterOptions } from './lines.ts';

/** Feeds `input` in chunks of `size` and returns the lines as [number, text or null, length, end]. */
function split(
  input: string | Buffer,
  size: number,
  options: Partial<LineSplitterOptions> = {},
): [number, string | null, number, number][] {
  const bytes = typeof input === 'string' ? Buffer.from(input) : input;
  const splitter = new LineSplitter({ maxBytes: 1024, ...options });
  const lines: Line[] = [];
  for (let offset = 0; offset < bytes.length; offset += size)
    lines.push(...splitter.push(bytes.subarray(offset, offset + size)));
  lines.push(...splitter.end());
  return lines.map((line) => [line.number, line.bytes?.toString('utf8') ?? null, line.length, line.end]);
}

describe('LineSplitter', () => {
  it('splits on LF at every chunk size, keeping a CR before it and a last line without an end', () => {
    for (let size = 1; size <= 12; size++) {
      assert.deepEqual(
        split('ab\r\n\ncd\nef', size),
        [
          [1, 'ab\r', 3, 4],
          [2, '', 0, 5],
          [3, 'cd', 2, 8],
          [4, 'ef', 2, 10],
        ],
        `chunk ${size}`,
      );
    }
  });

  it('with crEndsLine splits as readline does: LF, CR LF and a lone CR each end one line', () => {
    for (let size = 1; size <= 14; size++) {
      const lines = split('a\r\nb\rc\n\r\nd\r', size, { crEndsLine: true }).map(([, text]) => text);
      assert.deepEqual(lines, ['a', 'b', 'c', '', 'd'], `chunk ${size}`);
    }
  });

  it('with crEndsLine, a buffer pushed again after being refilled is searched for CR afresh', () => {
    const splitter = new LineSplitter({ maxBytes: 1024, crEndsLine: true });
    const buffer = Buffer.from('a\nb\nc\rd\n');
    const text = (lines: Line[]) => lines.map((line) => line.bytes?.toString('utf8'));
    assert.deepEqual(text(splitter.push(buffer)), ['a', 'b', 'c', 'd']);
    buffer.write('e\rf\ng\nh\n');
    assert.deepEqual(text(splitter.push(buffer)), ['e', 'f', 'g', 'h']);
  });

  it('streams past a line longer than the maximum, keeping its length and its first bytes only', () => {
    const long = 'x'.repeat(50);
    for (let size = 1; size <= 60; size += 7) {
      const splitter = new LineSplitter({ maxBytes: 10, headBytes: 4, start: 100, linesBefore: 7 });
      const bytes = Buffer.from(`short\n${long}\nnext`);
      const lines: Line[] = [];
      for (let offset = 0; offset < bytes.length; offset += size)
        lines.push(...splitter.push(bytes.subarray(offset, offset + size)));
      lines.push(...splitter.end());
      assert.deepEqual(
        lines.map((line) => ({
          number: line.number,
          text: line.bytes?.toString() ?? null,
          length: line.length,
          head: line.head?.toString() ?? null,
          end: line.end,
        })),
        [
          { number: 8, text: 'short', length: 5, head: null, end: 106 },
          { number: 9, text: null, length: 50, head: 'xxxx', end: 157 },
          { number: 10, text: 'next', length: 4, head: null, end: 161 },
        ],
        `chunk ${size}`,
      );
    }
  });

  it('a line of exactly the maximum is kept', () => {
    assert.deepEqual(split('0123456789\n', 3, { maxBytes: 10 }), [[1, '0123456789', 10, 11]]);
  });
});

describe('strict UTF-8', () => {
  const cases: [string, number[], number][] = [
    ['ASCII', [0x61, 0x62], -1],
    ['Cyrillic and an emoji', [...Buffer.from('Сә👋')], -1],
    ['a lone continuation byte', [0x61, 0x80], 1],
    ['a truncated sequence at the end', [0x61, 0xd0], 1],
    ['an overlong form', [0xc0, 0xaf], 0],
    ['an overlong three-byte form', [0xe0, 0x80, 0xaf], 0],
    ['a UTF-16 surrogate', [0x61, 0xed, 0xa0, 0x80], 1],
    ['past U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0],
    ['0xff', [0x6f, 0x6b, 0xff], 2],
  ];
  for (const [name, bytes, offset] of cases) {
    it(`${name}: ${offset === -1 ? 'decoded' : `refused at byte ${offset}`}`, () => {
      const buffer = Buffer.from(bytes);
      assert.equal(invalidUtf8Offset(buffer), offset);
      assert.equal(decodeUtf8Strict(buffer), offset === -1 ? buffer.toString('utf8') : null);
    });
  }
});
