import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { addAgency } from '../src/store/agencies.ts';
import { runCli } from './helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';
import { initTestInstallation } from './helpers/installation.ts';
import { assertBalanced, spawnCli, type Summary } from './helpers/import.ts';
import { makeMessages, writeJsonl } from './helpers/messages.ts';
import { removePrefix, testPrefix } from './helpers/redis.ts';

describe('aitu-gateway import jsonl', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aitu-jsonl-'));
  const prefix = testPrefix();
  let db: TestDatabase;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    db = await createTestDatabase();
    await addAgency(db.store.prisma, { slug: 'mvd', name: 'MVD' });
    env = {
      DATABASE_URL: db.url,
      AITU_GATEWAY_QUEUE_PREFIX: prefix,
      AITU_GATEWAY_DATA_DIR: path.join(dir, 'data'),
      LOG_LEVEL: 'warn',
    };
    await initTestInstallation(env);
  });
  after(async () => {
    await removePrefix(prefix);
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const count = async (sql: string) => Number((await db.store.pool.query(sql)).rows[0].n);

  it('imports, counts what it flagged, and a second import of the finished file delivers nothing', async () => {
    const file = path.join(dir, 'forty.jsonl');
    writeJsonl(file, makeMessages(40));
    const first = await runCli(['import', 'jsonl', file, '--agency', 'mvd', '--json'], { env });
    assert.equal(first.code, 0, first.stderr);
    const summary = JSON.parse(first.stdout) as Summary;
    assertBalanced(summary);
    assert.equal(summary.delivered, 40);
    assert.equal(summary.resumedFrom, null);
    // by construction: every 8th message from index 1 and 6 carries an IIN, from 2 a diagnosis, from 3 an e-mail and a phone
    assert.equal(summary.flaggedByCategory.IIN, 10);
    assert.equal(summary.flaggedByCategory.HEALTH, 5);
    assert.equal(summary.flaggedByCategory.EMAIL, 5);
    assert.equal(summary.flaggedByCategory.PHONE, 5);
    assert.equal(await count(`SELECT count(*) AS n FROM messages`), 40);

    const second = await runCli(['import', 'jsonl', file, '--agency', 'mvd', '--json'], { env });
    assert.equal(second.code, 0, second.stderr);
    const again = JSON.parse(second.stdout) as Summary;
    assertBalanced(again);
    assert.notEqual(again.runId, summary.runId);
    assert.equal(again.resumedFrom, null);
    assert.equal(again.delivered, 0);
    assert.equal(again.duplicates, 40);
    assert.deepEqual(again.flaggedByCategory, summary.flaggedByCategory);
  });

  it('dead-letters unreadable lines with their line number, delivers the rest and exits 1', async () => {
    const file = path.join(dir, 'broken.jsonl');
    writeJsonl(file, makeMessages(5, { idPrefix: 'b' }));
    appendFileSync(
      file,
      '{"platform": "telegram", "text": 940101300123\n[1, 2]\n{"platform":"whatsapp","chatId":"x","messageId":"1","sentAt":"yesterday"}\n',
    );
    const result = await runCli(['import', 'jsonl', file, '--agency', 'mvd', '--json'], { env });
    assert.equal(result.code, 1);
    const summary = JSON.parse(result.stdout) as Summary;
    assertBalanced(summary);
    assert.equal(summary.delivered, 5);
    assert.equal(summary.failed, 3);
    assert.match(result.stderr, /broken\.jsonl:6: not valid JSON/);
    assert.ok(!result.stderr.includes('940101300123'), `the error output carries no personal data: ${result.stderr}`);
    const dlq = await runCli(['dlq', 'list', '--json'], { env });
    const letters = JSON.parse(dlq.stdout) as { reason: string }[];
    assert.ok(letters.some((l) => /broken\.jsonl:7: not a JSON object/.test(l.reason)));
    assert.ok(letters.some((l) => /sentAt/.test(l.reason)));
  });

  it('with --attachments-dir stores the files attachments name, refusing paths that leave the folder', async () => {
    const folder = path.join(dir, 'media');
    mkdirSync(path.join(folder, 'photos'), { recursive: true });
    const photo = Buffer.from('a photo of the meeting room');
    writeFileSync(path.join(folder, 'photos', 'room.jpg'), photo);
    writeFileSync(path.join(dir, 'outside.txt'), "not the import's");
    symlinkSync(path.join(dir, 'outside.txt'), path.join(folder, 'photos', 'link.jpg'));
    const digest = createHash('sha256').update(photo).digest('hex');
    const message = (id: string, sourcePath: string, extra: Record<string, unknown> = {}) => ({
      ...makeMessages(1, { idPrefix: `att-${id}-` })[0],
      attachments: [{ kind: 'photo', name: path.basename(sourcePath), sourcePath, ...extra }],
    });
    const file = path.join(dir, 'attachments.jsonl');
    writeJsonl(file, [
      // a sha256 the line claims is not trusted: the bytes decide
      message('1', 'photos/room.jpg', { sha256: 'f'.repeat(64) }),
      message('2', 'photos/absent.jpg'),
      message('3', 'photos/link.jpg'),
      message('4', '../outside.txt'),
      message('5', '/etc/hostname'),
    ]);
    const result = await runCli(['import', 'jsonl', file, '--agency', 'mvd', '--json', '--attachments-dir', folder], {
      env,
    });
    assert.equal(result.code, 1, result.stderr);
    const summary = JSON.parse(result.stdout) as Summary;
    assertBalanced(summary);
    assert.equal(summary.delivered, 3);
    assert.equal(summary.failed, 2);
    assert.equal(summary.attachments, 1);
    assert.equal(summary.missingAttachments, 2);
    assert.match(
      result.stderr,
      /refused an attachment of attachments\.jsonl whose link leads out of --attachments-dir/,
    );
    const rows = await db.store.pool.query<{ id: string; sha256: string | null; missing: boolean }>(
      `SELECT m.source_message_id AS id, a.sha256, a.missing FROM message_attachments a JOIN messages m ON m.id = a.message_id
        WHERE m.source_message_id LIKE 'att-%' ORDER BY 1`,
    );
    assert.deepEqual(rows.rows, [
      { id: 'att-1-1', sha256: digest, missing: false },
      { id: 'att-2-1', sha256: null, missing: true },
      { id: 'att-3-1', sha256: null, missing: true },
    ]);
    assert.ok(existsSync(path.join(dir, 'data', 'attachments', digest.slice(0, 2), digest.slice(2, 4), digest)));
    assert.equal(await count(`SELECT count(*) AS n FROM attachment_owners WHERE sha256 = '${digest}'`), 1);
    const reasons = (JSON.parse((await runCli(['dlq', 'list', '--json'], { env })).stdout) as { reason: string }[]).map(
      (l) => l.reason,
    );
    assert.ok(
      reasons.some((r) =>
        /attachments\.jsonl:4: attachment 1: its sourcePath is not a relative path inside --attachments-dir/.test(r),
      ),
      JSON.stringify(reasons),
    );
    assert.ok(
      reasons.some((r) =>
        /attachments\.jsonl:5: attachment 1: its sourcePath is not a relative path inside --attachments-dir/.test(r),
      ),
      JSON.stringify(reasons),
    );

    const missing = await runCli(
      ['import', 'jsonl', file, '--agency', 'mvd', '--attachments-dir', path.join(dir, 'nope')],
      { env },
    );
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--attachments-dir .*nope: not a folder/);
  });

  it('a dry run reads and classifies but writes nothing', async () => {
    const file = path.join(dir, 'dry.jsonl');
    writeJsonl(file, [...makeMessages(3, { idPrefix: 'dry' }), ...makeMessages(2)]);
    const before = await count(`SELECT count(*) AS n FROM messages`);
    const runs = await count(`SELECT count(*) AS n FROM import_runs`);
    const result = await runCli(['import', 'jsonl', file, '--agency', 'mvd', '--json', '--dry-run'], { env });
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout) as Summary;
    assertBalanced(summary);
    assert.equal(summary.delivered, 0);
    assert.equal(summary.wouldDeliver, 3);
    assert.equal(summary.duplicates, 2);
    assert.equal(await count(`SELECT count(*) AS n FROM messages`), before);
    assert.equal(await count(`SELECT count(*) AS n FROM import_runs`), runs);
  });

  it('refuses an unknown agency, naming the known ones', async () => {
    const result = await runCli(['import', 'jsonl', path.join(dir, 'forty.jsonl'), '--agency', 'nope'], { env });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown agency "nope"; known agencies: mvd/);
  });

  it('with --enqueue-only leaves the work to a running worker, which drains and exits on SIGTERM', async () => {
    const worker = spawnCli(['worker', '--stages', 'classify,deliver', '--concurrency', '2'], {
      ...env,
      LOG_LEVEL: 'info',
    });
    const file = path.join(dir, 'queued.jsonl');
    writeJsonl(file, makeMessages(1200, { idPrefix: 'w' }));
    try {
      // the worker registers with Redis before the import looks for workers
      for (let i = 0; i < 100 && !(await runCli(['status', '--json'], { env })).stdout.includes('"workers": 1'); i++)
        await new Promise((r) => setTimeout(r, 100));
      const result = await runCli(['import', 'jsonl', file, '--agency', 'mvd', '--json', '--enqueue-only'], { env });
      assert.equal(result.code, 0, result.stderr);
      const summary = JSON.parse(result.stdout) as Summary;
      assert.equal(summary.delivered, 1200);
      assert.doesNotMatch(result.stderr, /processing in this process/);
      const status = JSON.parse((await runCli(['status', '--json'], { env })).stdout) as Record<
        string,
        { messagesLastMinute: number; workers: number }
      >;
      assert.ok(status.deliver!.messagesLastMinute >= 1200);
      assert.equal(status.deliver!.workers, 1);
    } finally {
      worker.child.kill('SIGTERM');
    }
    const stopped = await worker.done;
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.match(stopped.stderr, /SIGTERM: draining jobs in flight/);
  });

  it('a second import carrying a later version of a message applies it as an edit, and the counts add up', async () => {
    const original = {
      platform: 'telegram',
      chatId: '-1009',
      chatTitle: 'Edits',
      messageId: '1',
      sender: { id: 'u1', name: 'A' },
      sentAt: '2024-03-01T09:00:00Z',
      text: 'Собрание в 9:00',
    };
    const other = { ...original, messageId: '2', text: 'Повестка во вложении' };
    const firstFile = path.join(dir, 'edits-1.jsonl');
    const secondFile = path.join(dir, 'edits-2.jsonl');
    writeJsonl(firstFile, [original, other]);
    writeJsonl(secondFile, [{ ...original, text: 'Собрание в 10:00', editedAt: '2024-03-01T09:05:00Z' }, other]);
    const first = await runCli(['import', 'jsonl', firstFile, '--agency', 'mvd', '--json'], { env });
    assert.equal(first.code, 0, first.stderr);
    // a dry run tells the edit beforehand
    const dry = await runCli(['import', 'jsonl', secondFile, '--agency', 'mvd', '--json', '--dry-run'], { env });
    assert.equal(dry.code, 0, dry.stderr);
    assert.deepEqual(
      (({ wouldDeliver, edited, duplicates }) => [wouldDeliver, edited, duplicates])(JSON.parse(dry.stdout) as Summary),
      [0, 1, 1],
    );
    const second = await runCli(['import', 'jsonl', secondFile, '--agency', 'mvd', '--json'], { env });
    assert.equal(second.code, 0, second.stderr);
    const summary = JSON.parse(second.stdout) as Summary;
    assertBalanced(summary);
    assert.deepEqual([summary.read, summary.delivered, summary.edited, summary.duplicates], [2, 0, 1, 1]);
    const text = await db.store.pool
      .query(`SELECT m.text, (SELECT array_agg(v.text) FROM message_versions v WHERE v.message_id = m.id) AS versions
                                              FROM messages m WHERE m.source_chat_id = '-1009' AND m.source_message_id = '1'`);
    assert.deepEqual(text.rows, [{ text: 'Собрание в 10:00', versions: ['Собрание в 9:00'] }]);
    // the same file again: nothing to edit any more (the human summary names the count)
    const again = await runCli(['import', 'jsonl', secondFile, '--agency', 'mvd'], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /delivered 0, edited 0/);
    assert.match(again.stdout, /duplicates 2,/);
  });
});
