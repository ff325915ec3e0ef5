import type { Command } from 'commander';
import { config } from '../../src/core/config.ts';
import { JobFailedError } from '../../src/core/errors.ts';
import { TOKEN_VARIABLE } from '../../src/auth/users.ts';
import { withSession } from '../session.ts';
import type { ReencryptResult } from '../../src/review/originals.ts';
import {
  checkKeys,
  deleteKey,
  listKeys,
  reencryptKeys,
  reindexKeys,
  rotateIndexKey,
  rotateKeys,
} from '../../src/service/keys.ts';
import { maintenanceQueue, requestRekey } from '../../src/pipeline/maintenance.ts';
import type { Actor } from '../../src/auth/roles.ts';
import type { Store } from '../../src/store/database.ts';
import { Redis } from '../../src/core/ioredis.ts';
import { openStore } from '../../src/store/database.ts';
import { initInstallation, type InitResult } from '../../src/store/installation.ts';
import { action, printJson } from '../common.ts';

const tokenHelp = `your token (default: ${TOKEN_VARIABLE})`;

function printReencrypt(result: ReencryptResult, json: boolean | undefined, extra: Record<string, unknown>): void {
  if (json) printJson({ ...extra, ...result });
  else {
    process.stdout.write(
      `re-encrypted ${result.reencrypted} originals (${result.bound} of them bound to their item now; ${result.current} were already under the current key and bound)\n`,
    );
    for (const u of result.unreadable) process.stderr.write(`aitu-gateway: ${u.reason}\n`);
  }
}

function printInit(result: InitResult, json: boolean | undefined): void {
  if (json) return printJson(result);
  const { keyFile, chainKey } = result;
  const keyState = keyFile.created
    ? 'created'
    : keyFile.added.length > 0
      ? `upgraded (added ${keyFile.added.join(', ')})`
      : 'exists, unchanged';
  const chainState = chainKey.created
    ? 'created'
    : chainKey.wrotePublic
      ? 'exists; public key written again'
      : 'exists, unchanged';
  process.stdout.write(
    `key file ${keyFile.path}: ${keyState}\n` +
      `audit signing key ${chainKey.path}: ${chainState} (public key: ${chainKey.publicPath})\n` +
      `installation ${result.recorded ? 'recorded in the database' : 'already recorded in the database'}; audit log sealed (${result.seal.sealed} entries)\n`,
  );
  if (keyFile.created || chainKey.created)
    process.stdout.write(
      'back up the key file and the signing key now, and keep them away from the database and its administrators\n',
    );
}

export function registerKeys(program: Command): void {
  const keys = program
    .command('keys')
    .description('data keys of the encrypted originals (admin); the key file never enters the database');
  keys
    .command('init')
    .description(
      "create an installation's keys (the key file and the audit chain's signing key pair) and record the installation in the database; " +
        "run once by the installation's OS user, after db migrate; on an older installation it adds only what is missing; it never replaces a key",
    )
    .option('--json', 'print as JSON')
    .action(
      action(async (options: { json?: boolean }) => {
        const store = await openStore(config().databaseUrl);
        try {
          printInit(await initInstallation(store, config()), options.json);
        } finally {
          await store.close();
        }
      }),
    );
  keys
    .command('rotate')
    .description(
      'create a new current key and re-encrypt every original under it; afterwards the old key can be deleted; --index: a new subject index key instead, the index re-keyed in the background by the workers',
    )
    .option('--index', "rotate the subject index's key (re-keyed by the maintenance stage of a running worker)")
    .option('--token <token>', tokenHelp)
    .option('--json', 'print as JSON')
    .action(
      action((options: { token?: string; json?: boolean; index?: boolean }) =>
        withSession(options, 'keys rotate', async ({ store, actor }) => {
          if (options.index) return rotateIndex(store, actor, options.json);
          const {
            previousKeyId: previousId,
            currentKeyId: currentId,
            ...result
          } = await rotateKeys(store, actor, config().keyFile, config().dataDir);
          printReencrypt(result, options.json, { previousKeyId: previousId, currentKeyId: currentId });
          if (!options.json)
            process.stdout.write(
              `current key: ${currentId} (previous: ${previousId}; restart workers, then: aitu-gateway keys delete ${previousId})\n`,
            );
          if (result.unreadable.length > 0)
            throw new JobFailedError(
              `${result.unreadable.length} originals could not be read and stay under their old key`,
            );
        }),
      ),
    );
  keys
    .command('reindex')
    .description(
      'digest the subject index again under the current index key now (what the workers do after rotate --index); --drop-old then removes older index keys nothing uses',
    )
    .option('--drop-old', 'remove older index keys no row or hold uses any more (restart every worker first)')
    .option('--token <token>', tokenHelp)
    .option('--json', 'print as JSON')
    .action(
      action((options: { token?: string; json?: boolean; dropOld?: boolean }) =>
        withSession(options, 'keys reindex', async ({ store, actor }) => {
          const counts = await reindexKeys(store, actor, config().keyFile, Boolean(options.dropOld));
          if (options.json) printJson(counts);
          else
            process.stdout.write(
              `re-keyed ${counts.rows} index rows and ${counts.holds} holds (${counts.unreadable} unreadable)${counts.droppedKeys.length ? `; removed index keys ${counts.droppedKeys.join(', ')}` : ''}\n`,
            );
          if (counts.unreadable > 0) throw new JobFailedError(`${counts.unreadable} index rows or holds did not open`);
        }),
      ),
    );
  keys
    .command('reencrypt')
    .description(
      're-encrypt originals not under the current key (after a rotation interrupted, or workers that still held the old key), and bind originals sealed before binding to their item',
    )
    .option('--token <token>', tokenHelp)
    .option('--json', 'print as JSON')
    .action(
      action((options: { token?: string; json?: boolean }) =>
        withSession(options, 'keys reencrypt', async ({ store, actor, keyring }) => {
          const { currentKeyId, ...result } = await reencryptKeys(store, actor, keyring, config().dataDir);
          printReencrypt(result, options.json, { currentKeyId });
          if (result.unreadable.length > 0)
            throw new JobFailedError(
              `${result.unreadable.length} originals could not be read and stay under their old key`,
            );
        }),
      ),
    );
  keys
    .command('check')
    .description('try to decrypt every original with the key file (nothing of them is printed); exit 1 if any does not')
    .option('--token <token>', tokenHelp)
    .option('--json', 'print as JSON')
    .action(
      action((options: { token?: string; json?: boolean }) =>
        withSession(options, 'keys check', async ({ store, actor, keyring }) => {
          const result = await checkKeys(store, actor, keyring);
          if (options.json) printJson(result);
          else {
            process.stdout.write(`${result.readable} of ${result.total} originals decrypt\n`);
            for (const u of result.unreadable) process.stderr.write(`aitu-gateway: ${u.reason}\n`);
            if (result.unbound > 0)
              process.stderr.write(
                `aitu-gateway: ${result.unbound} originals are not bound to their item yet (sealed before binding); run: aitu-gateway keys reencrypt\n`,
              );
          }
          if (result.unreadable.length > 0)
            throw new JobFailedError(
              `${result.unreadable.length} of ${result.total} originals do not decrypt with the key file ${config().keyFile}`,
            );
        }),
      ),
    );
  keys
    .command('list')
    .description('key ids in the key file and how many originals each encrypts (never key material)')
    .option('--token <token>', tokenHelp)
    .option('--json', 'print as JSON')
    .action(
      action((options: { token?: string; json?: boolean }) =>
        withSession(options, 'keys list', async ({ store, actor }) => {
          const { keys: inFile, missingKeys: missing } = await listKeys(store, actor, config().keyFile);
          if (options.json) printJson({ keys: inFile, missingKeys: missing });
          else {
            for (const k of inFile)
              process.stdout.write(
                `${k.id}\t${k.createdAt}\t${k.current ? 'current' : '-'}\t${k.originals} originals\n`,
              );
            for (const m of missing) process.stdout.write(`${m.id}\tnot in the key file\t${m.originals} originals\n`);
          }
        }),
      ),
    );
  keys
    .command('delete <id>')
    .description('remove a key that is not current from the key file; refused while any original is still under it')
    .option('--token <token>', tokenHelp)
    .action(
      action((id: string, options: { token?: string }) =>
        withSession(options, 'keys delete', async ({ store, actor }) => {
          await deleteKey(store, actor, config().keyFile, id);
          process.stdout.write(`deleted key ${id} from ${config().keyFile}\n`);
        }),
      ),
    );
}

/** A new index key, and the re-keying asked of the workers' maintenance stage (or said how to run it by hand). */
async function rotateIndex(store: Store, actor: Actor, json: boolean | undefined): Promise<void> {
  const rotated = await rotateIndexKey(store, actor, config().keyFile);
  let queued = false;
  const redis = new Redis(config().redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    const queue = maintenanceQueue(redis, config().queuePrefix);
    await requestRekey(queue);
    await queue.close();
    queued = true;
  } catch {
    // no Redis: the re-keying is run by hand
  } finally {
    redis.disconnect();
  }
  if (json) return printJson({ ...rotated, rekeyQueued: queued });
  process.stdout.write(
    `current index key: ${rotated.currentKeyId} (previous: ${rotated.previousKeyId}); ${queued ? 'a worker re-keys the index in the background' : 'Redis is not reachable: run aitu-gateway keys reindex'}; restart workers, then: aitu-gateway keys reindex --drop-old\n`,
  );
}
