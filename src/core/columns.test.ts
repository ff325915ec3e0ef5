import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { emptyColumn, emptyFractions } from './columns.ts';

test('empty columns start empty and take any value', () => {
  const column = emptyColumn<string | null>();
  assert.equal(column.length, 0);
  column.push('a', null);
  assert.deepEqual(column, ['a', null]);
  const fractions = emptyFractions();
  assert.equal(fractions.length, 0);
  fractions.push(0.99, 1);
  assert.deepEqual(fractions, [0.99, 1]);
});

test("empty columns are in V8's elements kind for their values, where an empty literal is not", () => {
  // V8's own checks (--allow-natives-syntax), in a process of their own: the contract is about the engine
  const script = `
    const { emptyColumn, emptyFractions } = await import(${JSON.stringify(new URL('./columns.ts', import.meta.url).href)});
    console.log(JSON.stringify([%HasSmiElements([]), %HasObjectElements(emptyColumn()), %HasDoubleElements(emptyFractions())]));
  `;
  const flags = ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module'];
  const run = spawnSync(process.execPath, [...flags, '-e', script], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), [true, true, true]);
});
