/**
 * BullMQ's classes, loaded with `require`. The package's only entry that node can load is its CommonJS one, and an
 * `import` of a CommonJS module makes node's ESM loader lex its source, and that of every module it re-exports, for
 * the names it exports. BullMQ's index re-exports its whole tree, so every process that queues started later for it
 * (docs/benchmarks.md, nineteenth session). Values come from here; types from the package itself, with `import type`,
 * which loads nothing.
 */
import { createRequire } from 'node:module';
import type * as BullMQ from 'bullmq';

const bullmq = createRequire(import.meta.url)('bullmq') as typeof BullMQ;

export const { DelayedError, Queue, QueueEvents, UnrecoverableError, Worker } = bullmq;

/** BullMQ's own default for a job's data */
type DefaultData = BullMQ.Job['data'];
export type DelayedError = BullMQ.DelayedError;
export type Queue<DataTypeOrJob = DefaultData> = BullMQ.Queue<DataTypeOrJob>;
export type QueueEvents = BullMQ.QueueEvents;
export type UnrecoverableError = BullMQ.UnrecoverableError;
export type Worker<DataType = DefaultData> = BullMQ.Worker<DataType>;
