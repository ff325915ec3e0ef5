// npm run bench:cli: how long the installed command takes to start, against `node -e 0` on the same machine:
// `aitu-gateway --help` (target ≤ 2.5×) and `aitu-gateway scan "one line"` (target ≤ 3.5×). Each is run 15 times,
// interleaved, and the medians compared; figures and PASS/MISS are printed, nothing is asserted.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'aitu-gateway.js');
const RUNS = Number(process.env.BENCH_CLI_RUNS ?? 15);

if (!existsSync(path.join(root, 'dist', '.built')))
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });

const cases = {
  'node -e 0': ['-e', '0'],
  'aitu-gateway --help': [bin, '--help'],
  'aitu-gateway scan "one line"': [bin, 'scan', 'Совещание в 15:00, ИИН 940101300123'],
};
const times = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
for (let i = 0; i < RUNS; i++) {
  for (const [name, args] of Object.entries(cases)) {
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    if (result.status !== 0) throw new Error(`${name} exited ${result.status}: ${result.stderr}`);
    times[name].push(Number(process.hrtime.bigint() - started) / 1e6);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(times['node -e 0']);
console.log(`node -e 0: median ${base.toFixed(0)} ms over ${RUNS} runs`);
for (const [name, target] of [
  ['aitu-gateway --help', 2.5],
  ['aitu-gateway scan "one line"', 3.5],
]) {
  const m = median(times[name]);
  const ratio = m / base;
  console.log(`${name}: median ${m.toFixed(0)} ms, ${ratio.toFixed(2)}× node -e 0`);
  console.log(`${ratio <= target ? 'PASS' : 'MISS'} ${name} start-up ${ratio.toFixed(2)}× vs target ≤ ${target}×`);
}
