// Generates the Prisma client into src/generated/prisma (never committed). Prisma 7's CLI wants a native
// schema engine it would download; generating needs none, so any existing file satisfies the check.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// An installed package carries the client compiled into dist/ (npm pack builds it): nothing to generate there.
if (!existsSync(fileURLToPath(new URL('../src', import.meta.url)))) process.exit(0);

const packageJson = fileURLToPath(new URL('../package.json', import.meta.url));
const result = spawnSync('npx', ['--no-install', 'prisma', 'generate'], {
  stdio: ['ignore', 'inherit', 'inherit'],
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? packageJson,
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
  },
});
process.exit(result.status ?? 1);
