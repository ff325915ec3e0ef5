import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for Aitu's Bot API, following its public contract (btsdigital/bot-api-contract; summary in
 * docs/bridges.md): `/bot/v1/<endpoint>` with `X-BOT-TOKEN`; `POST updates/ {"commands": [...]}` answered by an
 * empty 200; `GET updates/` long-polls `{"updates": [...]}` (400 while a webhook is set); `upload/` takes
 * multipart files and answers `{"uploadedFiles": [{fileId, fileName}]}`; `getMe/`; `webhook/` POST/DELETE.
 *
 * It promises what the contract promises and no more: a `localId` is not de-duplicated (two SendMessage commands
 * with one localId make two posts), and MessageIdAssigned comes asynchronously, as an update.
 */

export interface Post {
  id: string;
  localId: string | null;
  groupId: string;
  content: string;
  replyTo: string | null;
  media: { fileId: string; name: string; mediaType: string; sha256: string }[];
  deleted: boolean;
  edits: string[];
  /** when the fake stored it (ms since the epoch) */
  at: number;
}

type Update = Record<string, unknown> & { type: string; updateId: string };

export class FakeAitu {
  readonly botId = randomUUID();
  readonly posts: Post[] = [];
  /** every command received, with its HTTP status */
  readonly commands: { command: Record<string, unknown>; status: number; at: number }[] = [];
  /** each localId's first MessageIdAssigned and when it was handed out in an answer to `GET updates/` (then gone) */
  readonly assignmentsHandedOut = new Map<string, number>();
  private pending: Update[] = [];
  private waiter: (() => void) | null = null;
  private readonly files = new Map<string, { name: string; sha256: string }>();
  private server: http.Server;
  webhook: string | null = null;
  /** SendMessage commands answered 429 (no Retry-After) without storing anything: every n-th one, 0 = never */
  rateLimitEvery = 0;
  private sendCount = 0;
  /** the next n SendMessage commands are stored, answered 500, and only then assigned (after `lateAssignMs`) */
  storeThenFail = 0;
  /** the next n SendMessage commands are answered 500 without storing anything */
  failWithoutStoring = 0;
  /** the next n SendMessage commands are stored and answered 200, and their MessageIdAssigned is lost */
  loseAssignments = 0;
  lateAssignMs = 300;

  private constructor(readonly token: string) {
    this.server = http.createServer((req, res) => void this.handle(req, res));
  }

  static async start(token = `aitu-test-token-${randomUUID()}`): Promise<FakeAitu> {
    const fake = new FakeAitu(token);
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get apiRoot(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** A person writes in a group: a Message update; returns its messageId. */
  say(
    groupId: string,
    author: { id: string; firstName: string; lastName?: string },
    content: string,
    replyToMessageId?: string,
  ): string {
    const messageId = randomUUID();
    this.push({
      type: 'Message',
      updateId: randomUUID(),
      messageId,
      sentAt: new Date().toISOString(),
      author: { type: 'USER', ...author },
      dialog: { type: 'GROUP', id: groupId, name: 'Group' },
      content,
      ...(replyToMessageId ? { replyToMessageId } : {}),
    });
    return messageId;
  }

  /** The posts in a group the bot made that are not deleted, in order. */
  visible(groupId: string): Post[] {
    return this.posts.filter((p) => p.groupId === groupId && !p.deleted);
  }

  fileSha256(fileId: string): string | undefined {
    return this.files.get(fileId)?.sha256;
  }

  async close(): Promise<void> {
    this.waiter?.();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private push(update: Update): void {
    this.pending.push(update);
    this.waiter?.();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    if (req.headers['x-bot-token'] !== this.token) return end(res, 401, { message: 'Unauthorized' });
    const path = (req.url ?? '').split('?')[0];
    if (path === '/bot/v1/getMe/' && req.method === 'GET')
      return end(res, 200, { botId: this.botId, name: 'Gateway', username: 'gateway_bot' });
    if (path === '/bot/v1/updates/' && req.method === 'GET') return this.getUpdates(res);
    if (path === '/bot/v1/updates/' && req.method === 'POST') return this.runCommands(body, res);
    if (path === '/bot/v1/upload/' && req.method === 'POST') return this.upload(req, body, res);
    if (path === '/bot/v1/webhook/' && req.method === 'POST') {
      this.webhook = (JSON.parse(body.toString('utf8')) as { url: string }).url;
      return end(res, 200);
    }
    if (path === '/bot/v1/webhook/' && req.method === 'DELETE') {
      this.webhook = null;
      return end(res, 200);
    }
    end(res, 404, { message: 'not found' });
  }

  private async getUpdates(res: http.ServerResponse): Promise<void> {
    if (this.webhook) return end(res, 400, { message: 'webhook is set' });
    if (this.pending.length === 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        this.waiter = () => (clearTimeout(timer), resolve());
      });
      this.waiter = null;
    }
    const updates = this.pending.splice(0, 100);
    for (const update of updates)
      if (update.type === 'MessageIdAssigned' && !this.assignmentsHandedOut.has(String(update.localId)))
        this.assignmentsHandedOut.set(String(update.localId), Date.now());
    end(res, 200, { updates });
  }

  private runCommands(body: Buffer, res: http.ServerResponse): void {
    const { commands } = JSON.parse(body.toString('utf8')) as { commands: Record<string, unknown>[] };
    let status = 200;
    for (const command of commands) {
      status = this.command(command);
      this.commands.push({ command, status, at: Date.now() });
      if (status !== 200) break;
    }
    end(res, status);
  }

  private command(c: Record<string, unknown>): number {
    if (c.type === 'SendMessage') return this.send(c);
    const post = this.posts.find((p) => p.id === c.messageId && !p.deleted);
    if (!post) return 404;
    if (c.type === 'EditMessage') {
      post.edits.push(post.content);
      post.content = String(c.content);
      const mediaList = c.mediaList as { fileId: string; name: string; mediaType: string }[] | undefined;
      if (mediaList) post.media = mediaList.map((m) => ({ ...m, sha256: this.files.get(m.fileId)?.sha256 ?? '' }));
      return 200;
    }
    if (c.type === 'DeleteMessage') {
      post.deleted = true;
      return 200;
    }
    return 400;
  }

  private send(c: Record<string, unknown>): number {
    const localId = typeof c.localId === 'string' ? c.localId : null;
    if (String(c.content ?? '').length > 4096) return 400;
    if (this.rateLimitEvery > 0 && ++this.sendCount % this.rateLimitEvery === 0) return 429;
    if (this.failWithoutStoring > 0) {
      this.failWithoutStoring--;
      return 500;
    }
    const recipient = c.recipient as { id: string };
    const mediaList = (c.mediaList as { fileId: string; name: string; mediaType: string }[] | undefined) ?? [];
    const post: Post = {
      id: randomUUID(),
      localId,
      groupId: recipient.id,
      content: String(c.content),
      replyTo: typeof c.replyToMessageId === 'string' ? c.replyToMessageId : null,
      media: mediaList.map((m) => ({ ...m, sha256: this.files.get(m.fileId)?.sha256 ?? '' })),
      deleted: false,
      edits: [],
      at: Date.now(),
    };
    this.posts.push(post);
    const assigned = () =>
      localId &&
      this.push({
        type: 'MessageIdAssigned',
        updateId: randomUUID(),
        localId,
        id: post.id,
        dialog: { type: 'GROUP', id: post.groupId },
      });
    // members see the bot's post like any other, and so, over its updates, does the bot
    this.push({
      type: 'Message',
      updateId: randomUUID(),
      messageId: post.id,
      sentAt: new Date(post.at).toISOString(),
      author: { type: 'BOT', id: this.botId, firstName: 'Gateway' },
      dialog: { type: 'GROUP', id: post.groupId, name: 'Group' },
      content: post.content,
    });
    if (this.loseAssignments > 0) {
      this.loseAssignments--;
      return 200;
    }
    if (this.storeThenFail > 0) {
      this.storeThenFail--;
      setTimeout(assigned, this.lateAssignMs);
      return 500;
    }
    assigned();
    return 200;
  }

  private async upload(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): Promise<void> {
    const request = new Request('http://fake/upload', {
      method: 'POST',
      headers: { 'content-type': String(req.headers['content-type']) },
      body,
    });
    const form = await request.formData();
    const uploadedFiles = [];
    for (const [, value] of form.entries()) {
      if (typeof value === 'string') continue;
      const bytes = Buffer.from(await value.arrayBuffer());
      const fileId = randomUUID();
      this.files.set(fileId, { name: value.name, sha256: createHash('sha256').update(bytes).digest('hex') });
      uploadedFiles.push({ fileId, fileName: value.name });
    }
    end(res, 200, { uploadedFiles });
  }
}

function end(res: http.ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) res.writeHead(status).end();
  else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
