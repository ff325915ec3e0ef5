import type { Command } from 'commander';
import { normalizeTelegramChatId } from '../../bridges/telegram/export/chat-id.ts';
import { withSession, type TokenOptions } from '../session.ts';
import { UsageError } from '../../src/core/errors.ts';
import { listChatMappings, mapChat, unmapChat } from '../../src/service/chat-mapping.ts';
import { parseSource } from '../../src/store/chat-map.ts';
import { action, printJson, tokenOptions } from '../common.ts';

/**
 * A source as the live bridge knows it. A positive Telegram id is taken as an export's supergroup or channel id
 * (`1987654321` → `-1001987654321`, the Bot API form); `telegram:user:<id>` names a personal chat as is.
 */
export function normalizeSource(source: string): { platform: 'telegram' | 'whatsapp' | 'aitu'; chatId: string } {
  const { platform, chatId } = parseSource(source);
  if (platform !== 'telegram') return { platform, chatId };
  if (chatId.startsWith('user:'))
    return { platform, chatId: normalizeTelegramChatId(chatId.slice(5), 'personal_chat') };
  try {
    return { platform, chatId: normalizeTelegramChatId(chatId, 'private_supergroup') };
  } catch {
    throw new UsageError(`source "${source}": a Telegram chat id is an integer (e.g. telegram:-1001987654321)`);
  }
}

export function registerMap(program: Command): void {
  const map = program
    .command('map')
    .description('link foreign chats to national chats (history and live land together; operator, admin)');
  tokenOptions(
    map
      .command('add <agency> <source> <national-chat>')
      .description('link telegram:<chat-id>, whatsapp:<chat-id> or aitu:<group-id> to a national chat (created if new)')
      .option(
        '--relay',
        "also send this chat's messages, through the outbound gate, to the national chat's other --relay chats (foreign to foreign; off by default)",
      ),
  ).action(
    action((slug: string, source: string, nationalChat: string, options: TokenOptions & { relay?: boolean }) => {
      const target = normalizeSource(source);
      const title = nationalChat.trim();
      if (!title) throw new UsageError('the national chat name must not be empty');
      return withSession(options, 'map add', async ({ store, actor }) => {
        const { moved, created } = await mapChat(store, actor, slug, target, title, { relay: options.relay ?? false });
        process.stdout.write(
          `${target.platform}:${target.chatId} → "${title}"${created ? ' (new national chat)' : ''}${moved ? ' (moved from its previous chat)' : ''}${options.relay ? ' (relayed)' : ''}\n`,
        );
      });
    }),
  );
  tokenOptions(
    map.command('list <agency>').description('list the chat mappings of an agency').option('--json', 'print as JSON'),
  ).action(
    action((slug: string, options: TokenOptions & { json?: boolean }) =>
      withSession(options, 'map list', async ({ store, actor }) => {
        const mappings = await listChatMappings(store, actor, slug);
        if (options.json) printJson(mappings);
        else
          for (const m of mappings)
            process.stdout.write(`${m.platform}:${m.sourceChatId}\t${m.nationalChat}${m.relay ? '\trelay' : ''}\n`);
      }),
    ),
  );
  tokenOptions(
    map
      .command('remove <agency> <source>')
      .description('unlink a foreign chat (its delivered messages stay where they are)'),
  ).action(
    action((slug: string, source: string, options: TokenOptions) => {
      const target = normalizeSource(source);
      return withSession(options, 'map remove', async ({ store, actor }) => {
        if (!(await unmapChat(store, actor, slug, target)))
          throw new UsageError(`${target.platform}:${target.chatId} is not mapped for agency ${slug}`);
        process.stdout.write(`removed ${target.platform}:${target.chatId}\n`);
      });
    }),
  );
}
