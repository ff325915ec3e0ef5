// A worker thread of `scan --jsonl --threads N` (scan-threads.ts): scans the blocks of JSON lines it is sent.
import { parentPort, workerData } from 'node:worker_threads';
import { CustomClassifier } from '../src/classifier/index.ts';
import { scanBlock, type ScanOptions } from './scan-lines.ts';
import { movable, type ScanReply, type ScanThreadData } from './scan-threads.ts';

const data = workerData as ScanThreadData;
const options: ScanOptions = {
  minConfidence: data.minConfidence,
  custom: data.custom === null ? undefined : new CustomClassifier(data.custom),
};
const port = parentPort!;
port.on('message', ({ seq, block }: { seq: number; block: Uint8Array }) => {
  let reply: ScanReply;
  try {
    const out = movable(Buffer.from(scanBlock(Buffer.from(block.buffer, block.byteOffset, block.byteLength), options)));
    reply = { seq, out };
  } catch (error) {
    // the CLI masks personal data in what it prints of it (cli/common.ts reportError)
    reply = { seq, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
  port.postMessage(reply, 'out' in reply ? [reply.out.buffer as ArrayBuffer] : []);
});
