import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { putBlob } from '../../src/store/attachments.ts';
import { projectRoot } from '../helpers/cli.ts';
import { createImportWorld, type ImportWorld } from '../helpers/import-world.ts';

/**
 * Defect: attachment blobs were written 0644 in 0755 folders, readable by every user of the machine. Now blobs are
 * written 0600 and the store's folders created 0700, whatever the umask allows beyond that.
 */
const mode = (file: string) => statSync(file).mode & 0o777;

/** Every folder and file under `root`, with its permission bits. */
function walk(root: string): { path: string; dir: boolean; mode: number }[] {
  const found = [{ path: root, dir: true, mode: mode(root) }];
  for (const item of readdirSync(root, { withFileTypes: true })) {
    const full = path.join(root, item.name);
    if (item.isDirectory()) found.push(...walk(full));
    else found.push({ path: full, dir: false, mode: mode(full) });
  }
  return found;
}

describe('attachment blobs on disk', () => {
  let world: ImportWorld;
  before(async () => {
    world = await createImportWorld(['a']);
  });
  after(async () => world?.close());

  it('putBlob writes 0600 files in 0700 folders', async () => {
    const dataDir = path.join(world.dir, 'unit');
    const blob = await putBlob(dataDir, Readable.from([Buffer.from('scan of a passport')]));
    const store = path.join(dataDir, 'attachments');
    const entries = walk(store);
    assert.ok(entries.some((entry) => entry.path.endsWith(blob.sha256)));
    for (const entry of entries)
      assert.equal(
        entry.mode,
        entry.dir ? 0o700 : 0o600,
        `${path.relative(store, entry.path) || 'attachments'} is ${entry.mode.toString(8)}`,
      );
  });

  it('an import stores its attachments 0600 in 0700 folders', async () => {
    const result = await world.importJson([
      'import',
      'telegram',
      path.join(projectRoot, 'bridges/telegram/fixtures/single-chat'),
      '--agency',
      'a',
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.ok((result.summary?.attachments ?? 0) >= 2);
    const store = path.join(world.dataDir, 'attachments');
    const entries = walk(store);
    assert.ok(entries.filter((entry) => !entry.dir).length >= 2);
    for (const entry of entries)
      assert.equal(
        entry.mode,
        entry.dir ? 0o700 : 0o600,
        `${path.relative(store, entry.path) || 'attachments'} is ${entry.mode.toString(8)}`,
      );
  });
});
