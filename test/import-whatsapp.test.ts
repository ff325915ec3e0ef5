import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import yauzl from 'yauzl';
import type { MessageColumns } from '../src/store/messages.ts';
import { addAgency } from '../src/store/agencies.ts';
import { resolveChats } from '../src/store/chats.ts';
import { inTransaction } from '../src/store/database.ts';
import { projectRoot, runCli, type CliResult } from './helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';
import { initTestInstallation } from './helpers/installation.ts';
import { assertBalanced, type Summary } from './helpers/import.ts';
import { removePrefix, testPrefix } from './helpers/redis.ts';

const fixtures = path.join(projectRoot, 'bridges/whatsapp/fixtures');
const fixture = (name: string): string => path.join(fixtures, name);
const sample = path.join(projectRoot, 'samples/whatsapp/WhatsApp Chat with Штаб ЦОН.txt');
const ALMATY = 'Asia/Almaty';
const LIVE_CHAT_ID = '120363025246125486@g.us';
/** the IIN the fixtures carry (valid checksum); only ever used to check it is NOT stored in clear */
const IIN = '940101300123';

/**
 * Entries of an export counted by its structure: a line that starts with a date and a time (Android
 * `28.12.2023, 10:00 - …`, iOS `[12.01.2024, 09:00:00] …`, possibly after U+200E) starts an entry;
 * every other line continues the one before.
 */
const HEADER = /^[\u200e\ufeff]*\[?\d{1,4}[./-]\d{1,2}[./-]\d{1,4},? \d{1,2}[:.]\d{2}/u;
const headerLines = (text: string): number => text.split(/\r?\n/).filter((line) => HEADER.test(line)).length;
const entriesOf = (file: string): number => headerLines(readFileSync(file, 'utf8'));

/** UTC ISO of a wall-clock time in Asia/Almaty: UTC+6 until 2024-03-01, UTC+5 from then on. */
function almaty(local: string): string {
  const asUtc = Date.parse(`${local.replace(' ', 'T')}Z`);
  const offsetHours = asUtc < Date.parse('2024-03-01T00:00:00Z') ? 6 : 5;
  return new Date(asUtc - offsetHours * 3_600_000).toISOString();
}
/** UTC ISO of a wall-clock time in a zone with a fixed offset (Moscow +3, Tokyo +9). */
const fixedZone = (local: string, offsetHours: number): string =>
  new Date(Date.parse(`${local.replace(' ', 'T')}Z`) - offsetHours * 3_600_000).toISOString();

/** Every entry of a zip by name, as bytes (read independently of the importer). */
function zipEntries(file: string): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return reject(error);
      const entries = new Map<string, Buffer>();
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return reject(streamError);
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () => {
            entries.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(entries));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** Every file under a folder, as paths relative to it. */
function filesUnder(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((item) => item.isFile())
    .map((item) => path.relative(root, path.join(item.parentPath, item.name)));
}

interface Row extends Pick<
  MessageColumns,
  | 'id'
  | 'source_chat_id'
  | 'source_message_id'
  | 'sender_id'
  | 'sender_name'
  | 'sent_at'
  | 'kind'
  | 'text'
  | 'redacted'
  | 'chat_id'
> {
  service_type: string | null;
  extra: Record<string, unknown>;
  chat_title: string | null;
  action: string | null;
}

describe('aitu-gateway import whatsapp', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aitu-whatsapp-'));
  const dataDir = path.join(dir, 'data');
  const keyFile = path.join(dir, 'keys.json');
  const prefix = testPrefix();
  const agencies = new Map<string, string>();
  let db: TestDatabase;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    db = await createTestDatabase();
    env = {
      DATABASE_URL: db.url,
      AITU_GATEWAY_QUEUE_PREFIX: prefix,
      AITU_GATEWAY_DATA_DIR: dataDir,
      AITU_GATEWAY_KEY_FILE: keyFile,
      LOG_LEVEL: 'warn',
    };
    await initTestInstallation(env);
  });
  after(async () => {
    await removePrefix(prefix);
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One agency per export keeps the imports of this file apart in the one test database. */
  async function agency(slug: string): Promise<string> {
    let id = agencies.get(slug);
    if (id === undefined) {
      id = (await addAgency(db.store.prisma, { slug, name: `WhatsApp ${slug}` })).id;
      agencies.set(slug, id);
    }
    return id;
  }

  async function importWhatsApp(
    file: string,
    slug: string,
    extra: readonly string[] = [],
    options: { env?: NodeJS.ProcessEnv; cwd?: string; timezone?: string | null; code?: number } = {},
  ): Promise<{ result: CliResult; summary: Summary }> {
    await agency(slug);
    const zone = options.timezone === undefined ? ALMATY : options.timezone;
    const args = [
      'import',
      'whatsapp',
      file,
      '--agency',
      slug,
      '--json',
      ...(zone === null ? [] : ['--timezone', zone]),
      ...extra,
    ];
    const result = await runCli(args, { env: { ...env, ...options.env }, cwd: options.cwd });
    assert.equal(result.code, options.code ?? 0, result.stderr);
    const summary = JSON.parse(result.stdout) as Summary;
    assertBalanced(summary);
    return { result, summary };
  }

  const count = async (sql: string, params: unknown[] = []) =>
    Number((await db.store.pool.query(sql, params)).rows[0].n);

  /** The agency's messages in file order, with what the pipeline decided. */
  async function rowsOf(slug: string): Promise<Row[]> {
    const result = await db.store.pool.query<Row>(
      `SELECT m.id::text, m.source_chat_id, m.source_message_id, m.sender_id, m.sender_name, m.sent_at, m.kind, m.text, m.redacted, m.chat_id,
              m.body->'service'->>'type' AS service_type, m.body->'extra' AS extra, c.title AS chat_title, d.action
         FROM messages m LEFT JOIN chats c ON c.id = m.chat_id LEFT JOIN decisions d ON d.id = m.decision_id
        WHERE m.agency_id = $1 ORDER BY m.sent_at, m.id`,
      [agencies.get(slug)],
    );
    return result.rows;
  }

  async function runOptions(runId: string | null): Promise<Record<string, unknown>> {
    const result = await db.store.pool.query<{ options: Record<string, unknown> }>(
      `SELECT options FROM import_runs WHERE id = $1`,
      [runId],
    );
    assert.equal(result.rowCount, 1, 'the run is recorded');
    return result.rows[0]!.options;
  }

  const byText = (rows: Row[], text: string): Row => {
    const row = rows.find((r) => r.text === text);
    assert.ok(row, `a message with the expected text (${rows.length} rows)`);
    return row;
  };
  const sendersOf = (rows: Row[]): string[] =>
    [...new Set(rows.flatMap((r) => (r.sender_name === null ? [] : [r.sender_name])))].sort();
  const serviceTypes = (rows: Row[]): (string | null)[] =>
    rows.filter((r) => r.kind === 'service').map((r) => r.service_type);
  /**
   * Checked before any assertion that shows stored texts, so a failing test never prints personal data:
   * no IIN, e-mail address or phone number is stored in clear (senders are kept as written, in their own columns).
   */
  const assertNoClearPersonalData = (rows: Row[]) =>
    assert.ok(
      rows.every((r) => !r.text.includes(IIN) && !/\d{12}|[\w.]+@[\w-]+\.[a-z]{2,}|\+7[\d ]{10,}/iu.test(r.text)),
      'no stored text holds an IIN, e-mail address or phone number in clear',
    );

  it('Android English 12-hour (U+202F before AM/PM): month first, times in the zone, personal data quarantined or redacted', async () => {
    const file = fixture('android-en-12h.txt');
    const { summary } = await importWhatsApp(file, 'wa-en12');
    const expected = entriesOf(file);
    assert.equal(summary.read, expected);
    assert.equal(summary.delivered, expected);
    assert.equal(summary.serviceEvents, 4); // encryption notice, group created, member added, deletion tombstone
    assert.equal(summary.quarantined, 1);
    assert.equal(summary.redacted, 1);
    assert.equal(summary.missingAttachments, 1);

    const rows = await rowsOf('wa-en12');

    assertNoClearPersonalData(rows);
    assert.equal(rows.length, expected);
    assert.deepEqual(sendersOf(rows), ['+7 701 234 56 78', 'Aigerim Nurlanovna', 'Yerlan Seitov']);
    assert.deepEqual(serviceTypes(rows), ['encryption_notice', 'created', 'added', 'deleted']);
    assert.ok(rows.every((r) => r.chat_title === 'android-en-12h'));

    const morning = byText(rows, 'Good morning! The meeting moves to 3 PM.');
    assert.equal(morning.sent_at.toISOString(), almaty('2023-12-28 09:15'));
    assert.equal(morning.sender_id, 'name:Aigerim Nurlanovna');
    // 12:05 PM is noon, 12:10 AM just after midnight (the day before in UTC), 8:45 PM in January
    const applicant = rows.find((r) => r.sender_id === '77012345678')!;
    assert.equal(applicant.sent_at.toISOString(), almaty('2023-12-28 12:05'));
    assert.equal(applicant.text, 'Please send the applicant file, IIN [IIN]');
    assert.equal(applicant.redacted, true);
    assert.equal(applicant.action, 'quarantine');
    assert.equal(rows.find((r) => r.service_type === 'deleted')!.sent_at.toISOString(), almaty('2023-12-29 00:10'));
    const location = rows.at(-1)!;
    assert.equal(location.sent_at.toISOString(), almaty('2024-01-02 20:45'));
    assert.deepEqual((location.extra['location'] as { latitude: number }).latitude, 43.238949);
    const email = rows.find((r) => r.text.startsWith('Questions to'))!;
    assert.equal(email.text, 'Questions to [EMAIL] please');
    assert.equal(email.action, 'redact');
    assert.equal(
      await count(`SELECT count(*) AS n FROM review_items WHERE agency_id = $1`, [agencies.get('wa-en12')]),
      1,
    );
  });

  it('Android Russian 24-hour: Russian system lines, placeholder, edit mark; another zone shifts the UTC times', async () => {
    const file = fixture('android-ru-24h.txt');
    const { summary } = await importWhatsApp(file, 'wa-ru24');
    const expected = entriesOf(file);
    assert.equal(summary.delivered, expected);
    assert.equal(summary.serviceEvents, 6);
    const rows = await rowsOf('wa-ru24');
    assertNoClearPersonalData(rows);
    assert.equal(rows.length, expected);
    assert.deepEqual(sendersOf(rows), ['+7 701 234 56 78', 'Айгерим', 'Ерлан Сейтов']);
    assert.deepEqual(serviceTypes(rows), ['encryption_notice', 'created', 'added', 'deleted', 'title_changed', 'left']);
    const plan = byText(rows, 'Коллеги, завтра проверка в 9:00.');
    assert.equal(plan.sent_at.toISOString(), almaty('2023-12-28 10:05'));
    const edited = byText(rows, 'С Новым годом!');
    assert.equal(edited.extra['edited'], true);
    assert.equal(edited.sent_at.toISOString(), almaty('2023-12-31 21:41'));
    const health = rows.find((r) => r.sender_id === '77012345678')!;
    assert.equal(health.action, 'quarantine');
    assert.match(health.text, /\[IIN\]/);
    const placeholder = await db.store.pool.query(
      `SELECT a.name, a.missing, a.sha256 FROM message_attachments a JOIN messages m ON m.id = a.message_id WHERE m.agency_id = $1`,
      [agencies.get('wa-ru24')],
    );
    assert.deepEqual(placeholder.rows, [{ name: '<Без медиафайлов>', missing: true, sha256: null }]);

    // the same export read as Moscow time: every UTC time three hours later than Almaty's six
    const moscow = await importWhatsApp(file, 'wa-ru24-msk', [], { timezone: 'Europe/Moscow' });
    assert.equal(moscow.summary.delivered, expected);
    assert.equal((await runOptions(moscow.summary.runId))['timezone'], 'Europe/Moscow');
    const shifted = await rowsOf('wa-ru24-msk');
    assertNoClearPersonalData(shifted);
    assert.equal(
      byText(shifted, 'Коллеги, завтра проверка в 9:00.').sent_at.toISOString(),
      fixedZone('2023-12-28 10:05', 3),
    );
    assert.deepEqual(
      shifted.map((r) => r.sent_at.getTime() - 3 * 3_600_000),
      rows.map((r) => r.sent_at.getTime()),
    );
  });

  it("iOS Russian: bracketed times with seconds, system lines from the chat's name, a phone-number sender, multi-line text", async () => {
    const file = fixture('ios-ru.txt');
    const { summary } = await importWhatsApp(file, 'wa-iosru');
    const expected = entriesOf(file);
    assert.equal(summary.delivered, expected);
    assert.equal(summary.serviceEvents, 4);
    const rows = await rowsOf('wa-iosru');
    assertNoClearPersonalData(rows);
    assert.equal(rows.length, expected);
    // the notice's author names the chat; system lines have no sender
    assert.ok(rows.every((r) => r.chat_title === 'Отдел ЦОН'));
    assert.deepEqual(sendersOf(rows), ['+7 701 234 56 78', 'Дана Муратовна']);
    assert.deepEqual(serviceTypes(rows), ['encryption_notice', 'created', 'added', 'deleted']);
    assert.ok(
      rows.filter((r) => r.service_type !== 'deleted' && r.kind === 'service').every((r) => r.sender_id === null),
    );
    const morning = byText(rows, 'Доброе утро! Сегодня приём до 18:00.');
    assert.equal(morning.sent_at.toISOString(), almaty('2024-01-12 09:14:21'));
    // the phone wrapped in U+202A…U+202C is the sender as written, identified by its digits
    const accepted = byText(rows, 'Принято');
    assert.equal(accepted.sender_name, '+7 701 234 56 78');
    assert.equal(accepted.sender_id, '77012345678');
    const request = rows.find((r) => r.text.startsWith('Пришлите'))!;
    assert.equal(request.text, 'Пришлите, пожалуйста, справку\nна почту [EMAIL]');
    assert.equal(request.redacted, true);
    assert.equal(request.action, 'redact');
    assert.equal(rows.at(-1)!.sent_at.toISOString(), almaty('2024-01-13 18:30:00'));
    const identities = await db.store.pool.query(
      `SELECT platform_id, display_name FROM identities WHERE agency_id = $1 ORDER BY 1`,
      [agencies.get('wa-iosru')],
    );
    assert.deepEqual(identities.rows, [
      { platform_id: '77012345678', display_name: '+7 701 234 56 78' },
      { platform_id: 'name:Дана Муратовна', display_name: 'Дана Муратовна' },
    ]);
  });

  it('iOS English (CRLF, 12-hour with seconds): attachments absent from a bare .txt are kept as missing', async () => {
    const file = fixture('ios-en.txt');
    const { summary } = await importWhatsApp(file, 'wa-iosen');
    const expected = entriesOf(file);
    assert.equal(summary.delivered, expected);
    assert.equal(summary.serviceEvents, 3);
    assert.equal(summary.missingAttachments, 2);
    assert.equal(summary.attachments, 0);
    const rows = await rowsOf('wa-iosen');
    assertNoClearPersonalData(rows);
    assert.deepEqual(sendersOf(rows), ['Aliya Bekova', 'Timur Akhmetov']);
    assert.deepEqual(serviceTypes(rows), ['encryption_notice', 'created', 'call']);
    assert.ok(rows.every((r) => r.chat_title === 'Regional Health Office'));
    assert.equal(
      byText(rows, 'Team, the new duty schedule is below').sent_at.toISOString(),
      almaty('2024-01-13 09:01:10'),
    );
    assert.equal(byText(rows, 'Thanks, see you Monday').sent_at.toISOString(), almaty('2024-01-13 21:41:05'));
    const record = rows.find((r) => r.text.startsWith('Patient record'))!;
    assert.equal(record.sent_at.toISOString(), almaty('2024-01-13 13:15:45'));
    assert.equal(record.action, 'quarantine');
    const attachments = await db.store.pool.query(
      `SELECT a.name, a.missing, a.sha256 FROM message_attachments a JOIN messages m ON m.id = a.message_id WHERE m.agency_id = $1 ORDER BY m.sent_at`,
      [agencies.get('wa-iosen')],
    );
    assert.deepEqual(attachments.rows, [
      { name: '00000003-PHOTO-2024-01-13-09-01-30.jpg', missing: true, sha256: null },
      { name: 'image omitted', missing: true, sha256: null },
    ]);
  });

  it('a Kazakh-language phone: two-digit years, Kazakh system lines and tombstones, caption after a file', async () => {
    const file = fixture('android-kk.txt');
    const { summary } = await importWhatsApp(file, 'wa-kk');
    const expected = entriesOf(file);
    assert.equal(summary.delivered, expected);
    assert.equal(summary.serviceEvents, 11);
    const rows = await rowsOf('wa-kk');
    assertNoClearPersonalData(rows);
    assert.equal(rows.length, expected);
    assert.deepEqual(sendersOf(rows), ['Нұрлан Серікұлы', 'Әсел Қанатқызы']);
    assert.deepEqual(serviceTypes(rows), [
      'encryption_notice',
      'created',
      'added',
      'deleted',
      'call',
      'title_changed',
      'joined',
      'removed',
      'left',
      'number_changed',
      'other',
    ]);
    assert.equal(
      byText(rows, 'Қайырлы таң! Ертең жиналыс сағат 10:00-де.').sent_at.toISOString(),
      almaty('2023-12-28 09:05'),
    );
    const caption = rows.find((r) => r.text.startsWith('Өтініш берушінің құжаты'))!;
    assert.equal(caption.text, 'Өтініш берушінің құжаты, ЖСН [IIN]');
    assert.equal(caption.action, 'quarantine');
    assert.equal(rows.at(-1)!.sent_at.toISOString(), almaty('2023-12-29 09:10'));
  });

  it('multi-line messages are joined and every system line is a service event', async () => {
    const file = fixture('multiline-and-system.txt');
    const { summary } = await importWhatsApp(file, 'wa-multi');
    const expected = entriesOf(file);
    assert.equal(summary.read, expected);
    assert.equal(summary.delivered, expected);
    const rows = await rowsOf('wa-multi');
    assertNoClearPersonalData(rows);
    assert.deepEqual(serviceTypes(rows), [
      'encryption_notice',
      'created',
      'added',
      'joined',
      'title_changed',
      'photo_changed',
      'deleted',
      'call',
      'number_changed',
      'number_changed',
      'removed',
      'left',
      'pinned',
      'other',
    ]);
    assert.equal(summary.serviceEvents, 14);
    assert.deepEqual(sendersOf(rows), ['Arman', 'Bolat', 'Madina']);
    // a blank line inside a message is the message's
    const plan = byText(rows, 'Plan for tomorrow:\n- 09:00 briefing\n\n- 10:30 site visit: Abai ave. 15');
    assert.equal(plan.sent_at.toISOString(), almaty('2024-02-14 08:10'));
    assert.ok(byText(rows, 'Footage from the site\nsecond caption line'));
    assert.equal(byText(rows, 'Confirmed').extra['edited'], true);
    // the group title with ": " in it is a system line, not a sender called `Madina created group "Emergency HQ`
    assert.ok(rows.some((r) => r.service_type === 'created' && r.sender_id === null));
    const last = rows.at(-1)!;
    assert.equal(last.text, 'Email me the list: [EMAIL]\nPhone [PHONE]');
    assert.equal(last.redacted, true);
    assert.equal(last.action, 'redact');
    assert.equal(summary.redacted, 3);
  });

  it('a zip with media: attached files stored by the sha256 of their zip entry, placeholders and absent files missing', async () => {
    const file = fixture('android-with-media.zip');
    const entries = await zipEntries(file);
    const chatText = entries.get('WhatsApp Chat with Приёмная акимата.txt');
    assert.ok(chatText);
    const { summary } = await importWhatsApp(file, 'wa-zip');
    assert.equal(summary.delivered, headerLines(chatText.toString('utf8')));
    assert.equal(summary.attachments, 2);
    assert.equal(summary.missingAttachments, 2);
    const attachments = await db.store.pool.query<{
      name: string;
      missing: boolean;
      sha256: string | null;
      size: string | null;
      mime: string | null;
    }>(
      `SELECT a.name, a.missing, a.sha256, a.size::text, a.mime FROM message_attachments a JOIN messages m ON m.id = a.message_id
        WHERE m.agency_id = $1 ORDER BY m.sent_at, a.position`,
      [agencies.get('wa-zip')],
    );
    const photo = entries.get('IMG-20240115-WA0001.jpg')!;
    const voice = entries.get('PTT-20240115-WA0002.opus')!;
    assert.deepEqual(attachments.rows, [
      {
        name: 'IMG-20240115-WA0001.jpg',
        missing: false,
        sha256: sha256(photo),
        size: String(photo.length),
        mime: 'image/jpeg',
      },
      {
        name: 'PTT-20240115-WA0002.opus',
        missing: false,
        sha256: sha256(voice),
        size: String(voice.length),
        mime: 'audio/ogg',
      },
      // named in the text but not in the zip, and a placeholder of a file never exported
      { name: 'VID-20240115-WA0003.mp4', missing: true, sha256: null, size: null, mime: 'video/mp4' },
      { name: '<Без медиафайлов>', missing: true, sha256: null, size: null, mime: null },
    ]);
    for (const bytes of [photo, voice]) {
      const digest = sha256(bytes);
      const blob = path.join(dataDir, 'attachments', digest.slice(0, 2), digest.slice(2, 4), digest);
      assert.ok(existsSync(blob), 'the blob is in the data directory');
      assert.equal(sha256(readFileSync(blob)), digest);
    }
    const rows = await rowsOf('wa-zip');
    assertNoClearPersonalData(rows);
    assert.ok(rows.every((r) => r.chat_title === 'Приёмная акимата'));
    // the caption under the photo names a diagnosis: quarantined with its attachment
    const caption = rows.find((r) => r.text.startsWith('Справка о'))!;
    assert.equal(caption.action, 'quarantine');
    assert.equal(caption.sent_at.toISOString(), almaty('2024-01-15 09:10'));

    // iOS shares a zip holding _chat.txt: the chat is named from the notice's author
    const ios = fixture('ios-with-media.zip');
    const iosEntries = await zipEntries(ios);
    const iosRun = await importWhatsApp(ios, 'wa-zip-ios');
    assert.equal(iosRun.summary.delivered, headerLines(iosEntries.get('_chat.txt')!.toString('utf8')));
    assert.equal(iosRun.summary.attachments, 1);
    assert.equal(iosRun.summary.missingAttachments, 1);
    const iosPhoto = await db.store.pool.query<{ sha256: string }>(
      `SELECT a.sha256 FROM message_attachments a JOIN messages m ON m.id = a.message_id WHERE m.agency_id = $1 AND NOT a.missing`,
      [agencies.get('wa-zip-ios')],
    );
    assert.deepEqual(iosPhoto.rows, [{ sha256: sha256(iosEntries.get('00000002-PHOTO-2024-01-15-11-05-10.jpg')!) }]);
    assert.ok((await rowsOf('wa-zip-ios')).every((r) => r.chat_title === 'Отдел ЦОН'));
  });

  it('a zip with entries escaping the target: they are refused and reported, the chat imports, nothing lands outside the data directory', async () => {
    // run from a folder two levels inside the temporary one, so a `../evil.txt` written relative to the
    // working directory would land where this test looks
    const cwd = path.join(dir, 'cwd', 'inner');
    mkdirSync(cwd, { recursive: true });
    const before = new Set(filesUnder(dir));
    const { result, summary } = await importWhatsApp(fixture('traversal.zip'), 'wa-traversal', [], { cwd });
    assert.equal(summary.delivered, 3);
    assert.equal(summary.attachments, 0);
    assert.equal(summary.missingAttachments, 2);
    assert.match(result.stderr, /refused 2 zip entries whose path would escape the export/);
    assert.ok(result.stderr.includes('../evil.txt') && result.stderr.includes('/etc/evil'), result.stderr);

    const written = filesUnder(dir).filter((file) => !before.has(file));
    const outside = written.filter((file) => !file.startsWith(`data${path.sep}`) && path.join(dir, file) !== keyFile);
    assert.deepEqual(outside, []);
    assert.deepEqual(
      filesUnder(dir).filter((file) => /evil/.test(path.basename(file))),
      [],
    );
    assert.equal(existsSync('/etc/evil'), false);
    assert.equal(existsSync(path.join(projectRoot, '..', 'evil.txt')), false);
    const attachments = await db.store.pool.query(
      `SELECT a.name, a.missing, a.sha256 FROM message_attachments a JOIN messages m ON m.id = a.message_id WHERE m.agency_id = $1 ORDER BY m.sent_at`,
      [agencies.get('wa-traversal')],
    );
    assert.deepEqual(attachments.rows, [
      { name: '../evil.txt', missing: true, sha256: null },
      { name: 'evil', missing: true, sha256: null },
    ]);
    assert.ok(byText(await rowsOf('wa-traversal'), 'Что это за файлы?'));
  });

  it('an undecidable date order exits 2 asking for --date-format and imports nothing; with it the import succeeds', async () => {
    const file = fixture('undecidable-dates.txt');
    const agencyId = await agency('wa-dates');
    const refused = await runCli(['import', 'whatsapp', file, '--agency', 'wa-dates', '--json', '--timezone', ALMATY], {
      env,
    });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--date-format DMY\|MDY\|YMD/);
    assert.equal(refused.stdout, '');
    assert.equal(await count(`SELECT count(*) AS n FROM messages WHERE agency_id = $1`, [agencyId]), 0);
    assert.equal(await count(`SELECT count(*) AS n FROM import_runs WHERE agency_id = $1`, [agencyId]), 0);

    const { summary } = await importWhatsApp(file, 'wa-dates', ['--date-format', 'DMY']);
    assert.equal(summary.delivered, entriesOf(file));
    assert.equal((await runOptions(summary.runId))['dateOrder'], 'DMY');
    const rows = await rowsOf('wa-dates');
    assertNoClearPersonalData(rows);
    // 3 April and 5 June 2024: Almaty is UTC+5 by then
    assert.deepEqual(
      rows.map((r) => r.sent_at.toISOString()),
      [almaty('2024-04-03 10:00'), almaty('2024-04-03 10:05'), almaty('2024-06-05 17:45')],
    );
    assert.equal(rows[0]!.sent_at.toISOString(), '2024-04-03T05:00:00.000Z');
  });

  it('lines before the first message are reported on stderr by line, dead-lettered, and the import goes on', async () => {
    const file = path.join(dir, 'not-an-export.txt');
    writeFileSync(file, '\nHello, this is a note\n28.12.2023, 10:00 - Айгерим: Привет\n');
    // exit 1, as for any dead-lettered entry: the operator has lines to look at
    const { result, summary } = await importWhatsApp(file, 'wa-broken', [], { code: 1 });
    assert.match(result.stderr, /not-an-export\.txt, line 2: not a WhatsApp export line/);
    assert.ok(!result.stderr.includes('Hello, this is a note'));
    assert.equal(summary.read, 2);
    assert.equal(summary.delivered, 1);
    assert.equal(summary.failed, 1);
    assert.deepEqual(
      (await rowsOf('wa-broken')).map((r) => r.sent_at.toISOString()),
      [almaty('2023-12-28 10:00')],
    );
  });

  it('a file with no message line at all is refused, naming the file', async () => {
    const file = path.join(dir, 'no-messages.txt');
    writeFileSync(file, '1\nChat With Aigerim\n');
    const agencyId = await agency('wa-empty');
    const result = await runCli(['import', 'whatsapp', file, '--agency', 'wa-empty', '--json', '--timezone', ALMATY], {
      env,
    });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /no-messages\.txt: no WhatsApp message line/);
    assert.equal(await count(`SELECT count(*) AS n FROM messages WHERE agency_id = $1`, [agencyId]), 0);
  });

  /** Issue 25's layouts, each imported into the store: counts of messages, service events and unreadable lines, UTC times. */
  const variants: {
    file: string;
    extra?: string[];
    delivered: number;
    serviceEvents: number;
    unreadable: number;
    unreadableLines?: string[];
    times: string[];
  }[] = [
    {
      file: 'variant-lines-before-first-message.txt',
      delivered: 2,
      serviceEvents: 0,
      unreadable: 3,
      unreadableLines: ['1', '2', '4'],
      times: [almaty('2023-12-28 10:05'), almaty('2023-12-28 10:06')],
    },
    {
      file: 'variant-bom-and-marks.txt',
      delivered: 3,
      serviceEvents: 0,
      unreadable: 0,
      times: [almaty('2018-01-29 12:24:03'), almaty('2018-01-29 12:25:00'), almaty('2018-01-29 12:26:30')],
    },
    {
      file: 'variant-older-ios.txt',
      delivered: 3,
      serviceEvents: 1,
      unreadable: 0,
      times: [almaty('2016-07-01 16:56:55'), almaty('2016-07-01 16:57:10'), almaty('2016-07-13 09:01:00')],
    },
    {
      file: 'variant-colon-after-time.txt',
      delivered: 3,
      serviceEvents: 0,
      unreadable: 0,
      times: [almaty('2015-06-13 10:59:59'), almaty('2015-06-14 08:00'), almaty('2015-07-02 09:30')],
    },
    {
      file: 'variant-time-before-date.txt',
      delivered: 2,
      serviceEvents: 0,
      unreadable: 0,
      times: [almaty('2013-08-28 19:23'), almaty('2013-08-29 08:05')],
    },
    {
      file: 'variant-ios-time-before-date.txt',
      delivered: 2,
      serviceEvents: 0,
      unreadable: 0,
      times: [almaty('2022-03-18 14:56:01'), almaty('2022-03-19 09:00')],
    },
    {
      file: 'variant-day-periods.txt',
      delivered: 4,
      serviceEvents: 0,
      unreadable: 0,
      times: [
        almaty('2021-01-03 09:15'),
        almaty('2021-01-03 15:15'),
        almaty('2021-01-03 22:15'),
        almaty('2021-01-13 02:15'),
      ],
    },
    {
      file: 'variant-meridiem-words.txt',
      // its one date, 18/3/22, is 18 March 2022 or 22 March 2018: the fixture is about the clock words
      extra: ['--date-format', 'DMY'],
      delivered: 3,
      serviceEvents: 0,
      unreadable: 0,
      times: [almaty('2022-03-18 09:05'), almaty('2022-03-18 14:56'), almaty('2022-03-18 23:05')],
    },
    {
      file: 'variant-meridiem-east-asian.txt',
      delivered: 2,
      serviceEvents: 0,
      unreadable: 0,
      times: [almaty('2022-03-18 10:00'), almaty('2022-03-18 14:57')],
    },
    {
      file: 'variant-arabic-digits.txt',
      delivered: 2,
      serviceEvents: 0,
      unreadable: 0,
      times: [almaty('2018-01-29 12:24'), almaty('2018-01-30 09:05')],
    },
    {
      file: 'variant-persian-digits.txt',
      delivered: 1,
      serviceEvents: 0,
      unreadable: 0,
      times: [almaty('2022-03-18 14:56:01')],
    },
    {
      file: 'variant-thai-buddhist-era.txt',
      delivered: 2,
      serviceEvents: 0,
      unreadable: 0,
      times: [almaty('2022-03-18 14:56:01'), almaty('2022-03-19 09:00')],
    },
    {
      file: 'variant-thai-buddhist-era-unmarked.txt',
      delivered: 2,
      serviceEvents: 0,
      unreadable: 0,
      times: [almaty('2022-03-18 14:56:01'), almaty('2022-03-19 09:00')],
    },
    {
      file: 'variant-two-digit-year-first.txt',
      delivered: 2,
      serviceEvents: 0,
      unreadable: 0,
      times: [almaty('2022-03-08 14:56'), almaty('2022-03-18 09:00')],
    },
    {
      file: 'variant-month-names.txt',
      delivered: 8,
      serviceEvents: 0,
      unreadable: 0,
      times: [
        almaty('2013-08-28 19:23'),
        almaty('2013-08-29 08:05'),
        almaty('2013-08-30 09:10'),
        almaty('2013-09-02 10:00'),
        almaty('2013-09-03 11:00'),
        almaty('2013-09-04 12:00'),
        almaty('2013-09-05 13:00'),
        almaty('2013-09-06 14:00'),
      ],
    },
    {
      file: 'variant-month-names-no-year.txt',
      extra: ['--year', '2022'],
      delivered: 5,
      serviceEvents: 0,
      unreadable: 0,
      times: [
        almaty('2022-12-30 22:14'),
        almaty('2022-12-31 23:59'),
        almaty('2023-01-01 00:01'),
        almaty('2023-03-05 20:11'),
        almaty('2023-03-06 09:00'),
      ],
    },
    {
      file: 'variant-language-decides.txt',
      delivered: 3,
      serviceEvents: 1,
      unreadable: 0,
      times: [almaty('2023-06-13 09:00'), almaty('2023-06-13 09:05'), almaty('2023-06-14 10:00')],
    },
    {
      file: 'variant-japanese-era.txt',
      delivered: 2,
      serviceEvents: 0,
      unreadable: 0,
      times: [almaty('2019-04-30 09:00'), almaty('2022-03-18 14:56:01')],
    },
    {
      file: 'variant-no-year.txt',
      extra: ['--year', '2022'],
      delivered: 3,
      serviceEvents: 0,
      unreadable: 0,
      times: [almaty('2022-12-30 22:14'), almaty('2022-12-31 23:59'), almaty('2023-01-01 00:01')],
    },
  ];
  for (const variant of variants) {
    it(`imports ${variant.file}: exact counts and UTC times`, async () => {
      const slug = `wa-${variant.file.replace(/^variant-|\.txt$/g, '')}`;
      const { result, summary } = await importWhatsApp(fixture(variant.file), slug, variant.extra ?? [], {
        code: variant.unreadable > 0 ? 1 : 0,
      });
      assert.equal(summary.delivered, variant.delivered);
      assert.equal(summary.serviceEvents, variant.serviceEvents);
      assert.equal(summary.failed, variant.unreadable);
      assert.equal(summary.read, variant.delivered + variant.unreadable);
      // each unreadable line is on stderr by its number
      assert.equal((result.stderr.match(/line \d+: not a WhatsApp export line/g) ?? []).length, variant.unreadable);
      if (variant.unreadable > 0) {
        // and dead-lettered by its number
        const letters = JSON.parse((await runCli(['dlq', 'list', '--json'], { env })).stdout) as { reason: string }[];
        const lines = letters
          .filter((l) => l.reason.includes(variant.file))
          .map((l) => /line (\d+)/.exec(l.reason)?.[1])
          .sort();
        assert.deepEqual(lines, variant.unreadableLines);
      }
      const rows = await rowsOf(slug);
      assertNoClearPersonalData(rows);
      assert.deepEqual(
        rows.map((r) => r.sent_at.toISOString()),
        variant.times,
      );
    });
  }

  it('an export whose dates write no year exits 2 asking for --year and naming the line', async () => {
    const result = await runCli(
      ['import', 'whatsapp', fixture('variant-no-year.txt'), '--agency', 'wa-no-year', '--json', '--timezone', ALMATY],
      { env },
    );
    assert.equal(result.code, 2);
    assert.match(result.stderr, /variant-no-year\.txt, line 1: .*--year <yyyy>/);
  });

  it('a longer re-export of the same chat delivers exactly the new messages; the same file again delivers nothing', async () => {
    const short = fixture('extended/WhatsApp Chat with Штаб ЦОН.txt');
    const long = fixture('extended/WhatsApp Chat with Штаб ЦОН (1).txt');
    const shortCount = entriesOf(short);
    const longCount = entriesOf(long);
    assert.ok(longCount > shortCount);

    const first = await importWhatsApp(short, 'wa-ext');
    assert.equal(first.summary.delivered, shortCount);
    assert.equal(first.summary.duplicates, 0);

    const second = await importWhatsApp(long, 'wa-ext');
    assert.equal(second.summary.read, longCount);
    assert.equal(second.summary.delivered, longCount - shortCount);
    assert.equal(second.summary.duplicates, shortCount);
    assert.equal(second.summary.resumedFrom, null);

    const rows = await rowsOf('wa-ext');

    assertNoClearPersonalData(rows);
    assert.equal(rows.length, longCount);
    // twin lines (same minute, sender and text) are two messages, in both exports
    assert.equal(rows.filter((r) => r.text === 'Ок').length, 3);
    assert.equal(rows.filter((r) => r.text === 'Заявитель ИИН [IIN] придёт завтра').length, 2);
    assert.equal(
      byText(rows, 'Спасибо. График на неделю:\nпн — приём, вт — выезд').sent_at.toISOString(),
      almaty('2024-01-10 09:07'),
    );
    assert.equal(rows.at(-1)!.text, 'Итоги месяца на почте [EMAIL]');
    assert.equal(rows.at(-1)!.sent_at.toISOString(), almaty('2024-02-01 12:00'));
    // one foreign chat, one national chat, named from the file (the "(1)" of the second download dropped)
    const chats = await db.store.pool.query(
      `SELECT c.title, s.platform FROM chats c JOIN chat_sources s ON s.chat_id = c.id WHERE c.agency_id = $1`,
      [agencies.get('wa-ext')],
    );
    assert.deepEqual(chats.rows, [{ title: 'Штаб ЦОН', platform: 'whatsapp' }]);

    const again = await importWhatsApp(long, 'wa-ext');
    assert.notEqual(again.summary.runId, second.summary.runId);
    assert.equal(again.summary.delivered, 0);
    assert.equal(again.summary.duplicates, longCount);
    assert.equal(
      await count(`SELECT count(*) AS n FROM messages WHERE agency_id = $1`, [agencies.get('wa-ext')]),
      longCount,
    );
  });

  it('--chat-id attaches the history to the chat a live bridge already maps, and the run records it', async () => {
    const agencyId = await agency('wa-live');
    // what the live WhatsApp bridge's first message did: a national chat mapped to the group's id
    const live = await inTransaction(db.store.pool, (client) =>
      resolveChats(client, agencyId, [{ platform: 'whatsapp', sourceChatId: LIVE_CHAT_ID, title: 'Штаб ЧС (live)' }]),
    );
    const liveChat = [...live.values()][0]!;
    const file = fixture('android-ru-24h.txt');
    const { summary } = await importWhatsApp(file, 'wa-live', ['--chat-id', LIVE_CHAT_ID]);
    assert.equal(summary.delivered, entriesOf(file));
    const rows = await rowsOf('wa-live');
    assertNoClearPersonalData(rows);
    assert.ok(rows.length > 0);
    assert.ok(rows.every((r) => r.source_chat_id === LIVE_CHAT_ID && r.chat_id === liveChat));
    const sources = await db.store.pool.query(
      `SELECT platform, source_chat_id, chat_id FROM chat_sources WHERE agency_id = $1`,
      [agencyId],
    );
    assert.deepEqual(sources.rows, [{ platform: 'whatsapp', source_chat_id: LIVE_CHAT_ID, chat_id: liveChat }]);
    assert.equal(await count(`SELECT count(*) AS n FROM chats WHERE agency_id = $1`, [agencyId]), 1);
    assert.deepEqual(await runOptions(summary.runId), {
      timezone: ALMATY,
      dateOrder: 'DMY',
      chatId: LIVE_CHAT_ID,
      chatName: 'android-ru-24h',
    });

    // without a mapping yet, --chat-id creates it, so the live bridge finds the history's chat later
    const fresh = await importWhatsApp(fixture('ios-en.txt'), 'wa-live-new', [
      '--chat-id',
      '77011234567@c.us',
      '--chat-name',
      'Health office',
    ]);
    assert.ok(fresh.summary.delivered > 0);
    const created = await db.store.pool.query(
      `SELECT c.title, s.source_chat_id FROM chat_sources s JOIN chats c ON c.id = s.chat_id WHERE s.agency_id = $1`,
      [agencies.get('wa-live-new')],
    );
    assert.deepEqual(created.rows, [{ title: 'Health office', source_chat_id: '77011234567@c.us' }]);
  });

  it("without --timezone the machine's zone is used and recorded on the run", async () => {
    const file = fixture('ios-en.txt');
    const { summary } = await importWhatsApp(file, 'wa-tz', [], { timezone: null, env: { TZ: 'Asia/Tokyo' } });
    assert.equal((await runOptions(summary.runId))['timezone'], 'Asia/Tokyo');
    const rows = await rowsOf('wa-tz');
    assertNoClearPersonalData(rows);
    assert.equal(
      byText(rows, 'Team, the new duty schedule is below').sent_at.toISOString(),
      fixedZone('2024-01-13 09:01:10', 9),
    );
  });

  it('a dry run reads, classifies and counts, and writes nothing: no messages, no run, no blobs, no key file', async () => {
    const dryDir = path.join(dir, 'dry');
    const dryEnv = {
      AITU_GATEWAY_DATA_DIR: path.join(dryDir, 'data'),
      AITU_GATEWAY_KEY_FILE: path.join(dryDir, 'keys.json'),
    };
    const agencyId = await agency('wa-dry');
    const { summary } = await importWhatsApp(fixture('android-with-media.zip'), 'wa-dry', ['--dry-run'], {
      env: dryEnv,
    });
    assert.equal(summary.runId, null);
    assert.equal(summary.delivered, 0);
    assert.equal(summary.wouldDeliver, summary.read);
    assert.equal(summary.attachments, 2);
    assert.equal(summary.quarantined, 1);
    assert.equal(await count(`SELECT count(*) AS n FROM messages WHERE agency_id = $1`, [agencyId]), 0);
    assert.equal(await count(`SELECT count(*) AS n FROM import_runs WHERE agency_id = $1`, [agencyId]), 0);
    assert.deepEqual(filesUnder(dryDir), []);
  });

  it('imports the sample export the demo ships (Almaty turns UTC+5 on 1 March 2024)', async () => {
    const { summary } = await importWhatsApp(sample, 'wa-sample');
    const expected = entriesOf(sample);
    assert.equal(summary.delivered, expected);
    assert.equal(summary.quarantined, 1);
    assert.ok(summary.redacted >= 2);
    assert.ok(summary.serviceEvents >= 1);
    assert.ok(summary.missingAttachments >= 1);
    const rows = await rowsOf('wa-sample');
    assertNoClearPersonalData(rows);
    assert.equal(rows.length, expected);
    assert.ok(rows.every((r) => r.chat_title === 'Штаб ЦОН'));
    assert.equal(
      rows.find((r) => r.text.startsWith('Коллеги, доброе утро'))!.sent_at.toISOString(),
      '2024-02-28T03:05:00.000Z',
    );
    assert.equal(
      byText(rows, 'Первый день по новому времени, всем хорошего дня!').sent_at.toISOString(),
      '2024-03-01T04:00:00.000Z',
    );
  });
});
