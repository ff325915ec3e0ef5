import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the Telegram Bot API (https://core.telegram.org/bots/api), speaking its real HTTP surface so
 * the real telegraf client runs against it (`apiRoot`): `/bot<token>/<method>` with JSON, form or multipart
 * bodies, answers `{ ok, result }` or `{ ok: false, error_code, description, parameters }`, and file downloads at
 * `/file/bot<token>/<file_path>`.
 *
 * getUpdates keeps Telegram's semantics: an update is served again and again until a getUpdates with a higher
 * `offset` confirms it; with nothing pending it waits up to `timeout` seconds; a newer getUpdates ends an older
 * waiting one with 409; with a webhook set it answers 409.
 */

export interface RecordedRequest {
  method: string;
  params: Record<string, unknown>;
  /** multipart file parts: field, file name, size and digest of the bytes */
  files: { field: string; filename: string; size: number; sha256: string }[];
  at: number;
}

export interface FakeFile {
  bytes?: Buffer;
  /** a size Telegram reports without the bytes existing here (a file over the 20 MB limit) */
  size?: number;
}

type Update = { update_id: number; [kind: string]: unknown };

const DOWNLOAD_LIMIT = 20 * 1024 * 1024;

export class FakeTelegram {
  readonly requests: RecordedRequest[] = [];
  /** the sends the fake accepted (a 429 is in `requests` only) */
  readonly sent: RecordedRequest[] = [];
  readonly botId: number;
  private server: http.Server;
  private pending: Update[] = [];
  private readonly served = new Map<number, number>();
  private nextUpdateId = 1000;
  private nextMessageId = 9000;
  private readonly files = new Map<string, FakeFile & { path: string }>();
  private rateLimitNext = 0;
  private retryAfterSeconds = 1;
  private waiter: { wake: (conflict: boolean) => void } | null = null;
  webhook: { url: string; secretToken?: string; allowedUpdates?: unknown } | null = null;

  private constructor(readonly token: string) {
    this.botId = Number(token.split(':')[0]);
    this.server = http.createServer((req, res) => void this.handle(req, res));
  }

  static async start(token = '7000000001:AAHfakeTokenForTests_abcdefghijklmnop'): Promise<FakeTelegram> {
    const fake = new FakeTelegram(token);
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  /** the apiRoot to give telegraf */
  get apiRoot(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Queues an update (an `update_id` is assigned when it has none) and returns its id. */
  push(update: Omit<Update, 'update_id'> & { update_id?: number }): number {
    const withId = { ...update, update_id: update.update_id ?? this.nextUpdateId++ } as Update;
    this.nextUpdateId = Math.max(this.nextUpdateId, withId.update_id + 1);
    this.pending.push(withId);
    this.waiter?.wake(false);
    return withId.update_id;
  }

  /** When the update was first served by getUpdates (ms since the epoch), for latency measurements. */
  servedAt(updateId: number): number | undefined {
    return this.served.get(updateId);
  }

  /** Updates getUpdates has handed out at least once. */
  get servedCount(): number {
    return this.served.size;
  }

  /** Updates not yet confirmed by a getUpdates offset. */
  get unconfirmed(): number {
    return this.pending.length;
  }

  /** Makes a file downloadable through getFile; returns its file_id. */
  addFile(fileId: string, file: FakeFile): string {
    this.files.set(fileId, { ...file, path: `documents/file_${this.files.size}` });
    return fileId;
  }

  /** The next `count` send calls (sendMessage, sendPhoto, sendDocument) answer 429 with retry_after. */
  rateLimitSends(count: number, retryAfterSeconds = 1): void {
    this.rateLimitNext = count;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  calls(method: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method);
  }

  async close(): Promise<void> {
    this.waiter?.wake(true);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const download = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (download) return this.download(download[1]!, download[2]!, res);
    const call = /^\/bot([^/]+)\/(\w+)$/.exec(url.pathname);
    if (!call) return this.answer(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    if (call[1] !== this.token)
      return this.answer(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const body = await readBody(req);
    const { params, files } = parseParams(req.headers['content-type'] ?? '', body, url.searchParams);
    const method = call[2]!;
    const record: RecordedRequest = { method, params, files, at: Date.now() };
    this.requests.push(record);
    const result = await this.dispatch(record, res);
    if ('error_code' in result) return this.answer(res, result.error_code as number, { ok: false, ...result });
    return this.answer(res, 200, { ok: true, result: result.result });
  }

  private answer(res: http.ServerResponse, status: number, body: unknown): void {
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  private async dispatch(record: RecordedRequest, res: http.ServerResponse): Promise<Record<string, unknown>> {
    const { method, params } = record;
    switch (method) {
      case 'getMe':
        return {
          result: {
            id: this.botId,
            is_bot: true,
            first_name: 'Gateway',
            username: 'gateway_test_bot',
            can_join_groups: true,
            can_read_all_group_messages: true,
            supports_inline_queries: false,
          },
        };
      case 'getUpdates':
        return this.getUpdates(params, res);
      case 'getFile':
        return this.getFile(String(params.file_id ?? ''));
      case 'setWebhook':
        this.webhook = {
          url: String(params.url ?? ''),
          ...(params.secret_token ? { secretToken: String(params.secret_token) } : {}),
          allowedUpdates: params.allowed_updates,
        };
        this.waiter?.wake(true);
        return { result: true };
      case 'deleteWebhook':
        this.webhook = null;
        if (params.drop_pending_updates === true || params.drop_pending_updates === 'true') this.pending = [];
        return { result: true };
      case 'sendMessage':
      case 'sendPhoto':
      case 'sendDocument':
        return this.send(record);
      case 'editMessageText':
        return {
          result: {
            message_id: Number(params.message_id),
            chat: { id: Number(params.chat_id) },
            date: now(),
            edit_date: now(),
            text: params.text,
          },
        };
      case 'deleteMessage':
        return { result: true };
      default:
        return { error_code: 404, description: 'Not Found: method not found' };
    }
  }

  private async getUpdates(
    params: Record<string, unknown>,
    res: http.ServerResponse,
  ): Promise<Record<string, unknown>> {
    if (this.webhook)
      return {
        error_code: 409,
        description:
          "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      };
    const offset = Number(params.offset ?? 0);
    // confirming: every update below the offset is forgotten
    if (offset > 0) this.pending = this.pending.filter((u) => u.update_id >= offset);
    const limit = Math.min(100, Math.max(1, Number(params.limit ?? 100)));
    const timeout = Math.max(0, Number(params.timeout ?? 0));
    if (this.pending.length === 0 && timeout > 0) {
      this.waiter?.wake(true);
      const conflict = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => done(false), timeout * 1000);
        const done = (value: boolean) => {
          clearTimeout(timer);
          if (this.waiter === waiter) this.waiter = null;
          resolve(value);
        };
        const waiter = { wake: done };
        this.waiter = waiter;
        // the client went away (a killed bridge): nobody to answer
        res.once('close', () => done(true));
      });
      if (conflict)
        return {
          error_code: 409,
          description:
            'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
        };
    }
    const batch = this.pending.filter((u) => u.update_id >= offset).slice(0, limit);
    const at = Date.now();
    for (const update of batch) if (!this.served.has(update.update_id)) this.served.set(update.update_id, at);
    return { result: batch };
  }

  private getFile(fileId: string): Record<string, unknown> {
    const file = this.files.get(fileId);
    if (!file) return { error_code: 400, description: 'Bad Request: invalid file_id' };
    const size = file.bytes?.length ?? file.size ?? 0;
    if (size > DOWNLOAD_LIMIT) return { error_code: 400, description: 'Bad Request: file is too big' };
    return { result: { file_id: fileId, file_unique_id: `u-${fileId}`, file_size: size, file_path: file.path } };
  }

  private download(token: string, filePath: string, res: http.ServerResponse): void {
    if (token !== this.token) return this.answer(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const file = [...this.files.values()].find((f) => f.path === filePath);
    if (!file?.bytes) return this.answer(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    res
      .writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': file.bytes.length })
      .end(file.bytes);
  }

  private send(record: RecordedRequest): Record<string, unknown> {
    const { method, params, files } = record;
    if (this.rateLimitNext > 0) {
      this.rateLimitNext--;
      return {
        error_code: 429,
        description: `Too Many Requests: retry after ${this.retryAfterSeconds}`,
        parameters: { retry_after: this.retryAfterSeconds },
      };
    }
    if (params.chat_id === undefined) return { error_code: 400, description: 'Bad Request: chat_id is empty' };
    const message: Record<string, unknown> = {
      message_id: this.nextMessageId++,
      from: { id: this.botId, is_bot: true, first_name: 'Gateway' },
      chat: { id: Number(params.chat_id) },
      date: now(),
    };
    this.sent.push(record);
    if (method === 'sendMessage') message.text = params.text;
    else message.caption = params.caption;
    const file = files[0];
    if (method === 'sendPhoto' && file)
      message.photo = [{ file_id: `photo-${file.sha256.slice(0, 12)}`, file_size: file.size }];
    if (method === 'sendDocument' && file)
      message.document = { file_id: `doc-${file.sha256.slice(0, 12)}`, file_name: file.filename, file_size: file.size };
    return { result: message };
  }
}

const now = () => Math.floor(Date.now() / 1000);

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A Bot API call's parameters from whichever encoding it came in; JSON-looking form values are parsed, as Telegram does. */
function parseParams(
  contentType: string,
  body: Buffer,
  query: URLSearchParams,
): { params: Record<string, unknown>; files: RecordedRequest['files'] } {
  const params: Record<string, unknown> = Object.fromEntries(query);
  const files: RecordedRequest['files'] = [];
  if (contentType.startsWith('application/json') && body.length > 0)
    Object.assign(params, JSON.parse(body.toString('utf8')));
  else if (contentType.startsWith('application/x-www-form-urlencoded'))
    Object.assign(params, Object.fromEntries(new URLSearchParams(body.toString('utf8'))));
  else if (contentType.startsWith('multipart/form-data')) {
    const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
    if (boundary)
      for (const part of multipartParts(body, boundary[1] ?? boundary[2]!)) {
        if (part.filename !== undefined)
          files.push({
            field: part.name,
            filename: part.filename,
            size: part.data.length,
            sha256: createHash('sha256').update(part.data).digest('hex'),
          });
        else params[part.name] = formValue(part.data.toString('utf8'));
      }
  }
  return { params, files };
}

function formValue(value: string): unknown {
  if (/^[[{]/.test(value)) {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value;
}

function multipartParts(body: Buffer, boundary: string): { name: string; filename?: string; data: Buffer }[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: { name: string; filename?: string; data: Buffer }[] = [];
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next === -1) break;
    const chunk = body.subarray(start + delimiter.length, next);
    const headerEnd = chunk.indexOf('\r\n\r\n');
    if (headerEnd !== -1) {
      const headers = chunk.subarray(0, headerEnd).toString('utf8');
      const name = /name="([^"]*)"/.exec(headers)?.[1];
      const filename = /filename="([^"]*)"/.exec(headers)?.[1];
      // the part's data ends before the CRLF that precedes the next delimiter
      const data = chunk.subarray(headerEnd + 4, chunk.length - 2);
      if (name !== undefined) parts.push({ name, ...(filename !== undefined ? { filename } : {}), data });
    }
    start = next;
  }
  return parts;
}
