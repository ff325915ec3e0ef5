import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createImportWorld, type ImportWorld } from './helpers/import-world.ts';

/**
 * The real whatsapp-web.js Client, with the project's options (LocalAuth in the data directory, Debian's chromium,
 * headless), run by the real CLI on a machine without network: WhatsApp Web cannot load, and the bridge must say
 * so and exit 3 within 60 s, never hang. Needs /usr/bin/chromium (scripts/setup.sh installs it).
 */
let w: ImportWorld;

before(async () => {
  w = await createImportWorld(['clinic']);
});

after(async () => {
  await w?.close();
});

test(
  'without network the WhatsApp bridge reports state failed with a clear reason and exits 3 within 60 s',
  { timeout: 90_000 },
  async () => {
    assert.ok(
      existsSync(process.env.AITU_GATEWAY_CHROMIUM || '/usr/bin/chromium'),
      "chromium is installed (scripts/setup.sh installs Debian's chromium)",
    );
    const result = await w.cli(['bridge', 'whatsapp', '--agency', 'clinic', '--start-timeout', '40'], {
      LOG_LEVEL: 'info',
    });
    assert.equal(result.code, 3, result.stderr);
    assert.ok(result.ms < 60_000, `exited after ${result.ms} ms`);
    assert.match(result.stderr, /state: failed/);
    assert.match(result.stderr, /WhatsApp Web/);
    assert.match(
      result.stderr,
      /(ERR_[A-Z_]+|did not load within \d+ s)/,
      'the reason names the network error or the timeout',
    );
    // the session folder is the agency's, in the data directory (LocalAuth)
    assert.ok(
      existsSync(path.join(w.dataDir, 'whatsapp', 'clinic')),
      `LocalAuth keeps the session under the data directory: ${readdirSync(w.dataDir).join(', ')}`,
    );
    // no browser left behind
    const { execFileSync } = await import('node:child_process');
    const left = execFileSync('ps', ['-eo', 'args'])
      .toString()
      .split('\n')
      .filter((line) => line.includes(path.join(w.dataDir, 'whatsapp')));
    assert.deepEqual(left, [], 'the chromium started for the session was closed');
  },
);
