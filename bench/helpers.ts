import { rm } from 'node:fs/promises';
import { unlinkPrefix } from '../test/helpers/redis.ts';
/**
 * Shared pieces of the benchmarks: synthetic "already parsed" canonical messages, an in-memory HistorySource,
 * samplers for this process's RSS and Redis's memory, Redis clean-up by prefix, and a plain text table.
 */
import type { Readable } from 'node:stream';
import type { Redis } from 'ioredis';
import { corpusStream } from '../src/classifier/corpus.ts';
import type { Checkpoint, HistoryChat, HistoryEntry, HistoryProgress, HistorySource } from '../src/core/history.ts';
import type { CanonicalMessageInput } from '../src/core/message.ts';

export interface SyntheticOptions {
  count: number;
  chats?: number;
  senders?: number;
  seed?: number;
  /** share of texts with inserted personal data (and as many with a look-alike), as in bench/classify.ts */
  positiveRate?: number;
}

/**
 * N canonical Telegram messages as a parser hands them to the pipeline: a handful of chats, ~50 senders,
 * unique message ids, increasing times, texts from the seeded kk/ru/en corpus (so classification does real work).
 */
export function syntheticMessages(options: SyntheticOptions): CanonicalMessageInput[] {
  const chats = options.chats ?? 6;
  const senders = options.senders ?? 50;
  const rate = options.positiveRate ?? 0.1;
  const stream = corpusStream(options.seed ?? 20240601, { positiveRate: rate, negativeRate: rate });
  const start = Date.UTC(2023, 0, 1, 8, 0, 0);
  const perChat = new Array<number>(chats).fill(0);
  const out: CanonicalMessageInput[] = new Array(options.count);
  for (let i = 0; i < options.count; i++) {
    const chat = i % chats;
    const sender = (i * 7 + Math.floor(i / chats)) % senders;
    const text = (stream.next().value as { text: string }).text;
    out[i] = {
      platform: 'telegram',
      chatId: `-100${1_700_000_000 + chat}`,
      chatTitle: `Bench chat ${chat + 1}`,
      messageId: String(++perChat[chat]!),
      kind: 'message',
      sender: { id: `user${100_000 + sender}`, name: `Sender ${sender + 1}` },
      sentAt: new Date(start + i * 1000).toISOString(),
      text,
    };
  }
  return out;
}

/** An in-memory export: yields the given messages in order; the checkpoint is `{ index }` of the next entry. */
export class MemoryHistorySource implements HistorySource {
  readonly platform = 'telegram' as const;
  private read = 0;

  constructor(
    readonly inputPath: string,
    private readonly messages: readonly CanonicalMessageInput[],
  ) {}

  async chats(): Promise<HistoryChat[]> {
    const byId = new Map<string, HistoryChat>();
    for (const m of this.messages) {
      const chat = byId.get(m.chatId) ?? { platform: 'telegram', sourceChatId: m.chatId, title: m.chatTitle ?? '', expectedEntries: 0 };
      chat.expectedEntries = (chat.expectedEntries ?? 0) + 1;
      byId.set(m.chatId, chat);
    }
    return [...byId.values()];
  }

  async *entries(options: { resumeAfter?: Checkpoint | null } = {}): AsyncIterable<HistoryEntry> {
    const from = typeof options.resumeAfter?.index === 'number' ? options.resumeAfter.index : 0;
    for (let index = from; index < this.messages.length; index++) {
      this.read = index + 1;
      // a shallow copy, as a parser makes a fresh object per entry (the run may mark attachments on it)
      yield { message: { ...this.messages[index]! }, checkpoint: { index: index + 1 } };
    }
  }

  progress(): HistoryProgress {
    return { bytesRead: this.read, totalBytes: this.messages.length };
  }

  async openAttachment(): Promise<Readable | null> {
    return null;
  }

  async close(): Promise<void> {}
}

/** Samples a number every `intervalMs` and keeps the largest (plus a final sample on stop). */
export function peakSampler(sample: () => number | Promise<number>, intervalMs = 100) {
  let peak = 0;
  let pending = false;
  const take = async () => {
    if (pending) return;
    pending = true;
    try {
      const value = await sample();
      if (value > peak) peak = value;
    } catch {
      // a missed sample (e.g. Redis busy) is not a failure of the benchmark
    } finally {
      pending = false;
    }
  };
  void take();
  const timer = setInterval(() => void take(), intervalMs);
  return {
    async stop(): Promise<number> {
      clearInterval(timer);
      await take();
      return peak;
    },
  };
}

export function infoField(info: string, field: string): string | null {
  return new RegExp(`^${field}:([^\\r\\n]*)`, 'm').exec(info)?.[1] ?? null;
}


export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
export const rate = (n: number, seconds: number) => Math.round(n / seconds);
export const fmt = (n: number) => n.toLocaleString('en-US');

/** A plain left/right-aligned text table. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], rightAligned: readonly number[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (rightAligned.includes(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Removes what a bench made: its Redis keys, its database, its temporary folder. Returns what it did. */
export async function cleanUpBench(parts: { redis: Redis; prefix: string; db?: { drop(): Promise<void> } | null; dir: string }): Promise<string> {
  const removed = await unlinkPrefix(parts.redis, parts.prefix).catch((error: Error) => {
    console.error(`bench: could not remove the Redis keys under ${parts.prefix}: ${error.message}`);
    return 0;
  });
  parts.redis.disconnect();
  await parts.db?.drop().catch((error: Error) => console.error(`bench: could not drop the bench database: ${error.message}`));
  await rm(parts.dir, { recursive: true, force: true });
  return `database dropped, ${removed} Redis keys under ${parts.prefix} unlinked`;
}

/** Runs a bench's main, turning a crash into a FAIL line; then leaves at once (pg, ioredis or BullMQ may keep a timer alive). */
export async function runBench(main: () => Promise<void>): Promise<never> {
  try {
    await main();
  } catch (error) {
    console.log(`FAIL ${(error as Error).stack ?? String(error)}`);
    process.exitCode = 1;
  }
  process.exit(process.exitCode ?? 0);
}
