import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MessageArrayScanner, type ScannedMessage } from './message-scanner.ts';

/** Feeds `bytes` (positioned just after a `[`) in chunks of `size`, as a file stream would. */
function scan(
  bytes: Buffer,
  size: number,
  start: 'first' | 'afterElement' = 'first',
  maxElementBytes?: number,
): { messages: ScannedMessage[]; scanner: MessageArrayScanner } {
  const scanner = new MessageArrayScanner(start, maxElementBytes);
  const messages: ScannedMessage[] = [];
  for (let offset = 0; offset < bytes.length && !scanner.done && !scanner.problem; offset += size) {
    messages.push(...scanner.feed(bytes.subarray(offset, offset + size), offset));
  }
  return { messages, scanner };
}

// Strings holding every character that could fool a byte scanner: quotes, backslash runs, brackets, multi-byte text.
const tricky = [
  { id: 1, text: 'plain' },
  { id: 2, text: 'a "quoted" word and a backslash \\' },
  { id: 3, text: '\\\\\\"} ] { [ ,' },
  { id: 4, text: 'Қазақша 👋 мәтін }', nested: { list: [[], [{}], '}'], n: -1.5e3 } },
  { id: 5, text: '\\' },
  { id: 6, text: '' },
];

describe('MessageArrayScanner', () => {
  const body = Buffer.from(`\n  ${tricky.map((item) => JSON.stringify(item, null, 1)).join(',\n  ')}\n ]\n}`);

  it('scans past an object longer than the maximum without keeping it, at every chunk size', () => {
    const longest = Math.max(...tricky.map((item) => Buffer.byteLength(JSON.stringify(item, null, 1))));
    for (let size = 1; size <= body.length; size += size < 40 ? 1 : 17) {
      const { messages, scanner } = scan(body, size, 'first', longest - 1);
      assert.ok(scanner.done, `chunk ${size}`);
      const kept = messages.filter((message) => !message.tooLong);
      assert.deepEqual(
        kept.map((message) => JSON.parse(message.bytes.toString('utf8'))),
        tricky.filter((item) => Buffer.byteLength(JSON.stringify(item, null, 1)) < longest),
        `chunk ${size}`,
      );
      const skipped = messages.filter((message) => message.tooLong);
      assert.equal(skipped.length, 1, `chunk ${size}`);
      assert.equal(skipped[0]!.bytes.length, 0);
      assert.equal(skipped[0]!.end - skipped[0]!.start, longest);
    }
  });

  it('splits the array into its objects at every chunk size', () => {
    for (let size = 1; size <= body.length; size += size < 40 ? 1 : 17) {
      const { messages, scanner } = scan(body, size);
      assert.equal(scanner.problem, null, `chunk ${size}`);
      assert.ok(scanner.done, `chunk ${size}`);
      assert.deepEqual(
        messages.map((message) => JSON.parse(message.bytes.toString('utf8'))),
        tricky,
        `chunk ${size}`,
      );
      for (const message of messages) assert.deepEqual(body.subarray(message.start, message.end), message.bytes);
      assert.equal(body[scanner.endOffset], 0x5d);
    }
  });

  it('resumes after an element', () => {
    const { messages } = scan(body, 64);
    const second = messages[1];
    assert.ok(second);
    const rest = scan(body.subarray(second.end), 5, 'afterElement');
    assert.deepEqual(
      rest.messages.map((message) => JSON.parse(message.bytes.toString('utf8')).id),
      [3, 4, 5, 6],
    );
  });

  it('reads an empty array', () => {
    const { messages, scanner } = scan(Buffer.from(' ]'), 1);
    assert.deepEqual(messages, []);
    assert.ok(scanner.done);
  });

  const problems: Array<[string, string, number]> = [
    ['a missing comma between messages', '{"id": 1} {"id": 2}]', 10],
    ['a trailing comma', '{"id": 1},]', 10],
    ['a non-object element', '{"id": 1}, 7]', 11],
  ];
  for (const [name, text, offset] of problems) {
    it(`reports ${name} after the good elements`, () => {
      const { messages, scanner } = scan(Buffer.from(text), 3);
      assert.equal(messages.length, 1);
      assert.equal(scanner.problem?.offset, offset);
    });
  }

  it('knows when the data stopped inside a message', () => {
    const { messages, scanner } = scan(Buffer.from('{"id": 1}, {"id": 2, "text": "cut'), 4);
    assert.equal(messages.length, 1);
    assert.ok(!scanner.done);
    assert.ok(scanner.insideElement);
  });
});
