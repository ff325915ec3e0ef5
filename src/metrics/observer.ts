import type { ConnectorState } from '../core/connector.ts';

/**
 * What the queue layer and the live bridges report for metrics, without loading prom-client: a command started
 * without `--metrics-port` keeps the no-op observer and pays one empty call per batch. `aitu-gateway worker` and
 * `bridge …` with `--metrics-port` install the Prometheus one (src/metrics/prometheus.ts) before they start.
 *
 * Contract for every method: called at most once per job or batch (connector events once per event), synchronous,
 * no I/O, never throws. Labels carry stage, outcome, category, platform and agency id only: never a chat, a person
 * or any text.
 */
export type JobStage = 'classify' | 'deliver' | 'outbound' | 'relay' | 'extract';

/**
 * How a job ended: a replayed deliver job found its batch already committed and wrote nothing; a rate-limited
 * outbound job is taken again once the messenger's pause is over.
 */
export type JobOutcome = 'completed' | 'failed' | 'replayed' | 'rate-limited';

export interface PipelineObserver {
  /** one job of a stage ended after `seconds` of processing */
  job(stage: JobStage, outcome: JobOutcome, seconds: number): void;
  /** messages a job handled, by outcome (classify: classified, refused; deliver: delivered, edited, duplicate, blocked, failed; outbound: sent; relay: synced, notices) */
  messages(stage: JobStage, counts: Readonly<Record<string, number>>): void;
  /** a committed batch's messages with at least one finding, per category */
  findings(byCategory: Readonly<Record<string, number>>): void;
  /** dead letters handed to the dead-letter queue by a stage */
  deadLetters(stage: string, count: number): void;
  /** the observer of one connector (bound once: its calls are on the per-event path) */
  connector(platform: string, agencyId: string): ConnectorObserver;
}

/** What a live connector reports: its state, and each event by what the core did with it. */
export interface ConnectorObserver {
  state(state: ConnectorState | 'stopped'): void;
  event(outcome: 'bridged' | 'unmapped' | 'echo'): void;
}

const noConnector: ConnectorObserver = { state() {}, event() {} };

const noop: PipelineObserver = {
  job() {},
  messages() {},
  findings() {},
  deadLetters() {},
  connector: () => noConnector,
};

let current: PipelineObserver = noop;

/** The process's observer (the no-op one unless metrics were started). */
export function observer(): PipelineObserver {
  return current;
}

/** Installs the process's observer; `null` restores the no-op one (tests). */
export function setObserver(next: PipelineObserver | null): void {
  current = next ?? noop;
}

/** Runs a job's processor and reports its stage, outcome and processing time. */
export async function observed<T>(
  stage: JobStage,
  run: () => Promise<T>,
  outcomeOf: (result: T) => JobOutcome = () => 'completed',
  failureOf: (error: unknown) => JobOutcome = () => 'failed',
): Promise<T> {
  const started = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
  try {
    const result = await run();
    current.job(stage, outcomeOf(result), seconds());
    return result;
  } catch (error) {
    current.job(stage, failureOf(error), seconds());
    throw error;
  }
}
