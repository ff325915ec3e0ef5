// The floor `scan --jsonl` is measured against (bench/classify.ts): read JSON lines from stdin, parse each, and
// print a result of scan's shape with nothing found. Plain node, no classifier: what any scan must pay anyway.
import { once } from 'node:events';

let carried = '';
let out = '';
const flush = async () => {
  if (out !== '' && !process.stdout.write(out)) await once(process.stdout, 'drain');
  out = '';
};
const handle = (line) => {
  if (line.trim() === '') return;
  const record = JSON.parse(line);
  out += `${JSON.stringify({ id: record.id ?? null, categories: [], findings: [], redacted: record.text })}\n`;
};
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) {
  const lines = (carried + chunk).split('\n');
  carried = lines.pop();
  for (const line of lines) handle(line);
  await flush();
}
handle(carried);
await flush();
