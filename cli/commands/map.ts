import type { Command } from 'commander';
import { normalizeTelegramChatId } from '../../bridges/telegram/export/chat-id.ts';
import { config } from '../../src/core/config.ts';
import { UsageError } from '../../src/core/errors.ts';
import { requireAgency } from '../../src/store/agencies.ts';
import { addMapping, listMappings, parseSource, removeMapping } from '../../src/store/chat-map.ts';
import { openStore } from '../../src/store/database.ts';
import { action, printJson } from '../common.ts';

/**
 * A source as the live bridge knows it. A positive Telegram id is taken as an export's supergroup or channel id
 * (`1987654321` → `-1001987654321`, the Bot API form); `telegram:user:<id>` names a personal chat as is.
 */
export function normalizeSource(source: string): { platform: 'telegram' | 'whatsapp' | 'aitu'; chatId: string } {
  const { platform, chatId } = parseSource(source);
  if (platform !== 'telegram') return { platform, chatId };
  if (chatId.startsWith('user:')) return { platform, chatId: normalizeTelegramChatId(chatId.slice(5), 'personal_chat') };
  try {
    return { platform, chatId: normalizeTelegramChatId(chatId, 'private_supergroup') };
  } catch {
    throw new UsageError(`source "${source}": a Telegram chat id is an integer (e.g. telegram:-1001987654321)`);
  }
}

async function withAgency<T>(slug: string, work: (store: Awaited<ReturnType<typeof openStore>>, agencyId: string) => Promise<T>): Promise<T> {
  const store = await openStore(config().databaseUrl);
  try {
    const agency = await requireAgency(store.pool, slug);
    return await work(store, agency.id);
  } finally {
    await store.close();
  }
}

export function registerMap(program: Command): void {
  const map = program.command('map').description('link foreign chats to national chats (history and live land together)');
  map
    .command('add <agency> <source> <national-chat>')
    .description('link telegram:<chat-id>, whatsapp:<chat-id> or aitu:<group-id> to a national chat (created if new)')
    .action(
      action(async (slug: string, source: string, nationalChat: string) => {
        const { platform, chatId } = normalizeSource(source);
        if (!nationalChat.trim()) throw new UsageError('the national chat name must not be empty');
        await withAgency(slug, async (store, agencyId) => {
          const { moved, created } = await addMapping(store.pool, agencyId, platform, chatId, nationalChat.trim());
          process.stdout.write(`${platform}:${chatId} → "${nationalChat.trim()}"${created ? ' (new national chat)' : ''}${moved ? ' (moved from its previous chat)' : ''}\n`);
        });
      }),
    );
  map
    .command('list <agency>')
    .description('list the chat mappings of an agency')
    .option('--json', 'print as JSON')
    .action(
      action(async (slug: string, options: { json?: boolean }) =>
        withAgency(slug, async (store, agencyId) => {
          const mappings = await listMappings(store.pool, agencyId);
          if (options.json) printJson(mappings);
          else for (const m of mappings) process.stdout.write(`${m.platform}:${m.sourceChatId}\t${m.nationalChat}\n`);
        }),
      ),
    );
  map
    .command('remove <agency> <source>')
    .description('unlink a foreign chat (its delivered messages stay where they are)')
    .action(
      action(async (slug: string, source: string) => {
        const { platform, chatId } = normalizeSource(source);
        await withAgency(slug, async (store, agencyId) => {
          if (!(await removeMapping(store.pool, agencyId, platform, chatId))) throw new UsageError(`${platform}:${chatId} is not mapped for agency ${slug}`);
          process.stdout.write(`removed ${platform}:${chatId}\n`);
        });
      }),
    );
}
