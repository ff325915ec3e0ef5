/**
 * `npm run bench:store`: a store that has grown (issue 22). Fills a database with BENCH_STORE_MESSAGES messages
 * (default 10,000,000) across BENCH_STORE_AGENCIES agencies (default 20, 25 chats each), by COPY, with texts from the
 * project's Telegram export generator (bridges/telegram/export/generate.ts) and, for one message in ten, a sentence of
 * personal data from the classifier's labeled corpus, stored as an import stores it: most redacted with their
 * findings, one in five of those quarantined with a review item (sealed original, mostly open). Agencies are written
 * in turns of 2,000 messages, in time order, as a busy installation's imports and bridges interleave them.
 * Then it measures:
 *   - the size of every table and index;
 *   - the plain import command (`import telegram`, a 100,000-message export) into the grown store and into an empty
 *     one, interleaved (empty, grown, empty, grown);
 *   - `review list` (an agency's open items, 50 and the CLI's default) and `report` latency through the service layer
 *     (what the CLI and the console call), an auditor's session: p50 and p95 of 15 runs after 3 to warm up;
 *   - the partitioning question: `messages` copied into a table partitioned by agency (LIST) and one by month
 *     (RANGE on sent_at), the report's two heaviest statements and a 100,000-row INSERT … ON CONFLICT DO NOTHING
 *     against each, and what deleting an agency costs (DELETE, rolled back, against dropping a partition).
 *
 * Environment: BENCH_STORE_MESSAGES, BENCH_STORE_AGENCIES, BENCH_STORE_DB=<name> (reuse a filled database; filled
 * first when it holds fewer messages), BENCH_STORE_KEEP=1 (keep the database for a later run), BENCH_STORE_FILL_ONLY=1
 * (fill, keep the database and stop), BENCH_EXPORT_DIR
 * (where the 100,000-message export is kept), BENCH_SKIP_PARTITIONS=1, BENCH_SKIP_IMPORTS=1, DATABASE_URL, REDIS_URL.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { from as copyFrom } from 'pg-copy-streams';

import { generateMessage, writeTelegramExport } from '../bridges/telegram/export/generate.ts';
import { corpusStream, mulberry32 } from '../src/classifier/corpus.ts';
import type { Actor } from '../src/auth/roles.ts';
import type { ImportSummary } from '../src/pipeline/import-run.ts';
import { listReview } from '../src/service/review.ts';
import { reportFor } from '../src/service/report.ts';
import { addAgency } from '../src/store/agencies.ts';
import { openStore, type Store } from '../src/store/database.ts';
import { createTestDatabase, urlFor, withAdmin, type TestDatabase } from '../test/helpers/database.ts';
import { initTestInstallation } from '../test/helpers/installation.ts';
import { unlinkPrefix } from '../test/helpers/redis.ts';
import { cpuSampler, fmt, hostSpeedLine, mb, runBench, table } from './helpers.ts';

const TOTAL = Number(process.env.BENCH_STORE_MESSAGES ?? 10_000_000);
const AGENCIES = Number(process.env.BENCH_STORE_AGENCIES ?? 20);
const CHATS_PER_AGENCY = 25;
/** messages of one agency written in a turn: a batch, as the pipeline delivers them */
const TURN = 2000;
const PERSONAL_RATE = 0.1;
const IMPORT_MESSAGES = 100_000;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cliPath = path.join(projectRoot, 'bin/aitu-gateway.js');
/** the fill's messages span two years from here, each agency's in time order */
const START_MS = Date.UTC(2023, 0, 1);
const SPAN_MS = 2 * 365 * 86_400_000;

const seconds = (startedNs: bigint) => Number(process.hrtime.bigint() - startedNs) / 1e9;
const loadAverage = () => os.loadavg()[0]!.toFixed(2);
const slugOf = (a: number) => `store-${String(a + 1).padStart(2, '0')}`;

/** COPY's text format: backslash, tab, newline and carriage return escaped. */
const esc = (value: string) =>
  value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));

interface AgencyRows {
  id: string;
  slug: string;
  chats: { id: string; sourceChatId: string }[];
  decisions: { allow: string; redact: string; quarantine: string };
}

/** The agencies, their chats (each mapped from a Telegram group) and the decision rows their batches share. */
async function makeAgencies(store: Store): Promise<AgencyRows[]> {
  const out: AgencyRows[] = [];
  for (let a = 0; a < AGENCIES; a++) {
    const agency = await addAgency(store.prisma, { slug: slugOf(a), name: `Store agency ${a + 1}` });
    const chats: AgencyRows['chats'] = [];
    for (let c = 0; c < CHATS_PER_AGENCY; c++) {
      const id = randomUUID();
      const sourceChatId = `-100${1_800_000_000 + a * 1000 + c}`;
      await store.pool.query(`INSERT INTO chats (id, agency_id, title) VALUES ($1, $2, $3)`, [
        id,
        agency.id,
        `Agency ${a + 1} chat ${c + 1}`,
      ]);
      await store.pool.query(
        `INSERT INTO chat_sources (id, agency_id, chat_id, platform, source_chat_id) VALUES ($1, $2, $3, 'telegram', $4)`,
        [randomUUID(), agency.id, id, sourceChatId],
      );
      chats.push({ id, sourceChatId });
    }
    const decision = async (action: string, categories: string[]) =>
      (
        await store.pool.query<{ id: string }>(
          `INSERT INTO decisions (agency_id, direction, action, rule, categories) VALUES ($1, 'inbound', $2, $3, $4) RETURNING id::text`,
          [agency.id, action, `bench-${action}`, categories],
        )
      ).rows[0]!.id;
    out.push({
      id: agency.id,
      slug: agency.slug,
      chats,
      decisions: {
        allow: await decision('allow', []),
        redact: await decision('redact', ['IIN', 'PHONE']),
        quarantine: await decision('quarantine', ['HEALTH']),
      },
    });
  }
  return out;
}

/** The plain text of a Telegram export message (`text` as a string or a mixed array). */
function plainText(message: Record<string, unknown>): string {
  const text = message['text'];
  if (typeof text === 'string') return text;
  if (Array.isArray(text))
    return text.map((part) => (typeof part === 'string' ? part : String((part as { text: string }).text))).join('');
  return '';
}

interface TurnRows {
  messages: string[];
  findings: string[];
  reviewItems: string[];
}

/**
 * One agency's generator: the export generator's messages, converted as the importer stores them; the personal data
 * sentence's labels become the findings (one per category) the classifier would have recorded.
 */
function agencyWriter(agency: AgencyRows, index: number, perAgency: number) {
  const next = mulberry32(20240601 + index);
  const personal = corpusStream(7 + index, { positiveRate: 1, negativeRate: 0 });
  const chance = mulberry32(99 + index);
  const perChat = new Array<number>(CHATS_PER_AGENCY).fill(0);
  let written = 0;
  const original = randomBytes(180).toString('hex');
  return (turn: TurnRows, count: number, nextId: () => number) => {
    for (let k = 0; k < count && written < perAgency; k++, written++) {
      let labels: string[] = [];
      const exported = generateMessage(written + 1, next, () => {
        if (chance() >= PERSONAL_RATE) return null;
        const labeled = personal.next().value as { text: string; categories: string[] };
        labels = labeled.categories;
        return labeled.text;
      });
      const c = written % CHATS_PER_AGENCY;
      const chat = agency.chats[c]!;
      const sourceMessageId = String(++perChat[c]!);
      const sentAt = new Date(START_MS + Math.floor((written / perAgency) * SPAN_MS) + index * 1000).toISOString();
      const id = nextId();
      const text = plainText(exported);
      const kind = exported['type'] === 'service' ? 'service' : 'message';
      const body: Record<string, unknown> = {};
      if (exported['reply_to_message_id']) body['replyTo'] = String(exported['reply_to_message_id']);
      if (Array.isArray(exported['text'])) body['entities'] = [{ type: 'bold', offset: 0, length: 8 }];
      const quarantined = labels.length > 0 && chance() < 0.2;
      const redacted = labels.length > 0 && !quarantined;
      const decision = quarantined
        ? agency.decisions.quarantine
        : redacted
          ? agency.decisions.redact
          : agency.decisions.allow;
      const sender = String(exported['from_id'] ?? exported['actor_id'] ?? '');
      const senderName = String(exported['from'] ?? exported['actor'] ?? '');
      const stored = quarantined ? '' : redacted ? text.replace(/\d/g, '•') : text;
      turn.messages.push(
        `${id}\t${agency.id}\ttelegram\t${chat.sourceChatId}\t${sourceMessageId}\t${chat.id}\t${esc(sender)}\t${esc(senderName)}\t${sentAt}\t${kind}\t${esc(stored)}\t${esc(JSON.stringify(body))}\t${redacted}\t${decision}\n`,
      );
      for (const category of labels)
        turn.findings.push(`${id}\t${category}\t0\t12\t0.9\tbench-${category.toLowerCase()}\t{}\n`);
      if (quarantined) {
        const roll = chance();
        const status = roll < 0.7 ? 'open' : roll < 0.8 ? 'escalated' : roll < 0.95 ? 'approved' : 'rejected';
        turn.reviewItems.push(
          `${randomUUID()}\t${agency.id}\t${id}\t${status}\t{${labels.join(',')}}\t\\\\x${original}\tbench-key\t${sentAt}\n`,
        );
      }
    }
  };
}

async function copyRows(store: Store, sql: string, rows: string[]): Promise<void> {
  if (rows.length === 0) return;
  const client = await store.pool.connect();
  try {
    await pipeline(Readable.from([rows.join('')]), client.query(copyFrom(sql)));
  } finally {
    client.release();
  }
}

/** Writes TOTAL messages, agencies in turns of TURN, two COPY lanes (the two cores). */
async function fill(store: Store, agencies: AgencyRows[], already: number): Promise<void> {
  const perAgency = Math.ceil(TOTAL / AGENCIES);
  const writers = agencies.map((agency, i) => agencyWriter(agency, i, perAgency));
  let id = already;
  const nextId = () => ++id;
  const turns = Math.ceil(perAgency / TURN);
  const started = process.hrtime.bigint();
  let lastReport = Date.now();
  // a round: every agency's next TURN messages, written by one lane while the other lane writes the round before
  const writeRound = async (round: number) => {
    const rows: TurnRows = { messages: [], findings: [], reviewItems: [] };
    for (const write of writers) write(rows, TURN, nextId);
    await copyRows(
      store,
      `COPY messages (id, agency_id, platform, source_chat_id, source_message_id, chat_id, sender_id, sender_name, sent_at, kind, text, body, redacted, decision_id) FROM STDIN`,
      rows.messages,
    );
    await copyRows(
      store,
      `COPY findings (message_id, category, start, "end", confidence, detector, explanation) FROM STDIN`,
      rows.findings,
    );
    await copyRows(
      store,
      `COPY review_items (id, agency_id, message_id, status, categories, original, key_id, created_at) FROM STDIN`,
      rows.reviewItems,
    );
    if (Date.now() - lastReport > 30_000) {
      lastReport = Date.now();
      console.error(
        `bench:store: filled ${fmt(id - already)} of ${fmt(TOTAL - already)} in ${seconds(started).toFixed(0)} s (round ${round + 1} of ${turns}; load ${loadAverage()})`,
      );
    }
  };
  const firstRound = Math.floor(already / (TURN * AGENCIES));
  if (firstRound > 0) throw new Error('a partly filled database cannot be continued; drop it and start again');
  let pending: Promise<void> = Promise.resolve();
  for (let round = 0; round < turns; round++) {
    // generating the next round's rows overlaps with the previous round's COPY
    const current = writeRound(round);
    await pending;
    pending = current;
  }
  await pending;
  await store.pool.query(`SELECT setval('messages_id_seq', $1)`, [id]);
  const elapsed = seconds(started);
  console.log(
    `filled ${fmt(id - already)} messages in ${elapsed.toFixed(0)} s (${fmt(Math.round((id - already) / elapsed))}/s, load average ${loadAverage()})`,
  );
}

// ---------- measurements ----------

async function sizes(store: Store) {
  return (
    await store.pool.query<{ name: string; kind: string; bytes: string; rows: string }>(
      `SELECT c.relname AS name, CASE c.relkind WHEN 'i' THEN 'index' ELSE 'table' END AS kind,
              pg_relation_size(c.oid) AS bytes, c.reltuples::bigint AS rows
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i', 'p', 'I') AND pg_relation_size(c.oid) > 8192 * 16
        ORDER BY pg_relation_size(c.oid) DESC`,
    )
  ).rows;
}

/** p50 and p95 of `runs` timed calls after `warm` untimed ones, in ms. */
async function latency(work: () => Promise<unknown>, runs = 15, warm = 3): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < warm; i++) await work();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    await work();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(runs / 2)]!, p95: times[Math.min(runs - 1, Math.ceil(runs * 0.95) - 1)]! };
}

/**
 * The installation of `db`: its data directory and key file in `dir`, recorded once (`keys init`); a database keeps
 * its installation, so a reused grown store keeps its directory beside it in the temporary folder.
 */
async function installationOf(db: TestDatabase, dir: string): Promise<NodeJS.ProcessEnv> {
  await mkdir(dir, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    DATABASE_URL: db.url,
    REDIS_URL,
    AITU_GATEWAY_DATA_DIR: path.join(dir, 'data'),
    AITU_GATEWAY_KEY_FILE: path.join(dir, 'keys.json'),
    LOG_LEVEL: 'warn',
  };
  await initTestInstallation(env);
  return env;
}

/** The plain import command into the installation `env` names; messages/s and PostgreSQL µs/message. */
async function importInto(db: TestDatabase, installation: NodeJS.ProcessEnv, slug: string, file: string) {
  const prefix = `bench-store-${randomUUID().slice(0, 12)}`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  redis.on('error', () => {});
  const env: NodeJS.ProcessEnv = { ...installation, AITU_GATEWAY_QUEUE_PREFIX: prefix };
  try {
    const load = loadAverage();
    const cpu = cpuSampler({ database: db.name, redis, importer: 'self' });
    const started = process.hrtime.bigint();
    const child = spawn(
      process.execPath,
      [cliPath, 'import', 'telegram', file, '--agency', slug, '--json', '--no-progress'],
      {
        cwd: projectRoot,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const elapsed = seconds(started);
    const use = await cpu.stop();
    const summary = JSON.parse(stdout) as ImportSummary;
    if (code !== 0 || summary.status !== 'completed' || summary.delivered !== summary.read - summary.failed)
      throw new Error(
        `the import into ${db.name} did not complete: exit ${code}, ${summary.status} ${summary.error ?? ''}`,
      );
    return {
      rate: summary.read / elapsed,
      seconds: elapsed,
      postgresUs: use.postgres === null ? NaN : (use.postgres / summary.read) * 1e6,
      load: `${load} → ${loadAverage()}`,
    };
  } finally {
    await unlinkPrefix(redis, prefix).catch(() => 0);
    redis.disconnect();
  }
}

/** The report's two statements over messages, with the table's name in place of `messages`. */
const reportStatements = (table: string) => [
  `SELECT m.platform AS source, coalesce(c.title, m.source_chat_id) AS chat, count(*)::int AS n
     FROM ${table} m LEFT JOIN chats c ON c.id = m.chat_id WHERE m.agency_id = $1 GROUP BY 1, 2 ORDER BY 1, 2`,
  `SELECT f.category, count(*)::int AS n FROM findings f JOIN ${table} m ON m.id = f.message_id WHERE m.agency_id = $1 GROUP BY 1 ORDER BY 1`,
];

async function partitionExperiment(store: Store, agencies: AgencyRows[]): Promise<string[][]> {
  const rows: string[][] = [];
  const q = (sql: string, params: unknown[] = []) => store.pool.query(sql, params);
  const months: string[] = [];
  for (let m = 0; m <= 24; m++) {
    const from = new Date(Date.UTC(2023, m, 1)).toISOString();
    const to = new Date(Date.UTC(2023, m + 1, 1)).toISOString();
    months.push(`FOR VALUES FROM ('${from}') TO ('${to}')`);
  }
  const layouts: { name: string; make: string[] }[] = [
    {
      name: 'messages_by_agency',
      make: [
        `CREATE TABLE messages_by_agency (LIKE messages INCLUDING DEFAULTS) PARTITION BY LIST (agency_id)`,
        ...agencies.map(
          (a, i) => `CREATE TABLE messages_by_agency_${i} PARTITION OF messages_by_agency FOR VALUES IN ('${a.id}')`,
        ),
      ],
    },
    {
      name: 'messages_by_month',
      make: [
        `CREATE TABLE messages_by_month (LIKE messages INCLUDING DEFAULTS) PARTITION BY RANGE (sent_at)`,
        ...months.map((range, i) => `CREATE TABLE messages_by_month_${i} PARTITION OF messages_by_month ${range}`),
        `CREATE TABLE messages_by_month_default PARTITION OF messages_by_month DEFAULT`,
      ],
    },
  ];
  const agency = agencies[0]!;
  // the rows an import of 100,000 messages into one agency adds, made from that agency's own (new source chat)
  await q(`DROP TABLE IF EXISTS partition_staging`);
  await q(
    `CREATE UNLOGGED TABLE partition_staging AS
       SELECT * FROM messages WHERE agency_id = $1 ORDER BY id LIMIT ${IMPORT_MESSAGES}`,
    [agency.id],
  );
  await q(
    `UPDATE partition_staging SET id = id + 1000000000, source_chat_id = '-100999' || source_chat_id, sent_at = sent_at + interval '1 minute'`,
  );
  const timeInsert = async (table: string) => {
    const t = process.hrtime.bigint();
    await q('BEGIN');
    await q(`INSERT INTO ${table} SELECT * FROM partition_staging ON CONFLICT DO NOTHING`);
    const elapsed = seconds(t);
    await q('ROLLBACK');
    return elapsed;
  };
  const measure = async (table: string, note: string) => {
    const [byChat, findings] = reportStatements(table);
    const chats = await latency(() => q(byChat!, [agency.id]), 5, 1);
    const found = await latency(() => q(findings!, [agency.id]), 5, 1);
    const insert = await timeInsert(table);
    rows.push([
      table,
      `${chats.p50.toFixed(0)} / ${chats.p95.toFixed(0)}`,
      `${found.p50.toFixed(0)} / ${found.p95.toFixed(0)}`,
      `${insert.toFixed(2)} s (${fmt(Math.round(IMPORT_MESSAGES / insert))}/s)`,
      note,
    ]);
  };
  await measure('messages', 'as it is: one table, the unique key enforced');
  for (const layout of layouts) {
    await q(`DROP TABLE IF EXISTS ${layout.name} CASCADE`);
    for (const sql of layout.make) await q(sql);
    const t = process.hrtime.bigint();
    await q(`INSERT INTO ${layout.name} SELECT * FROM messages`);
    const unique =
      layout.name === 'messages_by_agency'
        ? `CREATE UNIQUE INDEX ON ${layout.name} (agency_id, platform, source_chat_id, source_message_id)`
        : // a partitioned table's unique key must hold its partition key: by month, the message's identity cannot be unique
          `CREATE UNIQUE INDEX ON ${layout.name} (agency_id, platform, source_chat_id, source_message_id, sent_at)`;
    await q(unique);
    await q(`CREATE INDEX ON ${layout.name} (id)`);
    await q(`CREATE INDEX ON ${layout.name} (chat_id, sent_at)`);
    await q(`CREATE INDEX ON ${layout.name} (sent_at)`);
    await q(`ANALYZE ${layout.name}`);
    console.error(`bench:store: ${layout.name} built in ${seconds(t).toFixed(0)} s`);
    await measure(
      layout.name,
      layout.name === 'messages_by_agency'
        ? `${agencies.length} partitions; the id is unique only with agency_id (findings and review items could not reference it alone)`
        : `${months.length + 1} partitions; the unique key must include sent_at: the same message at another time would not be refused`,
    );
  }
  // deleting an agency: what a DELETE costs (with its findings and review items, cascaded), rolled back
  await q('BEGIN');
  let t = process.hrtime.bigint();
  await q(`DELETE FROM messages WHERE agency_id = $1`, [agency.id]);
  const deleteSeconds = seconds(t);
  await q('ROLLBACK');
  await q('BEGIN');
  t = process.hrtime.bigint();
  await q(`ALTER TABLE messages_by_agency DETACH PARTITION messages_by_agency_0`);
  await q(`DROP TABLE messages_by_agency_0`);
  const dropSeconds = seconds(t);
  await q('ROLLBACK');
  rows.push([
    'deleting one agency',
    '',
    '',
    `DELETE ${deleteSeconds.toFixed(1)} s; DROP partition ${(dropSeconds * 1000).toFixed(0)} ms`,
    `${fmt(Math.round(TOTAL / AGENCIES))} messages with their findings and review items (the DELETE rolled back)`,
  ]);
  for (const layout of layouts) await q(`DROP TABLE IF EXISTS ${layout.name} CASCADE`);
  await q(`DROP TABLE IF EXISTS partition_staging`);
  return rows;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'aitu-bench-store-'));
  const reuse = process.env.BENCH_STORE_DB;
  const keep = process.env.BENCH_STORE_KEEP === '1' || process.env.BENCH_STORE_FILL_ONLY === '1' || reuse !== undefined;
  let db: TestDatabase;
  if (reuse) {
    const url = urlFor(reuse);
    const store = await openStore(url);
    db = {
      url,
      name: reuse,
      store,
      async drop() {
        await store.close();
        await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${reuse} WITH (FORCE)`));
      },
    };
  } else db = await createTestDatabase();
  const empty: TestDatabase[] = [];
  try {
    console.log(
      `bench:store: ${fmt(TOTAL)} messages, ${AGENCIES} agencies × ${CHATS_PER_AGENCY} chats; node ${process.version}, ${os.cpus().length} cores; database ${db.name}; load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    console.log(await hostSpeedLine());
    const store = db.store;
    const have = Number((await store.pool.query<{ n: string }>(`SELECT count(*) AS n FROM messages`)).rows[0]!.n);
    let agencies: AgencyRows[];
    if (have < TOTAL) {
      if (have > 0)
        throw new Error(`${db.name} holds ${fmt(have)} messages, fewer than ${fmt(TOTAL)}: drop it and start again`);
      agencies = await makeAgencies(store);
      await fill(store, agencies, 0);
      const t = process.hrtime.bigint();
      await store.pool.query(`VACUUM ANALYZE`);
      console.log(`VACUUM ANALYZE in ${seconds(t).toFixed(0)} s`);
    } else {
      console.log(`reusing ${db.name}: ${fmt(have)} messages`);
      const found = await store.pool.query<{ id: string; slug: string }>(
        `SELECT id, slug FROM agencies WHERE slug LIKE 'store-%' ORDER BY slug`,
      );
      agencies = found.rows.map((r) => ({
        id: r.id,
        slug: r.slug,
        chats: [],
        decisions: { allow: '', redact: '', quarantine: '' },
      }));
    }
    if (process.env.BENCH_STORE_FILL_ONLY === '1') return;
    const counts = (
      await store.pool.query<{ messages: string; findings: string; review: string; open: string }>(
        `SELECT (SELECT count(*) FROM messages) AS messages, (SELECT count(*) FROM findings) AS findings,
                (SELECT count(*) FROM review_items) AS review, (SELECT count(*) FROM review_items WHERE status = 'open') AS open`,
      )
    ).rows[0]!;
    const dbSize = (await store.pool.query<{ b: string }>(`SELECT pg_database_size(current_database()) AS b`)).rows[0]!
      .b;
    console.log(
      `\nthe store: ${fmt(Number(counts.messages))} messages, ${fmt(Number(counts.findings))} findings, ${fmt(Number(counts.review))} review items (${fmt(Number(counts.open))} open); database ${mb(Number(dbSize))}`,
    );
    console.log(
      table(
        ['relation', 'kind', 'size', 'rows (estimate)'],
        (await sizes(store)).map((r) => [r.name, r.kind, mb(Number(r.bytes)), fmt(Number(r.rows))]),
        [2, 3],
      ),
    );

    // ---------- review list and report, through the service layer ----------
    const auditor: Actor = { id: randomUUID(), name: 'bench-auditor', role: 'auditor', agencyIds: [] };
    const slug = agencies[0]!.slug;
    const list50 = await latency(() => listReview(store, auditor, { agency: slug, status: 'open' }, { limit: 50 }));
    const listAll = await latency(() => listReview(store, auditor, { agency: slug, status: 'open' }), 5, 1);
    const listCategory = await latency(() =>
      listReview(store, auditor, { agency: slug, status: 'open', category: 'HEALTH' }, { limit: 50 }),
    );
    const report = await latency(() => reportFor(store, auditor, slug), 5, 1);
    const reportTimeline = await latency(() => reportFor(store, auditor, slug, { timeline: true }), 5, 1);
    const openOfAgency = Number(
      (
        await store.pool.query<{ n: string }>(
          `SELECT count(*) AS n FROM review_items WHERE agency_id = $1 AND status = 'open'`,
          [agencies[0]!.id],
        )
      ).rows[0]!.n,
    );
    console.log(
      `\nlatency through the service layer, one agency of ${fmt(Math.round(TOTAL / AGENCIES))} messages (${fmt(openOfAgency)} open review items); load average ${loadAverage()}`,
    );
    console.log(
      table(
        ['operation', 'p50 ms', 'p95 ms'],
        [
          ['review list --status open --limit 50', list50.p50.toFixed(1), list50.p95.toFixed(1)],
          [
            'review list --status open --category HEALTH --limit 50',
            listCategory.p50.toFixed(1),
            listCategory.p95.toFixed(1),
          ],
          [`review list --status open (all ${fmt(openOfAgency)})`, listAll.p50.toFixed(1), listAll.p95.toFixed(1)],
          ['report', report.p50.toFixed(1), report.p95.toFixed(1)],
          [
            'report with the findings timeline (the console)',
            reportTimeline.p50.toFixed(1),
            reportTimeline.p95.toFixed(1),
          ],
        ],
        [1, 2],
      ),
    );

    // ---------- import into the grown store against an empty one ----------
    if (process.env.BENCH_SKIP_IMPORTS !== '1') {
      const exportDir = process.env.BENCH_EXPORT_DIR ? path.resolve(process.env.BENCH_EXPORT_DIR) : dir;
      const file = path.join(exportDir, `telegram-${IMPORT_MESSAGES}`, 'result.json');
      if (!existsSync(file)) {
        await mkdir(path.dirname(file), { recursive: true });
        await writeTelegramExport(file, { messages: IMPORT_MESSAGES, seed: 20240601, personalDataRate: PERSONAL_RATE });
      }
      const importRows: string[][] = [];
      const grown = await installationOf(db, path.join(os.tmpdir(), `aitu-bench-store-${db.name}`));
      for (let pair = 0; pair < 2; pair++) {
        const fresh = await createTestDatabase();
        empty.push(fresh);
        await addAgency(fresh.store.prisma, { slug, name: 'Empty store' });
        const intoEmpty = await importInto(fresh, await installationOf(fresh, path.join(dir, fresh.name)), slug, file);
        // each pair imports into the grown store's agency as a new chat, whose rows are removed again after
        const intoGrown = await importInto(db, grown, slug, file);
        await store.pool.query(`DELETE FROM messages WHERE agency_id = $1 AND source_chat_id = '-1001987654321'`, [
          agencies[0]!.id,
        ]);
        importRows.push(
          [
            'empty store',
            fmt(Math.round(intoEmpty.rate)),
            intoEmpty.seconds.toFixed(1),
            intoEmpty.postgresUs.toFixed(0),
            intoEmpty.load,
          ],
          [
            `grown store (${fmt(TOTAL)})`,
            fmt(Math.round(intoGrown.rate)),
            intoGrown.seconds.toFixed(1),
            intoGrown.postgresUs.toFixed(0),
            intoGrown.load,
          ],
        );
        await fresh.drop();
        empty.pop();
      }
      console.log(
        `\nthe plain import command, Telegram ${fmt(IMPORT_MESSAGES)} messages, into an empty store and into the grown one (interleaved)`,
      );
      console.log(table(['into', 'msg/s', 'seconds', 'PostgreSQL µs/msg', 'load avg'], importRows, [1, 2, 3]));
    }

    // ---------- partitioning ----------
    if (process.env.BENCH_SKIP_PARTITIONS !== '1') {
      const rows = await partitionExperiment(store, agencies);
      console.log(
        `\npartitioning messages (copies of the table; one agency's statements; load average ${loadAverage()})`,
      );
      console.log(
        table(
          [
            'table',
            'report: per chat p50/p95 ms',
            'report: findings p50/p95 ms',
            `INSERT ${fmt(IMPORT_MESSAGES)} new rows (rolled back)`,
            'notes',
          ],
          rows,
        ),
      );
    }
  } finally {
    for (const e of empty) await e.drop().catch(() => {});
    if (keep) {
      await db.store.close();
      console.error(`bench:store: database ${db.name} kept (BENCH_STORE_DB=${db.name} reuses it; drop it when done)`);
    } else await db.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

await runBench(main);
