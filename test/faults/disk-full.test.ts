import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BATCH_SIZE } from '../../src/pipeline/queues.ts';
import { assertSameAsReference, createFaultStore, type FaultStore } from '../helpers/fault-store.ts';
import { assertBalanced, spawnCli, type Summary } from '../helpers/import.ts';
import { makeMessages } from '../helpers/messages.ts';
import { startPrivateRedis, type PrivateRedis } from '../helpers/private-redis.ts';

const TOTAL = 3 * BATCH_SIZE;
/** Every PHOTO_EVERY-th message carries a photo of PHOTO_BYTES bytes of its own. */
const PHOTO_EVERY = 40;
const PHOTO_BYTES = 32 * 1024;
/**
 * The tmpfs the data directory lives on: room for the key files and the first batch's photos, not for all of them,
 * so the disk fills in the second batch, after the first has committed.
 */
const SMALL = '2500k';
const ROOMY = '32m';

/** A Telegram Desktop export of one chat, as the exporter writes it, with photos in photos/. */
function writeExport(folder: string): number {
  mkdirSync(path.join(folder, 'photos'), { recursive: true });
  let photos = 0;
  const messages = makeMessages(TOTAL, { chats: 1 }).map((m, i) => {
    const unix = 1_704_067_200 + i * 60;
    const message: Record<string, unknown> = {
      id: i + 1,
      type: 'message',
      date: new Date(unix * 1000).toISOString().slice(0, 19),
      date_unixtime: String(unix),
      from: m.sender!.name,
      from_id: m.sender!.id,
      text: m.text,
      text_entities: [{ type: 'plain', text: m.text }],
    };
    if ((i + 1) % PHOTO_EVERY === 0) {
      const name = `photos/photo_${i + 1}@01-01-2024.jpg`;
      writeFileSync(path.join(folder, name), randomBytes(PHOTO_BYTES));
      Object.assign(message, { photo: name, photo_file_size: PHOTO_BYTES, width: 640, height: 480 });
      photos++;
    }
    return message;
  });
  const chat = { name: 'Штаб', type: 'private_supergroup', id: 1987650001, messages };
  writeFileSync(path.join(folder, 'result.json'), JSON.stringify(chat, null, 1));
  return photos;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Every file under a folder, recursively. */
function filesUnder(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/**
 * The data directory's attachments on a tmpfs too small for the import: the import stops with an error that says
 * so (exit 1), leaves no partial blob and no row pointing at missing bytes, and once space is freed the same
 * command resumes and ends where an uninterrupted run does.
 */
describe('the data directory fills up during an import with attachments', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aitu-fault-disk-'));
  const exportDir = path.join(dir, 'export');
  const smallDataDir = path.join(dir, 'small-data');
  let mounted = false;
  let photos = 0;
  let redis: PrivateRedis;
  let reference: FaultStore;
  let faulted: FaultStore;

  before(async () => {
    photos = writeExport(exportDir);
    mkdirSync(smallDataDir);
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${SMALL},mode=0700`, 'tmpfs', smallDataDir]);
    mounted = true;
    redis = await startPrivateRedis({ persistence: false });
    reference = await createFaultStore({ redisUrl: redis.url, dataDir: path.join(dir, 'data'), slug: 'mvd' });
    faulted = await createFaultStore({ redisUrl: redis.url, dataDir: smallDataDir, slug: 'mvd' });
  });
  after(async () => {
    await Promise.all([reference?.drop(), faulted?.drop()]);
    await redis?.close();
    if (mounted) execFileSync('umount', [smallDataDir]);
    rmSync(dir, { recursive: true, force: true });
  });

  const importArgs = ['import', 'telegram', exportDir, '--agency', 'mvd', '--json', '--no-progress'];

  /** Blobs are whole and under their own hash, no temporary file is left, and every row's bytes are there. */
  async function assertNothingHalfWritten(): Promise<void> {
    const attachments = path.join(smallDataDir, 'attachments');
    const tmp = path.join(attachments, 'tmp');
    assert.deepEqual(filesUnder(tmp), [], 'no temporary blob left');
    const blobs = filesUnder(attachments);
    for (const blob of blobs) assert.equal(sha256(readFileSync(blob)), path.basename(blob), `${blob} is whole`);
    const names = new Set(blobs.map((blob) => path.basename(blob)));
    const rows = await faulted.db.store.pool.query<{ sha256: string | null; missing: boolean }>(
      `SELECT sha256, missing FROM message_attachments`,
    );
    for (const row of rows.rows) {
      assert.equal(row.missing, false, 'every photo of the export is present');
      assert.ok(row.sha256 && names.has(row.sha256), `the bytes of attachment ${row.sha256} are in the store`);
    }
    const owners = await faulted.db.store.pool.query<{ sha256: string }>(`SELECT sha256 FROM attachment_owners`);
    for (const row of owners.rows) assert.ok(names.has(row.sha256), `owned blob ${row.sha256} is in the store`);
  }

  it('stops with a clear error, keeps nothing half-written, and resumes once space is freed', async () => {
    const straight = await spawnCli(importArgs, reference.env).done;
    assert.equal(straight.code, 0, straight.stderr);
    const uninterrupted = JSON.parse(straight.stdout) as Summary;
    assert.equal(uninterrupted.delivered, TOTAL);
    assert.equal(uninterrupted.attachments, photos);

    const full = await spawnCli(importArgs, faulted.env).done;
    assert.equal(full.code, 1, full.stderr);
    const failed = JSON.parse(full.stdout) as Summary;
    assert.equal(failed.status, 'failed');
    assert.match(failed.error ?? '', /the data directory .* is full/);
    assert.match(failed.error ?? '', /free space there and run the same command again/);
    assert.match(full.stderr, /the data directory .* is full/);
    const stored = await faulted.count(`SELECT count(*) AS n FROM messages`);
    assert.ok(stored >= BATCH_SIZE && stored < TOTAL, `stopped after the first batch, before the end (${stored})`);
    assert.ok(failed.attachments < photos, `not every photo fitted (${failed.attachments} of ${photos})`);
    await assertNothingHalfWritten();

    execFileSync('mount', ['-o', `remount,size=${ROOMY}`, smallDataDir]);
    const rerun = await spawnCli(importArgs, faulted.env).done;
    assert.equal(rerun.code, 0, rerun.stderr);
    const resumed = JSON.parse(rerun.stdout) as Summary;
    assertBalanced(resumed);
    assert.equal(resumed.resumedFrom, failed.runId);
    assert.ok(resumed.read < TOTAL, `resumed from the checkpoint (read ${resumed.read})`);
    await assertNothingHalfWritten();
    await assertSameAsReference(faulted, reference);
  });
});
