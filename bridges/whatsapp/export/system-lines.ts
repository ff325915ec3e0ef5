import type { ServiceEvent } from '../../../src/core/message.ts';
import type { LineStyle } from './line-format.ts';

/**
 * What a WhatsApp export line's body means: a service event (system line, deletion tombstone, missed call),
 * or a message with its attachment references, edit hint and location. Pure. Wording is from FORMATS.md
 * ("Localized WhatsApp wording"); it drifts between versions, so an Android line without `Name:` is a
 * system line by structure alone, whatever its words.
 */

export type ServiceInfo = Pick<ServiceEvent, 'type'> & {
  rawType: string;
  actor?: string;
  members?: string[];
  title?: string;
  details?: Record<string, unknown>;
};

export interface AttachmentRef {
  kind: string;
  name: string;
  mime?: string;
  missing: boolean;
  /** the file name inside the export, for attached files; absent for placeholders of files never exported */
  sourcePath?: string;
}

export interface MessageContent {
  text: string;
  attachments: AttachmentRef[];
  extra: Record<string, unknown>;
}

export type ClassifiedBody =
  /** system: a line WhatsApp wrote (no person sent it); otherwise a person's tombstone or call */
  | { kind: 'service'; service: ServiceInfo; text: string; system: boolean }
  | { kind: 'message'; content: MessageContent };

// Russian past-tense verbs are written `добавил(-а)` on Android, and `добавили` after `Вы`.
const RU = String.raw`(?:\(-а\)|а|и)?`;
const OPEN = `["“«„]`;
const CLOSE = `["”»“]`;

/** Embedding controls iOS wraps phone numbers in (`\u202A+7 701 …\u202C`): not part of a name. */
const NAME_CONTROLS = /[\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

function cleanName(name: string): string {
  return name.replace(NAME_CONTROLS, '').trim();
}

/** `Ерлан, Айгерім and Дана` → three names; the list forms of en/ru/kk. */
export function splitNames(list: string): string[] {
  return list
    .split(/, | and | и | және /u)
    .map(cleanName)
    .filter((name) => name !== '');
}

interface Rule {
  rawType: string;
  pattern: RegExp;
  build: (match: RegExpExecArray, knownNames: ReadonlySet<string>) => ServiceInfo;
}

function at(match: RegExpExecArray, index: number): string {
  return cleanName(match[index] ?? '');
}

function withActor(info: ServiceInfo, actor: string): ServiceInfo {
  return actor === '' ? info : { ...info, actor };
}

/**
 * `X Y топтан шығарды` puts two names side by side with nothing between them; split where the left part
 * is a name the file uses elsewhere, otherwise keep the whole as the member and leave the actor unknown.
 */
function splitActorAndMember(both: string, knownNames: ReadonlySet<string>): { actor?: string; member: string } {
  const words = both.split(' ');
  for (let cut = words.length - 1; cut >= 1; cut--) {
    const actor = words.slice(0, cut).join(' ');
    if (knownNames.has(actor)) return { actor, member: words.slice(cut).join(' ') };
  }
  return { member: both };
}

/** The notice's opening words: distinctive enough to recognize even as a line from an author (iOS). */
const ENCRYPTION_NOTICE =
  /^(?:messages and calls are end-to-end encrypted|messages to this (?:group|chat) are now secured with end-to-end encryption|сообщения и звонки защищены сквозным шифрованием|сообщения в (?:этой группе|этом чате) (?:теперь )?защищены сквозным шифрованием|осы чатқа жөнелтілген хаттар және қоңыраулар)/iu;
/** Looser stems, for author-less lines only (unverified Kazakh wording, future rewordings). */
const ENCRYPTION_STEMS = /end-to-end encrypt|сквозным шифрованием|шифрлау арқылы|толығымен шифрла/iu;

/** Ordered: the specific wordings (quoted titles, numbers) before the loose `X added Y` shapes. */
const RULES: Rule[] = [
  {
    rawType: 'encryption_notice',
    pattern: ENCRYPTION_NOTICE,
    build: () => ({ type: 'encryption_notice', rawType: 'encryption_notice' }),
  },
  {
    rawType: 'created_group:en',
    pattern: new RegExp(`^(.+?) created group ${OPEN}(.*)${CLOSE}$`, 'u'),
    build: (m) => withActor({ type: 'created', rawType: 'created_group:en', title: at(m, 2) }, at(m, 1)),
  },
  {
    // older iOS, without the group's title: `7/1/16, 4:56:55 PM: Aigerim created this group`
    rawType: 'created_this_group:en',
    pattern: /^(.+?) created this group$/u,
    build: (m) => withActor({ type: 'created', rawType: 'created_this_group:en' }, at(m, 1)),
  },
  {
    rawType: 'created_group:ru',
    pattern: new RegExp(`^(.+?) создал${RU} группу ${OPEN}(.*)${CLOSE}$`, 'u'),
    build: (m) => withActor({ type: 'created', rawType: 'created_group:ru', title: at(m, 2) }, at(m, 1)),
  },
  {
    rawType: 'created_group:kk',
    pattern: new RegExp(`^(.+?) ${OPEN}(.*)${CLOSE} тобын ашты$`, 'u'),
    build: (m) => withActor({ type: 'created', rawType: 'created_group:kk', title: at(m, 2) }, at(m, 1)),
  },
  {
    rawType: 'subject_changed:en',
    pattern: new RegExp(`^(.+?) changed the subject (?:from ${OPEN}(.*)${CLOSE} )?to ${OPEN}(.*)${CLOSE}$`, 'u'),
    build: (m) =>
      withActor(
        {
          type: 'title_changed',
          rawType: 'subject_changed:en',
          title: at(m, 3),
          ...(m[2] === undefined ? {} : { details: { previousTitle: at(m, 2) } }),
        },
        at(m, 1),
      ),
  },
  {
    rawType: 'subject_changed:ru',
    pattern: new RegExp(`^(.+?) изменил${RU} тему (?:с ${OPEN}(.*)${CLOSE} )?на ${OPEN}(.*)${CLOSE}$`, 'u'),
    build: (m) =>
      withActor(
        {
          type: 'title_changed',
          rawType: 'subject_changed:ru',
          title: at(m, 3),
          ...(m[2] === undefined ? {} : { details: { previousTitle: at(m, 2) } }),
        },
        at(m, 1),
      ),
  },
  {
    rawType: 'subject_changed:kk',
    pattern: new RegExp(`^(.+?) ${OPEN}(.*)${CLOSE} деген топ атауын ${OPEN}(.*)${CLOSE} етіп өзгертті$`, 'u'),
    build: (m) =>
      withActor(
        { type: 'title_changed', rawType: 'subject_changed:kk', title: at(m, 3), details: { previousTitle: at(m, 2) } },
        at(m, 1),
      ),
  },
  {
    rawType: 'icon_changed:en',
    pattern: /^(.+?) changed this group's icon$/u,
    build: (m) => withActor({ type: 'photo_changed', rawType: 'icon_changed:en' }, at(m, 1)),
  },
  {
    rawType: 'icon_changed:ru',
    pattern: new RegExp(`^(.+?) изменил${RU} (?:изображение|значок) группы$`, 'u'),
    build: (m) => withActor({ type: 'photo_changed', rawType: 'icon_changed:ru' }, at(m, 1)),
  },
  {
    rawType: 'pinned:en',
    pattern: /^(.+?) pinned a message$/u,
    build: (m) => withActor({ type: 'pinned', rawType: 'pinned:en' }, at(m, 1)),
  },
  {
    rawType: 'pinned:ru',
    pattern: new RegExp(`^(.+?) закрепил${RU} сообщение$`, 'u'),
    build: (m) => withActor({ type: 'pinned', rawType: 'pinned:ru' }, at(m, 1)),
  },
  {
    rawType: 'number_changed:en',
    pattern: /^(.+?) changed their phone number to a new number\..*$/u,
    build: (m) => withActor({ type: 'number_changed', rawType: 'number_changed:en' }, at(m, 1)),
  },
  {
    rawType: 'number_changed_to:en',
    pattern: /^(\+?[\d\s()-]{7,}) changed to (\+?[\d\s()-]{7,})$/u,
    build: (m) => ({ type: 'number_changed', rawType: 'number_changed_to:en', actor: at(m, 1), members: [at(m, 2)] }),
  },
  {
    rawType: 'number_changed:ru',
    pattern: new RegExp(
      String.raw`^(.+?) (?:изменил|сменил)${RU} (?:свой )?номер(?: телефона)?(?: на (\+?[\d\s()-]{7,}))?(?:[ .].*)?$`,
      'u',
    ),
    build: (m) =>
      withActor(
        {
          type: 'number_changed',
          rawType: 'number_changed:ru',
          ...(m[2] === undefined ? {} : { members: [at(m, 2)] }),
        },
        at(m, 1),
      ),
  },
  {
    rawType: 'joined_by_link:en',
    pattern: /^(.+?) joined using this group's invite link$/u,
    build: (m) => ({ type: 'joined', rawType: 'joined_by_link:en', actor: at(m, 1), members: [at(m, 1)] }),
  },
  {
    rawType: 'joined_by_link:ru',
    pattern: /^(.+?) присоединил(?:ся|ась|ся\(-ась\)|ись) к группе.*$/u,
    build: (m) => ({ type: 'joined', rawType: 'joined_by_link:ru', actor: at(m, 1), members: [at(m, 1)] }),
  },
  {
    rawType: 'joined_by_link:kk',
    pattern: /^(.+?) осы топқа шақыру сілтемесі арқылы қосылды\.?$/u,
    build: (m) => ({ type: 'joined', rawType: 'joined_by_link:kk', actor: at(m, 1), members: [at(m, 1)] }),
  },
  {
    rawType: 'left:en',
    pattern: /^(.+?) left$/u,
    build: (m) => ({ type: 'left', rawType: 'left:en', actor: at(m, 1), members: [at(m, 1)] }),
  },
  {
    rawType: 'left:ru',
    pattern: new RegExp(`^(.+?) (?:покинул${RU} группу|вышел|вышла|вышел\\(-ла\\)|вышли)$`, 'u'),
    build: (m) => ({ type: 'left', rawType: 'left:ru', actor: at(m, 1), members: [at(m, 1)] }),
  },
  {
    rawType: 'left:kk',
    pattern: /^(.+?) топтан шықты$/u,
    build: (m) => ({ type: 'left', rawType: 'left:kk', actor: at(m, 1), members: [at(m, 1)] }),
  },
  {
    rawType: 'added:kk',
    pattern: /^(.+?) топқа (.+) қосты$/u,
    build: (m) => withActor({ type: 'added', rawType: 'added:kk', members: splitNames(at(m, 2)) }, at(m, 1)),
  },
  {
    rawType: 'removed:kk',
    pattern: /^(.+) топтан шығарды$/u,
    build: (m, known) => {
      const { actor, member } = splitActorAndMember(at(m, 1), known);
      return { type: 'removed', rawType: 'removed:kk', members: [member], ...(actor === undefined ? {} : { actor }) };
    },
  },
  {
    rawType: 'added:en',
    pattern: /^(.+?) added (.+)$/u,
    build: (m) => withActor({ type: 'added', rawType: 'added:en', members: splitNames(at(m, 2)) }, at(m, 1)),
  },
  {
    rawType: 'added:ru',
    pattern: new RegExp(`^(.+?) добавил${RU} (.+)$`, 'u'),
    build: (m) => withActor({ type: 'added', rawType: 'added:ru', members: splitNames(at(m, 2)) }, at(m, 1)),
  },
  {
    rawType: 'removed:en',
    pattern: /^(.+?) removed (.+)$/u,
    build: (m) => withActor({ type: 'removed', rawType: 'removed:en', members: splitNames(at(m, 2)) }, at(m, 1)),
  },
  {
    rawType: 'removed:ru',
    pattern: new RegExp(`^(.+?) удалил${RU} (.+)$`, 'u'),
    build: (m) => withActor({ type: 'removed', rawType: 'removed:ru', members: splitNames(at(m, 2)) }, at(m, 1)),
  },
];

/** Tombstones and call notices WhatsApp writes as a line from the person concerned. */
const AUTHORED_RULES: { pattern: RegExp; build: () => ServiceInfo }[] = [
  {
    pattern:
      /^(?:this message was deleted|you deleted this message|данное сообщение удалено|это сообщение удалено|вы удалили (?:данное|это) сообщение|бұл хат жойылды|сіз бұл хатты жойдыңыз)\.?$/iu,
    build: () => ({ type: 'deleted', rawType: 'message_deleted' }),
  },
  {
    pattern: /^(?:missed (?:group )?voice call|пропущенный (?:групповой )?аудиозвонок|жауапсыз қоңырау)\.?$/iu,
    build: () => ({ type: 'call', rawType: 'missed_call', details: { missed: true, media: 'voice' } }),
  },
  {
    pattern: /^(?:missed (?:group )?video call|пропущенный (?:групповой )?видеозвонок|жауапсыз бейнеқоңырау)\.?$/iu,
    build: () => ({ type: 'call', rawType: 'missed_call', details: { missed: true, media: 'video' } }),
  },
];

/**
 * WhatsApp's own words by language: the encryption notice's opening, the media placeholder, the deletion tombstone
 * and the missed call, which a phone writes in its own language (what a person types says nothing of the phone).
 * The English, Russian and Kazakh ones are the wordings the rules above classify; German, Portuguese, Turkish,
 * Spanish and French ones, as real exports write them, are recognised only to tell the language, not classified.
 */
const LANGUAGE_MARKERS: { language: string; pattern: RegExp }[] = [
  {
    language: 'en',
    pattern:
      /^(?:messages and calls are end-to-end encrypted|messages to this (?:group|chat) are now secured with end-to-end encryption|<media omitted>$|(?:this message was deleted|you deleted this message)\.?$|missed (?:group )?(?:voice|video) call\.?$)/iu,
  },
  {
    language: 'ru',
    pattern:
      /^(?:сообщения и звонки защищены сквозным шифрованием|сообщения в (?:этой группе|этом чате) (?:теперь )?защищены сквозным шифрованием|[<‹](?:без медиафайлов|файл пропущен)[>›]$|(?:данное сообщение удалено|это сообщение удалено|вы удалили (?:данное|это) сообщение)\.?$|пропущенный (?:групповой )?(?:аудио|видео)звонок\.?$)/iu,
  },
  {
    language: 'kk',
    pattern:
      /^(?:осы чатқа жөнелтілген хаттар және қоңыраулар|[<‹](?:файл қосылған жоқ|файлдар қосылмаған)[>›]$|(?:бұл хат жойылды|сіз бұл хатты жойдыңыз)\.?$|жауапсыз (?:бейне)?қоңырау\.?$)/iu,
  },
  {
    language: 'de',
    pattern:
      /^(?:nachrichten und anrufe sind ende-zu-ende-verschlüsselt|nachrichten in diesem chat sowie anrufe sind jetzt mit ende-zu-ende-verschlüsselung geschützt|<medien ausgeschlossen>$|(?:diese nachricht wurde gelöscht|du hast diese nachricht gelöscht)\.?$)/iu,
  },
  {
    language: 'pt',
    pattern:
      /^(?:as mensagens e (?:as )?(?:chamadas|ligações) são protegidas com a criptografia de ponta a ponta|as mensagens e chamadas são encriptadas ponto a ponto|<arquivo de mídia oculto>$)/iu,
  },
  { language: 'tr', pattern: /^(?:mesajlar ve aramalar uçtan uca şifrelidir|<medya dahil edilmedi>$)/iu },
  {
    language: 'es',
    pattern: /^(?:los mensajes y (?:las )?llamadas están cifrados de extremo a extremo|<multimedia omitido>$)/iu,
  },
  { language: 'fr', pattern: /^(?:les messages et les appels sont chiffrés de bout en bout|<médias omis>$)/iu },
];

/**
 * The language of WhatsApp's own words in an entry (`en`, `ru`, `kk`, `de`, `pt`, `tr`, `es`, `fr`), or null when it holds
 * none this module knows: a marker above, or for a system line without an author the language of the rule its
 * wording matches.
 */
export function wordingLanguage(entry: { author: string | null; body: string }): string | null {
  const newline = entry.body.indexOf('\n');
  const firstLine = (newline < 0 ? entry.body : entry.body.slice(0, newline)).trim();
  for (const marker of LANGUAGE_MARKERS) if (marker.pattern.test(firstLine)) return marker.language;
  if (entry.author !== null) return null;
  const rawType = matchSystemWording(firstLine)?.rawType ?? '';
  const suffix = /:([a-z]{2})$/u.exec(rawType);
  return suffix?.[1] ?? null;
}

/**
 * The encryption notice, or null: of the known wordings the only one that counts from any author, so a person's
 * unmarked line needs only this test, not all the rules (they ran on every message line of an import).
 */
export function matchEncryptionNotice(text: string): ServiceInfo | null {
  return ENCRYPTION_NOTICE.test(text.trim()) ? { type: 'encryption_notice', rawType: 'encryption_notice' } : null;
}

/** A system line in a wording this module knows, or null. */
export function matchSystemWording(text: string, knownNames: ReadonlySet<string> = new Set()): ServiceInfo | null {
  const line = text.trim();
  for (const rule of RULES) {
    const match = rule.pattern.exec(line);
    if (match) return rule.build(match, knownNames);
  }
  return null;
}

/**
 * A line without `Name:` is a system line by structure; unknown wording (a Kazakh phone, a new WhatsApp version)
 * is kept as `other`, with a few Kazakh stems as hints since that wording is unverified.
 */
export function classifySystemLine(text: string, knownNames: ReadonlySet<string> = new Set()): ServiceInfo {
  const known = matchSystemWording(text, knownNames);
  if (known) return known;
  if (ENCRYPTION_STEMS.test(text)) return { type: 'encryption_notice', rawType: 'system_line:encryption' };
  if (/нөмір/u.test(text)) return { type: 'number_changed', rawType: 'system_line:number' };
  return { type: 'other', rawType: 'system_line' };
}

/** A deletion tombstone or missed call written as a person's line, or null. */
export function matchAuthoredService(body: string): ServiceInfo | null {
  const line = body.trim();
  for (const rule of AUTHORED_RULES) if (rule.pattern.test(line)) return rule.build();
  return null;
}

const PLACEHOLDERS: { pattern: RegExp; kind: string }[] = [
  {
    pattern: /^[<‹](?:media omitted|без медиафайлов|файл пропущен|файл қосылған жоқ|файлдар қосылмаған)[>›]$/iu,
    kind: 'file',
  },
  { pattern: /^(?:image omitted|изображение отсутствует)$/iu, kind: 'photo' },
  { pattern: /^(?:video omitted|видео отсутствует)$/iu, kind: 'video' },
  { pattern: /^(?:audio omitted|аудиофайл отсутствует|аудио отсутствует)$/iu, kind: 'audio' },
  { pattern: /^(?:sticker omitted|стикер не добавлен|стикер отсутствует)$/iu, kind: 'sticker' },
  { pattern: /^(?:document omitted|документ отсутствует)$/iu, kind: 'file' },
  { pattern: /^(?:gif omitted|gif отсутствует)$/iu, kind: 'animation' },
  { pattern: /^(?:contact card omitted|карточка контакта отсутствует)$/iu, kind: 'contact' },
];

const ANDROID_ATTACHED = /^(.+?) \((?:file attached|файл добавлен|қосымша файл)\)$/iu;
const IOS_ATTACHED = /^(?:(.*?)\s*)?<(?:attached|прикреплено): ([^<>]+)>$/iu;
const EDITED = /\s*<(?:this message was edited|сообщение изменено|это сообщение было изменено)>$/iu;
const LOCATION = /^(?:location|местоположение|орналасуы): (https?:\/\/\S+)$/iu;

const ANDROID_PREFIX_KIND: Record<string, string> = {
  IMG: 'photo',
  VID: 'video',
  PTT: 'voice',
  AUD: 'audio',
  GIF: 'animation',
  STK: 'sticker',
  DOC: 'file',
};
const IOS_TAG_KIND: Record<string, string> = {
  PHOTO: 'photo',
  VIDEO: 'video',
  AUDIO: 'voice',
  GIF: 'animation',
  STICKER: 'sticker',
  CONTACT: 'contact',
};
const EXTENSION_MIME: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  heic: 'image/heic',
  webp: 'image/webp',
  mp4: 'video/mp4',
  '3gp': 'video/3gpp',
  mov: 'video/quicktime',
  opus: 'audio/ogg',
  ogg: 'audio/ogg',
  m4a: 'audio/mp4',
  aac: 'audio/aac',
  mp3: 'audio/mpeg',
  amr: 'audio/amr',
  pdf: 'application/pdf',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  txt: 'text/plain',
  vcf: 'text/vcard',
  zip: 'application/zip',
};
const EXTENSION_KIND: Record<string, string> = {
  jpg: 'photo',
  jpeg: 'photo',
  png: 'photo',
  heic: 'photo',
  mp4: 'video',
  '3gp': 'video',
  mov: 'video',
  opus: 'voice',
  m4a: 'audio',
  mp3: 'audio',
  aac: 'audio',
  vcf: 'contact',
};

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot + 1).toLowerCase();
}

export function mimeOf(name: string): string | undefined {
  return EXTENSION_MIME[extensionOf(name)];
}

/** The kind of an exported file from WhatsApp's naming: Android `IMG-…-WA0001.jpg`, iOS `00000012-PHOTO-…`. */
export function kindOf(name: string): string {
  const android = /^([A-Z]{3})-\d{8}-WA\d+/u.exec(name);
  const androidKind = android?.[1] === undefined ? undefined : ANDROID_PREFIX_KIND[android[1]];
  if (androidKind) return androidKind;
  const ios = /^\d+-([A-Z]+)-/u.exec(name);
  const iosKind = ios?.[1] === undefined ? undefined : IOS_TAG_KIND[ios[1]];
  if (iosKind) return iosKind;
  return EXTENSION_KIND[extensionOf(name)] ?? 'file';
}

function attached(name: string): AttachmentRef {
  const mime = mimeOf(name);
  return { kind: kindOf(name), name, ...(mime === undefined ? {} : { mime }), missing: false, sourcePath: name };
}

function parseLocation(url: string): Record<string, unknown> {
  const query = /[?&]q=(-?\d+(?:\.\d+)?),\s*(-?\d+(?:\.\d+)?)/u.exec(url);
  if (!query?.[1] || !query[2]) return { url };
  return { latitude: Number(query[1]), longitude: Number(query[2]), url };
}

/**
 * A person's message body: the first line may be a media placeholder or an attached file (the lines after it
 * are the caption), a location, and the end may carry the edited marker.
 */
export function parseMessageBody(body: string): MessageContent {
  const extra: Record<string, unknown> = {};
  let text = body;
  // each pattern below ends its line with a `>` or a `)`: a line that does not is spared the regex (most are not)
  if (text.endsWith('>') && EDITED.test(text)) {
    text = text.replace(EDITED, '');
    extra['edited'] = true;
  }
  const newline = text.indexOf('\n');
  const first = (newline < 0 ? text : text.slice(0, newline)).trim();
  const rest = newline < 0 ? '' : text.slice(newline + 1);

  for (const placeholder of PLACEHOLDERS) {
    if (placeholder.pattern.test(first)) {
      return { text: rest, attachments: [{ kind: placeholder.kind, name: first, missing: true }], extra };
    }
  }
  const android = first.endsWith(')') ? ANDROID_ATTACHED.exec(first) : null;
  if (android?.[1]) return { text: rest, attachments: [attached(android[1].trim())], extra };
  const ios = first.endsWith('>') ? IOS_ATTACHED.exec(first) : null;
  if (ios?.[2]) {
    // iOS writes a document's title and page count before the tag (`Отчёт.pdf • 3 pages <attached: …>`).
    if (ios[1]) extra['attachmentLabel'] = ios[1].trim();
    return { text: rest, attachments: [attached(ios[2].trim())], extra };
  }
  const location = LOCATION.exec(first);
  if (location?.[1]) {
    extra['location'] = parseLocation(location[1]);
    return { text: rest, attachments: [], extra };
  }
  return { text, attachments: [], extra };
}

export interface EntryBody {
  style: LineStyle;
  author: string | null;
  body: string;
  bodyMarked: boolean;
}

/**
 * Classifies one entry. iOS writes system lines as a message from the chat's name with the text marked by
 * U+200E; a person's line with the same words is unmarked (and in a one-to-one chat the chat's name is a
 * person), so known wording counts as system only when marked. The encryption notice's opening words are
 * distinctive enough to count from any author, mark or not.
 */
export function classifyEntryBody(
  entry: EntryBody,
  context: { knownNames?: ReadonlySet<string> } = {},
): ClassifiedBody {
  const knownNames = context.knownNames ?? new Set<string>();
  const firstLine = entry.body.split('\n', 1)[0] ?? '';
  if (entry.author === null) {
    return { kind: 'service', service: classifySystemLine(firstLine, knownNames), text: entry.body, system: true };
  }

  // the notice is the rules' first: unmarked, whatever else the words match does not count
  const wording = entry.bodyMarked ? matchSystemWording(firstLine, knownNames) : matchEncryptionNotice(firstLine);
  if (wording) {
    return { kind: 'service', service: wording, text: entry.body, system: true };
  }
  const authored = matchAuthoredService(entry.body);
  if (authored)
    return { kind: 'service', service: { ...authored, actor: entry.author }, text: entry.body, system: false };
  return { kind: 'message', content: parseMessageBody(entry.body) };
}
