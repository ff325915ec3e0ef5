import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { projectRoot } from '../helpers/cli.ts';
import { createImportWorld, type ImportWorld } from '../helpers/import-world.ts';

/**
 * Defect: an import could bring any amount of attachment bytes into the store. Now the attachment bytes one import
 * reads are capped by maxImportAttachmentBytes: past it the import stops with exit 2, naming the limit and the file.
 */
const singleChat = path.join(projectRoot, 'bridges/telegram/fixtures/single-chat');
const fixtureBytes = ['photos/photo_1@31-01-2024_09-20-00.jpg', 'files/schedule_march.txt'].map(
  (file) => statSync(path.join(singleChat, file)).size,
);

describe('the total of an import’s attachment bytes', { timeout: 60_000 }, () => {
  let world: ImportWorld;
  before(async () => {
    world = await createImportWorld(['a', 'b']);
  });
  after(async () => world?.close());

  it('stops the import with exit 2 past maxImportAttachmentBytes, naming the limit and the file', async () => {
    const limit = Math.max(...fixtureBytes);
    const result = await world.importJson(['import', 'telegram', singleChat, '--agency', 'a'], {
      AITU_GATEWAY_MAX_IMPORT_ATTACHMENT_BYTES: String(limit),
    });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, new RegExp(`maxImportAttachmentBytes ${limit.toLocaleString('en-US')}`));
    assert.match(result.stderr, /single-chat/);
    assert.equal(result.summary?.status, 'failed');
    // nothing past the limit was kept: no partial blob, no temporary file
    const blobs = path.join(world.dataDir, 'attachments');
    const files = (function walk(dir: string): string[] {
      return readdirSync(dir, { withFileTypes: true }).flatMap((item) =>
        item.isDirectory() ? walk(path.join(dir, item.name)) : [item.name],
      );
    })(blobs);
    assert.ok(files.length < fixtureBytes.length, `${files.length} blobs stored`);
  });

  it('under the limit the same import completes', async () => {
    const limit = fixtureBytes.reduce((a, b) => a + b, 0);
    const result = await world.importJson(['import', 'telegram', singleChat, '--agency', 'b'], {
      AITU_GATEWAY_MAX_IMPORT_ATTACHMENT_BYTES: String(limit),
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.summary?.attachments, 2);
  });
});
