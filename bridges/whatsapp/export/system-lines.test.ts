import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  classifyEntryBody,
  classifySystemLine,
  kindOf,
  matchAuthoredService,
  mimeOf,
  parseMessageBody,
  wordingLanguage,
} from './system-lines.ts';
import type { ServiceInfo } from './system-lines.ts';

describe('classifySystemLine', () => {
  const known = new Set(['Әсел Қанатқызы', 'Нұрлан Серікұлы']);
  const cases: [string, string, Partial<ServiceInfo>][] = [
    [
      'en encryption',
      'Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them. Tap to learn more.',
      { type: 'encryption_notice' },
    ],
    [
      'ru encryption',
      'Сообщения и звонки защищены сквозным шифрованием. Никто за пределами этого чата не может их прочитать.',
      { type: 'encryption_notice' },
    ],
    [
      'kk encryption',
      'Осы чатқа жөнелтілген хаттар және қоңыраулар толығымен шифрлау арқылы қауіпсіз етілді. Толық ақпарат үшін басыңыз.',
      { type: 'encryption_notice' },
    ],
    ['en created', 'Madina created group "Emergency HQ"', { type: 'created', actor: 'Madina', title: 'Emergency HQ' }],
    ['en created this group (older iOS)', 'Aigerim created this group', { type: 'created', actor: 'Aigerim' }],
    ['ru created', 'Айгерим создал(-а) группу «Штаб ЧС»', { type: 'created', actor: 'Айгерим', title: 'Штаб ЧС' }],
    ['ru created by you', 'Вы создали группу "Штаб"', { type: 'created', actor: 'Вы', title: 'Штаб' }],
    [
      'kk created',
      'Әсел Қанатқызы "Аудан әкімдігі" тобын ашты',
      { type: 'created', actor: 'Әсел Қанатқызы', title: 'Аудан әкімдігі' },
    ],
    [
      'en added several',
      'Madina added Arman, Bolat and +7 702 555 01 23',
      { type: 'added', actor: 'Madina', members: ['Arman', 'Bolat', '+7 702 555 01 23'] },
    ],
    ['ru added', 'Айгерим добавил(-а) Ерлан Сейтов', { type: 'added', actor: 'Айгерим', members: ['Ерлан Сейтов'] }],
    [
      'ru added an iOS phone in embedding controls',
      'Дана добавил(-а) \u202A+7 701 234 56 78\u202C',
      { type: 'added', members: ['+7 701 234 56 78'] },
    ],
    [
      'kk added',
      'Әсел Қанатқызы топқа Нұрлан Серікұлы қосты',
      { type: 'added', actor: 'Әсел Қанатқызы', members: ['Нұрлан Серікұлы'] },
    ],
    ['en left', 'Bolat left', { type: 'left', actor: 'Bolat', members: ['Bolat'] }],
    ['ru left', 'Ерлан Сейтов покинул(-а) группу', { type: 'left', actor: 'Ерлан Сейтов' }],
    ['kk left', 'Нұрлан Серікұлы топтан шықты', { type: 'left', actor: 'Нұрлан Серікұлы' }],
    ['en removed', 'Madina removed Serik', { type: 'removed', actor: 'Madina', members: ['Serik'] }],
    ['ru removed', 'Айгерим удалил(-а) Ерлан', { type: 'removed', actor: 'Айгерим', members: ['Ерлан'] }],
    [
      'kk removed, split at a known name',
      'Әсел Қанатқызы Дәурен Ахметов топтан шығарды',
      { type: 'removed', actor: 'Әсел Қанатқызы', members: ['Дәурен Ахметов'] },
    ],
    [
      'kk removed by an unknown name keeps the whole',
      'Бейтаныс Адам Дәурен топтан шығарды',
      { type: 'removed', actor: undefined, members: ['Бейтаныс Адам Дәурен'] },
    ],
    [
      'en subject',
      'Madina changed the subject from "HQ: Almaty" to "HQ"',
      { type: 'title_changed', actor: 'Madina', title: 'HQ', details: { previousTitle: 'HQ: Almaty' } },
    ],
    ['en subject without the old one', 'Madina changed the subject to "HQ"', { type: 'title_changed', title: 'HQ' }],
    [
      'ru subject',
      'Айгерим изменил(-а) тему с "Штаб" на "Штаб 2024"',
      { type: 'title_changed', title: 'Штаб 2024', details: { previousTitle: 'Штаб' } },
    ],
    [
      'kk subject',
      'Әсел "Аудан" деген топ атауын "Аудан штабы" етіп өзгертті',
      { type: 'title_changed', actor: 'Әсел', title: 'Аудан штабы' },
    ],
    [
      'en number changed to',
      '+7 702 555 01 23 changed to +7 702 555 01 24',
      { type: 'number_changed', actor: '+7 702 555 01 23', members: ['+7 702 555 01 24'] },
    ],
    [
      'en number changed',
      'Arman changed their phone number to a new number. Tap to message or add the new number.',
      { type: 'number_changed', actor: 'Arman' },
    ],
    [
      'ru number changed',
      'Ерлан сменил(-а) номер на +7 702 555 01 24',
      { type: 'number_changed', actor: 'Ерлан', members: ['+7 702 555 01 24'] },
    ],
    ['kk number changed by its stem', 'Нұрлан телефон нөмірін жаңа нөмірге ауыстырды', { type: 'number_changed' }],
    ['en joined', "Serik joined using this group's invite link", { type: 'joined', actor: 'Serik' }],
    ['ru joined', 'Серик присоединился(-ась) к группе, используя приглашение.', { type: 'joined', actor: 'Серик' }],
    ['kk joined', 'Дәурен осы топқа шақыру сілтемесі арқылы қосылды', { type: 'joined', actor: 'Дәурен' }],
    ['en icon', "Madina changed this group's icon", { type: 'photo_changed', actor: 'Madina' }],
    ['en pinned', 'Madina pinned a message', { type: 'pinned', actor: 'Madina' }],
    ['unknown wording is other', 'Әсел Қанатқызы топ сипаттамасын өзгертті', { type: 'other', rawType: 'system_line' }],
  ];
  for (const [name, text, expected] of cases) {
    it(name, () => {
      const service = classifySystemLine(text, known);
      for (const [key, value] of Object.entries(expected))
        assert.deepEqual(service[key as keyof ServiceInfo], value, key);
      assert.ok(service.rawType.length > 0);
    });
  }
});

describe('matchAuthoredService', () => {
  const cases: [string, ServiceInfo['type'] | null][] = [
    ['This message was deleted', 'deleted'],
    ['You deleted this message', 'deleted'],
    ['Данное сообщение удалено', 'deleted'],
    ['Данное сообщение удалено.', 'deleted'],
    ['Вы удалили данное сообщение', 'deleted'],
    ['Бұл хат жойылды', 'deleted'],
    ['Сіз бұл хатты жойдыңыз', 'deleted'],
    ['Missed voice call', 'call'],
    ['Missed video call', 'call'],
    ['Пропущенный аудиозвонок', 'call'],
    ['Жауапсыз қоңырау', 'call'],
    ['I think this message was deleted', null],
    ['Ок', null],
  ];
  for (const [body, type] of cases)
    it(`${body} → ${type}`, () => assert.equal(matchAuthoredService(body)?.type ?? null, type));
});

describe('parseMessageBody', () => {
  const placeholders: [string, string][] = [
    ['<Media omitted>', 'file'],
    ['<Без медиафайлов>', 'file'],
    ['‹Файл пропущен>', 'file'],
    ['<Файл қосылған жоқ>', 'file'],
    ['<файлдар қосылмаған>', 'file'],
    ['image omitted', 'photo'],
    ['video omitted', 'video'],
    ['audio omitted', 'audio'],
    ['sticker omitted', 'sticker'],
    ['document omitted', 'file'],
    ['GIF omitted', 'animation'],
    ['Contact card omitted', 'contact'],
    ['изображение отсутствует', 'photo'],
    ['видео отсутствует', 'video'],
    ['аудиофайл отсутствует', 'audio'],
    ['стикер не добавлен', 'sticker'],
    ['документ отсутствует', 'file'],
  ];
  for (const [placeholder, kind] of placeholders) {
    it(`placeholder ${placeholder} is a missing ${kind}`, () => {
      const content = parseMessageBody(placeholder);
      assert.equal(content.text, '');
      assert.deepEqual(content.attachments, [{ kind, name: placeholder, missing: true }]);
    });
  }

  const files: [string, string, string, string | undefined][] = [
    ['IMG-20231231-WA0001.jpg (file attached)', 'IMG-20231231-WA0001.jpg', 'photo', 'image/jpeg'],
    ['VID-20231231-WA0002.mp4 (файл добавлен)', 'VID-20231231-WA0002.mp4', 'video', 'video/mp4'],
    ['PTT-20231231-WA0003.opus (қосымша файл)', 'PTT-20231231-WA0003.opus', 'voice', 'audio/ogg'],
    ['AUD-20231231-WA0004.mp3 (file attached)', 'AUD-20231231-WA0004.mp3', 'audio', 'audio/mpeg'],
    ['STK-20231231-WA0005.webp (file attached)', 'STK-20231231-WA0005.webp', 'sticker', 'image/webp'],
    ['GIF-20231231-WA0006.mp4 (file attached)', 'GIF-20231231-WA0006.mp4', 'animation', 'video/mp4'],
    ['Отчёт за квартал.pdf (файл добавлен)', 'Отчёт за квартал.pdf', 'file', 'application/pdf'],
    [
      '<attached: 00000012-PHOTO-2023-12-31-21-41-05.jpg>',
      '00000012-PHOTO-2023-12-31-21-41-05.jpg',
      'photo',
      'image/jpeg',
    ],
    [
      '<attached: 00000013-VIDEO-2023-12-31-21-42-00.mp4>',
      '00000013-VIDEO-2023-12-31-21-42-00.mp4',
      'video',
      'video/mp4',
    ],
    [
      '<attached: 00000014-AUDIO-2023-12-31-21-43-00.opus>',
      '00000014-AUDIO-2023-12-31-21-43-00.opus',
      'voice',
      'audio/ogg',
    ],
    [
      '<прикреплено: 00000015-PHOTO-2023-12-31-21-44-00.jpg>',
      '00000015-PHOTO-2023-12-31-21-44-00.jpg',
      'photo',
      'image/jpeg',
    ],
    ['Отчёт.pdf • 3 страницы <attached: 00000016-Отчёт.pdf>', '00000016-Отчёт.pdf', 'file', 'application/pdf'],
  ];
  for (const [line, name, kind, mime] of files) {
    it(`attached ${name} is a ${kind} with its source path`, () => {
      const content = parseMessageBody(`${line}\nподпись\nвторая строка`);
      assert.deepEqual(content.attachments, [
        { kind, name, ...(mime ? { mime } : {}), missing: false, sourcePath: name },
      ]);
      assert.equal(content.text, 'подпись\nвторая строка');
    });
  }

  it('keeps an iOS document label in extra', () => {
    assert.equal(
      parseMessageBody('Отчёт.pdf • 3 страницы <attached: 00000016-Отчёт.pdf>').extra['attachmentLabel'],
      'Отчёт.pdf • 3 страницы',
    );
  });

  const edited: [string, string][] = [
    ['Confirmed <This message was edited>', 'Confirmed'],
    ['С Новым годом! <Сообщение изменено>', 'С Новым годом!'],
    ['line one\nline two <This message was edited>', 'line one\nline two'],
  ];
  for (const [body, text] of edited) {
    it(`the edited marker becomes a hint: ${JSON.stringify(body)}`, () => {
      const content = parseMessageBody(body);
      assert.equal(content.text, text);
      assert.equal(content.extra['edited'], true);
    });
  }

  const locations: [string, number, number][] = [
    ['location: https://maps.google.com/?q=43.238949,76.889709', 43.238949, 76.889709],
    ['местоположение: https://maps.google.com/?q=51.128207,71.430411', 51.128207, 71.430411],
    ['орналасуы: https://maps.google.com/?q=-33.5,-70.25', -33.5, -70.25],
  ];
  for (const [body, latitude, longitude] of locations) {
    it(`a location goes to extra: ${body.split(':')[0]}`, () => {
      const content = parseMessageBody(body);
      assert.deepEqual(content.extra['location'], { latitude, longitude, url: body.slice(body.indexOf('http')) });
      assert.equal(content.text, '');
    });
  }

  it('leaves ordinary text alone, angle brackets included', () => {
    assert.deepEqual(parseMessageBody('<тест> ок'), { text: '<тест> ок', attachments: [], extra: {} });
  });
});

describe('kindOf and mimeOf', () => {
  const cases: [string, string, string | undefined][] = [
    ['IMG-20240115-WA0001.jpg', 'photo', 'image/jpeg'],
    ['PTT-20240115-WA0002.opus', 'voice', 'audio/ogg'],
    ['00000003-PHOTO-2024-01-13-09-01-30.jpg', 'photo', 'image/jpeg'],
    ['photo.HEIC', 'photo', 'image/heic'],
    ['contract.docx', 'file', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
    ['noextension', 'file', undefined],
  ];
  for (const [name, kind, mime] of cases) {
    it(name, () => {
      assert.equal(kindOf(name), kind);
      assert.equal(mimeOf(name), mime);
    });
  }
});

describe('classifyEntryBody', () => {
  it('an Android line without author is a system line', () => {
    const result = classifyEntryBody({ style: 'android', author: null, body: 'Bolat left', bodyMarked: false });
    assert.equal(result.kind, 'service');
    assert.equal(result.kind === 'service' && result.system, true);
  });
  it('an iOS encryption notice from the chat name is a system line', () => {
    const result = classifyEntryBody({
      style: 'ios',
      author: 'Отдел ЦОН',
      body: 'Сообщения и звонки защищены сквозным шифрованием.',
      bodyMarked: true,
    });
    assert.equal(result.kind === 'service' ? result.service.type : null, 'encryption_notice');
  });
  it('an iOS marked system wording from the chat name is a system line with its actor', () => {
    const result = classifyEntryBody({
      style: 'ios',
      author: 'Отдел ЦОН',
      body: 'Дана добавил(-а) Ерлан',
      bodyMarked: true,
    });
    assert.deepEqual(result.kind === 'service' ? [result.service.type, result.service.actor, result.system] : null, [
      'added',
      'Дана',
      true,
    ]);
  });
  it('the same words typed by a person stay a message', () => {
    const result = classifyEntryBody({ style: 'ios', author: 'Мама', body: 'Папа added sugar', bodyMarked: false });
    assert.equal(result.kind, 'message');
  });
  it('a deletion tombstone belongs to its author', () => {
    const result = classifyEntryBody({
      style: 'android',
      author: 'Bolat',
      body: 'You deleted this message',
      bodyMarked: false,
    });
    assert.deepEqual(result.kind === 'service' ? [result.service.type, result.service.actor, result.system] : null, [
      'deleted',
      'Bolat',
      false,
    ]);
  });
  it('a person asking about encryption is not a notice', () => {
    const result = classifyEntryBody({
      style: 'android',
      author: 'Bolat',
      body: 'Are our chats end-to-end encrypted?',
      bodyMarked: false,
    });
    assert.equal(result.kind, 'message');
  });
});

describe('wordingLanguage', () => {
  const cases: [string, string | null, string, string | null][] = [
    // system lines without an author
    [
      'the English notice',
      null,
      'Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them. Tap to learn more.',
      'en',
    ],
    [
      'the Russian notice',
      null,
      'Сообщения и звонки защищены сквозным шифрованием. Никто не может их прочитать.',
      'ru',
    ],
    [
      'the Kazakh notice',
      null,
      'Осы чатқа жөнелтілген хаттар және қоңыраулар толығымен шифрлау арқылы қауіпсіз етілді.',
      'kk',
    ],
    [
      'the German notice',
      null,
      'Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt. Niemand außerhalb dieses Chats kann sie lesen.',
      'de',
    ],
    [
      'the older German notice',
      null,
      'Nachrichten in diesem Chat sowie Anrufe sind jetzt mit Ende-zu-Ende-Verschlüsselung geschützt.',
      'de',
    ],
    [
      'the Brazilian notice',
      null,
      'As mensagens e ligações são protegidas com a criptografia de ponta a ponta. Saiba mais',
      'pt',
    ],
    ['the European Portuguese notice', null, 'As mensagens e chamadas são encriptadas ponto a ponto.', 'pt'],
    ['the Turkish notice', null, 'Mesajlar ve aramalar uçtan uca şifrelidir.', 'tr'],
    ['the Spanish notice', null, 'Los mensajes y las llamadas están cifrados de extremo a extremo.', 'es'],
    ['the French notice', null, 'Les messages et les appels sont chiffrés de bout en bout.', 'fr'],
    ['a Russian rule by its wording', null, 'Дана добавил(-а) Ерлан', 'ru'],
    ['a Kazakh rule by its wording', null, 'Әсел топтан шықты', 'kk'],
    ['an English rule by its wording', null, 'Dana left', 'en'],
    ['a system line in a wording no rule knows', null, 'Dana hat die Gruppe verlassen', null],
    // WhatsApp's words on a line with an author
    ['the Russian media placeholder', 'Дана', '<Без медиафайлов>', 'ru'],
    ['the older Russian placeholder', 'Дана', '‹Файл пропущен>', 'ru'],
    ['the Kazakh placeholder', 'Дана', '<файлдар қосылмаған>', 'kk'],
    ['the German placeholder', 'Dana', '<Medien ausgeschlossen>', 'de'],
    ['the Brazilian placeholder', 'Dana', '<Arquivo de mídia oculto>', 'pt'],
    ['the Turkish placeholder', 'Dana', '<Medya dahil edilmedi>', 'tr'],
    ['the Spanish placeholder', 'Dana', '<Multimedia omitido>', 'es'],
    ['the French placeholder', 'Dana', '<Médias omis>', 'fr'],
    ['a Russian tombstone', 'Дана', 'Данное сообщение удалено', 'ru'],
    ['a German tombstone', 'Dana', 'Diese Nachricht wurde gelöscht', 'de'],
    ['an English missed call', 'Dana', 'Missed voice call', 'en'],
    ['a Kazakh missed video call', 'Дана', 'Жауапсыз бейнеқоңырау', 'kk'],
    // what a person types says nothing of the phone
    ['a person writing Russian', 'Дана', 'Добрый день, коллеги', null],
    ['a person writing words a rule knows', 'Дана', 'Дана добавил(-а) Ерлан', null],
    ['a placeholder inside a sentence', 'Dana', 'see <Medien ausgeschlossen> above', null],
  ];
  for (const [name, author, body, language] of cases) {
    it(`reads ${name} as ${language ?? 'no language'}`, () =>
      assert.equal(wordingLanguage({ author, body }), language));
  }

  it('knows as a language marker only English, Russian and Kazakh words the rules also classify', () => {
    for (const [name, author, body, language] of cases) {
      if (language !== 'en' && language !== 'ru' && language !== 'kk') continue;
      const classified = classifyEntryBody({ style: 'android', author, body, bodyMarked: false });
      const recognised =
        classified.kind === 'service' || (classified.content.attachments[0]?.missing ?? false) === true;
      assert.ok(recognised, name);
    }
  });

  it('reads the first line only', () => {
    assert.equal(wordingLanguage({ author: 'Dana', body: 'hello\n<Medien ausgeschlossen>' }), null);
    assert.equal(wordingLanguage({ author: 'Dana', body: '<Medien ausgeschlossen>\ncaption' }), 'de');
  });
});
