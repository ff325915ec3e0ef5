/**
 * `npm run bench:console`: the officers' console's server time over a large queue. Seeds BENCH_ITEMS (default
 * 100,000) open review items of one agency in a throw-away database: 40 template messages go through the real
 * classify and deliver stages (their findings, decisions and sealed originals are the pipeline's own), then one
 * INSERT … SELECT over generate_series copies them into the rest of the messages over 20 chats with their findings,
 * and COPY writes their review items, each original sealed for its own message (so any item's original opens). Then
 * it builds the console in this process (`buildConsole`), signs an officer of the agency in through the sign-in form,
 * and times BENCH_REQUESTS (default 200) requests of each page after a warm-up: the queue as it opens, the queue
 * filtered by category and chat, and the pages of random items; the JSON API's list and item beside them.
 *
 * Server time is Fastify's own handling of a request through `inject` (routing, session, service, rendering; no
 * socket), one request at a time. Prints p50/p95/max and PASS/MISS against p95 < 150 ms for the pages. Figures
 * only: a MISS is printed, not asserted; exit 1 only when a response is not 200 or the seeding went wrong.
 *
 * Environment: BENCH_ITEMS, BENCH_REQUESTS, BENCH_WARMUP (default 20), DATABASE_URL.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { from as copyFrom } from 'pg-copy-streams';
import { buildConsole } from '../src/console/app.ts';
import { encryptOriginal, loadKeyring, OriginalFormat } from '../src/core/keys.ts';
import { openOriginal, readSealedOriginal } from '../src/review/originals.ts';
import { createPeople } from '../test/helpers/people.ts';
import { createReviewWorld, inbound, PLANTED, type ReviewWorld } from '../test/helpers/review-setup.ts';
import { fmt, runBench, table } from './helpers.ts';

const TARGET_P95_MS = 150;
const ITEMS = Number(process.env.BENCH_ITEMS ?? 100_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 20);
const TEMPLATES = 40;
const CHATS = 20;

/** Template texts: an IIN, a diagnosis, both, an IIN beside a phone number; in Russian, Kazakh and English. */
const TEXTS = [
  (n: number) => `ИИН заявителя ${PLANTED.iin}, прошу проверить обращение ${n}`,
  (n: number) => `Пациенту поставлен диагноз ${PLANTED.diagnosis} легких, запись ${n}`,
  (n: number) => `Өтініш берушінің ЖСН ${PLANTED.iin2}. Науқасқа ${PLANTED.diagnosis} диагнозы қойылды, іс ${n}`,
  (n: number) => `Applicant IIN ${PLANTED.iin}, call back on ${PLANTED.phone} about case ${n}`,
];

async function seed(w: ReviewWorld): Promise<{ items: number; seconds: number }> {
  const started = performance.now();
  const templates = Array.from({ length: TEMPLATES }, (_, i) => {
    const chat = i % CHATS;
    return inbound(`-100${chat}`, `Department ${chat + 1}`, String(i + 1), TEXTS[i % TEXTS.length]!(i + 1));
  });
  await w.deliver('a', templates);
  const agency = w.agencies.a!;
  const [made] = await w.query<{ n: number }>(`SELECT count(*)::int AS n FROM review_items WHERE agency_id = $1`, [
    agency,
  ]);
  if (made!.n !== TEMPLATES) throw new Error(`the templates opened ${made!.n} review items, not ${TEMPLATES}`);
  const copies = Math.max(0, Math.ceil(ITEMS / TEMPLATES) - 1);

  // clones are "<template id>-<n>", an hour apart per copy; their chat and decision are the template's
  await w.query(
    `INSERT INTO messages (agency_id, platform, source_chat_id, source_message_id, chat_id, sender_id, sender_name,
                           sent_at, kind, text, body, redacted, decision_id)
     SELECT m.agency_id, m.platform, m.source_chat_id, m.source_message_id || '-' || g, m.chat_id, m.sender_id,
            m.sender_name, m.sent_at + g * interval '1 hour', m.kind, m.text, m.body, m.redacted, m.decision_id
       FROM messages m JOIN review_items r ON r.message_id = m.id CROSS JOIN generate_series(1, $2::int) g
      WHERE m.agency_id = $1`,
    [agency, copies],
  );
  await w.query(
    `INSERT INTO findings (message_id, category, start, "end", confidence, detector, explanation)
     SELECT n.id, f.category, f.start, f."end", f.confidence, f.detector, f.explanation
       FROM messages n
       JOIN messages t ON t.agency_id = n.agency_id AND t.platform = n.platform AND t.source_chat_id = n.source_chat_id
                      AND t.source_message_id = split_part(n.source_message_id, '-', 1)
       JOIN findings f ON f.message_id = t.id
      WHERE n.agency_id = $1 AND n.source_message_id LIKE '%-%'`,
    [agency],
  );

  // each clone's original sealed for its own message: a copied ciphertext would not open (it is bound to its item)
  const keyring = await loadKeyring(w.keyFile);
  const plain = new Map<string, { text: string; categories: string[] }>();
  const rows = await w.query<{ id: string; source_message_id: string; categories: string[] }>(
    `SELECT r.id::text, m.source_message_id, r.categories FROM review_items r JOIN messages m ON m.id = r.message_id
      WHERE r.agency_id = $1`,
    [agency],
  );
  for (const r of rows)
    plain.set(r.source_message_id, {
      text: openOriginal(keyring, await readSealedOriginal(w.db.store.pool, r.id)),
      categories: r.categories,
    });
  const clones = await w.query<{ id: string; source_chat_id: string; source_message_id: string; platform: string }>(
    `SELECT id::text, source_chat_id, source_message_id, platform FROM messages
      WHERE agency_id = $1 AND source_message_id LIKE '%-%'`,
    [agency],
  );
  const now = Date.now();
  function* lines(): Generator<string> {
    let i = 0;
    for (const c of clones) {
      const template = plain.get(c.source_message_id.split('-')[0]!)!;
      const sealed = encryptOriginal(keyring.current, template.text, {
        agencyId: agency,
        platform: c.platform,
        sourceChatId: c.source_chat_id,
        sourceMessageId: c.source_message_id,
      });
      // opened over the last 90 days, so that since/until filters cut the queue
      const opened = new Date(now - (i++ % 90) * 86_400_000 - (i % 86_400) * 1000).toISOString();
      yield `${randomUUID()}\t${agency}\t${c.id}\topen\t{${template.categories.join(',')}}\t\\\\x${sealed.toString('hex')}\t${keyring.currentId}\t${OriginalFormat.bound}\t${opened}\n`;
    }
  }
  const client = await w.db.store.pool.connect();
  try {
    await pipeline(
      Readable.from(lines()),
      client.query(
        copyFrom(
          `COPY review_items (id, agency_id, message_id, status, categories, original, key_id, original_format, created_at) FROM STDIN`,
        ),
      ),
    );
  } finally {
    client.release();
  }
  await w.query('ANALYZE');
  const [total] = await w.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM review_items WHERE agency_id = $1 AND status = 'open'`,
    [agency],
  );
  return { items: total!.n, seconds: (performance.now() - started) / 1000 };
}

/** The cookies a browser would keep, by name. */
class CookieJar {
  private readonly cookies = new Map<string, string>();
  take(response: LightMyRequestResponse): void {
    for (const c of response.cookies as { name: string; value: string }[]) this.cookies.set(c.name, c.value);
  }
  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/** Signs the officer in through the sign-in form, as a browser does: the form's CSRF token, then the post. */
async function signIn(app: FastifyInstance, token: string): Promise<CookieJar> {
  const jar = new CookieJar();
  const form = await app.inject({ method: 'GET', url: '/sign-in' });
  jar.take(form);
  const csrf = /<meta name="csrf-token" content="([^"]+)"/.exec(form.body)?.[1];
  if (!csrf) throw new Error('the sign-in page carries no <meta name="csrf-token">');
  const posted = await app.inject({
    method: 'POST',
    url: '/sign-in',
    headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ token, _csrf: csrf }).toString(),
  });
  if (posted.statusCode !== 303) throw new Error(`signing in answered ${posted.statusCode}, not 303`);
  jar.take(posted);
  return jar;
}

interface Timing {
  what: string;
  ms: number[];
  bytes: number;
  page: boolean;
}

async function time(app: FastifyInstance, jar: CookieJar, what: string, urls: () => string, page: boolean) {
  const timing: Timing = { what, ms: [], bytes: 0, page };
  for (let i = 0; i < WARMUP + REQUESTS; i++) {
    const url = urls();
    const started = performance.now();
    const response = await app.inject({ method: 'GET', url, headers: { cookie: jar.header() } });
    const ms = performance.now() - started;
    if (response.statusCode !== 200) throw new Error(`GET ${url} answered ${response.statusCode}`);
    if (i < WARMUP) continue;
    timing.ms.push(ms);
    timing.bytes += response.rawPayload.length;
  }
  return timing;
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;

async function main(): Promise<void> {
  console.log(
    `bench:console: ${fmt(ITEMS)} open review items, ${REQUESTS} requests a page after ${WARMUP} to warm up; target p95 < ${TARGET_P95_MS} ms`,
  );
  const w = await createReviewWorld(['a', 'b']);
  let app: FastifyInstance | undefined;
  try {
    const seeded = await seed(w);
    console.log(`seeded ${fmt(seeded.items)} open review items in ${seeded.seconds.toFixed(1)} s`);
    const { tokens } = await createPeople(w.db.store, {
      root: { role: 'admin' },
      olga: { role: 'officer', agencies: ['a'] },
    });
    const built: FastifyInstance = (app = await buildConsole({
      store: w.db.store,
      keyFile: w.keyFile,
      signInPerMinute: 1000,
    }));
    await built.ready();
    const jar = await signIn(built, tokens.olga);
    const ids = (
      await w.query<{ id: string }>(`SELECT id::text FROM review_items ORDER BY random() LIMIT $1`, [WARMUP + REQUESTS])
    ).map((r) => r.id);
    let next = 0;
    const anItem = () => ids[next++ % ids.length]!;
    let chat = 0;
    const aChat = () => encodeURIComponent(`Department ${(chat++ % CHATS) + 1}`);

    const timings = [
      await time(built, jar, 'queue page (GET /queue)', () => '/queue', true),
      await time(
        built,
        jar,
        'queue filtered (category, status, chat)',
        () => `/queue?category=HEALTH&status=open&chat=${aChat()}`,
        true,
      ),
      await time(built, jar, 'item page (GET /items/:id)', () => `/items/${anItem()}`, true),
      await time(built, jar, 'API list (GET /api/review?limit=50)', () => '/api/review?limit=50', false),
      await time(built, jar, 'API item (GET /api/review/:id)', () => `/api/review/${anItem()}`, false),
    ];
    const rows = timings.map((t) => {
      const sorted = [...t.ms].sort((a, b) => a - b);
      const p95 = percentile(sorted, 0.95);
      return [
        t.what,
        percentile(sorted, 0.5).toFixed(1),
        p95.toFixed(1),
        sorted.at(-1)!.toFixed(1),
        fmt(Math.round(t.bytes / t.ms.length)),
        t.page ? (p95 < TARGET_P95_MS ? 'PASS' : 'MISS') : '(no target)',
      ];
    });
    console.log(
      table(['server time', 'p50 ms', 'p95 ms', 'max ms', 'bytes', `p95 < ${TARGET_P95_MS} ms`], rows, [1, 2, 3, 4]),
    );
  } finally {
    await app?.close();
    await w.close();
  }
}

await runBench(main);
