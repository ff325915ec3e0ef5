import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { isEscapedQuote, isJsonWhitespace, trailingBackslashes } from './message-scanner.ts';

/**
 * One streaming pass over an export that finds its shape and its chats: each chat's `name`, `type`, `id` (wherever
 * they stand relative to `messages`), the byte range of its `messages` array and how many messages it holds. It never
 * parses a message: message arrays and every other large value (contacts, sessions…) are skipped by a string- and
 * depth-aware byte scan, so a full-account export with hundreds of chats costs one fast read and flat memory.
 * It never throws on broken data either: it records the first problem, so that the entries before it can still be
 * read and the problem reported in order.
 */

export type ChatSection = 'top' | 'chats' | 'left_chats';

export interface IndexedChat {
  /** position among the export's chats, in file order; checkpoints refer to it */
  index: number;
  section: ChatSection;
  name?: string | null;
  /** the offset of the chat's name when its bytes are not UTF-8: then `name` is null, never text with U+FFFD */
  nameNotUtf8At?: number;
  type?: string;
  /** the id as written (a number's digits, or a string) */
  id?: string;
  /** absolute offset of the messages array's `[` */
  messagesStart?: number;
  /** absolute offset of its `]`, absent when the file ends inside it */
  messagesEnd?: number;
  messageCount: number;
}

export interface ExportIndex {
  /** `none`: the top level is neither a chat (has `messages`) nor a full-account export (has `chats`/`left_chats`) */
  shape: 'single-chat' | 'full-account' | 'none';
  chats: IndexedChat[];
  /** the first structural problem: where the scan stopped and why */
  problem: { offset: number; reason: string; truncated: boolean } | null;
  /** sha256 of the whole file, taken on the same read (an import records it to recognise the file on resume) */
  sha256: string;
}

type Role = 'top' | 'section' | 'list' | 'chat';

interface Frame {
  kind: 'object' | 'array';
  role: Role;
  key: string | null;
  expectKey: boolean;
  section?: ChatSection;
  chat?: IndexedChat;
}

interface Skip {
  depth: number;
  inString: boolean;
  carriedBackslashes: number;
  /** the chat whose messages array this is, when counting */
  messagesOf: IndexedChat | null;
}

const HEADER_KEYS = new Set(['name', 'type', 'id']);
const CHUNK = 1 << 20;

export async function indexTelegramExport(file: string, chunkSize = CHUNK): Promise<ExportIndex> {
  const stack: Frame[] = [];
  const candidates: IndexedChat[] = [];
  let top: IndexedChat | null = null;
  let sawSections = false;
  let topClosed = false;
  let started = false;
  let skip: Skip | null = null;
  let problem: ExportIndex['problem'] = null;
  let carry: Buffer | null = null;
  let position = 0;

  const fail = (offset: number, reason: string, truncated = false): void => {
    problem = { offset, reason, truncated };
  };

  const recordHeader = (frame: Frame, value: unknown, rawToken: string, notUtf8At = -1): void => {
    const chat = frame.chat;
    if (!chat || frame.key === null || !HEADER_KEYS.has(frame.key)) return;
    if (frame.key === 'name' && notUtf8At >= 0) {
      chat.name = null;
      chat.nameNotUtf8At = notUtf8At;
    } else if (frame.key === 'name') chat.name = typeof value === 'string' ? value : null;
    else if (frame.key === 'type' && typeof value === 'string') chat.type = value;
    // Keep the digits as written: a double would do for today's ids, a string never loses one.
    else if (frame.key === 'id') chat.id = typeof value === 'string' ? value : rawToken;
  };

  const hash = createHash('sha256');
  const stream = createReadStream(file, { highWaterMark: chunkSize });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      hash.update(chunk);
      // past the first problem the rest of the file is only hashed
      if (problem !== null) continue;
      const buf: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
      const base = position - (carry ? carry.length : 0);
      position += chunk.length;
      carry = null;
      const n = buf.length;
      let i = 0;
      while (i < n && problem === null) {
        if (skip) {
          let { depth, inString } = skip;
          const counting = skip.messagesOf;
          let closedAt = -1;
          while (i < n) {
            if (inString) {
              const quote = buf.indexOf(0x22, i);
              if (quote < 0) {
                i = n;
                break;
              }
              if (!isEscapedQuote(buf, quote, skip.carriedBackslashes)) inString = false;
              i = quote + 1;
              continue;
            }
            const c = buf[i++];
            if (c === 0x22) inString = true;
            else if (c === 0x7b) {
              if (depth === 1 && counting) counting.messageCount++;
              depth++;
            } else if (c === 0x5b) depth++;
            else if (c === 0x7d || c === 0x5d) {
              if (--depth === 0) {
                closedAt = i - 1;
                break;
              }
            }
          }
          skip.depth = depth;
          skip.inString = inString;
          if (closedAt < 0) skip.carriedBackslashes = inString ? trailingBackslashes(buf, skip.carriedBackslashes) : 0;
          if (closedAt < 0) break;
          if (counting) counting.messagesEnd = base + closedAt;
          skip = null;
          const parent = stack[stack.length - 1];
          if (parent) parent.expectKey = false;
          continue;
        }

        const c = buf[i];
        if (isJsonWhitespace(c)) {
          i++;
          continue;
        }
        const frame = stack[stack.length - 1];
        if (!frame) {
          if (!started && base + i === 0 && c === 0xef && buf[i + 1] === 0xbb && buf[i + 2] === 0xbf) {
            i += 3;
            continue;
          }
          if (topClosed) {
            fail(base + i, 'unexpected data after the end of the export');
            break;
          }
          if (c !== 0x7b) {
            fail(base + i, 'the top level is not a JSON object');
            break;
          }
          started = true;
          top = { index: -1, section: 'top', messageCount: 0 };
          stack.push({ kind: 'object', role: 'top', key: null, expectKey: true, chat: top });
          i++;
          continue;
        }

        if (c === 0x7b || c === 0x5b) {
          const key = frame.kind === 'object' ? frame.key : null;
          if (frame.kind === 'object' && frame.expectKey) {
            fail(base + i, 'expected a key');
            break;
          }
          if (frame.role === 'top' && c === 0x7b && (key === 'chats' || key === 'left_chats')) {
            sawSections = true;
            stack.push({ kind: 'object', role: 'section', key: null, expectKey: true, section: key });
          } else if (frame.role === 'section' && c === 0x5b && key === 'list') {
            stack.push({ kind: 'array', role: 'list', key: null, expectKey: false, section: frame.section ?? 'chats' });
          } else if (frame.role === 'list' && c === 0x7b) {
            const chat: IndexedChat = { index: -1, section: frame.section ?? 'chats', messageCount: 0 };
            candidates.push(chat);
            stack.push({ kind: 'object', role: 'chat', key: null, expectKey: true, chat });
          } else if (
            (frame.role === 'top' || frame.role === 'chat') &&
            c === 0x5b &&
            key === 'messages' &&
            frame.chat
          ) {
            // Telegram writes one; with two, which one a JSON parser keeps is its own choice
            if (frame.chat.messagesStart !== undefined) {
              fail(base + i, 'a second "messages" array in one chat');
              break;
            }
            frame.chat.messagesStart = base + i;
            frame.chat.messageCount = 0;
            skip = { depth: 1, inString: false, carriedBackslashes: 0, messagesOf: frame.chat };
          } else {
            skip = { depth: 1, inString: false, carriedBackslashes: 0, messagesOf: null };
          }
          i++;
          continue;
        }

        if (c === 0x7d || c === 0x5d) {
          if ((c === 0x7d) !== (frame.kind === 'object')) {
            fail(base + i, 'mismatched bracket');
            break;
          }
          stack.pop();
          if (frame.role === 'top') topClosed = true;
          const parent = stack[stack.length - 1];
          if (parent) parent.expectKey = false;
          i++;
          continue;
        }

        if (c === 0x2c) {
          if (frame.kind === 'object') frame.expectKey = true;
          i++;
          continue;
        }
        if (c === 0x3a) {
          i++;
          continue;
        }

        if (c === 0x22) {
          let end = -1;
          let from = i + 1;
          while (from < n) {
            const quote = buf.indexOf(0x22, from);
            if (quote < 0) break;
            if (!isEscapedQuote(buf, quote, 0)) {
              end = quote + 1;
              break;
            }
            from = quote + 1;
          }
          if (end < 0) {
            // The token continues in the next chunk; shallow tokens are short, so re-scanning it is cheap.
            carry = Buffer.from(buf.subarray(i));
            i = n;
            break;
          }
          const token = buf.toString('utf8', i, end);
          let value: unknown;
          try {
            value = JSON.parse(token);
          } catch {
            fail(base + i, 'invalid string');
            break;
          }
          if (frame.kind === 'object' && frame.expectKey) {
            frame.key = String(value);
            frame.expectKey = false;
          } else {
            recordHeader(frame, value, token, isUtf8(buf.subarray(i, end)) ? -1 : base + i);
          }
          i = end;
          continue;
        }

        // A scalar: number, true, false, null.
        let end = i;
        while (end < n) {
          const b = buf[end];
          if (b === 0x2c || b === 0x7d || b === 0x5d || isJsonWhitespace(b)) break;
          end++;
        }
        if (end === n) {
          carry = Buffer.from(buf.subarray(i));
          i = n;
          break;
        }
        const token = buf.toString('latin1', i, end);
        let value: unknown;
        try {
          value = JSON.parse(token);
        } catch {
          fail(base + i, 'invalid value');
          break;
        }
        if (frame.kind === 'object' && frame.expectKey) {
          fail(base + i, 'expected a key');
          break;
        }
        recordHeader(frame, value, token);
        i = end;
      }
    }
  } finally {
    stream.destroy();
  }

  // A message cut off by the end of the file was counted when it opened; it will not be read.
  if (skip?.messagesOf && skip.depth > 1) skip.messagesOf.messageCount--;
  if (problem === null && (skip !== null || stack.length > 0 || carry !== null))
    fail(position, 'the file ends early', true);
  if (problem === null && !started) fail(position, 'the file is empty', true);

  let shape: ExportIndex['shape'] = 'none';
  let chats: IndexedChat[] = [];
  if (top?.messagesStart !== undefined) {
    shape = 'single-chat';
    chats = [top];
  } else if (sawSections) {
    shape = 'full-account';
    chats = candidates.filter((chat) => chat.messagesStart !== undefined);
  }
  chats.forEach((chat, index) => {
    chat.index = index;
  });
  return { shape, chats, problem, sha256: hash.digest('hex') };
}
