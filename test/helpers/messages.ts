import { writeFileSync } from 'node:fs';
import type { CanonicalMessageInput } from '../../src/core/message.ts';

/** Valid IINs (FORMATS.md) and other personal data, so imports have something to find. */
const texts = [
  'Доброе утро, коллеги. Планерка в 10:00.',
  'ИИН заявителя 940101300123, прошу проверить.',
  'Пациенту поставлен диагноз туберкулез легких, больничный до пятницы.',
  'Contact me at aigerim.s@health.gov.kz or +7 701 234 56 78.',
  'Жиналыс ертең сағат 15:00-де өтеді.',
  'Sales analysis for Q3 is attached, see the dashboard.',
  'ЖСН 811201401188, анықтама дайын.',
  'Отчёт по закупкам отправлен.',
];

/** `count` canonical messages spread over a few chats and senders; the same arguments give the same messages. */
export function makeMessages(
  count: number,
  options: { chats?: number; idPrefix?: string } = {},
): CanonicalMessageInput[] {
  const chats = options.chats ?? 3;
  const start = Date.parse('2023-01-01T00:00:00Z');
  return Array.from({ length: count }, (_, i) => ({
    platform: 'telegram' as const,
    chatId: `-100${1000 + (i % chats)}`,
    chatTitle: `Chat ${i % chats}`,
    messageId: `${options.idPrefix ?? ''}${i + 1}`,
    sender: { id: `user${100 + (i % 17)}`, name: `Person ${i % 17}` },
    sentAt: new Date(start + i * 60_000).toISOString(),
    text: `${texts[i % texts.length]} #${i}`,
  }));
}

/**
 * One message per file, each carrying its file (`files`: key → name in the attachments folder): message ids
 * `file-<key>-1`, texts that name no personal data, so what a message holds is what its file holds.
 */
export function messagesWithFiles(files: Readonly<Record<string, string>>): CanonicalMessageInput[] {
  return Object.entries(files).map(([key, name], k) => ({
    ...makeMessages(1, { idPrefix: `file-${key}-` })[0]!,
    text: `Документ во вложении (${k + 1})`,
    attachments: [{ kind: 'document', name, sourcePath: name }],
  }));
}

export function writeJsonl(file: string, messages: readonly unknown[]): void {
  writeFileSync(file, messages.map((m) => JSON.stringify(m)).join('\n') + '\n');
}
