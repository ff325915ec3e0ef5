// npm run build: compiles src/, cli/ and bridges/ to dist/ (tsconfig.build.json) and stamps the build, which
// bin/aitu-gateway.js compares with the sources' times.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
rmSync(path.join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
mkdirSync(path.join(root, 'dist'), { recursive: true });
// the console's stylesheet and script are served as files, beside its compiled code
cpSync(path.join(root, 'src/console/static'), path.join(root, 'dist/src/console/static'), { recursive: true });
writeFileSync(path.join(root, 'dist', '.built'), `${new Date().toISOString()}\n`);
