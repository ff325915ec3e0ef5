import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

/** One response, its body as text, and the cookies it set as the browser would keep them. */
export interface Page {
  status: number;
  headers: LightMyRequestResponse['headers'];
  body: string;
  /** the body's bytes, for a download */
  raw: Buffer;
  /** `Set-Cookie` headers, whole (name=value; attributes) */
  setCookies: string[];
  location: string | undefined;
  json<T = Record<string, unknown>>(): T;
}

/**
 * A browser without a browser: sends requests to the console in process (fastify.inject), keeps the cookies it
 * is given (dropping expired ones) and the CSRF token of the last page it read, as a page's forms carry it.
 */
export class TestBrowser {
  readonly cookies = new Map<string, string>();
  csrf: string | null = null;

  constructor(
    readonly app: FastifyInstance,
    readonly headers: Record<string, string> = {},
  ) {}

  private cookieHeader(): string | undefined {
    return this.cookies.size ? [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') : undefined;
  }

  private remember(response: LightMyRequestResponse): Page {
    const raw = response.headers['set-cookie'];
    const setCookies = raw === undefined ? [] : Array.isArray(raw) ? raw : [String(raw)];
    for (const line of setCookies) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/max-age=0\b|expires=thu, 01 jan 1970/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const body = response.body;
    const token = /<meta name="csrf-token" content="([^"]*)"\s*\/?>/.exec(body)?.[1];
    if (token) this.csrf = token.replace(/&amp;/g, '&');
    return {
      status: response.statusCode,
      headers: response.headers,
      body,
      raw: response.rawPayload,
      setCookies,
      location: typeof response.headers.location === 'string' ? response.headers.location : undefined,
      json: <T>() => JSON.parse(body) as T,
    };
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<Page> {
    const cookie = this.cookieHeader();
    return this.remember(
      await this.app.inject({
        method: 'GET',
        url,
        headers: { ...this.headers, ...headers, ...(cookie ? { cookie } : {}) },
      }),
    );
  }

  /** A form post; `csrf: false` leaves the token out, a string sends that token instead of the page's. */
  async post(
    url: string,
    fields: Record<string, string | string[]> = {},
    options: { csrf?: boolean | string } = {},
  ): Promise<Page> {
    const form = new URLSearchParams();
    for (const [name, value] of Object.entries(fields))
      for (const one of Array.isArray(value) ? value : [value]) form.append(name, one);
    const token = options.csrf === false ? null : typeof options.csrf === 'string' ? options.csrf : this.csrf;
    if (token !== null) form.append('_csrf', token);
    const cookie = this.cookieHeader();
    return this.remember(
      await this.app.inject({
        method: 'POST',
        url,
        headers: {
          ...this.headers,
          'content-type': 'application/x-www-form-urlencoded',
          ...(cookie ? { cookie } : {}),
        },
        payload: form.toString(),
      }),
    );
  }

  /** A JSON API call with the session's token in x-csrf-token (none with `csrf: false`). */
  async api(method: 'GET' | 'POST', url: string, body?: unknown, options: { csrf?: boolean } = {}): Promise<Page> {
    const cookie = this.cookieHeader();
    return this.remember(
      await this.app.inject({
        method,
        url,
        headers: {
          ...this.headers,
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(options.csrf !== false && this.csrf && method !== 'GET' ? { 'x-csrf-token': this.csrf } : {}),
          ...(cookie ? { cookie } : {}),
        },
        ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
      }),
    );
  }

  /** Opens the sign-in form, then signs in with the token; returns the answer to the sign-in. */
  async signIn(token: string): Promise<Page> {
    await this.get('/sign-in');
    const page = await this.post('/sign-in', { token });
    // the session's own token, for the API calls that follow
    if (page.status === 303)
      this.csrf = (await this.api('GET', '/api/session')).json<{ csrfToken: string }>().csrfToken;
    return page;
  }
}

/** The text inside the first element carrying `data-testid="<id>"`, tags stripped. */
export function testIdText(body: string, id: string): string | null {
  const match = new RegExp(`data-testid="${id}"[^>]*>([\\s\\S]*?)</`, 'm').exec(body);
  return match ? match[1]!.replace(/<[^>]+>/g, '').trim() : null;
}
