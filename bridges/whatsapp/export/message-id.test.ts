import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MessageIdAssigner, identityHash } from './message-id.ts';
import type { MessageIdentity } from './message-id.ts';

const base: MessageIdentity = {
  chatId: 'export:abc',
  sentAt: '2024-01-10T03:06:00.000Z',
  sender: 'name:Асхат',
  text: 'Ок',
};

describe('identityHash', () => {
  it('is 32 lowercase hex digits and stable', () => {
    assert.match(identityHash(base), /^[0-9a-f]{32}$/);
    assert.equal(identityHash({ ...base }), identityHash(base));
  });
  const variations: [string, Partial<MessageIdentity>][] = [
    ['chat', { chatId: '120363025246125486@g.us' }],
    ['time', { sentAt: '2024-01-10T03:07:00.000Z' }],
    ['sender', { sender: 'name:Жанар' }],
    ['text', { text: 'Ок!' }],
  ];
  for (const [name, change] of variations) {
    it(`changes with the ${name}`, () => assert.notEqual(identityHash({ ...base, ...change }), identityHash(base)));
  }
  it('keeps field boundaries apart', () => {
    assert.notEqual(
      identityHash({ ...base, sender: 'a', text: 'bc' }),
      identityHash({ ...base, sender: 'ab', text: 'c' }),
    );
  });
});

describe('MessageIdAssigner', () => {
  it('numbers identical entries in file order and restarts for another identity', () => {
    const ids = new MessageIdAssigner();
    const first = ids.next(base);
    const other = ids.next({ ...base, text: 'Спасибо' });
    const second = ids.next(base);
    const hash = identityHash(base);
    assert.deepEqual([first, second], [`${hash}:0`, `${hash}:1`]);
    assert.equal(other, `${identityHash({ ...base, text: 'Спасибо' })}:0`);
  });
  it('gives the same ids to the same sequence in a new assigner (a re-export)', () => {
    const sequence = [base, base, { ...base, sender: 'name:Жанар' }];
    const a = new MessageIdAssigner();
    const b = new MessageIdAssigner();
    assert.deepEqual(
      sequence.map((identity) => a.next(identity)),
      sequence.map((identity) => b.next(identity)),
    );
  });
});

describe('MessageIdAssigner over many identities', () => {
  it('counts each of 200,000 identities, some repeated, as a Map of their ids would (the table grows)', () => {
    const ids = new MessageIdAssigner();
    const expected = new Map<string, number>();
    for (let i = 0; i < 200_000; i++) {
      // every seventh entry repeats an earlier identity, some of them many times
      const identity = { ...base, text: `сообщение ${i % 7 === 0 ? i % 1000 : i}` };
      const hash = identityHash(identity);
      const occurrence = expected.get(hash) ?? 0;
      expected.set(hash, occurrence + 1);
      assert.equal(ids.next(identity), `${hash}:${occurrence}`);
    }
    assert.ok(
      [...expected.values()].some((n) => n > 10),
      'some identity is seen many times',
    );
  });
});

describe('identityHash is stable', () => {
  it('is the first 32 hex digits of sha256 over the JSON of the four fields, as every earlier import stored it', () => {
    // a re-import finds the messages already stored by these ids: the value must never change
    assert.equal(identityHash(base), '7750fb7cf2f0354fb837750e76de29ae');
  });
});
