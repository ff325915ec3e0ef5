/**
 * The child of `npm run bench:instructions`: classifies the messages `passes` times with the `classify` exported by
 * the module at `moduleUrl` (this checkout's classifier or another commit's), then prints how many findings it made.
 * The messages are a JSON file's strings (flat, as an importer parses them), or, for `generated:<count>`, the bench
 * corpus's texts made here as bench:classify makes them (joined pieces: strings of several representations). Run
 * under callgrind; nothing here is timed.
 */
import { readFileSync } from 'node:fs';

const [moduleUrl, source, passesArg] = process.argv.slice(2);
if (!moduleUrl || !source || !passesArg)
  throw new Error('usage: instructions-runner <module URL> <messages.json | generated:<count>> <passes>');
const { classify } = (await import(moduleUrl)) as { classify: (text: string) => readonly unknown[] };
const generated = /^generated:(\d+)$/.exec(source)?.[1];
// the generator's modules are loaded only to generate: a process holding more modules runs the same loop differently
const messages: string[] = generated
  ? (await import('./helpers.ts')).syntheticMessages({ count: Number(generated) }).map((message) => message.text ?? '')
  : (JSON.parse(readFileSync(source, 'utf8')) as string[]);
let findings = 0;
for (let pass = 0; pass < Number(passesArg); pass++) for (const text of messages) findings += classify(text).length;
console.log(findings);
