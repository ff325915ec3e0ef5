import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/*
 * A module that makes an object inheriting from String.prototype (`class X extends String`, as ioredis 6's RESP3
 * decoder does) turns String.prototype into a dictionary-mode prototype for the rest of the process: every string
 * method call then looks its method up the slow way, and the classifier's character loops ran 6× slower, scan
 * --jsonl 20 % slower. V8's own %HasFastProperties tells, deterministically, whether that happened.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const commands = readdirSync(path.join(root, 'cli/commands')).filter((file) => file.endsWith('.ts'));

async function stringPrototypeIsFast(prelude: string): Promise<string> {
  const imports = commands
    .map((file) => `await import(${JSON.stringify(path.join(root, 'cli/commands', file))});`)
    .join('\n');
  const script = `(async () => {\n${prelude}\n${imports}\nconsole.log(%HasFastProperties(String.prototype));\n})();`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--allow-natives-syntax', '--import', 'tsx', '-e', script],
    {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'error' },
    },
  );
  return stdout.trim();
}

describe('String.prototype stays a fast prototype in the CLI process', () => {
  it('after every command module and its dependencies are loaded', async () => {
    assert.ok(commands.includes('import.ts') && commands.includes('worker.ts'), 'the command modules are found');
    assert.equal(await stringPrototypeIsFast(''), 'true');
  });

  it('the check sees a module that subclasses String', async () => {
    assert.equal(await stringPrototypeIsFast('class VerbatimLike extends String {}'), 'false');
  });
});
