/**
 * Instructions by function, for `npm run bench:instructions -- --functions`: where a message's instructions go, a
 * profile that the host's speed does not move. callgrind counts every instruction at its address (`--dump-instr`);
 * node names the machine code V8 makes (`--perf-basic-prof` writes /tmp/perf-<pid>.map: optimized and interpreted
 * functions, regular expressions, builtins copied to the heap), and callgrind names the rest (node's own code, the C
 * library). The runner is counted at P and 2P passes; the difference by name, over P × messages, leaves out the
 * start-up, the first passes' compilation and the reading of the messages.
 */
import { readFileSync } from 'node:fs';

/** One machine-code range of a perf map. */
interface CodeRange {
  start: number;
  end: number;
  name: string;
}

function readPerfMap(file: string): CodeRange[] {
  const symbols: CodeRange[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line);
    if (!match) continue;
    const start = Number.parseInt(match[1] as string, 16);
    symbols.push({ start, end: start + Number.parseInt(match[2] as string, 16), name: match[3] as string });
  }
  return symbols.sort((a, b) => a.start - b.start);
}

/** The symbol holding `address` (binary search), or null. */
function symbolAt(symbols: readonly CodeRange[], address: number): string | null {
  let low = 0;
  let high = symbols.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const symbol = symbols[mid] as CodeRange;
    if (address < symbol.start) high = mid - 1;
    else if (address >= symbol.end) low = mid + 1;
    else return symbol.name;
  }
  return null;
}

/** One name for a function however V8 ran it (`*` optimized, `~` interpreted), its file relative to `root`. */
function shortName(name: string, root: string): string {
  return name
    .replace(/^(JS|LazyCompile|Function|Builtin):/, '')
    .replace(/^[*~^]/, '')
    .replace(`file://${root}/`, '')
    .replace(/:\d+:\d+$/, '') // positions in tsx's output, not in the source
    .slice(0, 110);
}

/**
 * Instructions by name in a callgrind output written with `--dump-instr=yes --compress-pos=no
 * --compress-strings=no`: each cost line's address named by the perf map, else by callgrind's function name. A call's
 * inclusive cost (the line after `calls=`) is left out: the callee's own lines count it.
 */
export function instructionsByName(callgrindOut: string, perfMap: string, root: string): Map<string, number> {
  const symbols = readPerfMap(perfMap);
  const byName = new Map<string, number>();
  let fn = '';
  let skipNext = false;
  for (const line of readFileSync(callgrindOut, 'utf8').split('\n')) {
    if (skipNext) {
      skipNext = false;
    } else if (line.startsWith('fn=')) {
      fn = line.slice(3);
    } else if (line.startsWith('calls=')) {
      skipNext = true;
    } else if (line.startsWith('0x')) {
      const fields = line.split(' ');
      const count = Number(fields[fields.length - 1]);
      const name = shortName(symbolAt(symbols, Number.parseInt(fields[0] as string, 16)) ?? fn, root);
      byName.set(name, (byName.get(name) ?? 0) + count);
    }
  }
  return byName;
}

/** The callgrind arguments that keep what `instructionsByName` reads; the run's node must add `--perf-basic-prof`. */
export function callgrindByAddress(outFile: string): string[] {
  return [`--callgrind-out-file=${outFile}`, '--dump-instr=yes', '--compress-pos=no', '--compress-strings=no'];
}

/**
 * Instructions a message by name: the difference between a run of 2P passes and one of P, over P × `messages`,
 * largest first, the first `top` of them; and in all.
 */
export function perMessageByName(
  once: Map<string, number>,
  twice: Map<string, number>,
  passesTimesMessages: number,
  top: number,
): { total: number; rows: { name: string; each: number }[] } {
  const rows: { name: string; each: number }[] = [];
  let total = 0;
  for (const [name, count] of twice) {
    const each = (count - (once.get(name) ?? 0)) / passesTimesMessages;
    total += each;
    if (each > 0) rows.push({ name, each });
  }
  return { total, rows: rows.sort((a, b) => b.each - a.each).slice(0, top) };
}
