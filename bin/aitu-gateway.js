#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm run build`, which the set-up runs). In a checkout whose TypeScript
// sources are newer than the last build, it runs the sources through tsx instead, so an edit never meets a stale
// build; an installed package has no sources and always runs dist/.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const compiled = path.join(root, 'dist', 'cli', 'main.js');
const stamp = path.join(root, 'dist', '.built');

/** The newest modification time among the .ts files (and the console's static files) under `dir` (0: no such folder). */
function newestSource(dir) {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (entry.name.endsWith('.ts') || path.basename(dir) === 'static')
      newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

function buildIsCurrent() {
  if (!existsSync(compiled) || !existsSync(stamp)) return false;
  if (!existsSync(path.join(root, 'src'))) return true;
  const built = statSync(stamp).mtimeMs;
  return ['src', 'cli', 'bridges'].every((dir) => newestSource(path.join(root, dir)) <= built);
}

if (buildIsCurrent()) {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(path.join(root, 'cli', 'main.ts')).href);
}
