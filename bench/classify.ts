/**
 * `npm run bench:classify`: classifier throughput over ≥ 100 MB of synthetic kk/ru/en chat on one core, then the
 * peak memory of `aitu-gateway scan --jsonl` streaming ~1 GB through a pipe.
 *
 * Environment: BENCH_MB (default 100) sizes the throughput part; BENCH_JSONL_MB (default 1024) the streaming
 * part, and BENCH_SKIP_JSONL=1 skips it for a quick run. Figures only: nothing here fails a test.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { classify } from '../src/classifier/index.ts';
import { corpusStream } from '../src/classifier/corpus.ts';

const TARGET_MB_S = 60;
const TARGET_RSS_MB = 200;
const MB = 1e6;

// Chat as agencies write it: most messages carry no personal data. BENCH_POSITIVE_RATE raises the share of
// messages with an inserted identifier (and as many with a look-alike) for a denser, slower worst case.
const RATE = Number(process.env.BENCH_POSITIVE_RATE ?? 0.1);
const MIX = { positiveRate: RATE, negativeRate: RATE };

function throughput(): void {
  const wanted = Number(process.env.BENCH_MB ?? 100) * MB;
  const stream = corpusStream(20240601, MIX);
  const batchOf = (size: number) => {
    const messages: string[] = [];
    let bytes = 0;
    while (bytes < size) {
      const text = (stream.next().value as { text: string }).text;
      messages.push(text);
      bytes += Buffer.byteLength(text);
    }
    return { messages, bytes };
  };
  // warm-up, so the JIT and the regex tier-up are not timed
  for (const text of batchOf(4 * MB).messages) classify(text);
  // generated in batches of 8 MB and timed batch by batch: only classify is on the clock, and the heap
  // does not hold 100 MB of strings that the collector would walk over and over
  let bytes = 0;
  let count = 0;
  let findings = 0;
  let nanos = 0n;
  while (bytes < wanted) {
    const batch = batchOf(Math.min(8 * MB, wanted - bytes));
    const started = process.hrtime.bigint();
    for (const text of batch.messages) findings += classify(text).length;
    nanos += process.hrtime.bigint() - started;
    bytes += batch.bytes;
    count += batch.messages.length;
  }
  const seconds = Number(nanos) / 1e9;
  const mbs = bytes / MB / seconds;
  console.log(
    `classify: ${(bytes / MB).toFixed(1)} MB (UTF-8) in ${count} messages (${RATE * 100}% with inserted personal data), ${findings} findings, ${seconds.toFixed(2)} s`,
  );
  console.log(
    `classify: ${mbs.toFixed(1)} MB/s, ${Math.round(count / seconds)} messages/s (one core, every detector on)`,
  );
  console.log(
    `${mbs >= TARGET_MB_S ? 'PASS' : 'MISS'} throughput ${mbs.toFixed(1)} MB/s vs target ≥ ${TARGET_MB_S} MB/s`,
  );
}

function vmHwmKb(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(status);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

async function streaming(): Promise<void> {
  const wanted = Number(process.env.BENCH_JSONL_MB ?? 1024) * MB;
  const bin = fileURLToPath(new URL('../bin/aitu-gateway.js', import.meta.url));
  const child = spawn(process.execPath, [bin, 'scan', '--jsonl'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let peakKb = 0;
  const poll = setInterval(() => {
    const kb = vmHwmKb(child.pid as number);
    if (kb !== null && kb > peakKb) peakKb = kb;
  }, 200);
  let outLines = 0;
  let outBytes = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    outBytes += chunk.length;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) outLines++;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const started = process.hrtime.bigint();
  let inBytes = 0;
  let inLines = 0;
  const stream = corpusStream(7, MIX);
  // generated on the fly and written with backpressure: the 1 GB never exists at once, here or on disk
  while (inBytes < wanted) {
    let batch = '';
    for (let i = 0; i < 500; i++) {
      const m = stream.next().value as { id: number; text: string };
      batch += `${JSON.stringify({ id: m.id, text: m.text })}\n`;
      inLines++;
    }
    inBytes += Buffer.byteLength(batch);
    if (!child.stdin.write(batch)) await new Promise((resolve) => child.stdin.once('drain', resolve));
  }
  child.stdin.end();
  const beforeExit = vmHwmKb(child.pid as number);
  if (beforeExit !== null && beforeExit > peakKb) peakKb = beforeExit;
  const code = await exited;
  clearInterval(poll);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const peakMb = peakKb / 1024;
  console.log(
    `scan --jsonl: ${(inBytes / MB).toFixed(0)} MB in, ${inLines} lines in, ${outLines} lines out (${(outBytes / MB).toFixed(0)} MB), exit ${code}, ${seconds.toFixed(1)} s, ${(inBytes / MB / seconds).toFixed(1)} MB/s`,
  );
  console.log(
    `${peakMb > 0 && peakMb < TARGET_RSS_MB && outLines === inLines && code === 0 ? 'PASS' : 'MISS'} scan --jsonl peak RSS (VmHWM) ${peakMb.toFixed(1)} MB vs target < ${TARGET_RSS_MB} MB`,
  );
}

/** Runs `node <args>` with `input` on stdin and its stdout to /dev/null; resolves with the seconds it took. */
async function timed(args: readonly string[], input: string): Promise<number> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, args, { stdio: [openSync(input, 'r'), openSync('/dev/null', 'w'), 'inherit'] });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited ${code}`);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/**
 * Chat lines are short (most under 100 bytes), so per-message cost matters more than bytes per second: `scan
 * --jsonl` over a file of short lines, file to file, against a plain node script that parses each line and prints
 * an empty result of the same shape (bench/scan-baseline.mjs). Both include their process start; the better of two
 * runs each.
 */
async function shortLines(): Promise<void> {
  const wanted = Number(process.env.BENCH_SHORT_MB ?? 48) * MB;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aitu-bench-short-'));
  const file = path.join(dir, 'short.jsonl');
  try {
    const stream = corpusStream(11, MIX);
    let bytes = 0;
    let lines = 0;
    let chunk = '';
    while (bytes < wanted) {
      const m = stream.next().value as { id: number; text: string };
      if (Buffer.byteLength(m.text) > 100) continue;
      const line = `${JSON.stringify({ id: m.id, text: m.text })}\n`;
      chunk += line;
      bytes += Buffer.byteLength(line);
      lines++;
      if (chunk.length > 1 << 20) {
        appendFileSync(file, chunk);
        chunk = '';
      }
    }
    appendFileSync(file, chunk);
    const bin = fileURLToPath(new URL('../bin/aitu-gateway.js', import.meta.url));
    const baseline = fileURLToPath(new URL('./scan-baseline.mjs', import.meta.url));
    const best = async (args: readonly string[]) => Math.min(await timed(args, file), await timed(args, file));
    const scan = await best([bin, 'scan', '--jsonl']);
    const cores = os.availableParallelism();
    const threaded = await best([bin, 'scan', '--jsonl', '--threads', String(cores)]);
    const floor = await best([baseline]);
    const verdict = (seconds: number) => (seconds / floor <= 2 ? 'PASS' : 'MISS');
    console.log(
      `short lines: ${(bytes / MB).toFixed(0)} MB in ${lines} lines (≤ 100 bytes of text each); scan --jsonl ${scan.toFixed(1)} s (${(bytes / MB / scan).toFixed(1)} MB/s), --threads ${cores} ${threaded.toFixed(1)} s, parse-and-print ${floor.toFixed(1)} s`,
    );
    console.log(
      `${verdict(scan)} short lines: scan --jsonl takes ${(scan / floor).toFixed(2)}× the parse-and-print floor vs target ≤ 2`,
    );
    console.log(
      `${verdict(threaded)} short lines on ${cores} threads (scan --jsonl --threads ${cores}): ${(threaded / floor).toFixed(2)}× the floor vs target ≤ 2`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

throughput();
if (process.env.BENCH_SKIP_JSONL === '1') console.log('scan --jsonl: skipped (BENCH_SKIP_JSONL=1)');
else await streaming();
await shortLines();
