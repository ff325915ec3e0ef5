import type { Command } from 'commander';
import { config } from '../../src/core/config.ts';
import { ensureDatabase, storeConnectionError } from '../../src/store/database.ts';
import { applyMigrations } from '../../src/store/migrate.ts';
import { action } from '../common.ts';

/** Creates the database when missing and applies every pending migration; safe to run any number of times. */
export async function migrateDatabase(databaseUrl: string): Promise<{ created: boolean; applied: string[] }> {
  const created = await ensureDatabase(databaseUrl);
  try {
    return { created, applied: await applyMigrations(databaseUrl) };
  } catch (error) {
    if ((error as Error).name === 'SchemaConnectorError' && !/ECONNREFUSED|connect/i.test((error as Error).message))
      throw error;
    throw storeConnectionError(databaseUrl, error);
  }
}

export function registerDb(program: Command): void {
  const db = program.command('db').description('the national store: create the database and apply migrations');
  db.command('migrate')
    .description('create the database if missing and apply pending migrations from prisma/migrations')
    .action(
      action(async () => {
        const { created, applied } = await migrateDatabase(config().databaseUrl);
        if (created) process.stdout.write('created the database\n');
        process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'the database is up to date\n');
      }),
    );
}
