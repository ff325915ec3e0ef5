import { defineConfig } from 'prisma/config';

// Used by `prisma generate` only: migrations run through the WebAssembly schema engine (src/store/migrate.ts).
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
