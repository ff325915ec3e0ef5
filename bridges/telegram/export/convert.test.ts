import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalMessageSchema, type CanonicalMessage } from '../../../src/core/message.ts';
import { convertTelegramMessage, TelegramMessageError, type TelegramChatContext } from './convert.ts';

const chat: TelegramChatContext = { chatId: '-1001987654321', chatTitle: 'Аудандық әкімдік — жедел штаб' };
const when = { date: '2024-01-31T09:05:12', date_unixtime: '1706673912' };
const aigerim = { from: 'Айгерим Сапарова', from_id: 'user500100201' };

/** Converts and validates: every conversion must satisfy the canonical schema. */
function convert(raw: Record<string, unknown>): CanonicalMessage {
  return canonicalMessageSchema.parse(convertTelegramMessage(raw, chat));
}

function entityTexts(message: CanonicalMessage): string[] {
  return message.entities.map((entity) => message.text.slice(entity.offset, entity.offset + entity.length));
}

describe('convertTelegramMessage: text and entities', () => {
  it('takes a plain string text as it is', () => {
    const message = convert({
      id: 3,
      type: 'message',
      ...when,
      ...aigerim,
      text: 'Сәлеметсіздер ме!',
      text_entities: [{ type: 'plain', text: 'Сәлеметсіздер ме!' }],
    });
    assert.equal(message.text, 'Сәлеметсіздер ме!');
    assert.deepEqual(message.entities, []);
    assert.equal(message.messageId, '3');
    assert.equal(message.chatId, chat.chatId);
    assert.equal(message.chatTitle, chat.chatTitle);
    assert.equal(message.platform, 'telegram');
    assert.equal(message.kind, 'message');
  });

  const parts = [
    { type: 'plain', text: 'Коллеги 👋 ' },
    { type: 'bold', text: 'Срочно:' },
    { type: 'plain', text: ' портал ' },
    { type: 'text_link', text: 'eGov', href: 'https://egov.kz/' },
    { type: 'plain', text: ', ' },
    { type: 'mention_name', text: 'Ерлан', user_id: 500100202 },
    { type: 'plain', text: ' — ' },
    { type: 'phone', text: '+7 701 234 56 78' },
    { type: 'plain', text: '\n' },
    { type: 'pre', text: 'SELECT 1;', language: 'sql' },
    { type: 'code', text: 'x', language: '' },
    { type: 'custom_emoji', text: '🔥', document_id: '5368324170671202286' },
  ];
  const mixed = parts.map((part) => (part.type === 'plain' ? part.text : part));
  const expectedText = parts.map((part) => part.text).join('');

  for (const [shape, fields] of [
    ['a mixed text array', { text: mixed }],
    ['text_entities', { text: 'stale', text_entities: parts }],
    ['text_entities over a differing text', { text: mixed.slice(0, 2), text_entities: parts }],
  ] as const) {
    it(`builds the plain text and UTF-16 entities from ${shape}`, () => {
      const message = convert({ id: 4, type: 'message', ...when, ...aigerim, ...fields });
      assert.equal(message.text, expectedText);
      assert.deepEqual(
        message.entities.map((entity) => entity.type),
        ['bold', 'text_link', 'mention_name', 'phone', 'pre', 'code', 'custom_emoji'],
      );
      assert.deepEqual(entityTexts(message), ['Срочно:', 'eGov', 'Ерлан', '+7 701 234 56 78', 'SELECT 1;', 'x', '🔥']);
      // the waving hand is two UTF-16 code units: the bold entity starts after "Коллеги 👋 " (11 units)
      assert.equal(message.entities[0]?.offset, 11);
      assert.equal(message.entities[1]?.url, 'https://egov.kz/');
      assert.equal(message.entities[2]?.userId, 'user500100202');
      assert.equal(message.entities[4]?.language, 'sql');
      assert.equal(message.entities[5]?.language, undefined);
    });
  }

  it('keeps an empty message empty', () => {
    const message = convert({ id: 5, type: 'message', ...when, ...aigerim, text: '', text_entities: [] });
    assert.equal(message.text, '');
    assert.deepEqual(message.entities, []);
  });
});

describe('convertTelegramMessage: times', () => {
  it('prefers date_unixtime over the zone-less local date', () => {
    // 09:05:12 in Astana (UTC+5) is 04:05:12 UTC; the local date must not be read as UTC.
    const message = convert({ id: 1, type: 'message', ...when, ...aigerim, text: 'x' });
    assert.equal(message.sentAt, '2024-01-31T04:05:12.000Z');
    assert.equal(message.extra['notes'], undefined);
  });

  it('falls back to the local date as UTC, with a note, only without date_unixtime', () => {
    const message = convert({ id: 1, type: 'message', date: '2024-01-31T09:05:12', ...aigerim, text: 'x' });
    assert.equal(message.sentAt, '2024-01-31T09:05:12.000Z');
    assert.match(String(message.extra['notes']), /UTC/);
  });

  it('reads edited_unixtime as editedAt', () => {
    const message = convert({
      id: 1,
      type: 'message',
      ...when,
      edited: '2024-01-31T09:15:02',
      edited_unixtime: '1706674502',
      ...aigerim,
      text: 'x',
    });
    assert.equal(message.editedAt, '2024-01-31T04:15:02.000Z');
  });

  it('refuses a message with no id or no date, naming fields and never values', () => {
    assert.throws(
      () => convertTelegramMessage({ type: 'message', ...when, text: 'ИИН 940101300123' }, chat),
      TelegramMessageError,
    );
    assert.throws(
      () => convertTelegramMessage({ id: 9, type: 'message', text: 'ИИН 940101300123' }, chat),
      (error: unknown) =>
        error instanceof TelegramMessageError && /date/.test(error.message) && !error.message.includes('940101300123'),
    );
    assert.throws(() => convertTelegramMessage('not an object', chat), TelegramMessageError);
  });
});

describe('convertTelegramMessage: people, replies, forwards', () => {
  const cases: Array<[string, Record<string, unknown>, (message: CanonicalMessage) => void]> = [
    [
      'from/from_id → sender',
      { ...aigerim },
      (m) => assert.deepEqual(m.sender, { id: 'user500100201', name: 'Айгерим Сапарова' }),
    ],
    [
      'a deleted account',
      { from: null, from_id: 'user500100299' },
      (m) => assert.deepEqual(m.sender, { id: 'user500100299', name: 'Deleted Account' }),
    ],
    ['no sender at all', {}, (m) => assert.equal(m.sender, null)],
    [
      'a channel post with a signature',
      { from: 'Әкімдік жаңалықтары', from_id: 'channel1876543210', author: 'Баспасөз қызметі' },
      (m) => {
        assert.deepEqual(m.sender, { id: 'channel1876543210', name: 'Әкімдік жаңалықтары' });
        assert.equal(m.extra['author'], 'Баспасөз қызметі');
        assert.equal(m.extra['channelPost'], true);
      },
    ],
    ['a reply', { ...aigerim, reply_to_message_id: 4 }, (m) => assert.equal(m.replyTo, '4')],
    [
      'a reply into another chat',
      { ...aigerim, reply_to_message_id: 4, reply_to_peer_id: 'channel1' },
      (m) => assert.equal(m.extra['replyToPeerId'], 'channel1'),
    ],
    [
      'a forward',
      { ...aigerim, forwarded_from: 'Министрлік' },
      (m) => assert.deepEqual(m.forwardedFrom, { name: 'Министрлік' }),
    ],
    [
      'a forward with its id',
      { ...aigerim, forwarded_from: 'Министрлік', forwarded_from_id: 'channel42' },
      (m) => assert.deepEqual(m.forwardedFrom, { name: 'Министрлік', id: 'channel42' }),
    ],
    [
      'a forward from a hidden account',
      { ...aigerim, forwarded_from: null },
      (m) => assert.deepEqual(m.forwardedFrom, { name: 'Deleted Account' }),
    ],
    [
      'saved_from and via_bot',
      { ...aigerim, saved_from: 'Ерлан', via_bot: '@gif' },
      (m) => assert.deepEqual([m.extra['savedFrom'], m.extra['viaBot']], ['Ерлан', '@gif']),
    ],
    ['no reply, no forward', { ...aigerim }, (m) => assert.deepEqual([m.replyTo, m.forwardedFrom], [null, null])],
  ];
  for (const [name, fields, check] of cases) {
    it(name, () => check(convert({ id: 7, type: 'message', ...when, text: 'x', ...fields })));
  }
});

describe('convertTelegramMessage: attachments', () => {
  const cases: Array<
    [string, Record<string, unknown>, CanonicalMessage['attachments'], Record<string, unknown> | undefined]
  > = [
    [
      'a photo with its file',
      { photo: 'photos/photo_1@31-01-2024_09-20-00.jpg', photo_file_size: 134, width: 1, height: 1 },
      [
        {
          kind: 'photo',
          name: 'photo_1@31-01-2024_09-20-00.jpg',
          mime: 'image/jpeg',
          size: 134,
          missing: false,
          sourcePath: 'photos/photo_1@31-01-2024_09-20-00.jpg',
        },
      ],
      { width: 1, height: 1 },
    ],
    [
      'a photo that was not exported',
      { photo: '(File not included. Change data exporting settings to download.)', width: 1280, height: 960 },
      [{ kind: 'photo', name: '', missing: true }],
      { width: 1280, height: 960, missingReason: '(File not included. Change data exporting settings to download.)' },
    ],
    [
      'a file in a full-account export',
      {
        file: 'chats/chat_002/files/Postanovlenie_45.pdf',
        file_name: 'Postanovlenie_45.pdf',
        file_size: 482113,
        mime_type: 'application/pdf',
      },
      [
        {
          kind: 'file',
          name: 'Postanovlenie_45.pdf',
          mime: 'application/pdf',
          size: 482113,
          missing: false,
          sourcePath: 'chats/chat_002/files/Postanovlenie_45.pdf',
        },
      ],
      undefined,
    ],
    [
      'a file too large to export',
      {
        file: '(File exceeds maximum size. Change data exporting settings to download.)',
        file_name: 'video.mp4',
        file_size: 104857600,
        mime_type: 'video/mp4',
      },
      [{ kind: 'file', name: 'video.mp4', mime: 'video/mp4', size: 104857600, missing: true }],
      { missingReason: '(File exceeds maximum size. Change data exporting settings to download.)' },
    ],
    [
      'a voice message',
      {
        file: 'voice_messages/audio_1.ogg',
        media_type: 'voice_message',
        mime_type: 'audio/ogg',
        duration_seconds: 7,
        file_size: 23456,
      },
      [
        {
          kind: 'voice',
          name: 'audio_1.ogg',
          mime: 'audio/ogg',
          size: 23456,
          missing: false,
          sourcePath: 'voice_messages/audio_1.ogg',
        },
      ],
      { mediaType: 'voice_message', durationSeconds: 7 },
    ],
    [
      'a video message',
      {
        file: 'round_video_messages/file_1.mp4',
        media_type: 'video_message',
        mime_type: 'video/mp4',
        duration_seconds: 12,
      },
      [
        {
          kind: 'video_message',
          name: 'file_1.mp4',
          mime: 'video/mp4',
          missing: false,
          sourcePath: 'round_video_messages/file_1.mp4',
        },
      ],
      { mediaType: 'video_message', durationSeconds: 12 },
    ],
    [
      'a sticker',
      {
        file: 'stickers/sticker.webp',
        thumbnail: 'stickers/sticker.webp_thumb.jpg',
        media_type: 'sticker',
        sticker_emoji: '👍',
        mime_type: 'image/webp',
        width: 512,
        height: 512,
      },
      [
        {
          kind: 'sticker',
          name: 'sticker.webp',
          mime: 'image/webp',
          missing: false,
          sourcePath: 'stickers/sticker.webp',
        },
      ],
      {
        mediaType: 'sticker',
        stickerEmoji: '👍',
        width: 512,
        height: 512,
        thumbnail: 'stickers/sticker.webp_thumb.jpg',
      },
    ],
    [
      'an animation',
      { file: 'video_files/IMG_0042.gif.mp4', media_type: 'animation', mime_type: 'video/mp4', duration_seconds: 3 },
      [
        {
          kind: 'animation',
          name: 'IMG_0042.gif.mp4',
          mime: 'video/mp4',
          missing: false,
          sourcePath: 'video_files/IMG_0042.gif.mp4',
        },
      ],
      { mediaType: 'animation', durationSeconds: 3 },
    ],
    [
      'a video file',
      { file: 'video_files/meeting.mp4', file_name: 'meeting.mp4', media_type: 'video_file', mime_type: 'video/mp4' },
      [
        {
          kind: 'video',
          name: 'meeting.mp4',
          mime: 'video/mp4',
          missing: false,
          sourcePath: 'video_files/meeting.mp4',
        },
      ],
      { mediaType: 'video_file' },
    ],
    [
      'an audio file with performer and title',
      {
        file: 'files/Gimn.mp3',
        file_name: 'Gimn.mp3',
        media_type: 'audio_file',
        mime_type: 'audio/mpeg',
        performer: 'Ансамбль',
        title: 'Менің Қазақстаным',
        duration_seconds: 182,
      },
      [{ kind: 'audio', name: 'Gimn.mp3', mime: 'audio/mpeg', missing: false, sourcePath: 'files/Gimn.mp3' }],
      { mediaType: 'audio_file', performer: 'Ансамбль', title: 'Менің Қазақстаным', durationSeconds: 182 },
    ],
    [
      'a media type from a newer Telegram',
      { file: 'files/x.bin', media_type: 'hologram' },
      [{ kind: 'hologram', name: 'x.bin', missing: false, sourcePath: 'files/x.bin' }],
      { mediaType: 'hologram' },
    ],
    ['no media', {}, [], undefined],
  ];
  for (const [name, fields, attachments, media] of cases) {
    it(name, () => {
      const message = convert({ id: 8, type: 'message', ...when, ...aigerim, text: '', ...fields });
      assert.deepEqual(message.attachments, attachments);
      assert.deepEqual(message.extra['media'], media);
    });
  }
});

describe('convertTelegramMessage: other payloads', () => {
  it('keeps polls, contacts, locations, self-destruct timers and bot buttons in extra', () => {
    const poll = {
      question: 'Қай күні?',
      closed: false,
      total_voters: 3,
      answers: [{ text: 'Сейсенбі', voters: 2, chosen: true }],
    };
    const buttons = [[{ type: 'url', text: 'Ашу', data: 'https://egov.kz/' }]];
    const message = convert({
      id: 15,
      type: 'message',
      ...when,
      ...aigerim,
      text: '',
      poll,
      contact_information: { first_name: 'Нурлан', last_name: 'Касымов', phone_number: '+7 701 234 56 78' },
      contact_vcard: 'contacts/contact_1.vcf',
      location_information: { latitude: 51.128207, longitude: 71.430411 },
      place_name: 'Әкімдік',
      address: 'Бейбітшілік көшесі, 11',
      self_destruct_period_seconds: 10,
      inline_bot_buttons: buttons,
    });
    assert.deepEqual(message.extra['poll'], poll);
    assert.deepEqual(message.extra['contact'], {
      first_name: 'Нурлан',
      last_name: 'Касымов',
      phone_number: '+7 701 234 56 78',
      vcard: 'contacts/contact_1.vcf',
    });
    assert.deepEqual(message.extra['location'], {
      latitude: 51.128207,
      longitude: 71.430411,
      placeName: 'Әкімдік',
      address: 'Бейбітшілік көшесі, 11',
    });
    assert.equal(message.extra['selfDestructPeriodSeconds'], 10);
    assert.deepEqual(message.extra['inlineBotButtons'], buttons);
  });

  it('maps emoji and custom emoji reactions', () => {
    const message = convert({
      id: 8,
      type: 'message',
      ...when,
      ...aigerim,
      text: 'x',
      reactions: [
        {
          type: 'emoji',
          count: 2,
          emoji: '👍',
          recent: [
            { from: 'Ерлан', from_id: 'user500100202', date: when.date },
            { from: 'Dana', from_id: 'user500100203', date: when.date },
          ],
        },
        { type: 'custom_emoji', count: 1, document_id: '5368324170671202286', recent: [] },
        { type: 'emoji', emoji: '🔥', recent: [{ from: 'Ерлан', from_id: 'user500100202' }] },
        { type: 'paid', count: 5 },
        { type: 'emoji', emoji: '😢', count: 0 },
      ],
    });
    assert.deepEqual(message.reactions, [
      { emoji: '👍', count: 2, from: ['user500100202', 'user500100203'] },
      { emoji: 'custom:5368324170671202286', count: 1 },
      { emoji: '🔥', count: 1, from: ['user500100202'] },
      { emoji: 'paid', count: 5 },
    ]);
  });

  it('keeps fields it does not know', () => {
    const message = convert({
      id: 8,
      type: 'message',
      ...when,
      ...aigerim,
      text: 'x',
      business_bot: 'x',
      paid_stars: 3,
    });
    assert.deepEqual(message.extra['otherFields'], { business_bot: 'x', paid_stars: 3 });
  });
});

describe('convertTelegramMessage: message types', () => {
  const cases: Array<[string, string | undefined, string]> = [
    ['unsupported', 'unsupported', 'unsupported'],
    ['a type from a newer Telegram', 'story', 'story'],
    ['no type at all', undefined, '(none)'],
  ];
  for (const [name, type, rawType] of cases) {
    it(`keeps ${name} as an unknown kind`, () => {
      const message = convert({
        id: 33,
        ...(type ? { type } : {}),
        ...when,
        ...aigerim,
        text: 'Смотрите',
        story_id: 77,
      });
      assert.equal(message.kind, 'unknown');
      assert.equal(message.extra['rawType'], rawType);
      assert.equal(message.text, 'Смотрите');
      assert.deepEqual(message.sender, { id: 'user500100201', name: 'Айгерим Сапарова' });
      assert.deepEqual(message.extra['otherFields'], { story_id: 77 });
    });
  }
});

describe('convertTelegramMessage: service messages', () => {
  const actor = { actor: 'Айгерим Сапарова', actor_id: 'user500100201' };
  const cases: Array<[action: string, fields: Record<string, unknown>, expected: Record<string, unknown>]> = [
    [
      'create_group',
      { title: 'Бөлім', members: ['Ерлан', 'Нурлан'] },
      { type: 'created', title: 'Бөлім', members: ['Ерлан', 'Нурлан'] },
    ],
    ['create_channel', { title: 'Жаңалықтар' }, { type: 'created', title: 'Жаңалықтар' }],
    ['invite_members', { members: ['Ерлан', null] }, { type: 'added', members: ['Ерлан', 'Deleted Account'] }],
    ['remove_members', { members: ['Бекзат'] }, { type: 'removed', members: ['Бекзат'] }],
    ['remove_members', { members: ['Айгерим Сапарова'] }, { type: 'left', members: ['Айгерим Сапарова'] }],
    ['join_group_by_link', { inviter: 'Ерлан' }, { type: 'joined', details: { inviter: 'Ерлан' } }],
    ['join_group_by_request', {}, { type: 'joined' }],
    ['edit_group_title', { title: 'Жаңа атау' }, { type: 'title_changed', title: 'Жаңа атау' }],
    ['edit_group_photo', { photo: 'photos/photo_2.jpg', width: 640, height: 640 }, { type: 'photo_changed' }],
    ['delete_group_photo', {}, { type: 'photo_changed' }],
    ['pin_message', { message_id: 4 }, { type: 'pinned', targetMessageId: '4' }],
    ['migrate_to_supergroup', {}, { type: 'migrated' }],
    ['migrate_from_group', { title: 'Ескі топ' }, { type: 'migrated', title: 'Ескі топ' }],
    ['clear_history', {}, { type: 'history_cleared' }],
    [
      'phone_call',
      { duration_seconds: 95, discard_reason: 'hangup' },
      { type: 'call', details: { duration_seconds: 95, discard_reason: 'hangup' } },
    ],
    ['group_call', { duration_seconds: 1260 }, { type: 'call', details: { duration_seconds: 1260 } }],
    ['set_messages_ttl', { period: 86400 }, { type: 'other', details: { period: 86400 } }],
    [
      'topic_created',
      { title: 'Кезек', message_id: 12 },
      { type: 'other', title: 'Кезек', details: { message_id: 12 } },
    ],
    ['some_future_action', { future_field: 42 }, { type: 'other', details: { future_field: 42 } }],
  ];
  for (const [action, fields, expected] of cases) {
    it(`${action} ${JSON.stringify(fields)} → ${String(expected['type'])}`, () => {
      const message = convert({
        id: 30,
        type: 'service',
        ...when,
        ...actor,
        action,
        ...fields,
        text: '',
        text_entities: [],
      });
      assert.equal(message.kind, 'service');
      assert.deepEqual(message.sender, { id: 'user500100201', name: 'Айгерим Сапарова' });
      assert.deepEqual(message.service, { rawType: action, actor: 'Айгерим Сапарова', ...expected });
    });
  }

  it('references a new group photo as an attachment', () => {
    const message = convert({
      id: 23,
      type: 'service',
      ...when,
      ...actor,
      action: 'edit_group_photo',
      photo: 'photos/photo_2.jpg',
      width: 640,
      height: 640,
      text: '',
    });
    assert.deepEqual(message.attachments, [
      { kind: 'photo', name: 'photo_2.jpg', mime: 'image/jpeg', missing: false, sourcePath: 'photos/photo_2.jpg' },
    ]);
    assert.deepEqual(message.extra['media'], { width: 640, height: 640 });
  });

  it('keeps a service message with no action as other', () => {
    const message = convert({ id: 31, type: 'service', ...when, text: '' });
    assert.equal(message.service?.type, 'other');
    assert.equal(message.service?.rawType, '(none)');
    assert.equal(message.sender, null);
  });
});
