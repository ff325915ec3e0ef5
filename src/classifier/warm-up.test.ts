import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { REALISTIC_MESSAGES } from './realistic-messages.ts';
import { warmUp } from './warm-up.ts';

test('warmUp classifies every sample while the wait lasts', async () => {
  assert.equal(await warmUp(sleep(60_000, undefined, { ref: false })), REALISTIC_MESSAGES.length);
});

test('warmUp stops as soon as the wait is over, and a wait that failed ends it too', async () => {
  assert.equal(await warmUp(Promise.resolve()), 0);
  assert.equal(await warmUp(Promise.reject(new Error('a worker could not start'))), 0);
  // settled in the turn after warmUp's first: one sample classified, then it stops
  let finish!: () => void;
  const wait = new Promise<void>((resolve) => (finish = resolve));
  const warming = warmUp(wait);
  setImmediate(finish);
  assert.equal(await warming, 1);
});
