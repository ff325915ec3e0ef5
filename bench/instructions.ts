/**
 * `npm run bench:instructions [-- --against <commit> | --functions]`: the classifier's work a message counted in CPU
 * instructions (valgrind's callgrind), a figure these shared machines move less than seconds: this checkout's
 * classifier against another commit's (default 9fc3201, where issue 18 set "throughput stays at or above today's"), on
 * the same bench messages. How far the counts of one commit spread: docs/benchmarks.md.
 *
 * Each side runs `node --single-threaded --predictable-gc-schedule` under callgrind, classifying the messages P and
 * 2P times, each the fewest of BENCH_RUNS runs; the difference over P × messages is the instructions a message, with
 * the start-up, the compilation of the first passes and the reading of the messages left out. Both sides read the
 * same texts in two forms: parsed from JSON (flat strings, as an import holds them), and made by the corpus generator
 * in the process (the joined strings of several representations that bench:classify times; a joined string is
 * flattened where it is first read, in the first pass, so that copy is outside the difference), since V8 runs the
 * same code differently on the two. Instructions are not time (a cache miss costs more than an addition), so this
 * compares two commits' work, not their speed on a given host. Figures only; takes about half an hour.
 *
 * `--functions`: instead, this checkout's instructions a message by function (instructions-by-function.ts), the first
 * BENCH_TOP (default 30): which code a change should cut, on any host; a few minutes.
 *
 * Environment: BENCH_MESSAGES (default 20,000), BENCH_PASSES (P, default 3), BENCH_RUNS (default 2). Needs valgrind
 * (Debian's package) and a git checkout with the other commit in its history.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { callgrindByAddress, instructionsByName, perMessageByName } from './instructions-by-function.ts';
import { fmt, runBench, syntheticMessages } from './helpers.ts';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ownClassifier = path.join(projectRoot, 'src/classifier/index.ts');
const runner = path.join(projectRoot, 'bench', 'instructions-runner.ts');
const argAfter = (flag: string) => {
  const at = process.argv.indexOf(flag);
  return at < 0 ? undefined : process.argv[at + 1];
};
const against = argAfter('--against') ?? '9fc3201';
const messageCount = Number(process.env.BENCH_MESSAGES ?? 20_000);
const passes = Number(process.env.BENCH_PASSES ?? 3);
const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 2));
const byFunctions = process.argv.includes('--functions');
const top = Number(process.env.BENCH_TOP ?? 30);

function run(command: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { cwd: projectRoot, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.error) throw new Error(`${command}: ${result.error.message}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The runner's node arguments: `passes` passes of the classifier in `classifierModule` over the messages. */
const runnerArgs = (classifierModule: string, source: string, passes: number) => [
  '--import',
  'tsx',
  runner,
  pathToFileURL(classifierModule).href,
  source,
  String(passes),
];

/**
 * One run of the runner under callgrind over the messages, `count` passes; `valgrindArgs` and `nodeArgs` are added to
 * the run's own.
 */
function callgrind(
  classifierModule: string,
  source: string,
  count: number,
  valgrindArgs: readonly string[] = ['--callgrind-out-file=/dev/null'],
  nodeArgs: readonly string[] = [],
): { status: number | null; stdout: string; stderr: string } {
  return run('valgrind', [
    '--tool=callgrind',
    // V8 writes machine code as it runs: callgrind must see every write to code
    '--smc-check=all-non-file',
    ...valgrindArgs,
    process.execPath,
    '--single-threaded',
    // V8 otherwise grows and shrinks its heap by the time between allocations: when it collects would move with
    // the host's load, and the count with it
    '--predictable-gc-schedule',
    ...nodeArgs,
    ...runnerArgs(classifierModule, source, count),
  ]);
}

/** Instructions callgrind counted for one run of the runner over the messages, `count` passes. */
function instructions(classifierModule: string, source: string, count: number): { total: number; findings: string } {
  const { status, stdout, stderr } = callgrind(classifierModule, source, count);
  const collected = /Collected\s*:\s*(\d+)/.exec(stderr);
  if (status !== 0 || !collected) throw new Error(`callgrind run failed (exit ${status}):\n${stderr.slice(-2000)}`);
  return { total: Number(collected[1]), findings: stdout.trim() };
}

/**
 * The fewest instructions of `runs` runs of `count` passes: now and then a run does about a third of a billion
 * instructions of extra work once (seen in runs of 3 passes), and a difference taken from such a run reads as a
 * fifth fewer instructions a message.
 */
function fewest(classifierModule: string, source: string, count: number): { total: number; findings: string } {
  let best = instructions(classifierModule, source, count);
  for (let k = 1; k < runs; k++) {
    const next = instructions(classifierModule, source, count);
    if (next.total < best.total) best = next;
  }
  return best;
}

/** Instructions a message: the runs of P and 2P passes, their difference over P × messages. */
function perMessage(label: string, classifierModule: string, source: string): number {
  // outside callgrind first: tsx compiles the modules into its cache, which the first run alone would pay for
  const warm = run(process.execPath, runnerArgs(classifierModule, source, 0));
  if (warm.status !== 0) throw new Error(`the runner failed:\n${warm.stderr.slice(-2000)}`);
  const once = fewest(classifierModule, source, passes);
  const twice = fewest(classifierModule, source, 2 * passes);
  const each = (twice.total - once.total) / (passes * messageCount);
  // a run's one-off work outweighed the passes it was meant to leave out: no figure, rather than a false PASS
  if (each <= 0)
    throw new Error(
      `${label}: ${2 * passes} passes counted no more than ${passes}; raise BENCH_MESSAGES or BENCH_PASSES (or BENCH_RUNS)`,
    );
  console.log(
    `${label}: ${fmt(Math.round(each))} instructions a message (${passes} pass${passes === 1 ? '' : 'es'} ${(once.total / 1e9).toFixed(2)} G, ${2 * passes} passes ${(twice.total / 1e9).toFixed(2)} G; findings ${once.findings} / ${twice.findings})`,
  );
  return each;
}

/** Instructions by function name in one run of `count` passes (instructions-by-function.ts). */
function byFunction(dir: string, source: string, count: number): Map<string, number> {
  const out = path.join(dir, `callgrind-${count}.out`);
  const { status, stderr } = callgrind(ownClassifier, source, count, callgrindByAddress(out), ['--perf-basic-prof']);
  // valgrind runs node in its own process: the perf map is named by that pid
  const perfMap = `/tmp/perf-${/==(\d+)==/.exec(stderr)?.[1] ?? 'unknown'}.map`;
  try {
    if (status !== 0) throw new Error(`callgrind run failed (exit ${status}):\n${stderr.slice(-2000)}`);
    return instructionsByName(out, perfMap, projectRoot);
  } finally {
    rmSync(out, { force: true });
    rmSync(perfMap, { force: true });
  }
}

/** `--functions`: this checkout's instructions a message by function, on the texts parsed from JSON. */
function printByFunction(dir: string, messagesFile: string): void {
  // outside callgrind first, as perMessage does: tsx compiles the modules into its cache
  run(process.execPath, runnerArgs(ownClassifier, messagesFile, 0));
  const { total, rows } = perMessageByName(
    byFunction(dir, messagesFile, passes),
    byFunction(dir, messagesFile, 2 * passes),
    passes * messageCount,
    top,
  );
  console.log(
    `bench:instructions --functions: this checkout, ${fmt(messageCount)} bench messages parsed from JSON, the difference between ${passes} and ${2 * passes} passes (one run each): ${fmt(Math.round(total))} instructions a message in all`,
  );
  for (const { name, each } of rows) console.log(`${fmt(Math.round(each)).padStart(8)}  ${name}`);
}

/** Runs `work` with the bench messages in a JSON file of a directory of its own, removed after. */
function withMessages(work: (dir: string, messagesFile: string) => void): void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aitu-bench-instructions-'));
  try {
    // the texts of bench:classify's corpus (seed 20240601, one in ten with personal data)
    const messages = syntheticMessages({ count: messageCount }).map((message) => message.text);
    const messagesFile = path.join(dir, 'messages.json');
    writeFileSync(messagesFile, JSON.stringify(messages));
    work(dir, messagesFile);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** This checkout against `commit` on both forms of the texts. */
function compare(commit: string, dir: string, messagesFile: string): void {
  const other = path.join(dir, 'against');
  const added = run('git', ['worktree', 'add', '--detach', other, commit]);
  if (added.status !== 0) throw new Error(`git worktree add: ${added.stderr.trim()}`);
  try {
    symlinkSync(path.join(projectRoot, 'node_modules'), path.join(other, 'node_modules'));
    console.log(
      `bench:instructions: ${fmt(messageCount)} bench messages (corpusStream, 10 % with personal data), node ${process.version} --single-threaded --predictable-gc-schedule under callgrind, each count the fewest of ${runs} run${runs === 1 ? '' : 's'}`,
    );
    const label = commit.startsWith(against) ? against : `${against} (${commit.slice(0, 7)})`;
    const forms = [
      { name: 'parsed from JSON', source: messagesFile },
      { name: 'as bench:classify makes them', source: `generated:${messageCount}` },
    ];
    for (const { name, source } of forms) {
      console.log(`texts ${name}:`);
      const present = perMessage('  this checkout', ownClassifier, source);
      const before = perMessage(`  ${label}`, path.join(other, 'src/classifier/index.ts'), source);
      const ratio = present / before;
      console.log(
        `${ratio <= 1 ? 'PASS' : 'MISS'} texts ${name}: this checkout does ${ratio.toFixed(2)}× the instructions a message of ${against} (issue 18: throughput stays at or above that commit's)`,
      );
    }
  } finally {
    run('git', ['worktree', 'remove', '--force', other]);
  }
}

async function main(): Promise<void> {
  if (spawnSync('valgrind', ['--version']).status !== 0)
    throw new Error('valgrind is not installed (Debian: apt-get install valgrind)');
  if (byFunctions) {
    withMessages(printByFunction);
    return;
  }
  const commit = run('git', ['rev-parse', '--verify', '--quiet', `${against}^{commit}`]).stdout.trim();
  if (!commit) throw new Error(`${against} is not a commit of this checkout's history`);
  withMessages((dir, messagesFile) => compare(commit, dir, messagesFile));
}

await runBench(main);
