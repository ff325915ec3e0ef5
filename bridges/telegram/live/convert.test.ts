import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCanonicalMessage } from '../../../src/core/message.ts';
import { BOT_API_DOWNLOAD_LIMIT, convertUpdate, type TgUpdate } from './convert.ts';

const BOT_ID = 7000000001;
const group = { id: -1001987654321, title: 'Поликлиника №3', type: 'supergroup' };
const dana = {
  id: 111222333,
  is_bot: false,
  first_name: 'Dana',
  last_name: 'K',
  username: 'danak',
  language_code: 'ru',
};
const oleg = { id: 444555666, is_bot: false, first_name: 'Oleg' };

/** Realistic Bot API updates (shapes as getUpdates returns them), one per variant. */
const updates: Record<string, TgUpdate> = {
  text: {
    update_id: 100,
    message: {
      message_id: 51,
      from: dana,
      chat: group,
      date: 1717230000,
      text: 'Приём в 10:00, см. https://clinic.kz',
      entities: [
        { offset: 18, length: 16, type: 'url' },
        { offset: 0, length: 5, type: 'text_mention', user: oleg },
      ],
      reply_to_message: { message_id: 50, from: oleg, chat: group, date: 1717229000, text: 'Когда?' } as never,
    },
  },
  edit: {
    update_id: 101,
    edited_message: {
      message_id: 51,
      from: dana,
      chat: group,
      date: 1717230000,
      edit_date: 1717230300,
      text: 'Приём в 11:00',
    },
  },
  photo: {
    update_id: 102,
    message: {
      message_id: 52,
      from: dana,
      chat: group,
      date: 1717230400,
      caption: 'Справка',
      media_group_id: '1357',
      photo: [
        { file_id: 'AgACAgIAAx-small', file_unique_id: 'AQADs', file_size: 1200, width: 90, height: 67 } as never,
        { file_id: 'AgACAgIAAx-large', file_unique_id: 'AQADl', file_size: 81234, width: 1280, height: 960 } as never,
      ],
    },
  },
  bigVideo: {
    update_id: 103,
    message: {
      message_id: 53,
      from: dana,
      chat: group,
      date: 1717230500,
      video: { file_id: 'BAACAgIAAx-video', file_size: BOT_API_DOWNLOAD_LIMIT + 1, mime_type: 'video/mp4' },
    },
  },
  document: {
    update_id: 104,
    message: {
      message_id: 54,
      from: dana,
      chat: group,
      date: 1717230600,
      document: { file_id: 'BQACAgIAAx-doc', file_name: 'report.pdf', mime_type: 'application/pdf', file_size: 5000 },
    },
  },
  channelPost: {
    update_id: 105,
    channel_post: {
      message_id: 9,
      sender_chat: { id: -1001122334455, title: 'Новости', type: 'channel' },
      chat: { id: -1001122334455, title: 'Новости', type: 'channel' },
      date: 1717230700,
      text: 'Объявление',
      author_signature: 'Press office',
    },
  },
  editedChannelPost: {
    update_id: 106,
    edited_channel_post: {
      message_id: 9,
      sender_chat: { id: -1001122334455, title: 'Новости', type: 'channel' },
      chat: { id: -1001122334455, title: 'Новости', type: 'channel' },
      date: 1717230700,
      edit_date: 1717230800,
      text: 'Объявление (обновлено)',
    },
  },
  joined: {
    update_id: 107,
    message: {
      message_id: 55,
      from: oleg,
      chat: group,
      date: 1717230900,
      new_chat_members: [oleg],
      new_chat_member: oleg,
      new_chat_participant: oleg,
    } as never,
  },
  added: {
    update_id: 108,
    message: {
      message_id: 56,
      from: dana,
      chat: group,
      date: 1717231000,
      new_chat_members: [oleg, { id: 9, first_name: 'Aigul' }],
    },
  },
  left: {
    update_id: 109,
    message: {
      message_id: 57,
      from: oleg,
      chat: group,
      date: 1717231100,
      left_chat_member: oleg,
      left_chat_participant: oleg,
    } as never,
  },
  title: {
    update_id: 110,
    message: {
      message_id: 58,
      from: dana,
      chat: group,
      date: 1717231200,
      new_chat_title: 'Поликлиника №3 (регистратура)',
    },
  },
  forwarded: {
    update_id: 111,
    message: {
      message_id: 59,
      from: dana,
      chat: group,
      date: 1717231300,
      text: 'пересылаю',
      forward_origin: { type: 'user', sender_user: oleg, date: 1717000000 },
      forward_from: oleg,
      forward_date: 1717000000,
    },
  },
  dice: {
    update_id: 112,
    message: { message_id: 60, from: dana, chat: group, date: 1717231400, dice: { emoji: '🎲', value: 4 } },
  },
  ownPost: {
    update_id: 113,
    message: {
      message_id: 61,
      from: { id: BOT_ID, is_bot: true, first_name: 'Gateway' },
      chat: group,
      date: 1717231500,
      text: 'Ответ',
    },
  },
  private: {
    update_id: 114,
    message: {
      message_id: 3,
      from: dana,
      chat: { id: 111222333, type: 'private', first_name: 'Dana', last_name: 'K' },
      date: 1717231600,
      voice: { file_id: 'AwACAgIAAx-voice', duration: 3, mime_type: 'audio/ogg', file_size: 9000 } as never,
    },
  },
  callbackQuery: { update_id: 115, callback_query: { id: '1', from: dana, data: 'x' } },
};

const convert = (name: string) => {
  const converted = convertUpdate(updates[name]!, BOT_ID);
  assert.ok(converted, `${name} converts`);
  return converted;
};

describe('Telegram Bot API update → BridgeEvent', () => {
  it('a text message: ids, time, sender as the export writes them, entities, reply', () => {
    const { event, downloads } = convert('text');
    assert.equal(event.type, 'message');
    assert.ok(event.type === 'message');
    const m = event.message;
    assert.equal(m.chatId, '-1001987654321');
    assert.equal(m.messageId, '51');
    assert.equal(m.chatTitle, 'Поликлиника №3');
    assert.equal(m.sentAt, '2024-06-01T08:20:00.000Z');
    assert.equal(m.editedAt, null);
    assert.deepEqual(m.sender, { id: 'user111222333', name: 'Dana K' });
    assert.equal(m.text, 'Приём в 10:00, см. https://clinic.kz');
    assert.deepEqual(m.entities, [
      { type: 'url', offset: 18, length: 16 },
      { type: 'text_mention', offset: 0, length: 5, userId: 'user444555666' },
    ]);
    assert.equal(m.replyTo, '50');
    assert.equal(m.kind, 'message');
    assert.equal(event.fromSelf, undefined);
    assert.deepEqual(downloads, []);
    assert.ok(parseCanonicalMessage(m).ok);
  });

  it('an edited message is an edit of the same id, with editedAt from edit_date', () => {
    const { event } = convert('edit');
    assert.equal(event.type, 'edit');
    assert.ok(event.type === 'edit');
    assert.equal(event.message.messageId, '51');
    assert.equal(event.message.editedAt, '2024-06-01T08:25:00.000Z');
    assert.equal(event.message.text, 'Приём в 11:00');
  });

  it('a photo: the largest size is downloaded; the caption is the text', () => {
    const { event, downloads } = convert('photo');
    assert.ok(event.type === 'message');
    assert.equal(event.message.text, 'Справка');
    assert.deepEqual(event.message.attachments, [
      { kind: 'photo', name: 'photo_52.jpg', mime: 'image/jpeg', size: 81234, missing: false },
    ]);
    assert.deepEqual(downloads, [{ index: 0, fileId: 'AgACAgIAAx-large' }]);
    assert.equal(event.message.extra?.['mediaGroupId'], '1357');
  });

  it('a file over the 20 MB download limit is missing, and not downloaded', () => {
    const { event, downloads } = convert('bigVideo');
    assert.ok(event.type === 'message');
    assert.deepEqual(event.message.attachments, [
      { kind: 'video', name: 'video_53.mp4', mime: 'video/mp4', size: BOT_API_DOWNLOAD_LIMIT + 1, missing: true },
    ]);
    assert.deepEqual(downloads, []);
  });

  it('a document keeps its name and type; a voice note gets a name', () => {
    const doc = convert('document');
    assert.ok(doc.event.type === 'message');
    assert.deepEqual(doc.event.message.attachments, [
      { kind: 'file', name: 'report.pdf', mime: 'application/pdf', size: 5000, missing: false },
    ]);
    const voice = convert('private');
    assert.ok(voice.event.type === 'message');
    assert.equal(voice.event.message.chatTitle, 'Dana K');
    assert.equal(voice.event.message.chatId, '111222333');
    assert.deepEqual(voice.event.message.attachments, [
      { kind: 'voice', name: 'voice_3.ogg', mime: 'audio/ogg', size: 9000, missing: false },
    ]);
    assert.deepEqual(voice.downloads, [{ index: 0, fileId: 'AwACAgIAAx-voice' }]);
  });

  it('a channel post is sent by the channel; its edit is an edit', () => {
    const post = convert('channelPost');
    assert.ok(post.event.type === 'message');
    assert.deepEqual(post.event.message.sender, { id: 'channel1122334455', name: 'Новости' });
    assert.equal(post.event.message.extra?.['channelPost'], true);
    assert.equal(post.event.message.extra?.['author'], 'Press office');
    const edit = convert('editedChannelPost');
    assert.equal(edit.event.type, 'edit');
    assert.ok(edit.event.type === 'edit');
    assert.equal(edit.event.message.editedAt, '2024-06-01T08:33:20.000Z');
  });

  const services: [string, Record<string, unknown>][] = [
    ['joined', { type: 'joined', rawType: 'new_chat_members', actor: 'Oleg', members: ['Oleg'] }],
    ['added', { type: 'added', rawType: 'new_chat_members', actor: 'Dana K', members: ['Oleg', 'Aigul'] }],
    ['left', { type: 'left', rawType: 'left_chat_member', actor: 'Oleg', members: ['Oleg'] }],
    [
      'title',
      { type: 'title_changed', rawType: 'new_chat_title', actor: 'Dana K', title: 'Поликлиника №3 (регистратура)' },
    ],
  ];
  for (const [name, service] of services) {
    it(`service: ${name}`, () => {
      const { event } = convert(name);
      assert.equal(event.type, 'service');
      assert.equal(event.message.kind, 'service');
      assert.deepEqual(event.message.service, service);
      assert.equal(
        event.message.extra?.['rawType'],
        undefined,
        'the legacy duplicates (new_chat_member…) are not unknown content',
      );
      assert.ok(parseCanonicalMessage(event.message).ok);
    });
  }

  it('a forward names its origin', () => {
    const { event } = convert('forwarded');
    assert.ok(event.type === 'message');
    assert.deepEqual(event.message.forwardedFrom, { name: 'Oleg', id: 'user444555666' });
  });

  it('content the converter does not know is kept as kind unknown with its raw type', () => {
    const { event } = convert('dice');
    assert.ok(event.type === 'message');
    assert.equal(event.message.kind, 'unknown');
    assert.equal(event.message.extra?.['rawType'], 'dice');
    assert.deepEqual(event.message.extra?.['dice'], { emoji: '🎲', value: 4 });
  });

  it("the bot's own message is fromSelf (a candidate echo)", () => {
    const { event } = convert('ownPost');
    assert.ok(event.type === 'message');
    assert.equal(event.fromSelf, true);
  });

  it('an update kind the bridge does not forward converts to nothing', () => {
    assert.equal(convertUpdate(updates.callbackQuery!, BOT_ID), null);
  });
});
