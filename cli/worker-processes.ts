import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { Queue } from '../src/core/bullmq.ts';
import type { Logger } from 'winston';
import { ExitCode, GatewayError, JobFailedError } from '../src/core/errors.ts';
import { packageRoot } from '../src/core/package-root.ts';
import { producerConnection, QueueName } from '../src/pipeline/queues.ts';

/**
 * Deliver worker processes an import starts when it finds none running: one core stays the importer's own (it reads
 * and classifies in one thread), the others deliver; at least one, because even on one core the delivery's waits on
 * PostgreSQL then overlap with the reading (the measured layouts: docs/benchmarks.md).
 */
export function defaultWorkerProcesses(): number {
  return Math.max(1, os.availableParallelism() - 1);
}

export interface WorkerProcessOptions {
  count: number;
  /** each process's --concurrency */
  concurrency: number;
  redisUrl: string;
  prefix: string;
  logger: Logger;
  /** the importer's own log level: its children log only warnings and errors unless it asks for debug */
  logLevel: string;
}

/** An import's deliver workers in processes of their own: `aitu-gateway worker --stages deliver`, same environment. */
export interface WorkerProcesses {
  /** resolves when every process started is taking jobs; rejects (exit code of the failed child) when one exits first */
  ready(): Promise<void>;
  /** aborted, with a JobFailedError saying what to do, when a process this import started exits before stop() */
  readonly signal: AbortSignal;
  /** the processes this import started that are still running */
  readonly pids: number[];
  /** SIGTERM: each drains its jobs in flight, seals the audit log and exits; resolves when all have */
  stop(): Promise<void>;
}

/** How often the import looks whether the deliver workers it relies on are still there. */
const WATCH_MS = 2000;
/** How long processes get to register on the deliver queue, and to drain after SIGTERM, before they are given up on. */
const START_MS = 60_000;
const DRAIN_MS = 120_000;

/** Node flags passed on to the children (a --require of the tests, a --cpu-prof of the benches), never a debugger's port. */
const childNodeFlags = () => process.execArgv.filter((flag) => !flag.startsWith('--inspect'));

/** This installation's CLI entry point: the children run the same version as the import. */
const cliEntry = () => path.join(packageRoot(import.meta.url), 'bin', 'aitu-gateway.js');

const exitOf = (child: ChildProcess) =>
  child.exitCode !== null ? `code ${child.exitCode}` : `signal ${child.signalCode ?? '?'}`;

/**
 * Makes sure deliver workers run while an import does: when none are registered on the deliver queue it starts
 * `options.count` processes of its own; when others run, it leaves delivery to them and starts its own only if
 * they all go away during the import (a worker stopped by its operator, an earlier import's processes draining).
 * Children have an IPC channel to the import, so they exit by themselves when it dies, even by SIGKILL.
 */
export async function superviseWorkerProcesses(options: WorkerProcessOptions): Promise<WorkerProcesses> {
  const connection = producerConnection(options.redisUrl);
  const queue = new Queue(QueueName.deliver, { connection, prefix: options.prefix });
  const log = options.logger;
  const failed = new AbortController();
  const children = new Set<ChildProcess>();
  let stopping = false;
  let starting: Promise<void> = Promise.resolve();
  const registered = async () => queue.getWorkersCount();

  const startChildren = (): Promise<void> => {
    const started: ChildProcess[] = [];
    for (let i = 0; i < options.count; i++) {
      const child = spawn(
        process.execPath,
        [
          ...childNodeFlags(),
          cliEntry(),
          'worker',
          '--stages',
          'deliver',
          '--concurrency',
          String(options.concurrency),
        ],
        {
          env: { ...process.env, LOG_LEVEL: options.logLevel === 'debug' ? 'debug' : 'warn' },
          // their errors go where the import's go; the channel only tells them when the import is gone
          stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        },
      );
      children.add(child);
      started.push(child);
      child.once('exit', () => {
        children.delete(child);
        if (stopping || failed.signal.aborted) return;
        failed.abort(
          new JobFailedError(
            `a deliver worker process this import started (pid ${child.pid}) exited with ${exitOf(child)}; ` +
              'run the same command again to resume, or add --workers 0 to deliver in the import process',
          ),
        );
      });
    }
    log.info('started deliver worker processes', { pids: started.map((c) => c.pid), concurrency: options.concurrency });
    return waitForRegistration(started);
  };

  const waitForRegistration = async (started: ChildProcess[]): Promise<void> => {
    const since = Date.now();
    for (;;) {
      const gone = started.find((child) => child.exitCode !== null || child.signalCode !== null);
      if (gone) {
        const code =
          gone.exitCode === ExitCode.usage || gone.exitCode === ExitCode.serviceUnavailable
            ? gone.exitCode
            : ExitCode.failed;
        throw new GatewayError(
          `a deliver worker process could not start: it exited with ${exitOf(gone)} (its error is above); ` +
            'add --workers 0 to deliver in the import process',
          code,
        );
      }
      if ((await registered()) >= started.length) return;
      if (Date.now() - since > START_MS)
        throw new JobFailedError(
          `the deliver worker processes did not start within ${START_MS / 1000} s; add --workers 0 to deliver in the import process`,
        );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  if ((await registered()) === 0) starting = startChildren();
  else log.info('deliver workers are running: delivery is left to them');
  // keep the promise from rejecting unhandled before ready() is awaited
  starting.catch(() => {});

  const watch = setInterval(() => {
    if (stopping || children.size > 0 || failed.signal.aborted) return;
    registered().then(
      (count) => {
        if (count > 0 || stopping || children.size > 0) return;
        log.warn('the deliver workers this import relied on are gone: starting its own');
        starting = startChildren();
        starting.catch((error: Error) => failed.abort(error));
      },
      () => {},
    );
  }, WATCH_MS);
  watch.unref();

  return {
    ready: () => starting,
    signal: failed.signal,
    get pids() {
      return [...children].map((child) => child.pid!);
    },
    async stop() {
      stopping = true;
      clearInterval(watch);
      await Promise.all(
        [...children].map(
          (child) =>
            new Promise<void>((resolve) => {
              const timer = setTimeout(() => child.kill('SIGKILL'), DRAIN_MS);
              child.once('exit', () => {
                clearTimeout(timer);
                if (child.exitCode !== 0)
                  log.warn('a deliver worker process did not stop cleanly', { pid: child.pid, exit: exitOf(child) });
                resolve();
              });
              child.kill('SIGTERM');
            }),
        ),
      );
      await queue.close().catch(() => {});
      connection.disconnect();
    },
  };
}
