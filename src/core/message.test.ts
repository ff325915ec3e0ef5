import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalMessageSchema, parseCanonicalMessage } from './message.ts';

const full = {
  platform: 'whatsapp',
  chatId: '120363025246125486@g.us',
  messageId: 'wa:3f1c…',
  chatTitle: 'Регион — штаб',
  kind: 'message',
  sender: { id: '+77011234567', name: 'Ерлан' },
  sentAt: '2023-12-31T21:41:00+05:00',
  editedAt: null,
  text: 'Жиналыс ертең 10:00-де',
  entities: [{ type: 'italic', offset: 0, length: 8 }],
  replyTo: null,
  forwardedFrom: { name: 'Akimat', id: 'channel77' },
  attachments: [
    {
      kind: 'photo',
      name: 'IMG-20231231-WA0001.jpg',
      mime: 'image/jpeg',
      size: 52011,
      sha256: 'b'.repeat(64),
      missing: false,
    },
    { kind: 'file', name: '<Media omitted>', missing: true },
  ],
  service: null,
  reactions: [{ emoji: '🙏', count: 2, from: ['Ерлан', 'Aigerim'] }],
  extra: { location: { latitude: 43.238949, longitude: 76.889709 } },
};

describe('canonical message', () => {
  it('survives a JSON round trip unchanged', () => {
    const parsed = canonicalMessageSchema.parse(full);
    const again = canonicalMessageSchema.parse(JSON.parse(JSON.stringify(parsed)));
    assert.deepEqual(again, parsed);
  });

  it('normalizes zoned times to UTC and fills defaults', () => {
    const parsed = canonicalMessageSchema.parse({
      platform: 'telegram',
      chatId: '-100123',
      messageId: '1',
      sentAt: '2024-01-31T09:15:00+06:00',
    });
    assert.equal(parsed.sentAt, '2024-01-31T03:15:00.000Z');
    assert.equal(parsed.kind, 'message');
    assert.deepEqual(parsed.attachments, []);
    assert.equal(parsed.sender, null);
  });

  it('names every wrong field, and never echoes a value', () => {
    const result = parseCanonicalMessage({
      platform: 'viber',
      chatId: '',
      messageId: '5',
      sentAt: '31.12.2023 21:41',
      text: 940101300123,
      attachments: [{ name: 'x', sha256: 'not-a-hash' }],
    });
    assert.equal(result.ok, false);
    if (result.ok) return;
    for (const field of ['platform', 'chatId', 'sentAt', 'text', 'attachments.0.sha256'])
      assert.match(result.error, new RegExp(`${field.replace('.', '\\.')}:`));
    assert.ok(!result.error.includes('940101300123'));
    assert.ok(!result.error.includes('31.12.2023'));
  });

  it('refuses a time without a zone', () => {
    assert.equal(parseCanonicalMessage({ ...full, sentAt: '2023-12-31T21:41:00' }).ok, false);
  });
});
