/**
 * The child of `npm run bench:instructions`: classifies the messages of a JSON file `passes` times with the `classify`
 * exported by the module at `moduleUrl` (this checkout's classifier or another commit's), then prints how many
 * findings it made. Run under callgrind; nothing here is timed.
 */
import { readFileSync } from 'node:fs';

const [moduleUrl, messagesFile, passesArg] = process.argv.slice(2);
if (!moduleUrl || !messagesFile || !passesArg)
  throw new Error('usage: instructions-runner <module URL> <messages.json> <passes>');
const { classify } = (await import(moduleUrl)) as { classify: (text: string) => readonly unknown[] };
const messages = JSON.parse(readFileSync(messagesFile, 'utf8')) as string[];
let findings = 0;
for (let pass = 0; pass < Number(passesArg); pass++) for (const text of messages) findings += classify(text).length;
console.log(findings);
