import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { maintenanceWorker } from '../src/pipeline/maintenance.ts';
import { workerConnection } from '../src/pipeline/queues.ts';
import { maintenanceHandlers } from '../src/service/maintenance.ts';
import { runCli } from './helpers/cli.ts';
import { textPdf } from './helpers/attachment-fixtures.ts';
import { configFor } from './helpers/installation.ts';
import { validIins } from './helpers/office-fixtures.ts';
import { createImportWorld, type ImportWorld } from './helpers/import-world.ts';
import { redisUrl } from './helpers/redis.ts';
import { makeMessages, writeJsonl } from './helpers/messages.ts';

const IIN = validIins(13)[12]!;
const PHONE = '+7 701 555 12 34';

/**
 * The subject index kept whole: a store from before it is backfilled (texts, sealed originals, files read again),
 * and `keys rotate --index` re-keys every row and hold — in the background by a worker's maintenance stage — with
 * lookups finding everything throughout.
 */
describe('subject index: backfill and index key rotation', () => {
  let world: ImportWorld;
  let admin = '';
  const as = (args: readonly string[], input?: string) =>
    runCli(args, { env: { ...world.env, AITU_GATEWAY_TOKEN: admin }, ...(input ? { input } : {}) });
  const found = async (option: string, value: string) => {
    const result = await as(['subject', 'find', option, '-', '--json'], value);
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as { messages: { via: string }[]; attachments: unknown[] };
  };
  const keyIds = async () =>
    (await world.query<{ key_id: string }>(`SELECT DISTINCT key_id FROM subject_index ORDER BY 1`)).map(
      (r) => r.key_id,
    );

  before(async () => {
    world = await createImportWorld(['mvd']);
    const root = await world.cli(['user', 'add', 'root', '--role', 'admin', '--json']);
    admin = (JSON.parse(root.stdout) as { token: string }).token;
    const media = path.join(world.dir, 'media');
    mkdirSync(media);
    textPdf(path.join(media, 'list.pdf'), ['Duty roster', `IIN ${IIN}`]);
    const messages = makeMessages(12).map((m, i) => ({
      ...m,
      // quarantined (an IIN: its original sealed), allowed (a phone number under the default policy is redacted:
      // those lose their value), and one with a file
      text: i < 5 ? `ИИН ${IIN}, запрос ${i}` : i < 8 ? `Звоните ${PHONE}, запрос ${i}` : `Сводка ${i}`,
      ...(i === 11 ? { attachments: [{ kind: 'document', name: 'list.pdf', sourcePath: 'list.pdf' }] } : {}),
    }));
    const jsonl = path.join(world.dir, 'chat.jsonl');
    writeJsonl(jsonl, messages);
    const imported = await world.importJson(['import', 'jsonl', jsonl, '--agency', 'mvd', '--attachments-dir', media]);
    assert.equal(imported.code, 0, imported.stderr);
  });
  after(async () => {
    await world?.close();
  });

  it('a store from before the index is backfilled from texts, sealed originals and files; a second run adds nothing', async () => {
    assert.equal((await found('--iin', IIN)).messages.length, 6);
    await world.query(`DELETE FROM subject_index`);
    assert.equal((await found('--iin', IIN)).messages.length, 0);
    const run = await as(['subject', 'backfill', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const counts = JSON.parse(run.stdout) as { messages: number; notRecoverable: number; attachments: number };
    // the 5 quarantined messages open their sealed originals; the 3 phone messages were redacted on delivery
    assert.deepEqual([counts.messages, counts.notRecoverable, counts.attachments], [5, 3, 1]);
    const again = await found('--iin', IIN);
    assert.equal(again.messages.length, 6);
    assert.equal(again.attachments.length, 1);
    const second = JSON.parse((await as(['subject', 'backfill', '--json'])).stdout) as {
      messages: number;
      attachments: number;
    };
    assert.deepEqual([second.messages, second.attachments], [0, 0]);
  });

  it('keys rotate --index: a worker re-keys rows and holds in the background; lookups find everything meanwhile', async () => {
    const hold = await as(['hold', 'add', '--agency', 'mvd', '--iin', '-', '--note', 'case 3'], IIN);
    assert.equal(hold.code, 0, hold.stderr);
    const [before] = await keyIds();
    const rotated = await as(['keys', 'rotate', '--index', '--json']);
    assert.equal(rotated.code, 0, rotated.stderr);
    const { currentKeyId, rekeyQueued } = JSON.parse(rotated.stdout) as { currentKeyId: string; rekeyQueued: boolean };
    assert.equal(rekeyQueued, true);
    assert.deepEqual(await keyIds(), [before], 'nothing re-keyed before a worker runs');
    assert.equal((await found('--iin', IIN)).messages.length, 6, 'found under the old key meanwhile');

    const cfg = configFor(world.env);
    const connection = workerConnection(redisUrl);
    const worker = maintenanceWorker({
      handlers: maintenanceHandlers(world.db.store, cfg.keyFile, world.dataDir),
      connection,
      prefix: world.env.AITU_GATEWAY_QUEUE_PREFIX!,
    });
    try {
      const rekeyed = async () =>
        (await world.query(`SELECT 1 FROM audit_log WHERE action = 'keys.rekey-index'`)).length > 0;
      for (let i = 0; i < 200 && !(await rekeyed()); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await worker.close();
      connection.disconnect();
    }
    assert.deepEqual(await keyIds(), [currentKeyId]);
    const holds = await world.query<{ key_id: string }>(`SELECT key_id FROM legal_holds`);
    assert.deepEqual(holds, [{ key_id: currentKeyId }]);
    assert.equal((await found('--iin', IIN)).messages.length, 6);

    const dropped = await as(['keys', 'reindex', '--drop-old', '--json']);
    assert.equal(dropped.code, 0, dropped.stderr);
    assert.deepEqual((JSON.parse(dropped.stdout) as { droppedKeys: string[] }).droppedKeys, [before]);
    const file = JSON.parse(readFileSync(cfg.keyFile, 'utf8')) as { indexKeys: { id: string }[] };
    assert.deepEqual(
      file.indexKeys.map((k) => k.id),
      [currentKeyId],
    );
    const after = await found('--iin', IIN);
    assert.equal(after.messages.length, 6);
    assert.equal(after.attachments.length, 1);
    const audited = await world.query<{ action: string }>(
      `SELECT action FROM audit_log WHERE action IN ('keys.add-index', 'keys.rekey-index') ORDER BY id`,
    );
    assert.deepEqual(
      audited.map((a) => a.action),
      ['keys.add-index', 'keys.rekey-index', 'keys.rekey-index'],
    );
  });
});
