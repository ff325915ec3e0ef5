import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { blobPath } from '../../src/store/attachments.ts';
import { projectRoot } from '../helpers/cli.ts';
import { createImportWorld, type ImportWorld } from '../helpers/import-world.ts';

/**
 * Defect: rejecting a message blanked its text but left its attachment linked to the delivered copy. Now a rejection
 * unlinks the attachments from the delivered copy (the message's body lists none; their rows are marked withheld)
 * and keeps them as evidence: the rows and the blob's bytes stay.
 */
describe('a rejected message with an attachment', { timeout: 60_000 }, () => {
  let world: ImportWorld;
  let token: string;

  before(async () => {
    world = await createImportWorld(['a']);
    const zip = path.join(projectRoot, 'bridges/whatsapp/fixtures/android-with-media.zip');
    const imported = await world.importJson(['import', 'whatsapp', zip, '--agency', 'a', '--timezone', 'Asia/Almaty']);
    assert.equal(imported.code, 0, imported.stderr);
    const added = await world.cli(['user', 'add', 'root', '--role', 'admin', '--json']);
    assert.equal(added.code, 0, added.stderr);
    token = (JSON.parse(added.stdout) as { token: string }).token;
  });
  after(async () => world?.close());

  it('is unlinked from the delivered copy and kept as evidence', async () => {
    // the caption under the photo names a diagnosis: the message is quarantined with its attachment
    const [item] = await world.query<{ id: string; message_id: string }>(
      `SELECT r.id, r.message_id::text FROM review_items r
        WHERE EXISTS (SELECT 1 FROM message_attachments a WHERE a.message_id = r.message_id AND a.sha256 IS NOT NULL)`,
    );
    assert.ok(item, 'a quarantined message with a stored attachment');
    const before = await world.query<{ sha256: string }>(
      `SELECT sha256 FROM message_attachments WHERE message_id = $1 AND sha256 IS NOT NULL`,
      [item.message_id],
    );

    const decided = await world.cli(['review', 'decide', item.id, '--reject', '--token', token]);
    assert.equal(decided.code, 0, decided.stderr);

    const [delivered] = await world.query<{ text: string; withdrawn: boolean; attachments: unknown }>(
      `SELECT text, withdrawn, body->'attachments' AS attachments FROM messages WHERE id = $1`,
      [item.message_id],
    );
    assert.equal(delivered!.withdrawn, true);
    assert.equal(delivered!.attachments, null, 'the delivered copy lists no attachment');
    const rows = await world.query<{ sha256: string; withheld: boolean }>(
      `SELECT sha256, withheld FROM message_attachments WHERE message_id = $1 AND sha256 IS NOT NULL`,
      [item.message_id],
    );
    assert.deepEqual(
      rows.map((row) => row.sha256),
      before.map((row) => row.sha256),
      'the attachment rows are kept as evidence',
    );
    assert.ok(
      rows.every((row) => row.withheld),
      'and marked withheld',
    );
    for (const row of rows) assert.ok(existsSync(blobPath(world.dataDir, row.sha256)), 'the bytes stay in the store');
  });
});
