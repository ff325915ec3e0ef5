import { openAsBlob } from 'node:fs';
import { RateLimitedError, SendOutcomeUnknownError } from '../../src/core/bridge.ts';

/**
 * Aitu's Bot API as its public contract describes it (btsdigital/bot-api-contract): every call under
 * `<root>/bot/v1/`, the token in `X-BOT-TOKEN`, commands as `POST updates/ {"commands": [...]}` answered by an empty
 * 200, updates by `GET updates/` (long polling) or by webhook. The token never appears in an error or a log line.
 */
export interface AituPeer {
  type: 'USER' | 'BOT' | 'GROUP' | 'CHANNEL';
  id: string;
}

export interface AituMedia {
  type?: string;
  fileId?: string;
  mimeType?: string;
  name?: string;
  size?: number;
}

/** The updates the connector reads; others (forms, buttons, channels) are passed over. */
export type AituUpdate =
  | {
      type: 'Message';
      updateId: string;
      messageId: string;
      sentAt?: string;
      author: AituPeer & { username?: string; firstName?: string; lastName?: string };
      dialog: AituPeer & { name?: string };
      content?: string;
      replyToMessageId?: string;
      forwardMetadata?: { sender?: AituPeer };
      media?: AituMedia[];
    }
  | {
      type: 'MessageEdited';
      updateId: string;
      messageId: string;
      author: AituPeer & { username?: string; firstName?: string; lastName?: string };
      dialog: AituPeer & { name?: string };
      content?: string;
    }
  | { type: 'MessageIdAssigned'; updateId: string; localId: string; id: string; dialog: AituPeer }
  | { type: string; updateId: string };

export type AituCommand =
  | {
      type: 'SendMessage';
      localId: string;
      content: string;
      recipient: AituPeer;
      replyToMessageId?: string;
      mediaList?: { fileId: string; name: string; mediaType: 'DOCUMENT' | 'IMAGE' | 'VIDEO' | 'AUDIO' | 'MUSIC' }[];
    }
  | {
      type: 'EditMessage';
      messageId: string;
      content: string;
      recipient: AituPeer;
      mediaList?: { fileId: string; name: string; mediaType: 'DOCUMENT' | 'IMAGE' | 'VIDEO' | 'AUDIO' | 'MUSIC' }[];
    }
  | { type: 'DeleteMessage'; messageId: string; dialog: AituPeer };

/** The longest `content` the API takes. */
export const AITU_MAX_CONTENT = 4096;

/** A refusal that will not change on a retry (400, 403, 404): the command is wrong or not allowed. */
export class AituRefusedError extends Error {
  constructor(
    readonly status: number,
    what: string,
  ) {
    super(`Aitu refused ${what} (HTTP ${status})`);
    this.name = 'AituRefusedError';
  }
}

/** The token was refused (401). */
export class AituUnauthorizedError extends Error {
  constructor() {
    super('Aitu refused the bot token (HTTP 401): check AITU_BOT_TOKEN');
    this.name = 'AituUnauthorizedError';
  }
}

export class AituApi {
  private readonly base: string;

  constructor(
    apiRoot: string,
    private readonly token: string,
    private readonly timeoutMs = 30_000,
  ) {
    this.base = `${apiRoot.replace(/\/+$/, '')}/bot/v1/`;
  }

  /** The bot's own id and name (`GET getMe/`). */
  async getMe(): Promise<{ botId: string; name: string; username: string }> {
    return (await this.json('GET', 'getMe/')) as { botId: string; name: string; username: string };
  }

  /** One long poll (`GET updates/`); aborts with `signal`. */
  async getUpdates(signal?: AbortSignal): Promise<AituUpdate[]> {
    const body = (await this.json('GET', 'updates/', undefined, signal)) as { updates?: AituUpdate[] } | null;
    return Array.isArray(body?.updates) ? body.updates : [];
  }

  /**
   * Sends commands (`POST updates/`). Throws RateLimitedError on 429 (not done: retry later), AituRefusedError on
   * another 4xx, and SendOutcomeUnknownError when the answer is a 5xx or never came (the server may have done it).
   */
  async commands(commands: AituCommand[]): Promise<void> {
    await this.request('POST', 'updates/', JSON.stringify({ commands }), commands[0]?.type ?? 'a command');
  }

  /** Uploads a file (`POST upload/`, multipart) and returns its fileId. */
  async upload(path: string, name: string, mime: string | undefined): Promise<string> {
    const form = new FormData();
    form.append('file', await openAsBlob(path, mime ? { type: mime } : {}), name);
    const response = await this.request('POST', 'upload/', form, 'an upload');
    const body = (await response.json()) as { uploadedFiles?: { fileId?: string }[] };
    const fileId = body.uploadedFiles?.[0]?.fileId;
    if (!fileId) throw new Error('Aitu answered an upload without a fileId');
    return fileId;
  }

  async setWebhook(url: string): Promise<void> {
    await this.request('POST', 'webhook/', JSON.stringify({ url }), 'setWebhook');
  }

  async deleteWebhook(): Promise<void> {
    await this.request('DELETE', 'webhook/', undefined, 'deleteWebhook');
  }

  private async json(method: string, path: string, body?: string, signal?: AbortSignal): Promise<unknown> {
    const response = await this.request(method, path, body, path, signal);
    const text = await response.text();
    return text ? JSON.parse(text) : null;
  }

  private async request(
    method: string,
    path: string,
    body: string | FormData | undefined,
    what: string,
    signal?: AbortSignal,
  ): Promise<Response> {
    const headers: Record<string, string> = { 'X-BOT-TOKEN': this.token };
    if (typeof body === 'string') headers['Content-Type'] = 'application/json';
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let response: Response;
    try {
      response = await fetch(this.base + path, {
        method,
        headers,
        body,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      const code = (error as { cause?: { code?: string } }).cause?.code;
      // refused before a byte was written: certainly not done
      if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN')
        throw new Error(`Aitu Bot API unreachable (${code})`, { cause: error });
      throw new SendOutcomeUnknownError(`no answer from the Aitu Bot API to ${what}`, { cause: error });
    }
    if (response.ok) return response;
    await response.body?.cancel();
    if (response.status === 429) {
      // without a Retry-After the caller decides how long to wait (0)
      const seconds = Number(response.headers.get('retry-after'));
      throw new RateLimitedError(Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0);
    }
    if (response.status === 401) throw new AituUnauthorizedError();
    if (response.status >= 500)
      throw new SendOutcomeUnknownError(`the Aitu Bot API answered ${what} with HTTP ${response.status}`);
    throw new AituRefusedError(response.status, what);
  }
}
