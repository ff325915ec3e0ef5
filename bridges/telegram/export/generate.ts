import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { corpusStream } from '../../../src/classifier/corpus.ts';

/**
 * Writes a synthetic single-chat Telegram Desktop export of any size, shaped like the real exporter's output
 * (one-space indentation, `text` as a string or a mixed array, `text_entities`, media, service messages, reactions),
 * about 1 KB per message. For memory tests, the parse benchmark and the import benchmark (which asks for personal data
 * in some messages); deterministic for a given seed.
 */

export interface GenerateOptions {
  messages: number;
  seed?: number;
  chatName?: string;
  chatType?: string;
  chatId?: number;
  /**
   * Share of the messages that also carry personal data (an IIN, a phone, a diagnosis… from the classifier's
   * labeled corpus), as agencies' real histories do; 0 (the default) keeps the text free of it.
   */
  personalDataRate?: number;
}

export interface GenerateResult {
  bytes: number;
  messages: number;
}

const PHRASES = [
  'Сәлеметсіздер ме, әріптестер! Ертеңгі жиналыс сағат 10:00-де әкімдіктің үлкен залында өтеді.',
  'Коллеги, прошу до пятницы прислать отчёты по обращениям граждан за квартал, шаблон во вложении.',
  'Please review the updated procurement schedule before the meeting with the regional office.',
  'Құжаттарды электронды түрде жіберіңіздер, қағаз нұсқасы кейін керек болады.',
  'Напоминаю: приём граждан по вторникам и четвергам с 15:00 до 18:00, кабинет 214.',
  'The server migration is planned for Saturday night; expect short interruptions of the portal.',
  'Өтініштер тізімі жаңартылды, әр бөлім өз бағанын тексерсін.',
  'По заявлению гражданина нужен ответ в течение 15 рабочих дней, контроль у начальника отдела.',
];
const SENDERS: Array<[string, string]> = [
  ['Айгерим Сапарова', 'user500100201'],
  ['Ерлан Жумабаев', 'user500100202'],
  ['Dana Akhmetova', 'user500100203'],
  ['Нурлан Касымов', 'user500100204'],
];

/** Small deterministic generator (mulberry32) so a benchmark file is the same every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(items: readonly T[], r: number): T {
  const item = items[Math.floor(r * items.length)];
  if (item === undefined) throw new RangeError('pick from an empty list');
  return item;
}

/** `personal`: a sentence with personal data to add to this message's text, when it is to carry one */
export function generateMessage(
  id: number,
  next: () => number,
  personal?: () => string | null,
): Record<string, unknown> {
  const unix = 1_704_067_200 + id * 37;
  const date = new Date(unix * 1000).toISOString().slice(0, 19);
  const base = { id, type: 'message', date, date_unixtime: String(unix) };
  const roll = next();
  if (roll < 0.03) {
    const [actor, actorId] = pick(SENDERS, next());
    return {
      ...base,
      type: 'service',
      actor,
      actor_id: actorId,
      action: 'invite_members',
      members: [pick(SENDERS, next())[0]],
      text: '',
      text_entities: [],
    };
  }
  const [from, fromId] = pick(SENDERS, next());
  const sentences = 2 + Math.floor(next() * 3);
  let plain = '';
  for (let k = 0; k < sentences; k++) plain += (k ? ' ' : '') + pick(PHRASES, next());
  const sensitive = personal?.();
  if (sensitive) plain += ` ${sensitive}`;
  const message: Record<string, unknown> = { ...base, from, from_id: fromId };
  if (next() < 0.2) message['reply_to_message_id'] = Math.max(1, id - 1 - Math.floor(next() * 20));
  if (roll < 0.15) {
    const parts = [
      { type: 'bold', text: 'Маңызды:' },
      { type: 'plain', text: ` ${plain} ` },
      { type: 'text_link', text: 'egov.kz', href: 'https://egov.kz/' },
      { type: 'plain', text: ' ' },
      { type: 'mention_name', text: 'Ерлан', user_id: 500100202 },
    ];
    message['text'] = parts.map((part) => (part.type === 'plain' ? part.text : part));
    message['text_entities'] = parts;
  } else {
    message['text'] = plain;
    message['text_entities'] = [{ type: 'plain', text: plain }];
  }
  if (roll > 0.9) {
    message['photo'] = `photos/photo_${id}@01-01-2024_09-00-00.jpg`;
    message['width'] = 1280;
    message['height'] = 960;
  } else if (roll > 0.86) {
    message['file'] = `files/report_${id}.pdf`;
    message['file_name'] = `report_${id}.pdf`;
    message['file_size'] = 20_000 + Math.floor(next() * 500_000);
    message['mime_type'] = 'application/pdf';
  }
  if (next() < 0.1) {
    message['reactions'] = [{ type: 'emoji', count: 2, emoji: '👍', recent: [{ from, from_id: fromId, date }] }];
  }
  return message;
}

/** Indents a pretty-printed message the way Telegram's exporter nests it inside `messages`. */
function formatMessage(message: Record<string, unknown>): string {
  return '  ' + JSON.stringify(message, null, 1).replace(/\n/g, '\n  ');
}

/**
 * A sentence with personal data for a share `rate` of the calls, else null. Drawn from generators of its own, so
 * that an export without personal data stays the same file as before.
 */
function personalSentences(seed: number, rate: number): () => string | null {
  const corpus = corpusStream(seed, { positiveRate: 1, negativeRate: 0 });
  const chance = random(seed ^ 0x5eed);
  return () => (chance() < rate ? (corpus.next().value as { text: string }).text : null);
}

export async function writeTelegramExport(file: string, options: GenerateOptions): Promise<GenerateResult> {
  const seed = options.seed ?? 1;
  const next = random(seed);
  const rate = options.personalDataRate ?? 0;
  const personal = rate > 0 ? personalSentences(seed, rate) : undefined;
  const out = createWriteStream(file);
  let bytes = 0;
  const write = async (text: string): Promise<void> => {
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };
  const header = {
    name: options.chatName ?? 'Бенчмарк — штаб',
    type: options.chatType ?? 'private_supergroup',
    id: options.chatId ?? 1987654321,
  };
  await write(
    `{\n "name": ${JSON.stringify(header.name)},\n "type": ${JSON.stringify(header.type)},\n "id": ${header.id},\n "messages": [\n`,
  );
  let batch: string[] = [];
  for (let id = 1; id <= options.messages; id++) {
    batch.push(formatMessage(generateMessage(id, next, personal)));
    if (batch.length === 1000 || id === options.messages) {
      await write(batch.join(',\n') + (id === options.messages ? '\n' : ',\n'));
      batch = [];
    }
  }
  await write(' ]\n}\n');
  out.end();
  await once(out, 'finish');
  return { bytes, messages: options.messages };
}
