import { setImmediate as nextTurn } from 'node:timers/promises';
import { classify } from './classify.ts';
import { REALISTIC_MESSAGES } from './realistic-messages.ts';

/**
 * Runs the classifier over its own hand-written sample messages (no one's data), one message a turn of the event
 * loop, until `until` settles or the samples run out. V8 compiles each regular expression at its first uses, at a
 * cost of milliseconds apiece, so a process's first messages cost many times its later ones: a caller with a wait
 * ahead of it (an import waiting on its worker processes) pays that cost in the wait instead. Never rejects.
 * Resolves with how many samples it classified.
 */
export async function warmUp(until: Promise<unknown>): Promise<number> {
  let settled = false;
  const stop = () => {
    settled = true;
  };
  until.then(stop, stop);
  let done = 0;
  for (const { text } of REALISTIC_MESSAGES) {
    // the turn first: `until` may have settled already, and its callbacks run only then
    await nextTurn();
    if (settled) break;
    classify(text);
    done++;
  }
  return done;
}
