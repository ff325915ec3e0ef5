import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { InputError } from '../../../src/core/errors.ts';
import type { Checkpoint, HistoryEntry } from '../../../src/core/history.ts';
import { canonicalMessageSchema, type CanonicalMessage } from '../../../src/core/message.ts';
import { indexTelegramExport } from './export-index.ts';
import { openTelegramExport, type TelegramExportOptions } from './reader.ts';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const fixture = (name: string): string => path.join(fixtures, name);

async function readAll(
  input: string,
  options: TelegramExportOptions = {},
  resumeAfter: Checkpoint | null = null,
): Promise<{ entries: HistoryEntry[]; error: unknown }> {
  const source = await openTelegramExport(input, options);
  const entries: HistoryEntry[] = [];
  let error: unknown = null;
  try {
    for await (const entry of source.entries({ resumeAfter })) entries.push(entry);
  } catch (caught) {
    error = caught;
  } finally {
    await source.close();
  }
  return { entries, error };
}

async function bytesOf(stream: Readable | null): Promise<Buffer | null> {
  if (!stream) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Every text of every message in a fixture, to prove an error message echoes none of them. */
async function fixtureTexts(name: string): Promise<string[]> {
  const raw = await readFile(fixture(name), 'utf8');
  return [...raw.matchAll(/"text": "((?:[^"\\]|\\.){6,})/g)].map((match) => JSON.parse(`"${match[1]}"`) as string);
}

describe('Telegram export reader: single-chat export', () => {
  let messages: CanonicalMessage[] = [];
  let entries: HistoryEntry[] = [];
  const byId = (id: number): CanonicalMessage => {
    const found = messages.find((message) => message.messageId === String(id));
    assert.ok(found, `message ${id}`);
    return found;
  };

  before(async () => {
    const result = await readAll(fixture('single-chat'));
    assert.equal(result.error, null);
    entries = result.entries;
    // every canonical message the reader produces is valid
    messages = entries.map((entry) => canonicalMessageSchema.parse(entry.message));
  });

  it('lists the chat with its Bot API id, title and size', async () => {
    const source = await openTelegramExport(fixture('single-chat/result.json'));
    assert.deepEqual(await source.chats(), [
      {
        platform: 'telegram',
        sourceChatId: '-1001987654321',
        title: 'Аудандық әкімдік — жедел штаб',
        expectedEntries: 37,
      },
    ]);
    assert.equal(source.inputPath, fixture('single-chat/result.json'));
    assert.equal(source.platform, 'telegram');
    await source.close();
  });

  it('yields every message in order, service events and unknown kinds included', () => {
    assert.deepEqual(
      messages.map((message) => message.messageId),
      Array.from({ length: 37 }, (_, index) => String(index + 1)),
    );
    for (const message of messages) {
      assert.equal(message.chatId, '-1001987654321');
      assert.equal(message.chatTitle, 'Аудандық әкімдік — жедел штаб');
    }
  });

  it('reads a plain text message with its sender and UTC time', () => {
    const message = byId(3);
    assert.equal(message.kind, 'message');
    assert.equal(message.text, 'Сәлеметсіздер ме, әріптестер! Ертеңгі жиналыс сағат 10:00-де өтеді.');
    assert.deepEqual(message.sender, { id: 'user500100201', name: 'Айгерим Сапарова' });
    // the export's local 09:05:12 is Astana time (UTC+5)
    assert.equal(message.sentAt, '2024-01-31T04:05:12.000Z');
    assert.equal(message.editedAt, null);
  });

  it('reads entities whose offsets point at their own text', () => {
    const message = byId(4);
    const found = message.entities.map((entity) => [
      entity.type,
      message.text.slice(entity.offset, entity.offset + entity.length),
    ]);
    assert.deepEqual(found, [
      ['bold', 'Срочно:'],
      ['text_link', 'порталу eGov'],
      ['mention_name', 'Ерлан'],
      ['phone', '+7 701 234 56 78'],
      ['email', 'a.saparova@akimat.kz'],
      ['bank_card', '4400430123456789'],
      ['pre', "SELECT count(*) FROM obrashcheniya WHERE status = 'open';"],
    ]);
    assert.ok(message.text.startsWith('Коллеги 👋 Срочно: отчёт по порталу eGov'));
    assert.equal(message.entities.find((entity) => entity.type === 'text_link')?.url, 'https://egov.kz/cms/ru');
    assert.equal(message.entities.find((entity) => entity.type === 'mention_name')?.userId, 'user500100202');
    assert.equal(message.entities.find((entity) => entity.type === 'pre')?.language, 'sql');
  });

  it('reads replies, forwards and edits', () => {
    assert.equal(byId(5).replyTo, '4');
    assert.equal(byId(35).replyTo, '7');
    assert.equal(byId(3).replyTo, null);
    assert.deepEqual(byId(6).forwardedFrom, { name: 'ҚР Денсаулық сақтау министрлігі' });
    assert.equal(byId(7).editedAt, '2024-01-31T04:15:02.000Z');
    assert.equal(byId(19).extra['viaBot'], '@gif');
    assert.deepEqual(byId(36).sender, { id: 'user500100299', name: 'Deleted Account' });
  });

  it('keeps personal data in the text for the classifier to flag', () => {
    assert.match(byId(7).text, /940101300123/);
    assert.match(byId(35).text, /811201401188/);
    assert.match(byId(35).text, /туберкулез/);
    assert.match(byId(35).text, /\+7 701 234 56 78/);
    assert.match(byId(14).text, /диагноз/);
  });

  it('references attachments, present, absent and not exported', () => {
    assert.deepEqual(byId(8).attachments, [
      {
        kind: 'photo',
        name: 'photo_1@31-01-2024_09-20-00.jpg',
        mime: 'image/jpeg',
        size: 368,
        missing: false,
        sourcePath: 'photos/photo_1@31-01-2024_09-20-00.jpg',
      },
    ]);
    assert.deepEqual(byId(9).attachments, [
      {
        kind: 'file',
        name: 'schedule_march.txt',
        mime: 'text/plain',
        size: 99,
        missing: false,
        sourcePath: 'files/schedule_march.txt',
      },
    ]);
    assert.deepEqual(byId(10).attachments, [
      {
        kind: 'voice',
        name: 'audio_1@31-01-2024_09-30-00.ogg',
        mime: 'audio/ogg',
        size: 23456,
        missing: false,
        sourcePath: 'voice_messages/audio_1@31-01-2024_09-30-00.ogg',
      },
    ]);
    assert.deepEqual(byId(10).extra['media'], { mediaType: 'voice_message', durationSeconds: 7 });
    assert.deepEqual(byId(11).attachments, [
      { kind: 'video_message', name: '', mime: 'video/mp4', size: 104857600, missing: true },
    ]);
    assert.equal(byId(12).attachments[0]?.kind, 'sticker');
    assert.equal((byId(12).extra['media'] as Record<string, unknown>)['stickerEmoji'], '👍');
    assert.equal(byId(13).attachments[0]?.kind, 'animation');
    assert.deepEqual(byId(14).attachments, [{ kind: 'photo', name: '', missing: true }]);
    assert.deepEqual(byId(18).attachments[0], {
      kind: 'audio',
      name: 'Gimn.mp3',
      mime: 'audio/mpeg',
      size: 3145728,
      missing: false,
      sourcePath: 'files/Gimn.mp3',
    });
    assert.deepEqual(byId(20).attachments, [{ kind: 'photo', name: '', missing: true }]);
    assert.equal(byId(20).extra['selfDestructPeriodSeconds'], 10);
  });

  it('opens attachments that exist, and returns null for those that do not', async () => {
    const source = await openTelegramExport(fixture('single-chat'));
    try {
      const photo = await bytesOf(await source.openAttachment('photos/photo_1@31-01-2024_09-20-00.jpg'));
      assert.deepEqual(photo, await readFile(fixture('single-chat/photos/photo_1@31-01-2024_09-20-00.jpg')));
      assert.equal(photo?.length, byId(8).attachments[0]?.size);
      const file = await bytesOf(await source.openAttachment('files/schedule_march.txt'));
      assert.equal(file?.length, byId(9).attachments[0]?.size);
      assert.equal(await source.openAttachment('voice_messages/audio_1@31-01-2024_09-30-00.ogg'), null);
      // a folder the export lacks, asked again; a file missing from a folder that is there leaves the folder readable
      assert.equal(await source.openAttachment('voice_messages/audio_2@31-01-2024_09-31-00.ogg'), null);
      assert.equal(await source.openAttachment('photos/photo_99@31-01-2024_09-20-00.jpg'), null);
      assert.ok(await bytesOf(await source.openAttachment('photos/photo_1@31-01-2024_09-20-00.jpg')));
      assert.equal(await source.openAttachment('photos'), null);
      assert.deepEqual(source.warnings, []);
    } finally {
      await source.close();
    }
  });

  it('refuses attachment paths that leave the export folder', async () => {
    const source = await openTelegramExport(fixture('single-chat'));
    try {
      for (const escape of [
        '../full-account/result.json',
        'photos/../../truncated/result.json',
        '/etc/hostname',
        'C:/Windows/win.ini',
        '..\\malformed\\result.json',
      ]) {
        assert.equal(await source.openAttachment(escape), null, escape);
      }
      assert.equal(source.warnings.length, 5);
      for (const warning of source.warnings) assert.ok(!warning.includes('result.json'));
    } finally {
      await source.close();
    }
  });

  it('reads polls, contacts, locations, bot buttons and reactions', () => {
    assert.equal((byId(15).extra['poll'] as { question: string }).question, 'Жиналысты қай күні өткіземіз?');
    assert.deepEqual(byId(16).extra['contact'], {
      first_name: 'Нурлан',
      last_name: 'Касымов',
      phone_number: '+7 701 234 56 78',
      vcard: 'contacts/contact_1.vcf',
    });
    assert.deepEqual(byId(17).extra['location'], {
      latitude: 51.128207,
      longitude: 71.430411,
      placeName: 'Астана қаласының әкімдігі',
      address: 'Бейбітшілік көшесі, 11',
    });
    assert.ok(Array.isArray(byId(21).extra['inlineBotButtons']));
    assert.deepEqual(byId(8).reactions, [
      { emoji: '👍', count: 2, from: ['user500100202', 'user500100203'] },
      { emoji: 'custom:5368324170671202286', count: 1, from: ['user500100204'] },
    ]);
  });

  it('maps every service action, keeping the raw action', () => {
    const services = messages.filter((message) => message.kind === 'service');
    assert.deepEqual(
      services.map((message) => [message.messageId, message.service?.rawType, message.service?.type]),
      [
        ['1', 'migrate_from_group', 'migrated'],
        ['2', 'invite_members', 'added'],
        ['22', 'edit_group_title', 'title_changed'],
        ['23', 'edit_group_photo', 'photo_changed'],
        ['24', 'delete_group_photo', 'photo_changed'],
        ['25', 'pin_message', 'pinned'],
        ['26', 'join_group_by_link', 'joined'],
        ['27', 'join_group_by_request', 'joined'],
        ['28', 'remove_members', 'removed'],
        ['29', 'remove_members', 'left'],
        ['30', 'group_call', 'call'],
        ['31', 'set_messages_ttl', 'other'],
        ['32', 'some_future_action', 'other'],
      ],
    );
    assert.deepEqual(byId(2).service?.members, ['Ерлан Жумабаев', 'Dana Akhmetova', 'Deleted Account']);
    assert.deepEqual(byId(2).sender, { id: 'user500100201', name: 'Айгерим Сапарова' });
    assert.equal(byId(25).service?.targetMessageId, '4');
    assert.equal(byId(22).service?.title, 'Аудандық әкімдік — жедел штаб');
    assert.deepEqual(byId(26).service?.details, { inviter: 'Айгерим Сапарова' });
    assert.deepEqual(byId(30).service?.details, { duration_seconds: 1260 });
    assert.deepEqual(byId(32).service?.details, { future_field: 42 });
    assert.equal(byId(23).attachments[0]?.sourcePath, 'photos/photo_2@31-01-2024_10-11-00.jpg');
  });

  it('keeps unsupported and unknown message types', () => {
    assert.equal(byId(33).kind, 'unknown');
    assert.equal(byId(33).extra['rawType'], 'unsupported');
    assert.equal(byId(34).kind, 'unknown');
    assert.equal(byId(34).extra['rawType'], 'story');
    assert.equal(byId(34).text, 'Смотрите нашу историю');
    assert.deepEqual(byId(34).extra['otherFields'], { story_id: 77 });
  });

  it('ends the entries quietly when closed while reading', async () => {
    const source = await openTelegramExport(fixture('single-chat'), { chunkSize: 512 });
    const seen: string[] = [];
    for await (const entry of source.entries()) {
      seen.push(entry.message.messageId);
      if (seen.length === 3) await source.close();
    }
    assert.deepEqual(seen, ['1', '2', '3']);
  });

  it('reports progress in bytes up to the whole file', async () => {
    const source = await openTelegramExport(fixture('single-chat'));
    const seen: number[] = [];
    for await (const _ of source.entries()) seen.push(source.progress().bytesRead);
    const { bytesRead, totalBytes } = source.progress();
    assert.equal(bytesRead, totalBytes);
    assert.equal(totalBytes, (await readFile(fixture('single-chat/result.json'))).length);
    assert.ok(seen.every((value, index) => index === 0 || value > (seen[index - 1] ?? 0)));
    await source.close();
  });

  it('reads the same with tiny chunks, whatever splits a token', async () => {
    for (const chunkSize of [1, 7, 64]) {
      const small = await readAll(fixture('single-chat'), { chunkSize });
      assert.equal(small.error, null);
      assert.deepEqual(small.entries, entries, `chunk ${chunkSize}`);
    }
  });

  it('resumes after every checkpoint with exactly the remaining entries', async () => {
    for (const [index, entry] of entries.entries()) {
      // checkpoints are stored as JSON between runs
      const checkpoint = JSON.parse(JSON.stringify(entry.checkpoint)) as Checkpoint;
      const resumed = await readAll(fixture('single-chat'), {}, checkpoint);
      assert.equal(resumed.error, null);
      assert.deepEqual(resumed.entries, entries.slice(index + 1), `after message ${entry.message.messageId}`);
    }
  });

  it('refuses a checkpoint that does not match the file', async () => {
    const checkpoint = { ...entries[5]?.checkpoint };
    const wrongId = await readAll(fixture('single-chat'), {}, { ...checkpoint, messageId: '999' });
    assert.ok(wrongId.error instanceof InputError);
    assert.match(wrongId.error.message, /checkpoint does not match/);
    const shifted = await readAll(
      fixture('single-chat'),
      {},
      { ...checkpoint, byteOffset: Number(checkpoint['byteOffset']) + 3 },
    );
    assert.ok(shifted.error instanceof InputError);
    const foreign = await readAll(fixture('single-chat'), {}, { line: 5 });
    assert.ok(foreign.error instanceof InputError);
    assert.equal(wrongId.entries.length + shifted.entries.length + foreign.entries.length, 0);
  });
});

describe('Telegram export reader: full-account export', () => {
  it('lists every chat, left chats included, with Bot API ids', async () => {
    const source = await openTelegramExport(fixture('full-account'));
    assert.deepEqual(await source.chats(), [
      { platform: 'telegram', sourceChatId: '500100202', title: 'Ерлан Жумабаев', expectedEntries: 4 },
      { platform: 'telegram', sourceChatId: '-1001876543210', title: 'Әкімдік жаңалықтары', expectedEntries: 3 },
      { platform: 'telegram', sourceChatId: '-912345678', title: 'Бөлім — жедел топ', expectedEntries: 3 },
      // its name, type and id come after its messages
      { platform: 'telegram', sourceChatId: '-1001600000001', title: 'Ескі жоба чаты', expectedEntries: 2 },
    ]);
    await source.close();
  });

  it('reads each chat as its own chat', async () => {
    const { entries, error } = await readAll(fixture('full-account'));
    assert.equal(error, null);
    const messages = entries.map((entry) => canonicalMessageSchema.parse(entry.message));
    assert.deepEqual(
      messages.map((message) => `${message.chatId}/${message.messageId}`),
      [
        '500100202/101',
        '500100202/102',
        '500100202/103',
        '500100202/104',
        '-1001876543210/1',
        '-1001876543210/2',
        '-1001876543210/3',
        '-912345678/201',
        '-912345678/202',
        '-912345678/203',
        '-1001600000001/11',
        '-1001600000001/12',
      ],
    );
    const photo = messages[1]?.attachments[0];
    assert.equal(photo?.sourcePath, 'chats/chat_001/photos/photo_1@01-02-2024_08-31-00.jpg');
    assert.deepEqual(messages[2]?.service, {
      type: 'call',
      rawType: 'phone_call',
      actor: 'Айгерим Сапарова',
      details: { duration_seconds: 95, discard_reason: 'hangup' },
    });
    assert.equal(messages[3]?.service?.type, 'history_cleared');
    assert.deepEqual(messages[4]?.service, {
      type: 'created',
      rawType: 'create_channel',
      actor: 'Әкімдік жаңалықтары',
      title: 'Әкімдік жаңалықтары',
    });
    assert.deepEqual(messages[5]?.sender, { id: 'channel1876543210', name: 'Әкімдік жаңалықтары' });
    assert.equal(messages[5]?.extra['author'], 'Баспасөз қызметі');
    assert.deepEqual(messages[6]?.attachments, [
      { kind: 'file', name: 'Postanovlenie_45.pdf', mime: 'application/pdf', size: 482113, missing: true },
    ]);
    assert.deepEqual(messages[7]?.service?.members, ['Ерлан Жумабаев', 'Нурлан Касымов']);
    assert.equal(messages[9]?.service?.type, 'migrated');
    assert.equal(messages[10]?.chatTitle, 'Ескі жоба чаты');

    const source = await openTelegramExport(fixture('full-account'));
    const bytes = await bytesOf(await source.openAttachment(photo?.sourcePath ?? ''));
    assert.deepEqual(
      bytes,
      await readFile(fixture('full-account/chats/chat_001/photos/photo_1@01-02-2024_08-31-00.jpg')),
    );
    await source.close();
  });

  const selections: Array<[string, string[], string[]]> = [
    ['by name', ['Әкімдік жаңалықтары'], ['-1001876543210']],
    ['by name in any case', ['ерлан жумабаев'], ['500100202']],
    ['by export id', ['912345678'], ['-912345678']],
    ['by Bot API id', ['-1001600000001'], ['-1001600000001']],
    ['several, in file order', ['1600000001', 'Ерлан Жумабаев'], ['500100202', '-1001600000001']],
  ];
  for (const [name, chats, expected] of selections) {
    it(`picks chats ${name}`, async () => {
      const source = await openTelegramExport(fixture('full-account'), { chats });
      assert.deepEqual(
        (await source.chats()).map((chat) => chat.sourceChatId),
        expected,
      );
      const seen = new Set<string>();
      for await (const entry of source.entries()) seen.add(entry.message.chatId);
      assert.deepEqual([...seen], expected);
      await source.close();
    });
  }

  it('refuses an unknown --chat, listing the chats there are', async () => {
    await assert.rejects(openTelegramExport(fixture('full-account'), { chats: ['Жоқ чат'] }), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.match(error.message, /Жоқ чат/);
      for (const title of [
        'Ерлан Жумабаев',
        'Әкімдік жаңалықтары',
        'Бөлім — жедел топ',
        'Ескі жоба чаты',
        '-1001876543210',
      ])
        assert.ok(error.message.includes(title), title);
      assert.ok(!error.message.includes('Айгерим, сәлем'));
      return true;
    });
  });

  it('resumes after every checkpoint, across chats and within a selection', async () => {
    for (const options of [{}, { chats: ['Ерлан Жумабаев', 'Бөлім — жедел топ'] }]) {
      const { entries } = await readAll(fixture('full-account'), options);
      for (const [index, entry] of entries.entries()) {
        const resumed = await readAll(
          fixture('full-account'),
          options,
          JSON.parse(JSON.stringify(entry.checkpoint)) as Checkpoint,
        );
        assert.equal(resumed.error, null);
        assert.deepEqual(resumed.entries, entries.slice(index + 1));
      }
    }
  });
});

describe('Telegram export reader: broken files', () => {
  for (const [name, goodIds, lastGood] of [
    ['truncated', ['801', '802', '803', '804', '805'], '805'],
    ['malformed', ['901', '902', '903', '904'], '904'],
  ] as const) {
    it(`${name}: yields the good messages, then an InputError with the file and byte offset, without message text`, async () => {
      for (const chunkSize of [undefined, 5]) {
        const { entries, error } = await readAll(fixture(name), chunkSize ? { chunkSize } : {});
        assert.deepEqual(
          entries.map((entry) => entry.message.messageId),
          goodIds,
        );
        for (const entry of entries) canonicalMessageSchema.parse(entry.message);
        assert.ok(error instanceof InputError, String(error));
        assert.ok(error.message.includes(path.join(name, 'result.json')), error.message);
        assert.match(error.message, /at byte \d+/);
        assert.ok(error.message.includes(`after message id ${lastGood}`), error.message);
        assert.equal(error.cause, undefined);
        for (const text of await fixtureTexts(`${name}/result.json`)) {
          for (const word of text.split(/[\s,.:!]+/).filter((part) => part.length >= 5)) {
            assert.ok(!error.message.includes(word), `the error echoes "${word}"`);
          }
        }
      }
    });
  }

  it('names the offset where reading stopped', async () => {
    const truncated = await readAll(fixture('truncated'));
    const size = (await readFile(fixture('truncated/result.json'))).length;
    assert.match(String((truncated.error as Error).message), new RegExp(`truncated at byte ${size}\\b`));
    const malformed = await readAll(fixture('malformed'));
    const raw = await readFile(fixture('malformed/result.json'));
    const offset = Number(/at byte (\d+)/.exec((malformed.error as Error).message)?.[1]);
    // the syntax error is the missing comma after "id": 905
    assert.ok(
      offset > raw.indexOf('"id": 905') && offset <= raw.indexOf('"type"', raw.indexOf('"id": 905')),
      String(offset),
    );
  });

  it('counts only the complete messages of a truncated chat', async () => {
    const source = await openTelegramExport(fixture('truncated'));
    assert.equal((await source.chats())[0]?.expectedEntries, 5);
    await source.close();
  });

  it('hashes the whole file on its index pass, past a problem too, whatever the chunk size', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'aitu-tg-hash-'));
    const sha256 = async (file: string) =>
      createHash('sha256')
        .update(await readFile(file))
        .digest('hex');
    try {
      for (const file of [
        fixture('single-chat/result.json'),
        fixture('full-account/result.json'),
        fixture('truncated/result.json'),
      ]) {
        for (const chunkSize of [undefined, 7]) {
          const source = await openTelegramExport(file, chunkSize ? { chunkSize } : {});
          assert.deepEqual(
            source.contentHash,
            { file, sha256: await sha256(file) },
            `${file}, chunk ${chunkSize ?? 'default'}`,
          );
          await source.close();
        }
      }
      // broken after its messages: the scan stops there, the hash still covers the 5,000 bytes that follow
      const head = '{"name": "x", "id": 1, "messages": [], ';
      const broken = path.join(dir, 'result.json');
      await writeFile(broken, `${head}1, "more": "${'a'.repeat(5000)}"}`);
      for (const chunkSize of [undefined, 7]) {
        const index = await indexTelegramExport(broken, chunkSize);
        assert.deepEqual(index.problem, { offset: head.length, reason: 'expected a key', truncated: false });
        assert.equal(index.sha256, await sha256(broken));
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('resumes in a truncated file and still ends with the error', async () => {
    const { entries } = await readAll(fixture('truncated'));
    const resumed = await readAll(fixture('truncated'), {}, entries[2]?.checkpoint ?? null);
    assert.deepEqual(
      resumed.entries.map((entry) => entry.message.messageId),
      ['804', '805'],
    );
    assert.ok(resumed.error instanceof InputError);
  });
});

describe('Telegram export reader: what it refuses and tolerates', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tg-reader-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const [name, content] of [
    ['neither', '{"about": "x", "personal_information": {"user_id": 1}}'],
    ['array', '[{"id": 1}]'],
    ['empty', ''],
    ['text', 'hello'],
  ] as const) {
    it(`refuses a top level that is not a Telegram export (${name}), naming the file`, async () => {
      const file = path.join(dir, `${name}.json`);
      await writeFile(file, content);
      await assert.rejects(
        openTelegramExport(file),
        (error: unknown) => error instanceof InputError && error.message.includes(file),
      );
    });
  }

  it('refuses a folder without result.json', async () => {
    await assert.rejects(
      openTelegramExport(dir),
      (error: unknown) => error instanceof InputError && /result\.json/.test(error.message),
    );
  });

  it('a chat with two "messages" arrays: the first read, then the file refused at the second (found by the fuzz test)', async () => {
    const file = path.join(dir, 'two-arrays.json');
    const message = (id: number) =>
      `{"id": ${id}, "type": "message", "date": "2024-01-01T10:00:00", "date_unixtime": "1704085200", "from": "A", "from_id": "user1", "text": "m${id}"}`;
    const text = `{"name": "X", "type": "personal_chat", "id": 7, "messages": [${message(1)}], "messages": [${message(2)}`;
    await writeFile(file, text);
    const source = await openTelegramExport(file);
    const read: string[] = [];
    await assert.rejects(
      async () => {
        for await (const entry of source.entries()) read.push(String((entry.message as { text: string }).text));
      },
      (error: unknown) =>
        error instanceof InputError &&
        error.message.includes(
          `malformed JSON at byte ${text.lastIndexOf('[')}: a second "messages" array in one chat`,
        ),
    );
    assert.deepEqual(read, ['m1']);
    await source.close();
  });

  it('reads a chat whose header follows its messages, and names saved messages', async () => {
    const file = path.join(dir, 'saved.json');
    await writeFile(
      file,
      '\ufeff{"messages": [{"id": 1, "type": "message", "date": "2024-01-01T10:00:00", "date_unixtime": "1704085200", "from": "Мен", "from_id": "user1", "text": "еске сақта"}], "type": "saved_messages", "id": 500100201}',
    );
    const source = await openTelegramExport(file);
    assert.deepEqual(await source.chats(), [
      { platform: 'telegram', sourceChatId: '500100201', title: 'Saved Messages', expectedEntries: 1 },
    ]);
    const messages: CanonicalMessage[] = [];
    for await (const entry of source.entries()) messages.push(canonicalMessageSchema.parse(entry.message));
    assert.deepEqual(
      messages.map((message) => [message.chatTitle, message.text]),
      [['Saved Messages', 'еске сақта']],
    );
    await source.close();
  });

  it('decodes text as UTF-8 would: ASCII, Cyrillic with emoji; bytes that are not UTF-8 make a problem entry, never U+FFFD', async () => {
    const file = path.join(dir, 'encodings.json');
    const message = (id: number, text: Buffer): Buffer =>
      Buffer.concat([
        Buffer.from(
          `{"id": ${id}, "type": "message", "date": "2024-01-01T10:00:00", "from": "A", "from_id": "user1", "text": "`,
        ),
        text,
        Buffer.from('"}'),
      ]);
    const texts = [
      Buffer.from('plain ASCII'),
      Buffer.from('Сәлем, әріптестер 👋🏽 ёлка'),
      Buffer.from([0x6f, 0x6b, 0xff, 0xd0, 0x20, 0xed, 0xa0, 0x80, 0x21]),
    ];
    const head = Buffer.from('{"name": "Т", "type": "private_group", "id": 7, "messages": [');
    const parts = texts.flatMap((text, i) => [...(i > 0 ? [Buffer.from(', ')] : []), message(i + 1, text)]);
    await writeFile(file, Buffer.concat([head, ...parts, Buffer.from(']}')]));
    const { entries, error } = await readAll(file);
    assert.equal(error, null);
    assert.deepEqual(
      entries.slice(0, 2).map((entry) => entry.message.text),
      texts.slice(0, 2).map((text) => text.toString('utf8')),
    );
    const third = entries[2]!;
    const thirdAt = head.length + parts.slice(0, 4).reduce((n, part) => n + part.length, 0);
    // the text starts before the closing `"}` of an empty one; its first two bytes ("ok") are UTF-8
    const invalidAt = thirdAt + message(3, Buffer.alloc(0)).length - 2 + 2;
    assert.equal(third.message.text, undefined);
    assert.equal(
      third.problem,
      `${file}: message at byte ${thirdAt} after message id 2: not valid UTF-8 (at byte ${invalidAt})`,
    );
    assert.deepEqual(third.checkpoint, {
      chatIndex: 0,
      chatId: '-7',
      messageStart: thirdAt,
      byteOffset: thirdAt + message(3, texts[2]!).length,
      messageId: '3',
    });
  });

  it('reads messages parsed in groups exactly as one by one: a bad one in a group is found and reported as alone', async () => {
    const file = path.join(dir, 'groups.json');
    const message = (id: number, text: Buffer | string): Buffer =>
      Buffer.concat([
        Buffer.from(
          `{"id": ${id}, "type": "message", "date": "2024-01-01T10:00:00", "from": "A", "from_id": "user1",\n "text": "`,
        ),
        Buffer.from(text),
        Buffer.from('"}'),
      ]);
    const parts: Buffer[] = [];
    for (let id = 1; id <= 100; id++) {
      const text = id === 45 ? Buffer.from([0x6f, 0x6b, 0xff]) : `сообщение ${id} 👋`;
      const raw = message(id, text);
      // message 80 lacks a comma inside its object: malformed JSON
      parts.push(id === 80 ? Buffer.from(raw.toString('utf8').replace('"id": 80,', '"id": 80')) : raw);
    }
    const head = Buffer.from('{"name": "Т", "type": "private_group", "id": 7, "messages": [\n  ');
    await writeFile(
      file,
      Buffer.concat([
        head,
        ...parts.flatMap((part, i) => (i > 0 ? [Buffer.from(',\n  '), part] : [part])),
        Buffer.from(']}'),
      ]),
    );
    const grouped = await readAll(file);
    const alone = await readAll(file, { chunkSize: 3 });
    assert.deepEqual(grouped.entries, alone.entries);
    assert.deepEqual(
      grouped.entries.map((entry) => entry.message.messageId ?? `problem after ${entry.checkpoint.messageId}`),
      [
        ...Array.from({ length: 44 }, (_, i) => String(i + 1)),
        'problem after 45',
        ...Array.from({ length: 34 }, (_, i) => String(i + 46)),
      ],
    );
    assert.match(grouped.entries[44]!.problem ?? '', /not valid UTF-8/);
    assert.ok(grouped.error instanceof InputError);
    assert.equal((grouped.error as Error).message, (alone.error as Error).message);
    assert.match((grouped.error as Error).message, /malformed JSON at byte \d+ after message id 79$/);
  });

  it('passes a message object past maxLineBytes on as a problem entry without holding it, and resumes after it', async () => {
    const file = path.join(dir, 'long-message.json');
    const message = (id: number, text: string) =>
      JSON.stringify({
        id,
        type: 'message',
        date: '2024-01-01T10:00:00',
        date_unixtime: '1704103200',
        from: 'A',
        from_id: 'user1',
        text,
      });
    const head = '{"name": "Т", "type": "private_group", "id": 8, "messages": [';
    const long = message(2, 'ұзын '.repeat(200));
    await writeFile(file, `${head}${message(1, 'short')}, ${long}, ${message(3, 'after')}]}`);
    const longAt = Buffer.byteLength(head) + Buffer.byteLength(message(1, 'short')) + 2;
    for (const chunkSize of [7, 64, 1 << 20]) {
      const { entries, error } = await readAll(file, { chunkSize, limits: { maxLineBytes: 300 } });
      assert.equal(error, null);
      assert.deepEqual(
        entries.map((entry) => [entry.message.messageId, Boolean(entry.problem)]),
        [
          ['1', false],
          [undefined, true],
          ['3', false],
        ],
        `chunk ${chunkSize}`,
      );
      assert.equal(
        entries[1]!.problem,
        `${file}: message at byte ${longAt} after message id 1: ${Buffer.byteLength(long).toLocaleString('en-US')} bytes exceeds maxLineBytes 300`,
      );
      const resumed = await readAll(file, { chunkSize, limits: { maxLineBytes: 300 } }, entries[1]!.checkpoint);
      assert.equal(resumed.error, null);
      assert.deepEqual(
        resumed.entries.map((entry) => entry.message.messageId),
        ['3'],
      );
    }
  });

  it('passes a message it cannot convert on as a problem entry, and goes on', async () => {
    const file = path.join(dir, 'undated.json');
    const message = (id: number | null, text: string, dated = true): string =>
      JSON.stringify({
        ...(id === null ? {} : { id }),
        type: 'message',
        ...(dated ? { date: '2024-01-01T10:00:00', date_unixtime: '1704085200' } : {}),
        from: 'Ерлан',
        from_id: 'user2',
        text,
      });
    await writeFile(
      file,
      `{"name": "Топ", "type": "private_group", "id": 5, "messages": [${message(1, 'бірінші')}, ${message(2, 'күні жоқ хабар 940101300123', false)}, ${message(null, 'id жоқ хабар')}, ${message(4, 'соңғы')}]}`,
    );
    const { entries, error } = await readAll(file);
    assert.equal(error, null);
    assert.deepEqual(
      entries.map((entry) => [entry.message.messageId, Boolean(entry.problem)]),
      [
        ['1', false],
        [undefined, true],
        [undefined, true],
        ['4', false],
      ],
    );
    for (const entry of entries.filter((item) => item.problem)) {
      assert.equal(entry.message.chatId, '-5');
      assert.ok(entry.problem?.includes(file));
      assert.match(entry.problem ?? '', /at byte \d+ after message id 1/);
      assert.ok(!entry.problem?.includes('940101300123') && !entry.problem?.includes('хабар'));
    }
    // a problem entry's checkpoint resumes like any other
    const resumed = await readAll(file, {}, entries[2]?.checkpoint ?? null);
    assert.deepEqual(
      resumed.entries.map((entry) => entry.message.messageId),
      ['4'],
    );
  });

  it('refuses a symbolic link that leads out of the export', async () => {
    const root = path.join(dir, 'linked');
    await mkdir(path.join(root, 'photos'), { recursive: true });
    await writeFile(path.join(root, 'result.json'), '{"name": "x", "type": "personal_chat", "id": 1, "messages": []}');
    await writeFile(path.join(dir, 'outside.txt'), 'secret');
    await symlink(path.join(dir, 'outside.txt'), path.join(root, 'photos', 'link.jpg'));
    const source = await openTelegramExport(root);
    assert.equal(await source.openAttachment('photos/link.jpg'), null);
    assert.equal(source.warnings.length, 1);
    await source.close();
  });
});
