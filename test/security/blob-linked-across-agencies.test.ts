import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { projectRoot } from '../helpers/cli.ts';
import { assertBalanced } from '../helpers/import.ts';
import { createImportWorld, type ImportWorld } from '../helpers/import-world.ts';

/**
 * Defect: a JSONL line could link any blob already in the attachment store by its sha256, another agency's
 * included. Now the store records which agency supplied a blob's bytes (attachment_owners) and refuses a message
 * referencing a blob its agency never stored: the message is dead-lettered with the reason, the rest delivered.
 */
const singleChat = path.join(projectRoot, 'bridges/telegram/fixtures/single-chat');
const photo = readFileSync(path.join(singleChat, 'photos/photo_1@31-01-2024_09-20-00.jpg'));
const photoSha = createHash('sha256').update(photo).digest('hex');

const line = (id: string, attachments: unknown[] = []) =>
  JSON.stringify({
    platform: 'telegram',
    chatId: '-1006',
    chatTitle: 'Links',
    messageId: id,
    sentAt: '2024-01-15T09:00:00Z',
    text: 'see attached',
    attachments,
  });

describe('a blob referenced across agencies', { timeout: 60_000 }, () => {
  let world: ImportWorld;
  before(async () => {
    world = await createImportWorld(['owner', 'other']);
    const imported = await world.importJson(['import', 'telegram', singleChat, '--agency', 'owner']);
    assert.equal(imported.code, 0, imported.stderr);
  });
  after(async () => world?.close());

  const linked = async (agency: string) =>
    (
      await world.query<{ id: string }>(
        `SELECT m.source_message_id AS id FROM message_attachments a JOIN messages m ON m.id = a.message_id
          WHERE m.agency_id = $1 AND a.sha256 = $2 AND m.platform = 'telegram' AND m.source_chat_id = '-1006' ORDER BY 1`,
        [world.agencies[agency], photoSha],
      )
    ).map((row) => row.id);

  it('another agency cannot link it by its sha256: that message is dead-lettered, the rest delivered', async () => {
    const file = path.join(world.dir, 'steal.jsonl');
    writeFileSync(file, `${line('s1', [{ kind: 'photo', name: 'x.jpg', sha256: photoSha }])}\n${line('s2')}\n`);
    const result = await world.importJson(['import', 'jsonl', file, '--agency', 'other']);
    assert.equal(result.code, 1, result.stderr);
    assert.ok(result.summary);
    assertBalanced(result.summary);
    assert.equal(result.summary.delivered, 1);
    assert.equal(result.summary.failed, 1);
    assert.deepEqual(await linked('other'), []);
    const reasons = await world.deadLetterReasons();
    assert.ok(
      reasons.some((reason) => /blob that was not stored for the message's agency/.test(reason)),
      JSON.stringify(reasons),
    );
  });

  it('the agency that stored the bytes may reference them again', async () => {
    const file = path.join(world.dir, 'own.jsonl');
    writeFileSync(file, `${line('o1', [{ kind: 'photo', name: 'x.jpg', sha256: photoSha }])}\n`);
    const result = await world.importJson(['import', 'jsonl', file, '--agency', 'owner']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.summary?.delivered, 1);
    assert.deepEqual(await linked('owner'), ['o1']);
  });
});
