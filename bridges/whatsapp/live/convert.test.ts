import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCanonicalMessage } from '../../../src/core/message.ts';
import type { WaGroupNotification, WaMessage } from './client-surface.ts';
import {
  chatIdOf,
  editEvent,
  groupEvent,
  messageEvent,
  personId,
  revokeEvent,
  type MessageContext,
} from './convert.ts';

const SELF = '77010000001@c.us';
const context: MessageContext = { selfId: SELF, selfName: 'Clinic desk' };
const T = 1_733_300_000; // 2024-12-04T08:13:20Z

function wa(fields: Partial<WaMessage> & { serial?: string; chat?: string }): WaMessage {
  const chat = fields.chat ?? '77011234567@c.us';
  const fromMe = fields.fromMe ?? false;
  const id = fields.serial ?? `${fromMe}_${chat}_3EB0AAAA`;
  return {
    id: { fromMe, remote: chat, id: id.split('_')[2] ?? id, _serialized: id },
    from: fromMe ? SELF : chat,
    to: fromMe ? chat : SELF,
    fromMe,
    body: '',
    timestamp: T,
    type: 'chat',
    hasMedia: false,
    hasQuotedMsg: false,
    downloadMedia: async () => null,
    getQuotedMessage: async () => null,
    getChat: async () => ({ id: { _serialized: chat }, fetchMessages: async () => [] }),
    ...fields,
  };
}

const cases: {
  name: string;
  message: WaMessage;
  context?: Partial<MessageContext>;
  expect: Record<string, unknown>;
}[] = [
  {
    name: 'a text in a personal chat: the chat id, the serialized message id, the sender by digits and push name',
    message: wa({ body: 'Сәлем', _data: { notifyName: 'Aliya' } }),
    expect: {
      chatId: '77011234567@c.us',
      messageId: 'false_77011234567@c.us_3EB0AAAA',
      sender: { id: '77011234567', name: 'Aliya' },
      text: 'Сәлем',
      sentAt: '2024-12-04T08:13:20.000Z',
    },
  },
  {
    name: 'a text in a group: the sender is the author',
    message: wa({
      chat: '120363025246125486@g.us',
      serial: 'false_120363025246125486@g.us_3EB0BBBB_77017654321@c.us',
      author: '77017654321@c.us',
      body: 'hi',
    }),
    expect: { chatId: '120363025246125486@g.us', sender: { id: '77017654321', name: '77017654321' } },
  },
  {
    name: "the account's own message: the account is the sender",
    message: wa({ fromMe: true, body: 'ours' }),
    expect: { chatId: '77011234567@c.us', sender: { id: '77010000001', name: 'Clinic desk' } },
  },
  {
    name: 'a reply keeps the quoted message id the connector resolved; a forward is marked',
    message: wa({ body: 'yes', hasQuotedMsg: true, isForwarded: true }),
    context: { quotedId: 'true_77011234567@c.us_3EB0CCCC' },
    expect: { replyTo: 'true_77011234567@c.us_3EB0CCCC', forwardedFrom: { name: 'forwarded' } },
  },
  {
    name: 'a photo with its bytes stored: the caption is the text, the attachment references the blob',
    message: wa({ type: 'image', hasMedia: true, body: 'caption' }),
    context: { media: { sha256: 'a'.repeat(64), size: 3, mime: 'image/jpeg' } },
    expect: {
      text: 'caption',
      attachments: [
        { kind: 'photo', name: 'photo.jpg', mime: 'image/jpeg', size: 3, sha256: 'a'.repeat(64), missing: false },
      ],
    },
  },
  {
    name: 'a document WhatsApp no longer has: a missing attachment under its file name',
    message: wa({ type: 'document', hasMedia: true, _data: { filename: 'report.pdf', mimetype: 'application/pdf' } }),
    context: { media: null },
    expect: { attachments: [{ kind: 'file', name: 'report.pdf', mime: 'application/pdf', missing: true }] },
  },
  {
    name: 'a voice note',
    message: wa({ type: 'ptt', hasMedia: true }),
    context: { media: { sha256: 'b'.repeat(64), size: 9, mime: 'audio/ogg; codecs=opus' } },
    expect: {
      attachments: [
        {
          kind: 'voice',
          name: 'voice.ogg',
          mime: 'audio/ogg; codecs=opus',
          size: 9,
          sha256: 'b'.repeat(64),
          missing: false,
        },
      ],
    },
  },
  {
    name: 'a location: coordinates in extra, its description as text',
    message: wa({ type: 'location', location: { latitude: '43.238', longitude: '76.945', description: 'Clinic' } }),
    expect: { text: 'Clinic', extra: { location: { latitude: 43.238, longitude: 76.945 } } },
  },
  {
    name: 'a contact card: the vCard is the text, so the classifier sees the number',
    message: wa({ type: 'vcard', vCards: ['BEGIN:VCARD\nTEL:+77011112233\nEND:VCARD'] }),
    expect: { text: 'BEGIN:VCARD\nTEL:+77011112233\nEND:VCARD', extra: { contact: true } },
  },
  {
    name: 'the encryption notice is a service event without a sender',
    message: wa({ type: 'e2e_notification' }),
    expect: { kind: 'service', sender: null, service: { type: 'encryption_notice', rawType: 'e2e_notification' } },
  },
  {
    name: 'an unknown type is kept, with its raw type',
    message: wa({ type: 'poll_creation', body: 'Lunch?' }),
    expect: { kind: 'unknown', text: 'Lunch?', extra: { rawType: 'poll_creation' } },
  },
  {
    name: 'an edited message fetched later carries its edit time',
    message: wa({ body: 'fixed', latestEditSenderTimestampMs: (T + 60) * 1000 }),
    expect: { editedAt: '2024-12-04T08:14:20.000Z' },
  },
];

for (const c of cases) {
  test(`convert: ${c.name}`, () => {
    const event = messageEvent(c.message, { ...context, ...c.context });
    assert.equal(event.type, 'message');
    if (event.type !== 'message') return;
    for (const [field, value] of Object.entries(c.expect))
      assert.deepEqual((event.message as Record<string, unknown>)[field], value, field);
    const parsed = parseCanonicalMessage(event.message);
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
  });
}

test('convert: fromSelf marks the account’s own messages only', () => {
  assert.equal(
    messageEvent(wa({ fromMe: true }), context).type === 'message' &&
      (messageEvent(wa({ fromMe: true }), context) as { fromSelf?: boolean }).fromSelf,
    true,
  );
  assert.equal((messageEvent(wa({}), context) as { fromSelf?: boolean }).fromSelf, undefined);
});

test('convert: message_edit gives an edit of the same id with the new text and the edit time', () => {
  const event = editEvent(wa({ body: 'old', latestEditSenderTimestampMs: (T + 120) * 1000 }), 'new', context);
  assert.equal(event.type, 'edit');
  if (event.type !== 'edit') return;
  assert.equal(event.message.messageId, 'false_77011234567@c.us_3EB0AAAA');
  assert.equal(event.message.text, 'new');
  assert.equal(event.message.editedAt, '2024-12-04T08:15:20.000Z');
});

test('convert: message_revoke_everyone gives a delete of the original id, by whoever revoked it', () => {
  const at = new Date('2024-12-04T09:00:00Z');
  const after = wa({ type: 'revoked', _data: { notifyName: 'Aliya' } });
  const event = revokeEvent(after, null, context, at);
  assert.deepEqual(event, {
    type: 'delete',
    platform: 'whatsapp',
    chatId: '77011234567@c.us',
    messageId: 'false_77011234567@c.us_3EB0AAAA',
    at: at.toISOString(),
    actor: { id: '77011234567', name: 'Aliya' },
  });
  const keyed = revokeEvent(
    { ...after, protocolMessageKey: { _serialized: 'false_77011234567@c.us_ORIGINAL' } },
    null,
    context,
    at,
  );
  assert.equal(keyed.type === 'delete' && keyed.messageId, 'false_77011234567@c.us_ORIGINAL');
  // a fetched message already revoked is a delete too
  assert.equal(messageEvent(after, context).type, 'delete');
});

const notification = (type: string, extra: Partial<WaGroupNotification> = {}): WaGroupNotification => ({
  id: { _serialized: `false_120363025246125486@g.us_N${type}` },
  body: '',
  chatId: '120363025246125486@g.us',
  recipientIds: ['77017654321@c.us'],
  timestamp: T,
  type,
  ...extra,
});

const groupCases: [string, WaGroupNotification, Record<string, unknown>][] = [
  ['invite → joined', notification('invite'), { type: 'joined', rawType: 'invite', members: ['77017654321'] }],
  [
    'add → added, by the admin',
    notification('add', { author: '77010000009@c.us' }),
    { type: 'added', rawType: 'add', actor: '77010000009', members: ['77017654321'] },
  ],
  ['leave → left', notification('leave'), { type: 'left', rawType: 'leave', members: ['77017654321'] }],
  ['remove → removed', notification('remove'), { type: 'removed', rawType: 'remove', members: ['77017654321'] }],
  [
    'subject → title_changed with the title',
    notification('subject', { body: 'Ward 3', recipientIds: [] }),
    { type: 'title_changed', rawType: 'subject', title: 'Ward 3' },
  ],
];

for (const [name, n, service] of groupCases) {
  test(`convert: group notification ${name}`, () => {
    const event = groupEvent(n, {});
    assert.equal(event.type, 'service');
    if (event.type !== 'service') return;
    assert.deepEqual(event.message.service, service);
    assert.equal(event.message.kind, 'service');
    assert.ok(parseCanonicalMessage(event.message).ok);
  });
}

test('convert: a notification without an id of its own gets the same derived id each time', () => {
  const n = { ...notification('leave'), id: {} };
  const a = groupEvent(n, {});
  const b = groupEvent({ ...n }, {});
  assert.equal(a.type === 'service' && a.message.messageId, b.type === 'service' && b.message.messageId);
  assert.match(String(a.type === 'service' && a.message.messageId), /^gn-[0-9a-f]{32}$/);
});

test('convert: ids', () => {
  assert.equal(personId('77011234567@c.us'), '77011234567');
  assert.equal(personId('77011234567:12@c.us'), '77011234567');
  assert.equal(personId('123456789012345@lid'), '123456789012345@lid');
  assert.equal(chatIdOf(wa({ fromMe: true, chat: '120363025246125486@g.us' })), '120363025246125486@g.us');
});
