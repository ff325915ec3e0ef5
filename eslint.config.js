// Lint configuration (ESLint flat config). Syntax-only presets: the type-checked ones take minutes on this codebase.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** Node's globals for the plain JavaScript files (TypeScript files get them from @types/node). */
const nodeGlobals = Object.fromEntries(
  [
    'process',
    'console',
    'Buffer',
    'URL',
    'URLSearchParams',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
    'setImmediate',
    'performance',
    'structuredClone',
    'fetch',
    'AbortController',
    'TextEncoder',
    'TextDecoder',
  ].map((name) => [name, 'readonly']),
);

export default defineConfig([
  globalIgnores(['dist/', 'coverage/', 'src/generated/', '**/node_modules/', 'data/', '.data/', 'tmp/']),
  {
    files: ['**/*.{ts,mts,cts,js,mjs,cjs}'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        // `_`-prefixed names are deliberately unused (a positional parameter, a destructured field left out)
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // an empty catch is how "best effort" cleanup is written here; empty blocks elsewhere stay errors
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    // CommonJS packages on a process's start path: their values through src/core (bullmq.ts says why), types as here
    files: ['src/**/*.ts', 'cli/**/*.ts', 'bridges/**/*.ts'],
    ignores: ['**/*.test.ts', 'src/core/bullmq.ts', 'src/core/ioredis.ts', 'src/core/yaml.ts', 'src/core/logger.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        ...['bullmq', 'ioredis', 'winston', 'yaml'].map((name) => ({
          name,
          allowTypeImports: true,
          message: `import ${name}'s values from src/core (loaded with require), its types with \`import type\``,
        })),
      ],
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: nodeGlobals },
  },
  {
    // the console's page script runs in the browser
    files: ['src/console/static/**/*.js'],
    languageOptions: {
      globals: Object.fromEntries(
        ['window', 'document', 'HTMLElement', 'Event', 'Intl', 'fetch', 'Promise'].map((name) => [name, 'readonly']),
      ),
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { ...nodeGlobals, require: 'readonly', module: 'writable', __dirname: 'readonly' },
    },
  },
]);
