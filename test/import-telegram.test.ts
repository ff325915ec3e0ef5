import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import type { CanonicalMessage } from '../src/core/message.ts';
import { addAgency } from '../src/store/agencies.ts';
import { readMessage, type MessageColumns } from '../src/store/messages.ts';
import { projectRoot, runCli, type CliResult } from './helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';
import { initTestInstallation } from './helpers/installation.ts';
import { assertBalanced, type Summary } from './helpers/import.ts';
import { writeJsonl } from './helpers/messages.ts';
import { removePrefix, testPrefix } from './helpers/redis.ts';

/**
 * The Telegram importer end to end: the fixture exports in bridges/telegram/fixtures go through the real CLI, the
 * real pipeline (Redis) and into a real PostgreSQL store, and the store is checked row by row against the fixture
 * JSON. Every expected value below is read off the fixture files (or the Telegram export format), never taken from
 * the importer's own output. Assertion messages name message ids and fields, never the texts (personal data).
 */

// ---------- the fixtures, as Telegram Desktop wrote them ----------

type Json = Record<string, unknown>;
interface TgPart {
  type: string;
  text: string;
  href?: string;
  user_id?: number;
  language?: string;
}
interface TgMessage extends Json {
  id: number;
  type: string;
  date_unixtime: string;
  text: string | Array<string | TgPart>;
  text_entities: TgPart[];
}
interface TgChat extends Json {
  name: string;
  type: string;
  id: number;
  messages: TgMessage[];
}
interface TgAccount extends Json {
  chats: { list: TgChat[] };
  left_chats: { list: TgChat[] };
}

const fixtures = path.join(projectRoot, 'bridges/telegram/fixtures');
const singleDir = path.join(fixtures, 'single-chat');
const accountDir = path.join(fixtures, 'full-account');
const truncatedFile = path.join(fixtures, 'truncated/result.json');
const sampleDir = path.join(projectRoot, 'samples/telegram/press-office');
const malformedFile = path.join(fixtures, 'malformed/result.json');
const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
const single = readJson<TgChat>(path.join(singleDir, 'result.json'));
const account = readJson<TgAccount>(path.join(accountDir, 'result.json'));
const accountChats: TgChat[] = [...account.chats.list, ...account.left_chats.list];

/** The Bot API form of an export's chat id (what a live bot sees): -100… for supergroups and channels, -… for basic groups. */
function botApiId(chat: Pick<TgChat, 'id' | 'type'>): string {
  if (/supergroup|channel/.test(chat.type)) return `-100${chat.id}`;
  if (chat.type === 'private_group') return `-${chat.id}`;
  return String(chat.id);
}

/** The plain text: the parts of `text_entities` joined. */
const plainOf = (m: TgMessage): string => m.text_entities.map((part) => part.text).join('');
/** The same from the `text` field, whichever of its two shapes (a string, or strings and entity objects mixed). */
const textFieldOf = (m: TgMessage): string =>
  typeof m.text === 'string' ? m.text : m.text.map((part) => (typeof part === 'string' ? part : part.text)).join('');

/** Formatting entities: every non-plain part, offsets and lengths in UTF-16 code units over the plain text. */
function entitiesOf(m: TgMessage): Json[] {
  const entities: Json[] = [];
  let offset = 0;
  for (const part of m.text_entities) {
    if (part.type !== 'plain' && part.text.length > 0) {
      const entity: Json = { type: part.type, offset, length: part.text.length };
      if (part.href !== undefined) entity.url = part.href;
      if (part.user_id !== undefined) entity.userId = `user${part.user_id}`;
      if (part.language !== undefined) entity.language = part.language;
      entities.push(entity);
    }
    offset += part.text.length;
  }
  return entities;
}

/** The sender: `from_id`/`from` of a message, `actor_id`/`actor` of a service message; a deleted account's name is null. */
function senderOf(m: TgMessage): { id: string; name: string | null } {
  const id = m.type === 'service' ? m['actor_id'] : m['from_id'];
  const name = m.type === 'service' ? m['actor'] : m['from'];
  return { id: String(id), name: typeof name === 'string' ? name : null };
}

const kindOf = (m: TgMessage): string =>
  m.type === 'message' ? 'message' : m.type === 'service' ? 'service' : 'unknown';

/** Telegram's service `action` → the canonical service event type (an action the model does not name is `other`). */
const SERVICE_TYPES: Record<string, string> = {
  create_group: 'created',
  create_channel: 'created',
  migrate_from_group: 'migrated',
  migrate_to_supergroup: 'migrated',
  invite_members: 'added',
  join_group_by_link: 'joined',
  join_group_by_request: 'joined',
  remove_members: 'removed',
  edit_group_title: 'title_changed',
  edit_group_photo: 'photo_changed',
  delete_group_photo: 'photo_changed',
  pin_message: 'pinned',
  phone_call: 'call',
  group_call: 'call',
  clear_history: 'history_cleared',
};
function serviceTypeOf(m: TgMessage): string {
  const action = String(m['action']);
  const members = m['members'];
  // a member "removing" only themselves is Telegram's way of writing that they left
  if (action === 'remove_members' && Array.isArray(members) && members.length === 1 && members[0] === m['actor'])
    return 'left';
  return SERVICE_TYPES[action] ?? 'other';
}

/** Files a message references: its photo, then its file (a service message's only media is a group photo). */
interface Reference {
  path: string;
  /** Telegram writes a parenthesised note ("File not included…") where the path belongs when it exported no bytes */
  placeholder: boolean;
  /** the bytes are in the export folder */
  present: boolean;
}
function referencesOf(m: TgMessage, root: string): Reference[] {
  const keys = m.type === 'service' ? ['photo'] : ['photo', 'file'];
  return keys
    .map((key) => m[key])
    .filter((value): value is string => typeof value === 'string')
    .map((ref) => {
      const placeholder = ref.startsWith('(');
      return { path: ref, placeholder, present: !placeholder && existsSync(path.join(root, ref)) };
    });
}

/**
 * The personal data in the fixtures' texts, read off them by hand: per message, each category and its values.
 * HEALTH lists one telling term (the classifier may flag more words of a diagnosis). Checked against the fixtures
 * below, so an edited fixture cannot silently leave this table behind.
 */
type Category = 'IIN' | 'PHONE' | 'EMAIL' | 'CARD' | 'HEALTH';
type Personal = Record<string, Partial<Record<Category, string[]>>>;
const SINGLE_PERSONAL: Personal = {
  4: { PHONE: ['+7 701 234 56 78'], EMAIL: ['a.saparova@akimat.kz'], CARD: ['4400430123456789'] },
  6: { HEALTH: ['Туберкулез'] },
  7: { IIN: ['940101300123'] },
  14: { HEALTH: ['J45.0'] },
  // a shared contact card: the phone number is in contact_information, not in the text
  16: { PHONE: ['+7 701 234 56 78'] },
  35: { HEALTH: ['туберкулез'], IIN: ['811201401188'], PHONE: ['+7 701 234 56 78'], EMAIL: ['patient.kz@mail.kz'] },
};
/** full-account: keyed `<Bot API chat id>/<message id>`, ids repeat across chats */
const ACCOUNT_PERSONAL: Personal = {
  // the sender is late because she is going to the doctor: care she is seeking, flagged by the health model
  '500100202/101': { HEALTH: ['дәрігерге барамын'] },
  '-912345678/202': { PHONE: ['+7 701 234 56 78'] },
};
const SAMPLE_PERSONAL: Personal = {
  9: { PHONE: ['+7 701 234 56 78'], EMAIL: ['a.kassenov.news@mail.kz'] },
  10: { IIN: ['940101300123'] },
  14: { HEALTH: ['ОРВИ'] },
};
const TRUNCATED_PERSONAL: Personal = {
  803: { HEALTH: ['ОРВИ'] },
  804: { PHONE: ['+7 701 234 56 78'] },
  806: { IIN: ['940101300123'] },
};

/** The default inbound policy: these categories send the whole message to review, any other is redacted in place. */
const QUARANTINED: ReadonlySet<string> = new Set(['IIN', 'HEALTH', 'CARD', 'IBAN', 'PASSPORT', 'ID_CARD']);
function actionFor(personal: Partial<Record<Category, string[]>> | undefined): 'allow' | 'redact' | 'quarantine' {
  const categories = Object.keys(personal ?? {});
  if (categories.some((c) => QUARANTINED.has(c))) return 'quarantine';
  return categories.length > 0 ? 'redact' : 'allow';
}

/** category → messages with at least one value of it, over the given message keys */
function flaggedOf(personal: Personal, keys: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const key of keys)
    for (const category of Object.keys(personal[key] ?? {})) counts[category] = (counts[category] ?? 0) + 1;
  return counts;
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const unixIso = (seconds: unknown): string => new Date(Number(seconds) * 1000).toISOString();

/** Compares without printing either side: they may hold personal data. */
function same(actual: unknown, expected: unknown, what: string): void {
  assert.ok(isDeepStrictEqual(actual, expected), `${what} differs from the fixture`);
}

// ---------- the store ----------

/** A stored message: its columns, the canonical message it reads back as (body fields with their defaults), its chat and decision. */
interface StoredMessage extends Omit<MessageColumns, 'body' | 'platform'> {
  chat_title: string | null;
  action: string | null;
  decision_categories: string[] | null;
  body: CanonicalMessage;
}

describe('aitu-gateway import telegram', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aitu-telegram-'));
  const dataDir = path.join(dir, 'data');
  const prefix = testPrefix();
  let db: TestDatabase;
  let env: NodeJS.ProcessEnv;
  const agencies: Record<string, string> = {};

  before(async () => {
    db = await createTestDatabase();
    for (const slug of ['akimat', 'mvd', 'press', 'school', 'office', 'dry', 'demo']) {
      agencies[slug] = (await addAgency(db.store.prisma, { slug, name: slug.toUpperCase() })).id;
    }
    env = {
      DATABASE_URL: db.url,
      AITU_GATEWAY_QUEUE_PREFIX: prefix,
      AITU_GATEWAY_DATA_DIR: dataDir,
      AITU_GATEWAY_KEY_FILE: path.join(dir, 'keys.json'),
      LOG_LEVEL: 'warn',
    };
    await initTestInstallation(env);
  });
  after(async () => {
    await removePrefix(prefix);
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const rows = async <T = Json>(sql: string, params: unknown[] = []): Promise<T[]> =>
    (await db.store.pool.query(sql, params)).rows as T[];
  const count = async (sql: string, params: unknown[] = []): Promise<number> =>
    Number((await rows<{ n: string }>(sql, params))[0]?.n ?? 0);

  const importTelegram = (
    input: string,
    slug: string,
    extra: string[] = [],
    options: { json?: boolean; env?: NodeJS.ProcessEnv } = {},
  ): Promise<CliResult> =>
    runCli(
      [
        'import',
        'telegram',
        input,
        '--agency',
        slug,
        ...(options.json === false ? [] : ['--json']),
        '--no-progress',
        ...extra,
      ],
      { env: options.env ?? env },
    );
  const summaryOf = (result: CliResult): Summary => {
    try {
      return JSON.parse(result.stdout) as Summary;
    } catch {
      return assert.fail(`no JSON summary on standard output (exit ${result.code}): ${result.stderr}`);
    }
  };

  /** An agency's stored messages with their national chat and inbound decision, by `<source chat>/<message id>`. */
  async function storedMessages(slug: string): Promise<Map<string, StoredMessage>> {
    const agencyId = agencies[slug]!;
    const found = await rows<Omit<StoredMessage, 'body'>>(
      `SELECT m.id, m.source_chat_id, m.source_message_id, m.sender_id, m.sender_name, m.sent_at, m.edited_at, m.kind, m.text, m.redacted,
              m.chat_id, c.title AS chat_title, d.action, d.categories AS decision_categories
         FROM messages m LEFT JOIN chats c ON c.id = m.chat_id
         LEFT JOIN decisions d ON d.id = m.decision_id AND d.direction = 'inbound'
        WHERE m.agency_id = $1 AND m.platform = 'telegram'`,
      [agencyId],
    );
    const stored = new Map<string, StoredMessage>();
    for (const row of found) {
      const body = await readMessage(db.store.pool, agencyId, {
        platform: 'telegram',
        chatId: row.source_chat_id,
        messageId: row.source_message_id,
      });
      assert.ok(body, `message ${row.source_chat_id}/${row.source_message_id} reads back as a canonical message`);
      stored.set(`${row.source_chat_id}/${row.source_message_id}`, { ...row, body });
    }
    return stored;
  }

  /**
   * Checks one stored message against its fixture object: kind, sender, times, reply and forward links, entities,
   * service event, the delivered text and what policy decided, and its attachments (bytes in the content store).
   */
  async function checkMessage(
    stored: StoredMessage | undefined,
    m: TgMessage,
    chat: { botId: string; root: string },
    personal: Partial<Record<Category, string[]>> | undefined,
  ): Promise<void> {
    const at = `message ${chat.botId}/${m.id}`;
    assert.ok(stored, `${at} is in the store`);
    assert.equal(stored.kind, kindOf(m), `${at}: kind`);
    const sender = senderOf(m);
    assert.equal(stored.sender_id, sender.id, `${at}: sender id`);
    if (sender.name !== null) same(stored.sender_name, sender.name, `${at}: sender name`);
    assert.equal(stored.sent_at.toISOString(), unixIso(m.date_unixtime), `${at}: sent_at is date_unixtime`);
    assert.equal(
      stored.edited_at?.toISOString() ?? null,
      m['edited_unixtime'] === undefined ? null : unixIso(m['edited_unixtime']),
      `${at}: edited_at`,
    );
    assert.equal(
      stored.body.replyTo,
      m['reply_to_message_id'] === undefined ? null : String(m['reply_to_message_id']),
      `${at}: replyTo`,
    );
    if (m['forwarded_from'] !== undefined)
      same(stored.body.forwardedFrom?.name, m['forwarded_from'], `${at}: forwardedFrom`);
    else assert.equal(stored.body.forwardedFrom, null, `${at}: not forwarded`);
    if (!stored.redacted) same(stored.body.entities, entitiesOf(m), `${at}: entities`);
    else {
      // the delivered copy is redacted: the original's entities are kept beside it, and the copy's own entities
      // cover the same words in the redacted text, none of them over a replaced span
      same(stored.body.extra['originalEntities'] ?? [], entitiesOf(m), `${at}: original entities`);
      const plain = plainOf(m);
      for (const e of stored.body.entities) {
        const original = entitiesOf(m).find(
          (o) =>
            o['type'] === e.type &&
            plain.slice(o['offset'] as number, (o['offset'] as number) + (o['length'] as number)) ===
              stored.text.slice(e.offset, e.offset + e.length),
        );
        assert.ok(original, `${at}: a ${e.type} entity of the redacted copy covers the same words as in the original`);
      }
    }
    if (m.type === 'service') {
      assert.equal(stored.body.service?.type, serviceTypeOf(m), `${at}: service event type`);
      assert.equal(stored.body.service?.rawType, m['action'], `${at}: service event raw type`);
    } else {
      assert.equal(stored.body.service, null, `${at}: no service event`);
    }
    if (kindOf(m) === 'unknown') assert.equal(stored.body.extra['rawType'], m.type, `${at}: the unknown type is kept`);

    // the text as delivered, and what policy decided
    const original = plainOf(m);
    const action = actionFor(personal);
    assert.equal(stored.action, action, `${at}: policy action`);
    if (action === 'allow') {
      same(stored.text, original, `${at}: text`);
      assert.equal(stored.redacted, false, `${at}: not redacted`);
    } else {
      assert.equal(stored.redacted, true, `${at}: redacted`);
      same(
        [...(stored.decision_categories ?? [])].sort(),
        Object.keys(personal ?? {}).sort(),
        `${at}: decision categories`,
      );
      for (const [category, values] of Object.entries(personal ?? {})) {
        const inText = values.filter((value) => original.includes(value));
        if (inText.length > 0)
          assert.ok(stored.text.includes(`[${category}]`), `${at}: the delivered text carries a [${category}] tag`);
        for (const value of values) {
          // a value not in the text is in the message's structured payloads (a contact card…): redacted there
          const where = original.includes(value) ? stored.text : JSON.stringify(stored.body.extra);
          assert.ok(
            original.includes(value) || JSON.stringify(m).includes(value),
            `${at}: the personal-data table matches the fixture`,
          );
          assert.ok(!where.includes(value), `${at}: no ${category} value left in the delivered message`);
          if (!original.includes(value))
            assert.ok(where.includes(`[${category}]`), `${at}: the structured payload carries a [${category}] tag`);
        }
      }
      if (!personal?.HEALTH) {
        // identifiers have exact spans: the delivered copy is the original with each value replaced by its tag
        let expected = original;
        for (const [category, values] of Object.entries(personal ?? {}))
          for (const value of values) expected = expected.split(value).join(`[${category}]`);
        same(stored.text, expected, `${at}: delivered text`);
      }
    }

    // attachments: present files copied into the content-addressed store, the rest recorded as missing
    const references = referencesOf(m, chat.root);
    const attachments = await rows<{
      position: number;
      name: string;
      sha256: string | null;
      missing: boolean;
      size: string | null;
    }>(
      `SELECT position, name, sha256, missing, size FROM message_attachments WHERE message_id = $1 ORDER BY position`,
      [stored.id],
    );
    assert.equal(attachments.length, references.length, `${at}: one attachment row per referenced file`);
    references.forEach((ref, position) => {
      const row = attachments[position]!;
      assert.equal(row.position, position, `${at}: attachment position`);
      if (ref.present) {
        const bytes = readFileSync(path.join(chat.root, ref.path));
        assert.equal(row.missing, false, `${at}: attachment ${position} present`);
        assert.equal(row.sha256, sha256(bytes), `${at}: attachment ${position} sha256`);
        assert.equal(Number(row.size), bytes.length, `${at}: attachment ${position} size`);
        assert.equal(row.name, path.basename(ref.path), `${at}: attachment ${position} name`);
        const blob = path.join(dataDir, 'attachments', row.sha256!.slice(0, 2), row.sha256!.slice(2, 4), row.sha256!);
        assert.ok(existsSync(blob), `${at}: attachment ${position}'s bytes are in the content store`);
        assert.ok(readFileSync(blob).equals(bytes), `${at}: attachment ${position}'s stored bytes are the file's`);
      } else {
        assert.equal(row.missing, true, `${at}: attachment ${position} missing`);
        assert.equal(row.sha256, null, `${at}: attachment ${position} has no content address`);
      }
    });
  }

  // ---------- single-chat export ----------

  const singleBotId = botApiId(single);
  const singleKeys = single.messages.map((m) => String(m.id));
  const singleRefs = single.messages.flatMap((m) => referencesOf(m, singleDir));

  it('the fixture covers what the importer must handle', () => {
    // both shapes of `text`, and they agree with text_entities
    assert.ok(single.messages.some((m) => typeof m.text === 'string' && m.text !== ''));
    assert.ok(single.messages.some((m) => Array.isArray(m.text) && m.text.some((part) => typeof part !== 'string')));
    for (const m of [...single.messages, ...accountChats.flatMap((c) => c.messages)])
      same(textFieldOf(m), plainOf(m), `message ${m.id}: text and text_entities`);
    // every kind: ordinary, service, unknown; replies, forwards, edits; present, absent and not-exported media
    for (const kind of ['message', 'service', 'unknown'])
      assert.ok(
        single.messages.some((m) => kindOf(m) === kind),
        kind,
      );
    assert.ok(single.messages.some((m) => m['reply_to_message_id'] !== undefined));
    assert.ok(single.messages.some((m) => m['forwarded_from'] !== undefined));
    assert.ok(single.messages.some((m) => m['edited_unixtime'] !== undefined));
    assert.ok(
      singleRefs.some((r) => r.present) &&
        singleRefs.some((r) => r.placeholder) &&
        singleRefs.some((r) => !r.present && !r.placeholder),
    );
  });

  it('imports a single-chat export into one national chat named after it, row by row', async () => {
    const result = await importTelegram(singleDir, 'akimat');
    assert.equal(result.code, 0, result.stderr);
    const summary = summaryOf(result);
    assertBalanced(summary);
    assert.equal(summary.status, 'completed');
    assert.equal(summary.resumedFrom, null);
    assert.equal(summary.read, single.messages.length);
    assert.equal(summary.delivered, single.messages.length);
    assert.equal(summary.duplicates, 0);
    assert.equal(summary.failed, 0);
    assert.equal(summary.serviceEvents, single.messages.filter((m) => m.type === 'service').length);
    assert.equal(summary.attachments, singleRefs.filter((r) => r.present).length);
    assert.equal(summary.missingAttachments, singleRefs.filter((r) => !r.present).length);
    assert.deepEqual(summary.flaggedByCategory, flaggedOf(SINGLE_PERSONAL, singleKeys));
    const quarantined = singleKeys.filter((k) => actionFor(SINGLE_PERSONAL[k]) === 'quarantine');
    assert.equal(summary.quarantined, quarantined.length);
    assert.equal(summary.redacted, singleKeys.filter((k) => actionFor(SINGLE_PERSONAL[k]) === 'redact').length);

    // one national chat, named after the export's chat, mapped from the Bot API form of its id
    const chats = await rows<{ id: string; title: string; platform: string; source_chat_id: string }>(
      `SELECT c.id, c.title, s.platform, s.source_chat_id FROM chats c JOIN chat_sources s ON s.chat_id = c.id WHERE c.agency_id = $1`,
      [agencies.akimat],
    );
    assert.equal(chats.length, 1);
    same(chats[0]!.title, single.name, 'the national chat title');
    assert.deepEqual([chats[0]!.platform, chats[0]!.source_chat_id], ['telegram', singleBotId]);
    assert.match(singleBotId, /^-100\d+$/);

    const stored = await storedMessages('akimat');
    assert.equal(stored.size, single.messages.length);
    for (const m of single.messages) {
      const row = stored.get(`${singleBotId}/${m.id}`);
      await checkMessage(row, m, { botId: singleBotId, root: singleDir }, SINGLE_PERSONAL[String(m.id)]);
      assert.equal(row!.chat_id, chats[0]!.id, `message ${m.id} is in the chat`);
      same(row!.body.chatTitle, single.name, `message ${m.id}: chat title`);
    }

    // representative messages, by hand
    const byId = (id: number) => single.messages.find((m) => m.id === id)!;
    const row = (id: number) => stored.get(`${singleBotId}/${id}`)!;
    // formatted text (the array shape of `text`): bold, a link, a mention, a code block, offsets in UTF-16 units
    // message 4 carries a phone number, so its delivered copy is redacted: entity offsets are into that copy
    const formatted = row(4).text;
    const entity = (type: string) => row(4).body.entities.find((e) => e.type === type)!;
    assert.equal(entity('bold').offset, formatted.indexOf('Срочно:'));
    assert.equal(entity('bold').length, 'Срочно:'.length);
    assert.equal(entity('text_link').url, 'https://egov.kz/cms/ru');
    assert.equal(entity('mention_name').userId, 'user500100202');
    assert.equal(entity('pre').language, 'sql');
    assert.equal(entity('pre').offset, formatted.indexOf('SELECT'));
    // a reply and what it replies to; a forward from a channel without an id; an edit
    assert.equal(row(5).body.replyTo, '4');
    assert.equal(row(37).body.replyTo, '35');
    assert.equal(row(6).body.forwardedFrom?.name, 'ҚР Денсаулық сақтау министрлігі');
    // times come from the *_unixtime fields: `date`/`edited` are the exporting machine's local time (here UTC+5)
    assert.equal(byId(7)['edited'], '2024-01-31T09:15:02');
    assert.equal(row(7).edited_at?.toISOString(), '2024-01-31T04:15:02.000Z');
    // service events
    assert.deepEqual(row(2).body.service?.members, ['Ерлан Жумабаев', 'Dana Akhmetova', 'Deleted Account']);
    assert.equal(row(25).body.service?.targetMessageId, '4');
    assert.equal(row(28).body.service?.type, 'removed');
    assert.equal(row(29).body.service?.type, 'left');
    assert.equal(row(32).body.service?.type, 'other');
    // unknown kinds are kept with their text and fields
    assert.equal(row(34).kind, 'unknown');
    assert.equal(row(34).text, 'Смотрите нашу историю');
    assert.equal(JSON.stringify(row(34).body.extra).includes('"story_id":77'), true);
    // structured payloads and reactions are kept
    assert.deepEqual(row(15).body.extra['poll'], byId(15)['poll']);
    assert.equal(row(8).body.reactions[0]?.emoji, '👍');
    assert.equal(row(8).body.reactions[0]?.count, 2);
    assert.deepEqual(row(8).body.reactions[0]?.from, ['user500100202', 'user500100203']);
    // a deleted account keeps its id
    assert.equal(row(36).sender_id, 'user500100299');
    assert.equal(row(36).sender_name, 'Deleted Account');

    // quarantined messages wait for review with their original encrypted, never in clear
    const reviews = await rows<{ source_message_id: string; categories: string[]; original: Buffer }>(
      `SELECT m.source_message_id, r.categories, r.original FROM review_items r JOIN messages m ON m.id = r.message_id WHERE r.agency_id = $1 ORDER BY 1`,
      [agencies.akimat],
    );
    assert.deepEqual(reviews.map((r) => r.source_message_id).sort(), [...quarantined].sort());
    for (const review of reviews) {
      for (const values of Object.values(SINGLE_PERSONAL[review.source_message_id] ?? {})) {
        for (const value of values)
          assert.ok(
            !review.original.includes(Buffer.from(value)),
            `review item of message ${review.source_message_id} is encrypted`,
          );
      }
    }
    // findings point into the original text with their category
    const findings = await rows<{ source_message_id: string; category: string }>(
      `SELECT DISTINCT m.source_message_id, f.category FROM findings f JOIN messages m ON m.id = f.message_id WHERE m.agency_id = $1`,
      [agencies.akimat],
    );
    same(
      findings.map((f) => `${f.source_message_id}:${f.category}`).sort(),
      Object.entries(SINGLE_PERSONAL)
        .flatMap(([id, p]) => Object.keys(p).map((c) => `${id}:${c}`))
        .sort(),
      'findings per message',
    );

    // every sender and actor id is a foreign identity of one national person of this agency
    const ids = new Map(single.messages.map((m) => [senderOf(m).id, senderOf(m).name ?? 'Deleted Account']));
    const identities = await rows<{ platform: string; platform_id: string; display_name: string; person: string }>(
      `SELECT i.platform, i.platform_id, i.display_name, p.display_name AS person FROM identities i JOIN people p ON p.id = i.person_id WHERE i.agency_id = $1`,
      [agencies.akimat],
    );
    same(
      identities.map((i) => [i.platform, i.platform_id, i.display_name, i.person]).sort(),
      [...ids].map(([id, name]) => ['telegram', id, name, name]).sort(),
      'identities',
    );
    assert.equal(await count(`SELECT count(*) AS n FROM people WHERE agency_id = $1`, [agencies.akimat]), ids.size);
  });

  it('importing the same export again delivers nothing and counts every message as a duplicate', async () => {
    const before = await count(`SELECT count(*) AS n FROM messages WHERE agency_id = $1`, [agencies.akimat]);
    const attachments = await count(
      `SELECT count(*) AS n FROM message_attachments a JOIN messages m ON m.id = a.message_id WHERE m.agency_id = $1`,
      [agencies.akimat],
    );
    const result = await importTelegram(path.join(singleDir, 'result.json'), 'akimat');
    assert.equal(result.code, 0, result.stderr);
    const summary = summaryOf(result);
    assertBalanced(summary);
    assert.equal(summary.resumedFrom, null);
    assert.equal(summary.read, single.messages.length);
    assert.equal(summary.delivered, 0);
    assert.equal(summary.duplicates, summary.read);
    assert.equal(summary.quarantined, 0);
    assert.equal(await count(`SELECT count(*) AS n FROM messages WHERE agency_id = $1`, [agencies.akimat]), before);
    assert.equal(
      await count(
        `SELECT count(*) AS n FROM message_attachments a JOIN messages m ON m.id = a.message_id WHERE m.agency_id = $1`,
        [agencies.akimat],
      ),
      attachments,
    );
    assert.equal(await count(`SELECT count(*) AS n FROM chats WHERE agency_id = $1`, [agencies.akimat]), 1);
  });

  it('a dry run reads and classifies but writes nothing: no rows, no run, no attachment bytes, no key file', async () => {
    const dryDir = path.join(dir, 'dry');
    const dryEnv = {
      ...env,
      AITU_GATEWAY_DATA_DIR: path.join(dryDir, 'data'),
      AITU_GATEWAY_KEY_FILE: path.join(dryDir, 'keys.json'),
    };
    const result = await importTelegram(singleDir, 'dry', ['--dry-run'], { env: dryEnv });
    assert.equal(result.code, 0, result.stderr);
    const summary = summaryOf(result);
    assertBalanced(summary);
    assert.equal(summary.runId, null);
    assert.equal(summary.read, single.messages.length);
    assert.equal(summary.wouldDeliver, single.messages.length);
    assert.equal(summary.delivered, 0);
    assert.equal(summary.attachments, singleRefs.filter((r) => r.present).length);
    assert.equal(summary.missingAttachments, singleRefs.filter((r) => !r.present).length);
    assert.deepEqual(summary.flaggedByCategory, flaggedOf(SINGLE_PERSONAL, singleKeys));
    for (const table of ['messages', 'import_runs', 'chats', 'identities', 'people', 'review_items']) {
      assert.equal(
        await count(`SELECT count(*) AS n FROM ${table} WHERE agency_id = $1`, [agencies.dry]),
        0,
        `${table} untouched`,
      );
    }
    assert.equal(existsSync(path.join(dryDir, 'data', 'attachments')), false, 'no attachment bytes written');
    assert.equal(existsSync(path.join(dryDir, 'keys.json')), false, 'no key file written');
  });

  // ---------- full-account export ----------

  it('imports a full-account export: every chat, left chats included, becomes its own national chat', async () => {
    const result = await importTelegram(accountDir, 'mvd');
    assert.equal(result.code, 0, result.stderr);
    const summary = summaryOf(result);
    assertBalanced(summary);
    const all = accountChats.flatMap((chat) =>
      chat.messages.map((m) => ({ chat, m, key: `${botApiId(chat)}/${m.id}` })),
    );
    const refs = all.flatMap(({ m }) => referencesOf(m, accountDir));
    assert.equal(summary.read, all.length);
    assert.equal(summary.delivered, all.length);
    assert.equal(summary.serviceEvents, all.filter(({ m }) => m.type === 'service').length);
    assert.equal(summary.attachments, refs.filter((r) => r.present).length);
    assert.equal(summary.missingAttachments, refs.filter((r) => !r.present).length);
    assert.ok(summary.attachments > 0 && summary.missingAttachments > 0, 'the fixture has present and missing media');
    assert.deepEqual(
      summary.flaggedByCategory,
      flaggedOf(
        ACCOUNT_PERSONAL,
        all.map((a) => a.key),
      ),
    );

    const chats = await rows<{ id: string; title: string; source_chat_id: string }>(
      `SELECT c.id, c.title, s.source_chat_id FROM chats c JOIN chat_sources s ON s.chat_id = c.id WHERE c.agency_id = $1 AND s.platform = 'telegram'`,
      [agencies.mvd],
    );
    same(
      chats.map((c) => [c.source_chat_id, c.title]).sort(),
      accountChats.map((c) => [botApiId(c), c.name]).sort(),
      'national chats',
    );
    assert.equal(new Set(chats.map((c) => c.id)).size, accountChats.length, 'one national chat per exported chat');

    const stored = await storedMessages('mvd');
    assert.equal(stored.size, all.length);
    for (const { chat, m, key } of all) {
      const row = stored.get(key);
      await checkMessage(row, m, { botId: botApiId(chat), root: accountDir }, ACCOUNT_PERSONAL[key]);
      same(row!.chat_title, chat.name, `message ${key}: national chat`);
    }
    // a channel post is from the channel, signed by its author
    const post = stored.get(`${botApiId(account.chats.list[1]!)}/2`)!;
    assert.equal(post.sender_id, 'channel1876543210');
    assert.equal(post.body.extra['author'], 'Баспасөз қызметі');
  });

  it('a live bridge message with the Bot API chat id lands in the same national chat as the imported history', async () => {
    const channel = account.chats.list.find((c) => c.type === 'public_channel')!;
    const live = path.join(dir, 'live.jsonl');
    // what the live bot hands the gateway: the chat id in Bot API form, a newer message id
    writeJsonl(live, [
      {
        platform: 'telegram',
        chatId: botApiId(channel),
        chatTitle: 'renamed since the export',
        messageId: '4',
        sentAt: '2024-03-01T09:00:00Z',
        sender: { id: 'channel1876543210', name: channel.name },
        text: 'Жаңа хабарландыру',
      },
    ]);
    const result = await runCli(['import', 'jsonl', live, '--agency', 'mvd', '--json', '--no-progress'], { env });
    assert.equal(result.code, 0, result.stderr);
    const [liveChat, historyChat] = await Promise.all(
      ['4', '2'].map(
        async (id) =>
          (
            await rows<{ chat_id: string }>(
              `SELECT chat_id FROM messages WHERE agency_id = $1 AND source_chat_id = $2 AND source_message_id = $3`,
              [agencies.mvd, botApiId(channel), id],
            )
          )[0]?.chat_id,
      ),
    );
    assert.ok(liveChat);
    assert.equal(liveChat, historyChat);
    assert.equal(
      await count(`SELECT count(*) AS n FROM chats WHERE agency_id = $1`, [agencies.mvd]),
      accountChats.length,
      'no new national chat',
    );
  });

  it('the same person is one identity per agency, a separate person in each agency', async () => {
    const personOf = async (slug: string, platformId: string) =>
      (
        await rows<{ person_id: string }>(
          `SELECT person_id FROM identities WHERE agency_id = $1 AND platform = 'telegram' AND platform_id = $2`,
          [agencies[slug], platformId],
        )
      ).map((r) => r.person_id);
    const [inAkimat, inMvd] = [await personOf('akimat', 'user500100201'), await personOf('mvd', 'user500100201')];
    assert.equal(inAkimat.length, 1);
    assert.equal(inMvd.length, 1, 'one identity although the person writes in several chats of the export');
    assert.notEqual(inAkimat[0], inMvd[0]);
  });

  it('--chat imports only the chats it names (by name, or by Bot API id)', async () => {
    const channel = account.chats.list.find((c) => c.type === 'public_channel')!;
    const group = account.chats.list.find((c) => c.type === 'private_group')!;
    const result = await importTelegram(path.join(accountDir, 'result.json'), 'press', ['--chat', channel.name]);
    assert.equal(result.code, 0, result.stderr);
    const summary = summaryOf(result);
    assertBalanced(summary);
    assert.equal(summary.read, channel.messages.length);
    assert.equal(summary.delivered, channel.messages.length);
    const chats = await rows<{ title: string; source_chat_id: string }>(
      `SELECT c.title, s.source_chat_id FROM chats c JOIN chat_sources s ON s.chat_id = c.id WHERE c.agency_id = $1`,
      [agencies.press],
    );
    same(
      chats.map((c) => [c.title, c.source_chat_id]),
      [[channel.name, botApiId(channel)]],
      'the one chat picked',
    );
    same(
      (
        await rows<{ k: string }>(`SELECT source_message_id AS k FROM messages WHERE agency_id = $1 ORDER BY sent_at`, [
          agencies.press,
        ])
      ).map((r) => r.k),
      channel.messages.map((m) => String(m.id)),
      "the picked chat's messages",
    );

    const byId = await importTelegram(accountDir, 'press', ['--chat', botApiId(group)]);
    assert.equal(byId.code, 0, byId.stderr);
    assert.equal(summaryOf(byId).delivered, group.messages.length);
    assert.equal(await count(`SELECT count(*) AS n FROM chats WHERE agency_id = $1`, [agencies.press]), 2);

    const unknown = await importTelegram(accountDir, 'press', ['--chat', 'Нет такого чата']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no chat matches --chat "Нет такого чата"; available: /);
    assert.ok(unknown.stderr.includes(channel.name), 'the message lists the chats there are');
  });

  it('the sample export the README imports first goes in whole: a chat with personal data, a reply, a forward, media present and missing', async () => {
    const sample = readJson<TgChat>(path.join(sampleDir, 'result.json'));
    const keys = sample.messages.map((m) => String(m.id));
    const refs = sample.messages.flatMap((m) => referencesOf(m, sampleDir));
    assert.ok(refs.some((r) => r.present) && refs.some((r) => !r.present), 'the sample has a photo and a missing file');
    const result = await importTelegram(sampleDir, 'demo');
    assert.equal(result.code, 0, result.stderr);
    const summary = summaryOf(result);
    assertBalanced(summary);
    assert.equal(summary.delivered, sample.messages.length);
    assert.equal(summary.serviceEvents, sample.messages.filter((m) => m.type === 'service').length);
    assert.equal(summary.attachments, refs.filter((r) => r.present).length);
    assert.equal(summary.missingAttachments, refs.filter((r) => !r.present).length);
    assert.deepEqual(summary.flaggedByCategory, flaggedOf(SAMPLE_PERSONAL, keys));
    const botId = botApiId(sample);
    const stored = await storedMessages('demo');
    for (const m of sample.messages)
      await checkMessage(stored.get(`${botId}/${m.id}`), m, { botId, root: sampleDir }, SAMPLE_PERSONAL[String(m.id)]);
  });

  // ---------- truncated and malformed files ----------

  it('a truncated export stops with the file and byte offset, keeps what came before, and resumes once fixed', async () => {
    const folder = path.join(dir, 'truncated-export');
    mkdirSync(folder);
    const file = path.join(folder, 'result.json');
    copyFileSync(truncatedFile, file);
    const broken = readFileSync(file, 'utf8');
    // the complete messages are those before the last `},` at message depth; the one after it is cut off
    const cut = broken.lastIndexOf('\n  },\n  {') + '\n  }'.length;
    const head = JSON.parse(`${broken.slice(0, cut)}\n ]\n}`) as TgChat;
    const complete = head.messages;
    const lastId = complete.at(-1)!.id;
    const botId = botApiId(head);
    const size = statSync(file).size;
    assert.ok(complete.length > 0 && cut < size);

    const first = await importTelegram(folder, 'school');
    assert.equal(first.code, 1);
    const failed = summaryOf(first);
    assertBalanced(failed);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.read, complete.length);
    assert.equal(failed.delivered, complete.length);
    assert.deepEqual(
      failed.flaggedByCategory,
      flaggedOf(
        TRUNCATED_PERSONAL,
        complete.map((m) => String(m.id)),
      ),
    );
    assert.ok(failed.error?.includes(file), `the error names the file: ${failed.error}`);
    assert.ok(failed.error?.includes(`byte ${size}`), `the error names the byte offset: ${failed.error}`);
    assert.ok(
      failed.error?.includes(`after message id ${lastId}`),
      `the error names the last message read: ${failed.error}`,
    );

    // what was read before the cut is in the store, row by row
    const kept = await storedMessages('school');
    assert.equal(kept.size, complete.length);
    for (const m of complete)
      await checkMessage(kept.get(`${botId}/${m.id}`), m, { botId, root: folder }, TRUNCATED_PERSONAL[String(m.id)]);

    // run again on the same broken file (human output): it resumes after the checkpoint, reads nothing new, and says why on stderr
    const again = await importTelegram(folder, 'school', [], { json: false });
    assert.equal(again.code, 1);
    assert.ok(
      again.stderr.includes(file) && again.stderr.includes(`truncated at byte ${size}`),
      `stderr names the file and byte offset: ${again.stderr}`,
    );
    assert.match(again.stdout, /import FAILED/);
    const [secondRun] = await rows<{ id: string; resumed_from: string; counts: Summary }>(
      `SELECT id, resumed_from, counts FROM import_runs WHERE agency_id = $1 ORDER BY started_at DESC LIMIT 1`,
      [agencies.school],
    );
    assert.equal(secondRun!.resumed_from, failed.runId);
    assert.equal(secondRun!.counts.read, 0, 'resumed after the last committed message');
    assert.equal(
      await count(`SELECT count(*) AS n FROM messages WHERE agency_id = $1`, [agencies.school]),
      complete.length,
    );

    // the operator fixes the file: the same export, complete (the cut-off message whole, one more after it)
    const cutOff: TgMessage = {
      id: 806,
      type: 'message',
      date: '2024-03-01T18:05:00',
      date_unixtime: '1709298300',
      from: 'Ерлан Жумабаев',
      from_id: 'user500100202',
      text: 'Менің ИИН 940101300123, квитанцияны жібердім.',
      text_entities: [{ type: 'plain', text: 'Менің ИИН 940101300123, квитанцияны жібердім.' }],
    };
    const last: TgMessage = {
      id: 807,
      type: 'message',
      date: '2024-03-01T18:06:00',
      date_unixtime: '1709298360',
      from: 'Айгерим Сапарова',
      from_id: 'user500100201',
      reply_to_message_id: 806,
      text: 'Рақмет, алдым.',
      text_entities: [{ type: 'plain', text: 'Рақмет, алдым.' }],
    };
    // Telegram's layout: one-space indentation, messages nested two deep
    const format = (m: TgMessage) => `  ${JSON.stringify(m, null, 1).replace(/\n/g, '\n  ')}`;
    const tail = broken.slice(cut + ',\n'.length);
    assert.ok(format(cutOff).startsWith(tail), 'the completed message is the one the file was cut in');
    writeFileSync(file, `${broken.slice(0, cut)},\n${format(cutOff)},\n${format(last)}\n ]\n}\n`);
    const fixed = readJson<TgChat>(file);

    const resumed = await importTelegram(folder, 'school');
    assert.equal(resumed.code, 0, resumed.stderr);
    const done = summaryOf(resumed);
    assertBalanced(done);
    assert.equal(done.status, 'completed');
    assert.equal(done.resumedFrom, secondRun!.id);
    assert.equal(done.failed, 0);
    assert.equal(done.delivered, fixed.messages.length - complete.length);
    assert.equal(done.read - done.delivered, done.duplicates, 'whatever was read again counts as duplicates');
    const all = await storedMessages('school');
    assert.equal(all.size, fixed.messages.length);
    assert.equal(
      await count(`SELECT count(DISTINCT source_message_id) AS n FROM messages WHERE agency_id = $1`, [
        agencies.school,
      ]),
      fixed.messages.length,
    );
    for (const m of fixed.messages)
      await checkMessage(all.get(`${botId}/${m.id}`), m, { botId, root: folder }, TRUNCATED_PERSONAL[String(m.id)]);
    const finished = await rows<{ status: string }>(
      `SELECT status FROM import_runs WHERE agency_id = $1 ORDER BY started_at`,
      [agencies.school],
    );
    assert.deepEqual(
      finished.map((r) => r.status),
      ['resumed', 'resumed', 'completed'],
    );
  });

  it('a malformed export stops with the file and the byte offset of the bad token, after the messages before it', async () => {
    const text = readFileSync(malformedFile, 'utf8');
    // the bad spot: a message whose `"id"` is not followed by a comma; the offset is the next key's, in bytes
    const bad = /"id": (\d+)\n\s+"type"/.exec(text)!;
    const offset =
      Buffer.byteLength(text.slice(0, bad.index)) + Buffer.byteLength(bad[0]) - Buffer.byteLength('"type"');
    // the messages before it parse on their own
    const cut = text.lastIndexOf('\n  },', bad.index) + '\n  }'.length;
    const good = (JSON.parse(`${text.slice(0, cut)}\n ]\n}`) as TgChat).messages;
    const result = await importTelegram(malformedFile, 'office');
    assert.equal(result.code, 1);
    const summary = summaryOf(result);
    assertBalanced(summary);
    assert.equal(summary.status, 'failed');
    assert.equal(summary.delivered, good.length);
    assert.ok(summary.error?.includes(malformedFile), `the error names the file: ${summary.error}`);
    assert.ok(summary.error?.includes(`byte ${offset}`), `the error names the byte offset: ${summary.error}`);
    assert.ok(
      summary.error?.includes(`after message id ${good.at(-1)!.id}`),
      `the error names the last message read: ${summary.error}`,
    );
    const ids = (
      await rows<{ k: string }>(`SELECT source_message_id AS k FROM messages WHERE agency_id = $1 ORDER BY sent_at`, [
        agencies.office,
      ])
    ).map((r) => r.k);
    assert.deepEqual(
      ids,
      good.map((m) => String(m.id)),
    );
    assert.ok(!ids.includes(bad[1]!), 'the broken message is not imported');
  });
});
