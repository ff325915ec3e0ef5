/**
 * `npm run eval:classify`: runs `classify` (default options) over the labelled set in eval/classify/, prints
 * message-level precision, recall and F1 per category for the tune and the held-out part, PASS/MISS for the floors
 * on the held-out part, and every error of the tune part with the findings' explanations.
 *
 * HEALTH's floor applies to `holdout2`, the identifiers' to the newest identifier part (IDENTIFIER_PART); the parts
 * read before were retired into tuning (README.md): their figures and errors are printed like the tune part's.
 * `--tune-only` runs the tuning parts alone: the figures to look at while tuning, without reading the held-out part.
 * `--show-holdout-errors` lists the held-out errors too: whoever tunes the detectors must not use it (README.md).
 * Exit code 0 whatever the figures; 2 when the set is malformed (file and line named).
 */
import { classify, CATEGORIES, type Category, type Finding } from '../../src/classifier/index.ts';
import { basename } from 'node:path';

import {
  IDENTIFIER_HELD_OUT,
  loadSet,
  MalformedSetError,
  RETIRED_IDENTIFIER_PARTS,
  SPLITS,
  type LabelledMessage,
  type Split,
} from './load-set.ts';

const IDENTIFIER_FLOOR = 0.97;
const HEALTH_FLOOR = 0.95;
const IDENTIFIERS = CATEGORIES.filter((c) => c !== 'HEALTH');
/** The identifier categories' held-out part, and the ones before it, now tuning data (load-set.ts). */
const IDENTIFIER_PART = IDENTIFIER_HELD_OUT;
const isIdentifierFile = (m: LabelledMessage) => basename(m.file).startsWith('ids-');

interface Counts {
  tp: number;
  fp: number;
  fn: number;
}

interface Outcome {
  message: LabelledMessage;
  predicted: Category[];
  findings: Finding[];
}

interface SplitResult {
  counts: Record<Category, Counts>;
  errors: Outcome[];
  size: number;
}

function evaluate(messages: LabelledMessage[]): SplitResult {
  const counts = Object.fromEntries(CATEGORIES.map((c) => [c, { tp: 0, fp: 0, fn: 0 }])) as Record<Category, Counts>;
  const errors: Outcome[] = [];
  for (const message of messages) {
    const findings = classify(message.text);
    const predicted = CATEGORIES.filter((c) => findings.some((f) => f.category === c));
    let wrong = false;
    for (const c of CATEGORIES) {
      const expected = message.labels.includes(c);
      const got = predicted.includes(c);
      if (expected && got) counts[c].tp++;
      else if (got) {
        counts[c].fp++;
        wrong = true;
      } else if (expected) {
        counts[c].fn++;
        wrong = true;
      }
    }
    if (wrong) errors.push({ message, predicted, findings });
  }
  return { counts, errors, size: messages.length };
}

const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);
const precision = (c: Counts) => ratio(c.tp, c.tp + c.fp);
const recall = (c: Counts) => ratio(c.tp, c.tp + c.fn);
function f1(c: Counts): number | null {
  const p = precision(c);
  const r = recall(c);
  return p === null || r === null || p + r === 0 ? null : (2 * p * r) / (p + r);
}
const fmt = (v: number | null) => (v === null ? '   —' : v.toFixed(2));

function printTable(split: Split, result: SplitResult, messages: LabelledMessage[]): void {
  const byLang = new Map<string, number>();
  for (const m of messages) byLang.set(m.lang, (byLang.get(m.lang) ?? 0) + 1);
  const langs = [...byLang].map(([l, n]) => `${l} ${n}`).join(', ');
  console.log(`\n${split}: ${result.size} messages (${langs})`);
  console.log('category   positives  hard-neg    TP    FP    FN     P     R    F1');
  for (const c of CATEGORIES) {
    const k = result.counts[c];
    const positives = messages.filter((m) => m.labels.includes(c)).length;
    const hard = messages.filter((m) => m.hard?.includes(c)).length;
    console.log(
      `${c.padEnd(10)} ${String(positives).padStart(9)} ${String(hard).padStart(9)} ${String(k.tp).padStart(5)} ${String(k.fp).padStart(5)} ${String(k.fn).padStart(5)}  ${fmt(precision(k))}  ${fmt(recall(k))}  ${fmt(f1(k))}`,
    );
  }
}

function printFloors(result: SplitResult, categories: readonly Category[], part: string): number {
  console.log(`\nfloors on the held-out part ${part}:`);
  let misses = 0;
  for (const c of categories) {
    const floor = c === 'HEALTH' ? HEALTH_FLOOR : IDENTIFIER_FLOOR;
    const k = result.counts[c];
    const p = precision(k);
    const r = recall(k);
    if (k.tp + k.fn === 0) {
      console.log(`MISS ${c}: cannot be measured, no positive in the held-out part`);
      misses++;
      continue;
    }
    const ok = p !== null && r !== null && p >= floor && r >= floor;
    if (!ok) misses++;
    console.log(`${ok ? 'PASS' : 'MISS'} ${c}: P ${fmt(p)} R ${fmt(r)} (floor ${floor.toFixed(2)})`);
  }
  return misses;
}

function explain(f: Finding): string {
  const e = f.explanation;
  const parts = [`detector=${f.detector}`, `confidence=${f.confidence.toFixed(2)}`, `validator=${e.validator}`];
  if (e.termId) parts.push(`termId=${e.termId}`);
  if (e.contextId) parts.push(`contextId=${e.contextId}`);
  if (e.note) parts.push(`note=${e.note}`);
  return parts.join(' ');
}

/** Lists errors; with `only`, the errors in those categories alone (the others are neither listed nor shown). */
function printErrors(split: string, errors: Outcome[], only?: readonly Category[]): void {
  const inScope = (c: Category) => only === undefined || only.includes(c);
  const listed = errors.filter(
    ({ message, predicted }) =>
      predicted.some((c) => inScope(c) && !message.labels.includes(c)) ||
      message.labels.some((c) => inScope(c) && !predicted.includes(c)),
  );
  console.log(`\nerrors in the ${split} part: ${listed.length}`);
  for (const { message, predicted, findings } of listed) {
    const fp = predicted.filter((c) => inScope(c) && !message.labels.includes(c));
    const fn = message.labels.filter((c) => inScope(c) && !predicted.includes(c));
    console.log(
      `\n${message.id} [${message.lang}] expected [${message.labels.join(', ')}] predicted [${predicted.join(', ')}]${fp.length ? ` FP ${fp.join(',')}` : ''}${fn.length ? ` FN ${fn.join(',')}` : ''}`,
    );
    console.log(`  text: ${JSON.stringify(message.text)}`);
    if (message.note) console.log(`  note: ${message.note}`);
    for (const f of findings.filter((x) => fp.includes(x.category))) {
      console.log(`  ${f.category} ${JSON.stringify(message.text.slice(f.start, f.end))} ${explain(f)}`);
    }
  }
}

function main(): void {
  const showHoldout = process.argv.includes('--show-holdout-errors');
  let set: Record<Split, LabelledMessage[]>;
  try {
    set = loadSet();
  } catch (err) {
    if (err instanceof MalformedSetError) {
      console.error(`malformed evaluation set: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const tune = evaluate(set.tune);
  const retired = evaluate(set.holdout);
  // holdout2's identifier files were retired into identifier tuning when holdout3 was written (README.md)
  const idsRetired = evaluate(set.holdout2.filter(isIdentifierFile));
  // identifier parts each read once on the floors, then retired into tuning when the next was written (README.md)
  const retiredIds = RETIRED_IDENTIFIER_PARTS.map((split) => [split, evaluate(set[split])] as const);
  // for whoever is tuning, --tune-only does not even run the held-out parts
  const tuneOnly = process.argv.includes('--tune-only');
  const health = tuneOnly ? null : evaluate(set.holdout2);
  const identifiers = tuneOnly ? null : evaluate(set[IDENTIFIER_PART]);
  const total = SPLITS.reduce((n, split) => n + set[split].length, 0);
  console.log(
    `evaluation set: ${total} messages (tune ${set.tune.length}; retired into tuning: holdout ${set.holdout.length}, holdout2's identifier files ${idsRetired.size}, ${RETIRED_IDENTIFIER_PARTS.map((s) => `${s} ${set[s].length}`).join(', ')}; held out: holdout2 for HEALTH ${set.holdout2.length}, ${IDENTIFIER_PART} for identifiers ${set[IDENTIFIER_PART].length})`,
  );
  printTable('tune', tune, set.tune);
  printTable('holdout', retired, set.holdout);
  for (const [split, result] of retiredIds) printTable(split, result, set[split]);
  if (health && identifiers) {
    printTable('holdout2', health, set.holdout2);
    printTable(IDENTIFIER_PART, identifiers, set[IDENTIFIER_PART]);
    const misses = printFloors(health, ['HEALTH'], 'holdout2') + printFloors(identifiers, IDENTIFIERS, IDENTIFIER_PART);
    console.log(misses === 0 ? '\nall floors pass' : `\n${misses} floor(s) missed`);
  }
  printErrors('tune', tune.errors);
  printErrors('holdout', retired.errors);
  printErrors("holdout2's identifier files (identifier categories only)", idsRetired.errors, IDENTIFIERS);
  for (const [split, result] of retiredIds) printErrors(split, result.errors);
  if (!health || !identifiers) return;
  if (showHoldout) {
    printErrors('holdout2', health.errors, ['HEALTH']);
    printErrors(IDENTIFIER_PART, identifiers.errors);
  } else
    console.log(
      `\nheld-out errors: HEALTH in holdout2 ${health.errors.filter((e) => e.message.labels.includes('HEALTH') !== e.predicted.includes('HEALTH')).length}, ${IDENTIFIER_PART} ${identifiers.errors.length} (not listed; see README.md before using --show-holdout-errors)`,
    );
}

main();
