import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Command } from 'commander';
import { COMMANDS } from '../cli/commands/index.ts';
import { projectRoot, runCli } from './helpers/cli.ts';

test('the command list the top-level help shows is what each command module registers', async () => {
  for (const entry of COMMANDS) {
    const program = new Command();
    (await entry.load())(program);
    assert.deepEqual(
      program.commands.map((c) => [c.name(), c.description()]),
      [[entry.name, entry.description]],
      entry.name,
    );
  }
});

test("--version prints the package version; help <command> shows that command's own options", async () => {
  const { version } = JSON.parse(readFileSync(`${projectRoot}/package.json`, 'utf8')) as { version: string };
  const printed = await runCli(['--version']);
  assert.equal(printed.code, 0);
  assert.equal(printed.stdout.trim(), version);
  const help = await runCli(['help', 'scan']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--jsonl/);
  const top = await runCli(['--help']);
  for (const entry of COMMANDS) assert.match(top.stdout, new RegExp(`\\n  ${entry.name} `), entry.name);
  assert.equal((await runCli(['no-such-command'])).code, 2);
});
