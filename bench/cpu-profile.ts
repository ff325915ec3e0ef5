/**
 * Reads V8 .cpuprofile files (node --cpu-prof) and sums self time: by function and by the part of the gateway the
 * function's file belongs to (reading, classification, queue, delivery, …). Used by `npm run bench -- --profile`; also
 * `node --import tsx bench/cpu-profile.ts <file.cpuprofile>…` prints the top functions of any profile.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Node's and V8's own functions, by what they do for the gateway. */
function builtIn(url: string, functionName: string): string {
  if (/^(parse|stringify|JSONParse|JSONStringify)$/.test(functionName)) return 'JSON (parse, stringify)';
  if (
    /modules|cjs-module-lexer|esm|bootstrap/.test(url) ||
    /node_modules\/(tsx|esbuild)\//.test(url) ||
    /^(wrapSafe|compileFunction|compileSourceTextModule)$/.test(functionName)
  )
    return 'start-up (module loading)';
  if (
    /buffer|string_decoder|encoding/.test(url) ||
    /^(slice|toString|utf8Slice|utf8Write|latin1Slice|asciiSlice|ucs2Slice|_copyActual|write|writeBuffer|concat|copy|decode|byteLength|from|alloc|allocUnsafe)$/.test(
      functionName,
    )
  )
    return 'buffers and text decoding';
  if (
    /^(writev|writeUtf8String|read|close|open|openFileHandle|onStreamRead|readFileHandle)$/.test(functionName) ||
    /net|stream|fs/.test(url)
  )
    return 'I/O (sockets, files, streams)';
  if (/crypto/.test(url)) return 'crypto';
  if (/^RegExp: /.test(functionName)) return 'regular expressions (unattributed)';
  return 'node built-ins and V8 (other)';
}

/** Where a function's self time belongs, by its file: the stages of an import and what they run on. */
export function partOf(url: string, functionName: string): string {
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(idle)' || functionName === '(program)') return functionName.slice(1, -1);
  if (/bridges\/[^/]+\/export\/|src\/importers\//.test(url)) return 'reading (export reader)';
  if (/src\/classifier\//.test(url)) return 'classification';
  if (/src\/pipeline\/stages\/(classify|ingest|policy|extra-fields|remap)/.test(url) || /src\/policy\//.test(url))
    return 'classify stage (ingest, policy)';
  if (/node_modules\/zod\//.test(url)) return 'classify stage (ingest, policy)';
  if (/src\/pipeline\/sealed-payload|node_modules\/(bullmq|ioredis|msgpackr|cluster-key-slot|redis-errors)\//.test(url))
    return 'queue (BullMQ, ioredis, sealing)';
  if (
    /src\/store\/|src\/pipeline\/stages\/deliver|node_modules\/(pg|pg-protocol|pg-types|pg-copy-streams|@prisma)/.test(
      url,
    )
  )
    return 'delivery (store, pg)';
  if (/src\/pipeline\//.test(url)) return 'pipeline (feed, import run)';
  if (url === '' || url.startsWith('node:') || /node_modules\/(tsx|esbuild)\//.test(url))
    return builtIn(url, functionName);
  return 'other';
}

export interface ProfileSummary {
  totalMs: number;
  byPart: Map<string, number>;
  byFunction: Map<string, number>;
}

export async function summarizeProfile(file: string): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const byPart = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let totalMs = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const ms = us / 1000;
    const part = partOf(url, functionName);
    if (part === 'idle') continue;
    totalMs += ms;
    byPart.set(part, (byPart.get(part) ?? 0) + ms);
    const where = url ? `${url.replace(/^.*\/(node_modules\/|wt\/[^/]+\/)/, '')}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + ms);
  }
  return { totalMs, byPart, byFunction };
}

export const top = (map: Map<string, number>, n: number) => [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, n);

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const file of process.argv.slice(2)) {
    const summary = await summarizeProfile(file);
    console.log(`${file}: ${(summary.totalMs / 1000).toFixed(2)} s of samples (idle left out)`);
    for (const [part, ms] of top(summary.byPart, 20))
      console.log(`  ${((100 * ms) / summary.totalMs).toFixed(1).padStart(5)}%  ${part}`);
    for (const [fn, ms] of top(summary.byFunction, Number(process.env.TOP ?? 25)))
      console.log(`  ${((100 * ms) / summary.totalMs).toFixed(1).padStart(5)}%  ${(ms / 1000).toFixed(2)} s  ${fn}`);
  }
}
