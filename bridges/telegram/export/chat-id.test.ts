import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeTelegramChatId } from './chat-id.ts';

describe('normalizeTelegramChatId', () => {
  const cases: Array<[id: number | string, type: string | undefined, expected: string]> = [
    [1987654321, 'private_supergroup', '-1001987654321'],
    [1987654321, 'public_supergroup', '-1001987654321'],
    [1876543210, 'private_channel', '-1001876543210'],
    ['1876543210', 'public_channel', '-1001876543210'],
    [912345678, 'private_group', '-912345678'],
    [500100202, 'personal_chat', '500100202'],
    [777000111, 'bot_chat', '777000111'],
    [500100201, 'saved_messages', '500100201'],
    [500100201, 'replies', '500100201'],
    [500100201, undefined, '500100201'],
    // already in Bot API form: unchanged whatever the type says
    ['-1001987654321', 'private_supergroup', '-1001987654321'],
    [-1001876543210, 'public_channel', '-1001876543210'],
    ['-912345678', 'private_group', '-912345678'],
    [' 912345678 ', 'private_group', '-912345678'],
  ];
  for (const [id, type, expected] of cases) {
    it(`${JSON.stringify(id)} (${type ?? 'no type'}) → ${expected}`, () => {
      assert.equal(normalizeTelegramChatId(id, type), expected);
    });
  }

  it('refuses an id that is not an integer', () => {
    for (const bad of ['', 'abc', '12.5', '1e9', '--5'])
      assert.throws(() => normalizeTelegramChatId(bad, 'personal_chat'), RangeError);
  });
});
