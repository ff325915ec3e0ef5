// npm run db:migration -- <name>: writes prisma/migrations/<timestamp>_<name>/migration.sql from schema.prisma.
import { createMigration } from '../src/store/migrate.ts';

const name = process.argv[2];
if (!name) {
  process.stderr.write('usage: npm run db:migration -- <name>\n');
  process.exit(2);
}
const url = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const folder = await createMigration(url, name);
process.stdout.write(
  folder
    ? `created prisma/migrations/${folder}/migration.sql\n`
    : 'schema.prisma matches the migrations: nothing to create\n',
);
