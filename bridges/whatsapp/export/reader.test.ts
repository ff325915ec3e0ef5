import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { InputError, UsageError } from '../../../src/core/errors.ts';
import type { HistoryEntry } from '../../../src/core/history.ts';
import { canonicalMessageSchema } from '../../../src/core/message.ts';
import type { CanonicalMessage } from '../../../src/core/message.ts';
import { chatTitleFromFileName, derivedChatId, openWhatsAppExport, senderOf } from './reader.ts';
import type { WhatsAppExportOptions, WhatsAppHistorySource } from './reader.ts';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const fixture = (name: string): string => join(fixtures, name);
const ALMATY = 'Asia/Almaty';

interface Read {
  source: WhatsAppHistorySource;
  entries: HistoryEntry[];
  messages: CanonicalMessage[];
}

/** Reads a whole export; every message must pass the canonical schema, as the pipeline's ingest will demand. */
async function readExport(name: string, options: WhatsAppExportOptions = {}): Promise<Read> {
  const source = await openWhatsAppExport(fixture(name), { timezone: ALMATY, ...options });
  try {
    const entries: HistoryEntry[] = [];
    for await (const entry of source.entries()) entries.push(entry);
    const messages = entries.map((entry) => canonicalMessageSchema.parse(entry.message));
    return { source, entries, messages };
  } finally {
    await source.close();
  }
}

async function bytesOf(stream: Readable | null): Promise<Buffer> {
  assert.ok(stream, 'expected a stream');
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const types = (messages: CanonicalMessage[]): string[] =>
  messages.map((m) => (m.kind === 'service' ? `service:${m.service?.type}` : m.kind));

describe('WhatsApp export: Android English 12-hour with U+202F', () => {
  let read: Read;
  before(async () => {
    read = await readExport('android-en-12h.txt');
  });

  it('reads every entry, month first', async () => {
    assert.equal(read.messages.length, 10);
    assert.equal(read.source.dateOrder, 'MDY');
    assert.deepEqual(await read.source.chats(), [
      {
        platform: 'whatsapp',
        sourceChatId: derivedChatId('android-en-12h'),
        title: 'android-en-12h',
        expectedEntries: 10,
      },
    ]);
  });

  it('reads 12-hour times in the given zone', () => {
    const times = read.messages.map((m) => m.sentAt);
    assert.equal(times[3], '2023-12-28T03:15:00.000Z'); // 9:15 AM at UTC+6
    assert.equal(times[5], '2023-12-28T06:05:00.000Z'); // 12:05 PM
    assert.equal(times[8], '2023-12-28T18:10:00.000Z'); // 12:10 AM on the 29th
    assert.equal(times[9], '2024-01-02T14:45:00.000Z'); // 8:45 PM
  });

  it('shifts with another zone', async () => {
    const moscow = await readExport('android-en-12h.txt', { timezone: 'Europe/Moscow' });
    moscow.messages.forEach((m, index) => {
      const almaty = read.messages[index];
      assert.ok(almaty);
      assert.equal(Date.parse(m.sentAt) - Date.parse(almaty.sentAt), 3 * 3600 * 1000);
    });
  });

  it('tells system lines, people and phones apart', () => {
    assert.deepEqual(types(read.messages), [
      'service:encryption_notice',
      'service:created',
      'service:added',
      'message',
      'message',
      'message',
      'message',
      'message',
      'service:deleted',
      'message',
    ]);
    assert.equal(read.messages[0]?.sender, null);
    assert.deepEqual(read.messages[3]?.sender, { id: 'name:Aigerim Nurlanovna', name: 'Aigerim Nurlanovna' });
    assert.deepEqual(read.messages[5]?.sender, { id: '77012345678', name: '+7 701 234 56 78' });
    assert.equal(read.messages[5]?.text, 'Please send the applicant file, IIN 940101300123');
    assert.deepEqual(read.messages[8]?.sender, { id: 'name:Yerlan Seitov', name: 'Yerlan Seitov' });
  });

  it('turns the media placeholder into a missing attachment and the location into extra', () => {
    assert.deepEqual(read.messages[6]?.attachments, [{ kind: 'file', name: '<Media omitted>', missing: true }]);
    assert.deepEqual(read.messages[9]?.extra['location'], {
      latitude: 43.238949,
      longitude: 76.889709,
      url: 'https://maps.google.com/?q=43.238949,76.889709',
    });
  });

  it('reports progress through the whole text', () => {
    const progress = read.source.progress();
    assert.ok(progress.totalBytes > 0);
    assert.equal(progress.bytesRead, progress.totalBytes);
  });
});

describe('WhatsApp export: Android Russian 24-hour', () => {
  it('reads entries, system lines and the edited hint', async () => {
    const { messages, source } = await readExport('android-ru-24h.txt');
    assert.equal(source.dateOrder, 'DMY');
    assert.deepEqual(types(messages), [
      'service:encryption_notice',
      'service:created',
      'service:added',
      'message',
      'message',
      'message',
      'message',
      'service:deleted',
      'service:title_changed',
      'message',
      'service:left',
    ]);
    assert.equal(messages[1]?.service?.title, 'Штаб ЧС района');
    assert.deepEqual(messages[2]?.service?.members, ['Ерлан Сейтов']);
    assert.equal(messages[6]?.text, 'У заявителя диагноз туберкулез, ИИН 940101300123, просит перенести приём');
    assert.equal(messages[9]?.sentAt, '2023-12-31T15:41:00.000Z');
    assert.equal(messages[9]?.text, 'С Новым годом!');
    assert.equal(messages[9]?.extra['edited'], true);
    assert.deepEqual(messages[5]?.attachments, [{ kind: 'file', name: '<Без медиафайлов>', missing: true }]);
  });
});

describe('WhatsApp export: iOS Russian (CRLF, U+200E, seconds)', () => {
  it('reads system lines written from the chat name, phones and multi-line text', async () => {
    const { messages, source } = await readExport('ios-ru.txt');
    assert.equal(source.title, 'Отдел ЦОН', 'the title comes from the notice when the file name has none');
    assert.equal(messages.length, 8);
    assert.deepEqual(types(messages).slice(0, 3), ['service:encryption_notice', 'service:created', 'service:added']);
    for (const system of messages.slice(0, 3)) assert.equal(system.sender, null);
    assert.deepEqual(messages[2]?.service?.members, ['+7 701 234 56 78']);
    assert.equal(messages[3]?.sentAt, '2024-01-12T03:14:21.000Z');
    assert.deepEqual(messages[4]?.sender, { id: '77012345678', name: '+7 701 234 56 78' });
    assert.deepEqual(messages[5]?.attachments, [{ kind: 'photo', name: 'изображение отсутствует', missing: true }]);
    assert.equal(messages[6]?.text, 'Пришлите, пожалуйста, справку\nна почту danamur@mail.kz');
    assert.equal(messages[7]?.service?.type, 'deleted');
    for (const m of messages) assert.ok(!/[\r\u200E]/.test(m.text), 'no CR or marks survive');
  });

  it('takes --chat-name over anything in the file', async () => {
    const { source, messages } = await readExport('ios-ru.txt', { chatName: 'ЦОН Алматы' });
    assert.equal(source.title, 'ЦОН Алматы');
    assert.equal(messages[0]?.chatTitle, 'ЦОН Алматы');
    assert.equal(messages[0]?.chatId, derivedChatId('ЦОН Алматы'));
  });
});

describe('WhatsApp export: iOS English', () => {
  it('reads AM/PM with seconds, attachments absent from a .txt, and a missed call', async () => {
    const { messages, source } = await readExport('ios-en.txt');
    assert.equal(source.dateOrder, 'MDY');
    assert.equal(source.title, 'Regional Health Office');
    assert.equal(messages.length, 8);
    assert.equal(messages[5]?.sentAt, '2024-01-13T07:15:45.000Z');
    assert.equal(messages[7]?.sentAt, '2024-01-13T15:41:05.000Z');
    assert.deepEqual(messages[3]?.attachments, [
      {
        kind: 'photo',
        name: '00000003-PHOTO-2024-01-13-09-01-30.jpg',
        mime: 'image/jpeg',
        missing: true,
        sourcePath: '00000003-PHOTO-2024-01-13-09-01-30.jpg',
      },
    ]);
    assert.deepEqual(messages[4]?.attachments, [{ kind: 'photo', name: 'image omitted', missing: true }]);
    assert.equal(messages[6]?.service?.type, 'call');
    assert.deepEqual(messages[6]?.sender, { id: 'name:Aliya Bekova', name: 'Aliya Bekova' });
  });
});

describe('WhatsApp export: Kazakh-language phone', () => {
  it('reads Kazakh system lines, placeholders and captions', async () => {
    const { messages } = await readExport('android-kk.txt');
    assert.deepEqual(types(messages), [
      'service:encryption_notice',
      'service:created',
      'service:added',
      'message',
      'message',
      'message',
      'message',
      'service:deleted',
      'service:call',
      'service:title_changed',
      'service:joined',
      'service:removed',
      'service:left',
      'service:number_changed',
      'service:other',
    ]);
    assert.equal(messages[0]?.sentAt, '2023-12-28T03:00:00.000Z');
    assert.deepEqual(messages[5]?.attachments, [{ kind: 'file', name: '<Файл қосылған жоқ>', missing: true }]);
    assert.equal(messages[6]?.text, 'Өтініш берушінің құжаты, ЖСН 940101300123');
    assert.equal(messages[6]?.attachments[0]?.name, 'IMG-20231228-WA0003.jpg');
    assert.equal(messages[6]?.attachments[0]?.missing, true);
    assert.deepEqual([messages[11]?.service?.actor, messages[11]?.service?.members], ['Әсел Қанатқызы', ['Дәурен']]);
    assert.equal(messages[14]?.service?.rawType, 'system_line');
  });
});

describe('WhatsApp export: multi-line messages and every system line', () => {
  let read: Read;
  before(async () => {
    read = await readExport('multiline-and-system.txt');
  });

  it('joins continuation lines, blank ones included', () => {
    const plan = read.messages.find((m) => m.text.startsWith('Plan for tomorrow'));
    assert.equal(plan?.text, 'Plan for tomorrow:\n- 09:00 briefing\n\n- 10:30 site visit: Abai ave. 15');
    const last = read.messages.at(-1);
    assert.equal(last?.text, 'Email me the list: madina.k@gov.kz\nPhone +7 701 234 56 78');
    const video = read.messages.find((m) => m.attachments.length > 0);
    assert.equal(video?.text, 'Footage from the site\nsecond caption line');
    assert.equal(video?.attachments[0]?.kind, 'video');
  });

  it('covers every service kind', () => {
    const kinds = new Set(read.messages.filter((m) => m.kind === 'service').map((m) => m.service?.type));
    for (const kind of [
      'encryption_notice',
      'created',
      'added',
      'joined',
      'title_changed',
      'photo_changed',
      'deleted',
      'call',
      'number_changed',
      'removed',
      'left',
      'pinned',
      'other',
    ]) {
      assert.ok(kinds.has(kind as never), kind);
    }
    assert.equal(read.messages.length, 18);
    const created = read.messages.find((m) => m.service?.type === 'created');
    assert.equal(created?.service?.title, 'Emergency HQ: Almaty');
    assert.equal(created?.sender, null);
  });

  it('resumes after every checkpoint with exactly the remaining entries', async () => {
    const ids = read.messages.map((m) => m.messageId);
    const source = await openWhatsAppExport(fixture('multiline-and-system.txt'), { timezone: ALMATY });
    try {
      for (const [index, entry] of read.entries.entries()) {
        const checkpoint = JSON.parse(JSON.stringify(entry.checkpoint)) as Record<string, unknown>;
        const rest: string[] = [];
        for await (const next of source.entries({ resumeAfter: checkpoint })) rest.push(next.message.messageId);
        assert.deepEqual(rest, ids.slice(index + 1), `after entry ${index}`);
      }
      await assert.rejects(async () => {
        for await (const _ of source.entries({ resumeAfter: { entryIndex: 'x' } })) break;
      }, InputError);
    } finally {
      await source.close();
    }
  });

  it('attaches the history to a live chat id when given', async () => {
    const live = await readExport('multiline-and-system.txt', { chatId: '120363025246125486@g.us' });
    assert.ok(live.messages.every((m) => m.chatId === '120363025246125486@g.us'));
    assert.notEqual(live.messages[0]?.messageId, read.messages[0]?.messageId);
  });
});

describe('WhatsApp export: undecidable date order', () => {
  it('decides from the advance of dates when no day above 12 does', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'wa-advance-'));
    try {
      const path = join(folder, 'advance.txt');
      await writeFile(path, '10/01/24, 09:00 - A: x\n02/02/24, 09:00 - A: y\n05/03/24, 09:00 - A: z\n');
      const source = await openWhatsAppExport(path, { timezone: ALMATY });
      await source.close();
      assert.equal(source.dateOrder, 'DMY');
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('stops with a usage error asking for --date-format', async () => {
    await assert.rejects(
      openWhatsAppExport(fixture('undecidable-dates.txt'), { timezone: ALMATY }),
      (error: unknown) => {
        assert.ok(error instanceof UsageError);
        assert.equal(error.exitCode, 2);
        assert.match(error.message, /--date-format/);
        // which orders remain, and what each makes of the first ambiguous date
        assert.match(error.message, /line 1\b.*DMY reads it as 3 April 2024, MDY reads it as 4 March 2024/);
        return true;
      },
    );
  });

  let folder = '';
  let written = 0;
  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'wa-order-'));
  });
  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });
  /** Opens a file written from `text`, read in Almaty. */
  async function openText(text: string, options: WhatsAppExportOptions = {}): Promise<WhatsAppHistorySource> {
    const path = join(folder, `chat-${++written}.txt`);
    await writeFile(path, text);
    return openWhatsAppExport(path, { timezone: ALMATY, ...options });
  }
  const refusal = (pattern: RegExp) => (error: unknown) => {
    assert.ok(error instanceof UsageError);
    assert.match(error.message, pattern);
    return true;
  };

  it('names day first and year first, and how each reads the date, when a two-digit year leaves both', async () => {
    const kazakh = await readFile(fixture('variant-language-decides.txt'), 'utf8');
    // without WhatsApp's Kazakh notice, 13.06.23 is 13 June 2023 or 23 June 2013
    const withoutNotice = kazakh.split('\n').slice(1).join('\n');
    await assert.rejects(
      openText(withoutNotice),
      refusal(
        /orders still possible are DMY and YMD; .*line 1, is 13\/06\/23: DMY reads it as 13 June 2023, YMD reads it as 23 June 2013/,
      ),
    );
  });

  it("takes the language of WhatsApp's words on Android lines only: iOS writes dates in the region, not the language", async () => {
    const android =
      '03.04.2024, 10:00 - Сообщения и звонки защищены сквозным шифрованием.\n05.06.2024, 10:05 - Дана: да\n';
    const source = await openText(android);
    await source.close();
    assert.equal(source.dateOrder, 'DMY');
    const ios =
      '[03.04.2024, 10:00:00] Штаб: \u200EСообщения и звонки защищены сквозным шифрованием.\n[05.06.2024, 10:05:00] Дана: да\n';
    await assert.rejects(openText(ios), refusal(/orders still possible are DMY and MDY;/));
    // English words are written in every order: they settle nothing
    const english = '03.04.2024, 10:00 - Messages and calls are end-to-end encrypted.\n05.06.2024, 10:05 - Dana: yes\n';
    await assert.rejects(openText(english), refusal(/orders still possible are DMY and MDY;/));
  });

  it('names the first line that ruled out each order when the dates contradict each other', async () => {
    const text = '13/01/24, 10:00 - A: x\n01/13/24, 10:00 - A: y\n';
    await assert.rejects(openText(text), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.match(error.message, /line 1 reads only as DMY or YMD, line 2 reads only as MDY/);
      return true;
    });
  });

  it('keeps a typed date with the month in words as text in a file of numeric dates', async () => {
    const text =
      '28.12.2023, 10:05 - Айгерим: План:\n15 января 10:00 - совещание\n16 янв. 14:00 - выезд\n28.12.2023, 10:06 - Дана: Ок\n';
    const source = await openText(text);
    const messages: CanonicalMessage[] = [];
    try {
      for await (const entry of source.entries()) messages.push(canonicalMessageSchema.parse(entry.message));
    } finally {
      await source.close();
    }
    assert.deepEqual(
      messages.map((message) => message.text),
      ['План:\n15 января 10:00 - совещание\n16 янв. 14:00 - выезд', 'Ок'],
    );
  });

  it('reads with --date-format, in the order given', async () => {
    const dmy = await readExport('undecidable-dates.txt', { dateFormat: 'DMY' });
    const mdy = await readExport('undecidable-dates.txt', { dateFormat: 'MDY' });
    assert.equal(dmy.messages.length, 3);
    // Almaty has been UTC+5 since 1 March 2024.
    assert.equal(dmy.messages[0]?.sentAt, '2024-04-03T05:00:00.000Z');
    assert.equal(mdy.messages[0]?.sentAt, '2024-03-04T05:00:00.000Z');
    assert.equal(dmy.messages[2]?.text, 'Reports received, thank you');
  });
});

describe('WhatsApp export: a longer re-export of the same chat', () => {
  it('gives the common messages the same ids and only the new ones new ids', async () => {
    const first = await readExport('extended/WhatsApp Chat with Штаб ЦОН.txt');
    const second = await readExport('extended/WhatsApp Chat with Штаб ЦОН (1).txt');
    assert.equal(first.source.title, 'Штаб ЦОН');
    assert.equal(second.source.chatId, first.source.chatId);
    const firstIds = first.messages.map((m) => m.messageId);
    const secondIds = second.messages.map((m) => m.messageId);
    assert.deepEqual(secondIds.slice(0, firstIds.length), firstIds);
    const known = new Set(firstIds);
    const fresh = second.messages.filter((m) => !known.has(m.messageId));
    assert.equal(fresh.length, second.messages.length - first.messages.length);
    assert.deepEqual(
      fresh.map((m) => m.text),
      ['Заявитель ИИН 940101300123 придёт завтра', 'Принято', 'Ок', 'Итоги месяца на почте zhanar@con.kz'],
    );
    assert.equal(new Set(secondIds).size, secondIds.length, 'every id is distinct');
  });

  it('tells identical twins apart by their occurrence', async () => {
    const { messages } = await readExport('extended/WhatsApp Chat with Штаб ЦОН.txt');
    const twins = messages.filter((m) => m.text === 'Ок');
    assert.equal(twins.length, 2);
    assert.equal(twins[0]?.sentAt, twins[1]?.sentAt);
    assert.deepEqual(
      twins.map((m) => m.messageId.split(':')[1]),
      ['0', '1'],
    );
    assert.equal(twins[0]?.messageId.split(':')[0], twins[1]?.messageId.split(':')[0]);
  });
});

// The bytes make-zips.py stored: a JPEG's markers around 0..63, an Ogg/Opus header.
const JPEG = Buffer.concat([
  Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]),
  Buffer.from('JFIF\0', 'latin1'),
  Buffer.from(Array.from({ length: 64 }, (_, i) => i)),
  Buffer.from([0xff, 0xd9]),
]);
const OPUS = Buffer.concat([
  Buffer.from('OggS\0\x02', 'latin1'),
  Buffer.alloc(22),
  Buffer.from('OpusHead\x01\x01', 'latin1'),
  Buffer.from(Array.from({ length: 40 }, (_, i) => i)),
]);

describe('WhatsApp export: zip with media', () => {
  it('finds the chat text, marks present and missing files, and opens present ones', async () => {
    const source = await openWhatsAppExport(fixture('android-with-media.zip'), { timezone: ALMATY });
    try {
      assert.equal(source.title, 'Приёмная акимата');
      assert.deepEqual(source.warnings(), []);
      const messages: CanonicalMessage[] = [];
      for await (const entry of source.entries()) messages.push(canonicalMessageSchema.parse(entry.message));
      assert.equal(messages.length, 6);
      const attachments = messages.flatMap((m) => m.attachments);
      assert.deepEqual(
        attachments.map((a) => [a.kind, a.name, a.missing, a.size ?? null]),
        [
          ['photo', 'IMG-20240115-WA0001.jpg', false, JPEG.length],
          ['voice', 'PTT-20240115-WA0002.opus', false, OPUS.length],
          ['video', 'VID-20240115-WA0003.mp4', true, null],
          ['file', '<Без медиафайлов>', true, null],
        ],
      );
      assert.equal(messages[1]?.text, 'Справка о диагнозе заявителя: туберкулез');
      assert.deepEqual(await bytesOf(await source.openAttachment('IMG-20240115-WA0001.jpg')), JPEG);
      assert.deepEqual(await bytesOf(await source.openAttachment('PTT-20240115-WA0002.opus')), OPUS);
      assert.equal(await source.openAttachment('VID-20240115-WA0003.mp4'), null);
      const progress = source.progress();
      assert.equal(progress.bytesRead, progress.totalBytes);
    } finally {
      await source.close();
    }
  });
});

describe('WhatsApp export: iOS zip with _chat.txt', () => {
  it('reads _chat.txt and opens the attached photo; the absent voice note is missing', async () => {
    const source = await openWhatsAppExport(fixture('ios-with-media.zip'), { timezone: ALMATY });
    try {
      assert.equal(source.title, 'Отдел ЦОН');
      const messages: CanonicalMessage[] = [];
      for await (const entry of source.entries()) messages.push(canonicalMessageSchema.parse(entry.message));
      assert.equal(messages.length, 4);
      assert.equal(messages[1]?.sentAt, '2024-01-15T05:05:10.000Z');
      assert.deepEqual(
        messages.flatMap((m) => m.attachments).map((a) => [a.kind, a.missing, a.sourcePath]),
        [
          ['photo', false, '00000002-PHOTO-2024-01-15-11-05-10.jpg'],
          ['voice', true, '00000003-AUDIO-2024-01-15-11-06-00.opus'],
        ],
      );
      assert.deepEqual(await bytesOf(await source.openAttachment('00000002-PHOTO-2024-01-15-11-05-10.jpg')), JPEG);
      assert.equal(messages[3]?.text, 'Справка во вложении');
    } finally {
      await source.close();
    }
  });
});

describe('WhatsApp export: zip with entries escaping the folder', () => {
  it('refuses and reports them, and still reads the chat', async () => {
    const source = await openWhatsAppExport(fixture('traversal.zip'), { timezone: ALMATY });
    try {
      const warnings = source.warnings();
      assert.equal(warnings.length, 1);
      assert.match(warnings[0] ?? '', /"\.\.\/evil\.txt"/);
      assert.match(warnings[0] ?? '', /"\/etc\/evil"/);
      for (const name of ['../evil.txt', '/etc/evil', 'evil', '..', ''])
        assert.equal(await source.openAttachment(name), null, name);
      const messages: CanonicalMessage[] = [];
      for await (const entry of source.entries()) messages.push(canonicalMessageSchema.parse(entry.message));
      assert.equal(messages.length, 3);
      assert.deepEqual(messages[0]?.attachments, [
        { kind: 'file', name: '../evil.txt', mime: 'text/plain', missing: true },
      ]);
      assert.equal(messages[2]?.text, 'Что это за файлы?');
    } finally {
      await source.close();
    }
  });
});

/** One fixture per layout issue 25 lists: what each entry becomes, its UTC time (read in Asia/Almaty), any problem. */
const variants: {
  name: string;
  file: string;
  options?: WhatsAppExportOptions;
  order: 'DMY' | 'MDY' | 'YMD';
  /** per entry: `problem:<line>` for an unreadable one, else `<type> <UTC time>` */
  entries: string[];
  texts?: string[];
}[] = [
  {
    name: 'lines before the first message are unreadable entries with their line numbers',
    file: 'variant-lines-before-first-message.txt',
    order: 'DMY',
    entries: [
      'problem:1',
      'problem:2',
      'problem:4',
      'message 2023-12-28T04:05:00.000Z',
      'message 2023-12-28T04:06:00.000Z',
    ],
  },
  {
    name: 'byte-order marks at every line start and inside the bracket, marks around a phone number',
    file: 'variant-bom-and-marks.txt',
    order: 'DMY',
    entries: [
      'message 2018-01-29T06:24:03.000Z',
      'message 2018-01-29T06:25:00.000Z',
      'message 2018-01-29T06:26:30.000Z',
    ],
    texts: ['first', 'second', ''],
  },
  {
    name: 'older iOS without brackets, with its system line',
    file: 'variant-older-ios.txt',
    order: 'MDY',
    entries: [
      'service:created 2016-07-01T10:56:55.000Z',
      'message 2016-07-01T10:57:10.000Z',
      'message 2016-07-13T03:01:00.000Z',
    ],
    texts: ['Aigerim created this group', 'hello', 'morning\nsecond line'],
  },
  {
    name: 'a colon after the time and no dash',
    file: 'variant-colon-after-time.txt',
    order: 'DMY',
    // 13/06/15 alone could be 15 June 2013; 02/07/15 cannot be year first (2002), so day first is left
    entries: [
      'message 2015-06-13T04:59:59.000Z',
      'message 2015-06-14T02:00:00.000Z',
      'message 2015-07-02T03:30:00.000Z',
    ],
  },
  {
    name: 'time before a worded date',
    file: 'variant-time-before-date.txt',
    order: 'DMY',
    entries: ['message 2013-08-28T13:23:00.000Z', 'message 2013-08-29T02:05:00.000Z'],
  },
  {
    name: 'iOS time before date',
    file: 'variant-ios-time-before-date.txt',
    order: 'MDY',
    entries: ['message 2022-03-18T08:56:01.000Z', 'message 2022-03-19T03:00:00.000Z'],
  },
  {
    name: 'day periods in words',
    file: 'variant-day-periods.txt',
    order: 'DMY',
    entries: [
      'message 2021-01-03T03:15:00.000Z',
      'message 2021-01-03T09:15:00.000Z',
      'message 2021-01-03T16:15:00.000Z',
      'message 2021-01-12T20:15:00.000Z',
    ],
  },
  {
    name: 'Spanish, German and Arabic AM/PM words with no-break spaces',
    file: 'variant-meridiem-words.txt',
    // its one date, 18/3/22, is 18 March 2022 or 22 March 2018: the fixture is about the clock words
    options: { dateFormat: 'DMY' },
    order: 'DMY',
    entries: [
      'message 2022-03-18T08:56:00.000Z',
      'message 2022-03-18T03:05:00.000Z',
      'message 2022-03-18T17:05:00.000Z',
    ],
  },
  {
    name: 'Korean and Chinese markers before the time',
    file: 'variant-meridiem-east-asian.txt',
    order: 'YMD',
    entries: ['message 2022-03-18T08:57:00.000Z', 'message 2022-03-18T04:00:00.000Z'],
  },
  {
    name: 'Arabic-Indic digits, the Arabic comma and U+200F; the text keeps its digits',
    file: 'variant-arabic-digits.txt',
    order: 'DMY',
    entries: ['message 2018-01-29T06:24:00.000Z', 'message 2018-01-30T03:05:00.000Z'],
    texts: ['مرحبا ٣', 'صباح'],
  },
  {
    name: 'Extended Arabic-Indic digits (Persian)',
    file: 'variant-persian-digits.txt',
    order: 'DMY',
    entries: ['message 2022-03-18T08:56:01.000Z'],
    texts: ['سلام ۵'],
  },
  {
    name: 'Thai Buddhist-era years',
    file: 'variant-thai-buddhist-era.txt',
    order: 'MDY',
    entries: ['message 2022-03-18T08:56:01.000Z', 'message 2022-03-19T03:00:00.000Z'],
  },
  {
    name: 'Thai Buddhist-era years without BE',
    file: 'variant-thai-buddhist-era-unmarked.txt',
    order: 'DMY',
    entries: ['message 2022-03-18T08:56:01.000Z', 'message 2022-03-19T03:00:00.000Z'],
  },
  {
    name: 'a two-digit year first (Korean yy. M. d.), settled by a one-digit day',
    file: 'variant-two-digit-year-first.txt',
    order: 'YMD',
    entries: ['message 2022-03-08T08:56:00.000Z', 'message 2022-03-18T03:00:00.000Z'],
  },
  {
    name: 'month names in Russian, German, French, Turkish, Portuguese, Spanish and Kazakh',
    file: 'variant-month-names.txt',
    order: 'DMY',
    entries: [
      'message 2013-08-28T13:23:00.000Z',
      'message 2013-08-29T02:05:00.000Z',
      'message 2013-08-30T03:10:00.000Z',
      'message 2013-09-02T04:00:00.000Z',
      'message 2013-09-03T05:00:00.000Z',
      'message 2013-09-04T06:00:00.000Z',
      'message 2013-09-05T07:00:00.000Z',
      'message 2013-09-06T08:00:00.000Z',
    ],
  },
  {
    name: 'month names without a year, day or month first, rolling over into January',
    file: 'variant-month-names-no-year.txt',
    options: { year: 2022 },
    order: 'DMY',
    entries: [
      'message 2022-12-30T16:14:00.000Z',
      'message 2022-12-31T17:59:00.000Z',
      'message 2022-12-31T18:01:00.000Z',
      'message 2023-03-05T14:11:00.000Z',
      'message 2023-03-06T03:00:00.000Z',
    ],
  },
  {
    name: "WhatsApp's Kazakh words settle day first where the dates allow day or year first",
    file: 'variant-language-decides.txt',
    order: 'DMY',
    entries: [
      'service:encryption_notice 2023-06-13T03:00:00.000Z',
      'message 2023-06-13T03:05:00.000Z',
      'message 2023-06-14T04:00:00.000Z',
    ],
  },
  {
    name: 'Japanese era years (Reiwa, Heisei)',
    file: 'variant-japanese-era.txt',
    order: 'MDY',
    entries: ['message 2022-03-18T08:56:01.000Z', 'message 2019-04-30T03:00:00.000Z'],
  },
  {
    name: 'no year, with --year, rolling over from December to January',
    file: 'variant-no-year.txt',
    options: { year: 2022 },
    order: 'DMY',
    entries: [
      'message 2022-12-30T16:14:00.000Z',
      'message 2022-12-31T17:59:00.000Z',
      'message 2022-12-31T18:01:00.000Z',
    ],
  },
];

describe('WhatsApp export: layouts in the wild (issue 25)', () => {
  for (const variant of variants) {
    it(variant.name, async () => {
      const source = await openWhatsAppExport(fixture(variant.file), { timezone: ALMATY, ...variant.options });
      const entries: HistoryEntry[] = [];
      try {
        for await (const entry of source.entries()) entries.push(entry);
      } finally {
        await source.close();
      }
      assert.equal(source.dateOrder, variant.order);
      assert.deepEqual(await source.chats().then((chats) => chats[0]?.expectedEntries), variant.entries.length);
      const described = entries.map((entry) => {
        if (entry.problem !== undefined) return `problem:${/line (\d+)/.exec(entry.problem)?.[1]}`;
        const message = canonicalMessageSchema.parse(entry.message);
        return `${message.kind === 'service' ? `service:${message.service?.type}` : message.kind} ${message.sentAt}`;
      });
      assert.deepEqual(described, variant.entries);
      for (const entry of entries) {
        if (entry.problem !== undefined) assert.ok(entry.problem.includes(fixture(variant.file)), entry.problem);
      }
      if (variant.texts) {
        const texts = entries.filter((entry) => entry.problem === undefined).map((entry) => entry.message.text);
        assert.deepEqual(texts, variant.texts);
      }
    });
  }

  it('keeps a phone-number sender wrapped in direction marks as its digits', async () => {
    const read = await readExport('variant-bom-and-marks.txt');
    assert.deepEqual(
      read.messages.map((m) => m.sender?.id),
      ['name:Dana', '77012345678', 'name:Dana'],
    );
  });

  it('asks for --year naming the first line without one', async () => {
    await assert.rejects(
      openWhatsAppExport(fixture('variant-no-year.txt'), { timezone: ALMATY }),
      (error: unknown) =>
        error instanceof UsageError && /variant-no-year\.txt, line 1\b.*--year <yyyy>/.test(error.message),
    );
  });

  it('refuses a year that cannot be one', async () => {
    await assert.rejects(
      openWhatsAppExport(fixture('variant-no-year.txt'), { timezone: ALMATY, year: 22 }),
      UsageError,
    );
  });

  it('resumes a yearless export with the same years', async () => {
    const source = await openWhatsAppExport(fixture('variant-no-year.txt'), { timezone: ALMATY, year: 2022 });
    const times: string[] = [];
    try {
      for await (const entry of source.entries({ resumeAfter: { entryIndex: 2, line: 2 } }))
        times.push(String(entry.message.sentAt));
    } finally {
      await source.close();
    }
    assert.deepEqual(times, ['2022-12-31T18:01:00.000Z']);
  });
});

describe('WhatsApp export: bad input', () => {
  let folder: string;
  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'wa-export-'));
  });
  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });
  const write = async (name: string, text: string): Promise<string> => {
    const path = join(folder, name);
    await writeFile(path, text);
    return path;
  };

  it('reads on past text before the first message: an unreadable entry naming the file and line, never the text', async () => {
    const path = await write('junk.txt', '\nсекретный текст 940101300123\n28.12.2023, 10:05 - Айгерим: ok\n');
    const source = await openWhatsAppExport(path, { timezone: ALMATY });
    const entries: HistoryEntry[] = [];
    try {
      for await (const entry of source.entries()) entries.push(entry);
    } finally {
      await source.close();
    }
    assert.equal(entries.length, 2);
    const problem = entries[0]?.problem ?? '';
    assert.ok(problem.includes(path));
    assert.match(problem, /line 2\b/);
    assert.ok(!problem.includes('940101300123'));
    assert.ok(!JSON.stringify(entries[0]?.message).includes('940101300123'));
    assert.equal(entries[1]?.problem, undefined);
    assert.equal(entries[1]?.message.text, 'ok');
  });

  it('refuses a file with no message line at all, naming the file', async () => {
    const path = await write('no-messages.txt', '\uFEFF1\nChat With Aigerim\n\nsome sentence\n');
    await assert.rejects(
      openWhatsAppExport(path, { timezone: ALMATY }),
      (error: unknown) =>
        error instanceof InputError && error.message.includes(path) && /no WhatsApp message line/.test(error.message),
    );
  });

  it('names the line of a header whose date does not exist', async () => {
    const path = await write(
      'impossible.txt',
      '28.12.2023, 10:05 - Айгерим: ok\n30.02.2024, 10:05 - Айгерим: секрет\n',
    );
    const source = await openWhatsAppExport(path, { timezone: ALMATY });
    try {
      await assert.rejects(
        async () => {
          for await (const _ of source.entries());
        },
        (error: unknown) =>
          error instanceof InputError && /line 2\b/.test(error.message) && !error.message.includes('секрет'),
      );
    } finally {
      await source.close();
    }
  });

  it('stops on dates that contradict each other', async () => {
    const path = await write('conflict.txt', '13/01/24, 10:00 - A: x\n01/13/24, 10:00 - A: y\n');
    await assert.rejects(
      openWhatsAppExport(path, { timezone: ALMATY }),
      (error: unknown) => error instanceof InputError && /line 1\b.*line 2\b/.test(error.message),
    );
  });

  it('refuses an unknown time zone, date format or file as usage errors', async () => {
    await assert.rejects(openWhatsAppExport(fixture('android-ru-24h.txt'), { timezone: 'Asia/Nowhere' }), UsageError);
    await assert.rejects(
      openWhatsAppExport(fixture('android-ru-24h.txt'), { timezone: ALMATY, dateFormat: 'DDMM' as never }),
      UsageError,
    );
    await assert.rejects(openWhatsAppExport(join(folder, 'absent.txt'), { timezone: ALMATY }), UsageError);
  });

  it('defaults to the machine zone', async () => {
    const source = await openWhatsAppExport(fixture('android-ru-24h.txt'));
    await source.close();
    assert.equal(source.timezone, Intl.DateTimeFormat().resolvedOptions().timeZone);
  });

  it('names the file of a truncated zip', async () => {
    const whole = await readFile(fixture('android-with-media.zip'));
    const path = join(folder, 'truncated.zip');
    await writeFile(path, whole.subarray(0, Math.floor(whole.length / 2)));
    await assert.rejects(
      openWhatsAppExport(path, { timezone: ALMATY }),
      (error: unknown) => error instanceof InputError && error.message.includes(path),
    );
  });

  it('refuses a zip without a chat text', async () => {
    // an empty zip: only the end-of-central-directory record
    const path = join(folder, 'empty.zip');
    await writeFile(path, Buffer.concat([Buffer.from('PK\x05\x06', 'latin1'), Buffer.alloc(18)]));
    await assert.rejects(openWhatsAppExport(path, { timezone: ALMATY }), InputError);
  });
});

describe('chatTitleFromFileName', () => {
  const cases: [string, string | null][] = [
    ['WhatsApp Chat with Штаб ЦОН.txt', 'Штаб ЦОН'],
    ['WhatsApp Chat with Штаб ЦОН (1).txt', 'Штаб ЦОН'],
    ['WhatsApp Chat - Regional Office.zip', 'Regional Office'],
    ['Чат WhatsApp с\u00A0контактом Айгерим.txt', 'Айгерим'],
    ['Чат WhatsApp с группой Штаб.txt', 'Штаб'],
    ['WhatsApp чат Аудан әкімдігі.txt', 'Аудан әкімдігі'],
    ['/exports/WhatsApp Chat with Akimat.zip', 'Akimat'],
    ['_chat.txt', null],
    ['notes.txt', null],
  ];
  for (const [name, title] of cases) it(name, () => assert.equal(chatTitleFromFileName(name), title));
});

describe('senderOf', () => {
  const cases: [string, string][] = [
    ['+7 701 234 56 78', '77012345678'],
    ['+7 (702) 555-01-23', '77025550123'],
    ['Aigerim Nurlanovna', 'name:Aigerim Nurlanovna'],
    ['Ерлан 2', 'name:Ерлан 2'],
    ['112', 'name:112'],
  ];
  for (const [author, id] of cases) it(author, () => assert.deepEqual(senderOf(author), { id, name: author }));
});
