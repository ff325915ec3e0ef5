import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { chromium, type APIResponse, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { buildConsole } from '../../src/console/app.ts';
import { loadKeyring, requireQueueKey } from '../../src/core/keys.ts';
import { addDeadLetters } from '../../src/pipeline/dead-letter.ts';
import { openQueues, type Queues } from '../../src/pipeline/queues.ts';
import { projectRoot } from './cli.ts';
import { createPeople } from './people.ts';
import { redisUrl, removePrefix, testPrefix } from './redis.ts';
import { createReviewWorld, inbound, PLANTED, type ReviewWorld } from './review-setup.ts';

/**
 * The officers' console as its browser tests meet it (the contract: /work/console-contract.md, kept in
 * docs/console.md once merged): a scratch database with agencies `a` and `b`, their quarantined messages delivered
 * through the real pipeline stages, the people below made through the users service, the pipeline's queues under a
 * Redis prefix of the world's own with one dead letter (the operations page shows them), the console built by
 * `buildConsole` and listening on a free port, and Debian's chromium driven by playwright-core.
 */

/** Debian's chromium: the tests never download a browser. */
export const CHROMIUM = '/usr/bin/chromium';

/** Where the screenshots go: test artifacts, never committed (.gitignore has artifacts/). */
export const ARTIFACTS = path.join(projectRoot, 'artifacts', 'console');

export const LANGUAGES = ['kk', 'ru', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

export const IDLE_MINUTES = 30;
export const ABSOLUTE_HOURS = 12;

/** Launches Debian's chromium headless; a missing browser fails (never skips) with what to install. */
export async function launchChromium(): Promise<Browser> {
  assert.ok(
    existsSync(CHROMIUM),
    `chromium is missing at ${CHROMIUM}: the console's browser tests drive Debian's chromium and never download one; ` +
      'install it with: apt-get install chromium (scripts/setup.sh does)',
  );
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

export const texts = {
  iin: (n: string) => `ИИН заявителя ${PLANTED.iin}, прошу проверить ${n}`,
  health: (n: string) => `Пациенту поставлен диагноз ${PLANTED.diagnosis} легких ${n}`,
  plain: (n: string) => `Добрый день, планерка в 10:00 ${n}`,
};

/**
 * What each agency receives, by `agency:message id`. Each test works on items of its own (the comments say which),
 * so the order the tests run in changes none of their expectations. Plain messages are delivered, not quarantined:
 * they are the conversation around an item.
 */
export const MESSAGES = {
  a: [
    inbound('-1001', 'Polyclinic A', '1', texts.iin('a1')), // reveal and approve
    inbound('-1001', 'Polyclinic A', '2', texts.health('a2')), // opened, screenshots
    inbound('-1001', 'Polyclinic A', '3', texts.iin('a3')), // the auditor's
    inbound('-1001', 'Polyclinic A', '6', texts.plain('a6')),
    inbound('-1002', 'Lab A', '4', texts.health('a4')), // escalated through the CLI
    inbound('-1002', 'Lab A', '5', texts.iin('a5')), // decided through the CLI
    inbound('-1001', 'Polyclinic A', '7', texts.health('a7')), // CSRF
    inbound('-1002', 'Lab A', '8', texts.iin('a8')), // decided through the API
    inbound('-1002', 'Lab A', '9', texts.health('a9')), // escalated through the API
    inbound('-1002', 'Lab A', '10', texts.plain('a10')),
    inbound('-1003', 'Registry A', '11', texts.iin('a11')), // keyboard, then decided in bulk
    inbound('-1003', 'Registry A', '12', texts.iin('a12')), // decided in bulk
  ],
  b: [
    inbound('-2001', 'Ministry B', '1', texts.iin('b1')),
    inbound('-2001', 'Ministry B', '2', texts.health('b2')),
    inbound('-2001', 'Ministry B', '3', texts.plain('b3')),
  ],
} as const;

export const PEOPLE = {
  root: { role: 'admin' },
  olga: { role: 'officer', agencies: ['a'] },
  boris: { role: 'officer', agencies: ['b'] },
  ada: { role: 'auditor' },
};
export type PersonName = keyof typeof PEOPLE;

export interface ConsoleWorld {
  w: ReviewWorld;
  app: FastifyInstance;
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  browser: Browser;
  tokens: Record<PersonName, string>;
  /** review item id by `agency:message id` */
  items: Map<string, string>;
  item(key: string): string;
  /** the original text of the message behind `agency:message id` */
  original(key: string): string;
  /** moves the console's clock (sessions' idle and absolute limits) forward */
  advanceClock(minutes: number): void;
  /** a fresh browser context (its own cookies) on the console, in `locale` when given */
  newContext(locale?: string): Promise<BrowserContext>;
  /** signs `name` in through the sign-in page of a fresh context; the page is on /queue after */
  signIn(name: PersonName, options?: { locale?: string }): Promise<{ context: BrowserContext; page: Page }>;
  /** the status of the item behind `agency:message id` in the store */
  status(key: string): Promise<string>;
  close(): Promise<void>;
}

export async function createConsoleWorld(): Promise<ConsoleWorld> {
  const w = await createReviewWorld(['a', 'b']);
  const prefix = testPrefix();
  let app: FastifyInstance | undefined;
  let browser: Browser | undefined;
  let queues: Queues | undefined;
  let redis: Redis | undefined;
  const release = async () => {
    await browser?.close().catch(() => {});
    await app?.close().catch(() => {});
    await queues?.close().catch(() => {});
    redis?.disconnect();
    await removePrefix(prefix).catch(() => {});
    await w.close();
  };
  try {
    await w.deliver('a', [...MESSAGES.a]);
    await w.deliver('b', [...MESSAGES.b]);
    queues = openQueues({ redisUrl, prefix, queueKey: requireQueueKey(await loadKeyring(w.keyFile)) });
    await addDeadLetters(queues, [
      {
        agencyId: w.agencies.a!,
        runId: null,
        stage: 'ingest',
        reason: 'line 7: not valid',
        message: inbound('-1001', 'Polyclinic A', '99', 'broken'),
        failedAt: new Date().toISOString(),
      },
    ]);
    redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
    const { tokens } = await createPeople(w.db.store, PEOPLE);
    const items = new Map<string, string>();
    const rows = await w.query<{ id: string; slug: string; source_message_id: string }>(
      `SELECT r.id, a.slug, m.source_message_id FROM review_items r JOIN messages m ON m.id = r.message_id
         JOIN agencies a ON a.id = r.agency_id`,
    );
    for (const r of rows) items.set(`${r.slug}:${r.source_message_id}`, r.id);
    const quarantined = [...MESSAGES.a, ...MESSAGES.b].filter((m) => !m.text.startsWith('Добрый')).length;
    assert.equal(items.size, quarantined, 'every message with an IIN or a diagnosis was quarantined');

    let offsetMs = 0;
    const started = await startConsole(w, {
      queues,
      redis,
      queuePrefix: prefix,
      // the tests sign in many times a minute from one address; the limit has a test of its own
      signInPerMinute: 10_000,
      now: () => new Date(Date.now() + offsetMs),
    });
    const built = (app = started.app);
    const baseUrl = started.baseUrl;
    const launched = (browser = await launchChromium());
    await mkdir(ARTIFACTS, { recursive: true });

    const world: ConsoleWorld = {
      w,
      app: built,
      baseUrl,
      browser: launched,
      tokens,
      items,
      item(key) {
        const id = items.get(key);
        assert.ok(id, `no review item for ${key}`);
        return id;
      },
      original(key) {
        const [agency, id] = key.split(':') as ['a' | 'b', string];
        const message = MESSAGES[agency].find((m) => m.messageId === id);
        assert.ok(message, `no message ${key}`);
        return message.text;
      },
      advanceClock(minutes) {
        offsetMs += minutes * 60_000;
      },
      newContext(locale) {
        return launched.newContext({ baseURL: baseUrl, locale });
      },
      async signIn(name, options = {}) {
        const context = await world.newContext(options.locale);
        const page = await context.newPage();
        await page.goto('/sign-in');
        await page.fill('#token', tokens[name]);
        await Promise.all([page.waitForURL(/\/queue(\?|$)/), page.click('#sign-in')]);
        return { context, page };
      },
      async status(key) {
        const rows = await w.query<{ status: string }>(`SELECT status FROM review_items WHERE id = $1`, [
          world.item(key),
        ]);
        return rows[0]!.status;
      },
      close: release,
    };
    return world;
  } catch (error) {
    await release();
    throw error;
  }
}

/** A console on the world's store listening on a free port of 127.0.0.1, as `aitu-gateway serve` starts one. */
export async function startConsole(
  w: ReviewWorld,
  options: Partial<Parameters<typeof buildConsole>[0]> = {},
): Promise<{ app: FastifyInstance; baseUrl: string }> {
  const app = await buildConsole({
    store: w.db.store,
    keyFile: w.keyFile,
    secure: false,
    idleMinutes: IDLE_MINUTES,
    absoluteHours: ABSOLUTE_HOURS,
    ...options,
  });
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    assert.ok(address && typeof address === 'object', 'the console listens on a TCP port');
    return { app, baseUrl: `http://127.0.0.1:${address.port}` };
  } catch (error) {
    await app.close();
    throw error;
  }
}

/** The page's CSRF token, from its `<meta name="csrf-token">`. */
export async function csrfOf(page: Page): Promise<string> {
  const token = await page.locator('meta[name="csrf-token"]').getAttribute('content');
  assert.ok(token, `${page.url()} carries no <meta name="csrf-token">`);
  return token;
}

/** A JSON API request with the page's cookies, carrying `csrf` in x-csrf-token when given. */
export async function apiPost(page: Page, url: string, data: unknown, csrf?: string): Promise<APIResponse> {
  return page.request.post(url, {
    data: data as Record<string, unknown>,
    headers: csrf === undefined ? {} : { 'x-csrf-token': csrf },
    maxRedirects: 0,
    failOnStatusCode: false,
  });
}

/** A form post (application/x-www-form-urlencoded) with the page's cookies, as a page's form would send it. */
export async function formPost(page: Page, url: string, form: Record<string, string>): Promise<APIResponse> {
  return page.request.post(url, { form, maxRedirects: 0, failOnStatusCode: false });
}

/** A GET with the page's cookies, redirects not followed. */
export async function get(page: Page, url: string): Promise<APIResponse> {
  return page.request.get(url, { maxRedirects: 0, failOnStatusCode: false });
}

/** Sets the signed-in person's language through `POST /language` and reloads the page in it. */
export async function setLanguage(page: Page, language: Language): Promise<void> {
  const response = await formPost(page, '/language', { language, _csrf: await csrfOf(page) });
  assert.ok(response.status() < 400, `POST /language ${language}: ${response.status()}`);
  await page.reload();
  assert.equal(await page.locator('html').getAttribute('lang'), language, `${page.url()} in ${language}`);
}
