import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { packageRoot } from '../src/core/package-root.ts';
import { addTokenFileOptions, setVerbose } from './common.ts';
import { COMMANDS } from './commands/index.ts';

const { version } = JSON.parse(readFileSync(`${packageRoot(import.meta.url)}/package.json`, 'utf8')) as {
  version: string;
};

const program = new Command()
  .name('aitu-gateway')
  .description(
    'Migrate Telegram and WhatsApp history into the national messenger Aitu, keeping personal data in the country',
  )
  .version(version, '-V, --version', 'print the version')
  .option('--verbose', 'print stack traces with errors')
  .showHelpAfterError('(run aitu-gateway --help for the list of commands)')
  .exitOverride((err) => {
    // commander's own usage errors (unknown option, missing argument) are bad usage: exit 2
    process.exit(err.exitCode === 0 ? 0 : 2);
  })
  .hook('preAction', (_program, command) => setVerbose(Boolean(command.optsWithGlobals().verbose)));

/** The command named on the command line: its first argument that is not an option (after `help`, the one asked about). */
const words = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const named = COMMANDS.find((entry) => entry.name === (words[0] === 'help' ? words[1] : words[0]));
if (named) {
  (await named.load())(program);
} else {
  // the list of commands (or an unknown one): their names and descriptions, without loading any of them
  for (const entry of COMMANDS) program.command(entry.name).description(entry.description);
}
addTokenFileOptions(program);

await program.parseAsync(process.argv);
// The command is done: an action resolves once its work is (a long-running command's once it is stopped). Exit now
// rather than when the event loop empties by itself: the Redis client's reply parser keeps a timer that shrinks the
// buffer it grew for large replies (batches of jobs) by a tenth every 50 ms, and that held the end of every import
// and of its deliver worker processes for about two seconds. Standard output and error are written synchronously to
// files, pipes and terminals on Linux; the logger's last lines get one turn of the event loop to go out.
await new Promise((resolve) => setImmediate(resolve));
process.exit();
