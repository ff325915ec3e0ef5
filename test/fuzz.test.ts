import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { startWorkerThread } from '../cli/worker-thread.ts';
import type { Target } from './helpers/fuzz-inputs.ts';
import type { FuzzJob, FuzzReport } from './helpers/fuzz-worker.ts';

/**
 * Random and mutated exports (bit flips, truncations, tokens of each format, splices of the project's fixtures,
 * JSON values of the wrong type) fed in-process to the Telegram, WhatsApp and JSONL readers and to the policy parser
 * (issue 22). Outcomes: a case is read, or refused with one of the project's typed input errors naming the file;
 * nothing else is thrown, no case hangs, no rejection goes unhandled, the heap stays bounded.
 *
 * Seeded: the seed is printed; FUZZ_SEED=<seed> repeats the run, FUZZ_SEED=<seed> FUZZ_CASE=<index> one case.
 * FUZZ_MS sets how long new cases are started (the whole file stays under a minute on two cores).
 */
const seed = process.env.FUZZ_SEED === undefined ? randomInt(2 ** 31) : Number(process.env.FUZZ_SEED);
const only = process.env.FUZZ_CASE === undefined ? null : Number(process.env.FUZZ_CASE);
const BUDGET_MS = Number(process.env.FUZZ_MS ?? 25_000);
/** A case reads at most half a megabyte: even under load from other tests, seconds mean a hang. */
const CASE_TIMEOUT_MS = 10_000;
/** The worker's heap after any case: the corpora and one case's input are a few MiB. */
const HEAP_BOUND_BYTES = 256 * 1024 * 1024;
/** The worker thread dies past this (its own limit), so a runaway case cannot take the test process with it. */
const WORKER_HEAP_LIMIT_MB = 512;

test(
  `fuzzing the readers and the policy parser (seed ${seed})`,
  { timeout: BUDGET_MS + 4 * CASE_TIMEOUT_MS },
  async (t) => {
    assert.ok(
      Number.isInteger(seed) && seed >= 0,
      `FUZZ_SEED must be a non-negative integer, not ${process.env.FUZZ_SEED}`,
    );
    t.diagnostic(`fuzz seed ${seed}: FUZZ_SEED=${seed} repeats this run${only === null ? '' : `, case ${only} only`}`);
    const root = mkdtempSync(path.join(tmpdir(), 'aitu-fuzz-'));
    t.after(() => rmSync(root, { recursive: true, force: true }));
    const job: FuzzJob = {
      root,
      seed,
      first: only ?? 0,
      end: only === null ? Number.MAX_SAFE_INTEGER : only + 1,
      budgetMs: only === null ? BUDGET_MS : Number.MAX_SAFE_INTEGER,
    };
    const started = Date.now();
    const worker = startWorkerThread(new URL('./helpers/fuzz-worker.ts', import.meta.url), {
      workerData: job,
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_LIMIT_MB },
    });

    const counts = new Map<Target, { accepted: number; refused: number; ms: number }>();
    let current: { index: number; target: Target; at: number } | null = null;
    let maxHeap = 0;
    let cases = -1;
    let done = 0;
    let slowest = { ms: 0 } as { ms: number } & Partial<FuzzReport & { type: 'done' }>;
    const reproduce = (index: number) =>
      `FUZZ_SEED=${seed} FUZZ_CASE=${index} node --import tsx --test test/fuzz.test.ts`;

    const failure = await new Promise<string | null>((resolve) => {
      const watchdog = setInterval(() => {
        if (current && Date.now() - current.at > CASE_TIMEOUT_MS) {
          void worker.terminate();
          resolve(
            `case ${current.index} (${current.target}) of seed ${seed} ran past ${CASE_TIMEOUT_MS} ms: ${reproduce(current.index)}`,
          );
        }
      }, 250);
      const finish = (result: string | null) => {
        clearInterval(watchdog);
        resolve(result);
      };
      worker.on('message', (report: FuzzReport) => {
        if (report.type === 'start') current = { index: report.index, target: report.target, at: Date.now() };
        else if (report.type === 'done') {
          current = null;
          done++;
          const count = counts.get(report.target) ?? { accepted: 0, refused: 0, ms: 0 };
          count[report.outcome]++;
          count.ms += report.ms;
          if (report.ms > slowest.ms) slowest = report;
          counts.set(report.target, count);
          maxHeap = Math.max(maxHeap, report.heapUsed);
          if (report.heapUsed > HEAP_BOUND_BYTES)
            finish(
              `case ${report.index} (${report.target}) of seed ${seed} left ${report.heapUsed} bytes of heap: ${reproduce(report.index)}`,
            );
        } else if (report.type === 'fail') {
          finish(
            `case ${report.index} (${report.target}) of seed ${seed} failed: ${reproduce(report.index)}\n` +
              `mutations: ${report.ops.join('; ')}\ninput kept in ${report.saved}\n${report.error}`,
          );
        } else {
          cases = report.cases;
          finish(null);
        }
      });
      worker.on('error', (error) => {
        const where = current
          ? `case ${current.index} (${current.target}): ${reproduce(current.index)}`
          : 'between cases';
        finish(`the fuzz worker died (seed ${seed}, ${where}): ${error.stack ?? error.message}`);
      });
      worker.on('exit', (code) => {
        if (cases < 0) finish(`the fuzz worker exited (code ${code}) before the end (seed ${seed})`);
      });
    });
    await worker.terminate();
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const table = [...counts.entries()]
      .map(([target, c]) => `${target} ${c.accepted} read, ${c.refused} refused, ${(c.ms / 1000).toFixed(1)} s`)
      .join('; ');
    t.diagnostic(`${done} cases in ${seconds} s (${table}); peak heap ${(maxHeap / 2 ** 20).toFixed(0)} MiB`);
    if (slowest.index !== undefined)
      t.diagnostic(`slowest: case ${slowest.index} (${slowest.target}), ${slowest.ms} ms: ${slowest.ops?.join('; ')}`);
    assert.equal(failure, null, failure ?? '');
    if (only !== null) return assert.equal(cases, 1);
    // a run that tried too little, or whose mutations never got past the readers' first check, proves nothing
    assert.ok(cases >= 200, `only ${cases} cases ran`);
    for (const target of ['telegram', 'whatsapp', 'jsonl', 'policy'] as const) {
      const c = counts.get(target);
      assert.ok(c && c.accepted > 0 && c.refused > 0, `${target}: both read and refused cases (${JSON.stringify(c)})`);
    }
  },
);
