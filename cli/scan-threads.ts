import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import type { CustomClassifierSpec } from '../src/classifier/index.ts';
import { JobFailedError } from '../src/core/errors.ts';
import { startWorkerThread } from './worker-thread.ts';

/** What a scan thread is started with: the options of `scanLine`, the agency's section as written. */
export interface ScanThreadData {
  minConfidence: number;
  custom: CustomClassifierSpec | null;
}

/**
 * A block of JSON lines sent to a thread, and the result lines it sends back as UTF-8 bytes moved to this thread (a
 * string would be copied twice on the way, and encoded again here to be written), or why it could not.
 */
export type ScanReply = { seq: number; out: Uint8Array } | { seq: number; error: string };

interface Pending {
  resolve(out: Uint8Array): void;
  reject(error: Error): void;
}

/** `bytes`, or a copy when they are a view into memory shared with others (a pool): only memory of its own can move. */
export function movable(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
}

/** The thread's module beside this one, in the same form (`.ts` from the sources, `.js` from dist/). */
const workerModule = new URL(`./scan-worker${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url);

/**
 * Worker threads that scan blocks of JSON lines (`scanBlock`), each block sent to the thread with the fewest
 * blocks in hand. A thread that fails or exits fails every block in hand and every later one: the scan stops with
 * that error (exit 1) rather than write results out of order or leave lines out.
 */
export class ScanThreads {
  private readonly threads: { worker: Worker; pending: Map<number, Pending> }[] = [];
  private seq = 0;
  private failure: Error | null = null;

  constructor(count: number, data: ScanThreadData) {
    for (let i = 0; i < count; i++) {
      const worker = startWorkerThread(workerModule, { workerData: data });
      const thread = { worker, pending: new Map<number, Pending>() };
      worker.on('message', (reply: ScanReply) => this.settle(thread.pending, reply));
      worker.on('error', (error) => this.fail(new JobFailedError(`a scan thread failed: ${error.message}`)));
      worker.on('exit', (code) => {
        if (thread.pending.size > 0)
          this.fail(new JobFailedError(`a scan thread exited (code ${code}) with lines unscanned`));
      });
      this.threads.push(thread);
    }
  }

  /** The result lines of `block` (JSON lines joined by LF) as UTF-8, from the least busy thread. */
  scan(block: Uint8Array): Promise<Uint8Array> {
    if (this.failure) return Promise.reject(this.failure);
    const own = movable(block);
    const thread = this.threads.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const seq = this.seq++;
    return new Promise<Uint8Array>((resolve, reject) => {
      thread.pending.set(seq, { resolve, reject });
      // the block's memory moves to the thread: it is not copied, and not used here again
      thread.worker.postMessage({ seq, block: own }, [own.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map(({ worker }) => worker.terminate()));
  }

  private settle(pending: Map<number, Pending>, reply: ScanReply): void {
    const job = pending.get(reply.seq);
    if (!job) return;
    pending.delete(reply.seq);
    if ('out' in reply) job.resolve(reply.out);
    else this.fail(new JobFailedError(`a scan thread failed: ${reply.error}`));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const { pending } of this.threads) {
      for (const job of pending.values()) job.reject(this.failure);
      pending.clear();
    }
  }
}
