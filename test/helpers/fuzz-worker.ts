import { copyFileSync, cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import { openTelegramExport } from '../../bridges/telegram/export/reader.ts';
import { openWhatsAppExport } from '../../bridges/whatsapp/export/reader.ts';
import { GatewayError } from '../../src/core/errors.ts';
import type { Checkpoint, HistoryEntry, HistorySource } from '../../src/core/history.ts';
import type { InputLimits } from '../../src/core/limits.ts';
import { parseCanonicalMessage } from '../../src/core/message.ts';
import { openJsonlSource } from '../../src/importers/jsonl-source.ts';
import { storeAttachments } from '../../src/pipeline/import-run.ts';
import { parsePolicyFile, policyFromStored, serializePolicy } from '../../src/policy/parse-policy.ts';
import {
  caseRng,
  int,
  loadCorpus,
  mutateBytes,
  mutateJson,
  mutateJsonLines,
  pick,
  randomBytes,
  randomPolicy,
  TARGETS,
  type Corpus,
  type Rng,
  type Target,
} from './fuzz-inputs.ts';
import { writeZip, type ZipEntrySpec } from './zip.ts';

/**
 * Runs fuzz cases in a worker thread of test/fuzz.test.ts, which watches it: each case is announced before it runs,
 * so a hang (the parent terminates the thread), a heap that grows past the thread's limit, an uncaught exception or
 * an unhandled rejection is charged to the case that caused it.
 */

export interface FuzzJob {
  seed: number;
  first: number;
  /** one past the last case index to run */
  end: number;
  /** stop starting new cases after this long */
  budgetMs: number;
  /** an empty folder the cases write their inputs in; the parent removes it, whatever becomes of this thread */
  root: string;
}

export type FuzzReport =
  | { type: 'start'; index: number; target: Target }
  | { type: 'done'; index: number; target: Target; outcome: Outcome; ms: number; heapUsed: number; ops: string[] }
  | { type: 'fail'; index: number; target: Target; ops: string[]; error: string; saved: string | null }
  | { type: 'end'; cases: number };

const post = (report: FuzzReport) => parentPort!.postMessage(report);

/** Read without a problem; or refused whole, or in part (entries dead-lettered with a problem). */
export type Outcome = 'accepted' | 'refused';

/** A reader may refuse input only with the project's own typed errors (InputError, UsageError, LimitError…). */
class UntypedError extends Error {}

interface Case {
  index: number;
  target: Target;
  ops: string[];
  input: Buffer;
  /** resolves to the number of entries refused with a problem */
  run(): Promise<number>;
}

const MAX_ENTRIES = 200_000;
const MAX_ATTACHMENT_BYTES = 16 * 1024 * 1024;

/** an empty data directory: a dry run looks blobs up in it and writes nothing */
let dataDir = '';

async function main(): Promise<void> {
  const job = workerData as FuzzJob;
  const corpus = loadCorpus();
  const root = job.root;
  dataDir = path.join(root, 'data');
  const places = preparePlaces(root, corpus);
  let current: Case | null = null;
  const fail = (error: unknown) => {
    const c = current;
    if (!c) return;
    const saved = path.join(tmpdir(), `aitu-fuzz-failure-${job.seed}-${c.index}.bin`);
    let kept: string | null = saved;
    try {
      writeFileSync(saved, c.input);
    } catch {
      kept = null;
    }
    post({ type: 'fail', index: c.index, target: c.target, ops: c.ops, error: describe(error), saved: kept });
  };
  process.on('unhandledRejection', (reason) => {
    fail(new Error(`unhandled rejection: ${describe(reason)}`));
    process.exit(1);
  });
  process.on('uncaughtException', (error) => {
    fail(new Error(`uncaught exception: ${describe(error)}`));
    process.exit(1);
  });
  // a listener leak or a library's stray warning reaches the person at the CLI as a Node warning line
  process.on('warning', (warning) => fail(new Error(`process warning: ${describe(warning)}`)));

  const started = Date.now();
  let cases = 0;
  for (let index = job.first; index < job.end && Date.now() - started < job.budgetMs; index++) {
    current = makeCase(job.seed, index, corpus, places);
    post({ type: 'start', index, target: current.target });
    const caseStarted = Date.now();
    let outcome: Outcome = 'accepted';
    try {
      if ((await current.run()) > 0) outcome = 'refused';
    } catch (error) {
      if (!(error instanceof GatewayError) || error instanceof UntypedError) {
        fail(error);
        return;
      }
      outcome = 'refused';
    }
    cases++;
    const ms = Date.now() - caseStarted;
    const heapUsed = process.memoryUsage().heapUsed;
    post({ type: 'done', index, target: current.target, outcome, ms, heapUsed, ops: current.ops });
  }
  current = null;
  post({ type: 'end', cases });
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
}

interface Places {
  /** per Telegram fixture: a copy of its folder (media included), whose result.json each case overwrites */
  telegram: string[];
  whatsapp: string;
  jsonl: string;
  /** a folder of attachments for JSONL, with a file and a link leading out of it */
  media: string;
}

function preparePlaces(root: string, corpus: Corpus): Places {
  const telegram = corpus.telegram.map((seed, i) => {
    const folder = path.join(root, `tg-${i}`);
    cpSync(seed.folder, folder, { recursive: true });
    return folder;
  });
  const whatsapp = path.join(root, 'wa');
  const jsonl = path.join(root, 'jsonl');
  const media = path.join(root, 'media');
  mkdirSync(whatsapp);
  mkdirSync(jsonl);
  mkdirSync(path.join(media, 'photos'), { recursive: true });
  copyFileSync(
    path.join(corpus.telegram[0]!.folder, 'files', 'schedule_march.txt'),
    path.join(media, 'photos', 'a.jpg'),
  );
  symlinkSync('/etc/hostname', path.join(media, 'photos', 'out.jpg'));
  writeFileSync(path.join(whatsapp, 'IMG-20240115-WA0001.jpg'), 'jpeg');
  return { telegram, whatsapp, jsonl, media };
}

function makeCase(seed: number, index: number, corpus: Corpus, places: Places): Case {
  const r = caseRng(seed, index);
  const target = pick(r, TARGETS);
  switch (target) {
    case 'telegram':
      return telegramCase(index, r, corpus, places);
    case 'whatsapp':
      return whatsappCase(index, r, corpus, places);
    case 'jsonl':
      return jsonlCase(index, r, corpus, places);
    case 'policy':
      return policyCase(index, r, corpus);
  }
}

/** Random bytes, an empty file, or a mutation of the seed (JSON-aware first when `json`). */
function variant(r: Rng, seed: Buffer, corpus: Corpus, json: boolean): { bytes: Buffer; ops: string[] } {
  const roll = r();
  if (roll < 0.04) return { bytes: Buffer.alloc(0), ops: ['empty'] };
  if (roll < 0.1) return { bytes: randomBytes(r, int(r, 4096)), ops: ['random'] };
  if (json && roll < 0.55) {
    const mutated = mutateJson(seed.toString('utf8'), r);
    if (mutated) {
      const bytes = Buffer.from(mutated.text);
      if (r() < 0.5) return { bytes, ops: [mutated.op] };
      const more = mutateBytes(bytes, r, corpus);
      return { bytes: more.bytes, ops: [mutated.op, ...more.ops] };
    }
  }
  return mutateBytes(seed, r, corpus);
}

const limitsFor = (r: Rng): Partial<InputLimits> =>
  r() < 0.6 ? {} : { maxLineBytes: pick(r, [64, 300, 700, 4096]), maxTextChars: pick(r, [16, 65_536]) };

function telegramCase(index: number, r: Rng, corpus: Corpus, places: Places): Case {
  const which = int(r, corpus.telegram.length);
  const { bytes, ops } = variant(r, corpus.telegram[which]!.bytes, corpus, true);
  const folder = places.telegram[which]!;
  const file = path.join(folder, 'result.json');
  // every token crosses a chunk boundary somewhere with tiny reads; each read is a system call, so only for small files
  const chunkSize =
    bytes.length < 4096 ? pick(r, [undefined, 1, 3, 17, 256]) : pick(r, [undefined, undefined, 1021, 4096]);
  const limits = limitsFor(r);
  const chats = r() < 0.1 ? [pick(r, ['Штаб', 'Press office', '-1001987654321', 'nobody'])] : undefined;
  return {
    index,
    target: 'telegram',
    ops: [...ops, `chunkSize ${chunkSize}`, `limits ${JSON.stringify(limits)}`, `chats ${chats}`],
    input: bytes,
    async run() {
      writeFileSync(file, bytes);
      const source = await typed(() => openTelegramExport(r() < 0.5 ? folder : file, { chunkSize, limits, chats }));
      return drain(source, file, r);
    },
  };
}

function whatsappCase(index: number, r: Rng, corpus: Corpus, places: Places): Case {
  const options = {
    timezone: pick(r, ['Asia/Almaty', 'UTC', 'America/New_York', 'Asia/Tokyo']),
    dateFormat: pick(r, [undefined, undefined, undefined, 'DMY', 'MDY', 'YMD'] as const),
    year: r() < 0.15 ? 2009 + int(r, 20) : undefined,
    limits: {
      ...limitsFor(r),
      ...(r() < 0.2 ? { maxZipEntryBytes: pick(r, [100, 4096]), maxZipRatio: pick(r, [1, 2, 100]) } : {}),
    },
  };
  const roll = r();
  if (roll < 0.1) {
    // a fixture zip with its bytes mutated: a corrupt download
    const zip = pick(r, corpus.whatsappZips);
    const { bytes, ops } = mutateBytes(zip.bytes, r, corpus);
    const file = path.join(places.whatsapp, 'WhatsApp Chat with Fuzz.zip');
    return whatsappRun(index, r, bytes, [`zip ${zip.name}`, ...ops, JSON.stringify(options)], file, options, () =>
      writeFileSync(file, bytes),
    );
  }
  const text = pick(r, corpus.whatsappTexts);
  const { bytes, ops } = variant(r, text.bytes, corpus, false);
  if (roll < 0.3) {
    // a zip built around the mutated text, with entries an attacker would add
    const file = path.join(places.whatsapp, 'WhatsApp Chat - Fuzz.zip');
    const extra: ZipEntrySpec[] = [
      { name: 'IMG-20240115-WA0001.jpg', chunks: () => [Buffer.from('jpeg')] },
      { name: '../IMG-20240115-WA0001.jpg', chunks: () => [Buffer.from('escaped')] },
      { name: 'PTT-20240115-WA0002.opus', unixMode: 0o120777, chunks: () => [Buffer.from('/etc/hostname')] },
      { name: 'VID-20240115-WA0003.mp4', declaredSize: 3, chunks: () => [Buffer.alloc(5000)] },
      { name: 'second.txt', chunks: () => [Buffer.from('15.01.2024, 09:00 - A: x\n')] },
    ].filter(() => r() < 0.5);
    const entries: ZipEntrySpec[] = [
      { name: pick(r, ['_chat.txt', 'WhatsApp Chat with Fuzz.txt', 'chat/_chat.txt']), chunks: () => [bytes] },
      ...extra,
    ];
    const names = entries.map((e) => e.name);
    return whatsappRun(
      index,
      r,
      bytes,
      [`text ${text.name} in a zip ${JSON.stringify(names)}`, ...ops, JSON.stringify(options)],
      file,
      options,
      () => writeZip(file, entries),
    );
  }
  const file = path.join(places.whatsapp, pick(r, ['WhatsApp Chat with Fuzz.txt', 'case.txt', '_chat.txt']));
  return whatsappRun(index, r, bytes, [`text ${text.name}`, ...ops, JSON.stringify(options)], file, options, () =>
    writeFileSync(file, bytes),
  );
}

function whatsappRun(
  index: number,
  r: Rng,
  input: Buffer,
  ops: string[],
  file: string,
  options: Parameters<typeof openWhatsAppExport>[1],
  write: () => unknown,
): Case {
  return {
    index,
    target: 'whatsapp',
    ops,
    input,
    async run() {
      await write();
      const source = await typed(() => openWhatsAppExport(file, options));
      return drain(source, file, r);
    },
  };
}

function jsonlCase(index: number, r: Rng, corpus: Corpus, places: Places): Case {
  const seed = pick(r, corpus.jsonl);
  const { bytes, ops } =
    r() < 0.5
      ? (() => {
          const lines = mutateJsonLines(seed, r);
          return r() < 0.5
            ? lines
            : (({ bytes: b, ops: o }) => ({ bytes: b, ops: [...lines.ops, ...o] }))(
                mutateBytes(lines.bytes, r, corpus),
              );
        })()
      : variant(r, seed, corpus, false);
  const file = path.join(places.jsonl, 'case.jsonl');
  const limits = limitsFor(r);
  const attachmentsDir = r() < 0.3 ? places.media : undefined;
  return {
    index,
    target: 'jsonl',
    ops: [...ops, `limits ${JSON.stringify(limits)}`, `attachmentsDir ${attachmentsDir ?? 'none'}`],
    input: bytes,
    async run() {
      writeFileSync(file, bytes);
      const source = await typed(() => openJsonlSource(file, { limits, attachmentsDir }));
      return drain(source, file, r);
    },
  };
}

function policyCase(index: number, r: Rng, corpus: Corpus): Case {
  const roll = r();
  const { bytes, ops } =
    roll < 0.3
      ? { bytes: Buffer.from(randomPolicy(r)), ops: ['random policy'] }
      : variant(r, pick(r, corpus.policies), corpus, roll < 0.45);
  return {
    index,
    target: 'policy',
    ops,
    input: bytes,
    async run() {
      // as `agency set-policy` reads the file
      const policy = parsePolicyFile(bytes.toString('utf8'), 'fuzz.yaml');
      // what the store keeps of an accepted policy must read back as a policy
      try {
        policyFromStored(JSON.parse(JSON.stringify(serializePolicy(policy))));
      } catch (error) {
        throw new UntypedError(`an accepted policy does not read back from the store: ${describe(error)}`);
      }
      return 0;
    },
  };
}

/** Runs `open`, passing on a typed refusal and turning anything else into a failure of the case. */
async function typed<T>(open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (error) {
    if (error instanceof GatewayError) throw error;
    throw new UntypedError(`not a typed input error: ${describe(error)}`);
  }
}

/**
 * Reads every entry, checking what a reader promises of each: a JSON checkpoint, a problem naming the file, a
 * message validation can judge without throwing, attachments that open and read or are absent. Then resumes from
 * one of the checkpoints (sometimes a corrupted one), as a rerun of a stopped import does.
 */
async function drain(source: HistorySource, file: string, r: Rng): Promise<number> {
  const name = path.basename(file);
  const checkpoints: Checkpoint[] = [];
  let refusal: unknown = null;
  let problems = 0;
  try {
    await source.chats();
    try {
      problems = await readAll(source, name, checkpoints, null);
    } catch (error) {
      refusal = error;
    }
    if (refusal !== null && !(refusal instanceof GatewayError))
      throw new UntypedError(`not a typed input error: ${describe(refusal)}`);
    if (refusal instanceof GatewayError && !refusal.message.includes(name))
      throw new UntypedError(`the error does not name the file ${name}: ${refusal.message}`);
    if (checkpoints.length > 0 && r() < 0.4) {
      const chosen = structuredClone(pick(r, checkpoints));
      if (r() < 0.3) {
        const key = pick(r, Object.keys(chosen));
        chosen[key] = pick(r, [-1, 0, 1e12, 'x', null, {}, 2 ** 31]);
      }
      try {
        await readAll(source, name, [], chosen);
      } catch (error) {
        if (!(error instanceof GatewayError))
          throw new UntypedError(`resume: not a typed input error: ${describe(error)}`);
      }
    }
  } finally {
    await source.close();
  }
  if (refusal !== null) throw refusal;
  return problems;
}

/** Reads the entries after `resumeAfter`, checking each; resolves to how many came with a problem. */
async function readAll(
  source: HistorySource,
  name: string,
  checkpoints: Checkpoint[],
  resumeAfter: Checkpoint | null,
): Promise<number> {
  let count = 0;
  let problems = 0;
  for await (const entry of source.entries({ resumeAfter })) {
    if (++count > MAX_ENTRIES) throw new UntypedError(`more than ${MAX_ENTRIES} entries from a small input`);
    await checkEntry(source, entry, name);
    if (entry.problem !== undefined) problems++;
    checkpoints.push(entry.checkpoint);
    source.progress();
  }
  return problems;
}

async function checkEntry(source: HistorySource, entry: HistoryEntry, name: string): Promise<void> {
  JSON.parse(JSON.stringify(entry.checkpoint));
  const where = source.describeEntry?.(entry.checkpoint);
  if (where !== undefined && !where.includes(name))
    throw new UntypedError(`describeEntry does not name ${name}: ${where}`);
  if (entry.problem !== undefined) {
    if (typeof entry.problem !== 'string' || !entry.problem.includes(name))
      throw new UntypedError(`a problem entry that does not name the file ${name}: ${String(entry.problem)}`);
    return;
  }
  // what an import does with the entry before validation: look its attachments up (a dry run opens, never stores)
  try {
    await storeAttachments(entry, source, dataDir, null);
  } catch (error) {
    if (!(error instanceof GatewayError)) throw new UntypedError(`storing attachments threw: ${describe(error)}`);
  }
  let parsed;
  try {
    parsed = parseCanonicalMessage(entry.message);
  } catch (error) {
    throw new UntypedError(`validation threw: ${describe(error)}`);
  }
  if (!parsed.ok) return;
  for (const attachment of parsed.message.attachments) {
    if (attachment.sourcePath === undefined) continue;
    const bytes = await source.openAttachment(attachment.sourcePath);
    if (bytes) await readSome(bytes);
  }
}

async function readSome(stream: Readable): Promise<void> {
  let read = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      read += chunk.length;
      if (read > MAX_ATTACHMENT_BYTES) break;
    }
  } finally {
    stream.destroy();
  }
}

await main();
