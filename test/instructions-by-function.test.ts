import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { instructionsByName, perMessageByName } from '../bench/instructions-by-function.ts';

// a callgrind output as `--dump-instr=yes --compress-pos=no --compress-strings=no` writes it: positions "address line"
const CALLGRIND = `# callgrind format
version: 1
positions: instr line
events: Ir

ob=/usr/bin/node
fl=???
fn=0x0000000000001000
0x1000 0 10
0x1010 0 5
cfn=Builtins_RegExpPrototypeExec
calls=2 0x9000
0x1014 0 700
0x2004 0 7
fn=Builtins_RegExpPrototypeExec
0x9000 0 300
0x9004 0 400
`;
const PERF_MAP = `1000 20 JS:*walkWords file:///repo/src/classifier/health-model/features.ts:1:2231
1020 10 JS:~walkWords file:///repo/src/classifier/health-model/features.ts:1:2231
2000 10 RegExp:[0-9]
`;

test("instructions by name: V8's code named by the perf map, the rest by callgrind, a call's inclusive cost left out", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aitu-instructions-'));
  try {
    writeFileSync(path.join(dir, 'callgrind.out'), CALLGRIND);
    writeFileSync(path.join(dir, 'perf.map'), PERF_MAP);
    const byName = instructionsByName(path.join(dir, 'callgrind.out'), path.join(dir, 'perf.map'), '/repo');
    assert.deepEqual([...byName].sort(), [
      ['Builtins_RegExpPrototypeExec', 700],
      ['RegExp:[0-9]', 7],
      ['walkWords src/classifier/health-model/features.ts', 15],
    ]);
    const { total, rows } = perMessageByName(
      new Map([
        ['walkWords', 100],
        ['RegExp:[0-9]', 50],
      ]),
      new Map([
        ['walkWords', 300],
        ['RegExp:[0-9]', 40],
        ['normalize', 20],
      ]),
      10,
      1,
    );
    assert.equal(total, 21);
    assert.deepEqual(rows, [{ name: 'walkWords', each: 20 }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
