import type { Queue } from 'bullmq';
import type pg from 'pg';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { CONNECTOR_STATES, type ConnectorState } from '../core/connector.ts';
import type { ConnectorObserver, JobOutcome, JobStage, PipelineObserver } from './observer.ts';

/** What a scrape reads besides this process's counters: queue depths from Redis, outbound attempts from PostgreSQL. */
export interface ScrapeSources {
  /** the queues whose depths are reported (opened for counting only) */
  queues: readonly Pick<Queue, 'name' | 'getJobCounts'>[];
  pool: pg.Pool;
  /** a scrape waits this long for Redis or PostgreSQL, then reports without their figures */
  timeoutMs?: number;
}

const QUEUE_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed'] as const;
const CONNECTOR_GAUGE_STATES = [...CONNECTOR_STATES, 'stopped'] as const;

/** Resolves with the promise's value, or rejects after `ms` (a scrape or a probe never hangs on a service that is away). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The gateway's Prometheus metrics (names start with `aitu_gateway_`) and the default process metrics, in a
 * registry of their own. It is the PipelineObserver the queue layer and the bridges report to.
 */
export class GatewayMetrics implements PipelineObserver {
  readonly registry = new Registry();
  private readonly jobs: Counter<'stage' | 'outcome'>;
  private readonly jobSeconds: Histogram<'stage'>;
  private readonly messageCount: Counter<'stage' | 'outcome'>;
  private readonly findingCount: Counter<'category'>;
  private readonly deadLetterCount: Counter<'stage'>;
  private readonly connectorState: Gauge<'platform' | 'agency' | 'state'>;
  private readonly connectorEvents: Counter<'platform' | 'agency' | 'outcome'>;
  private readonly connectors = new Map<string, ConnectorObserver & { current: ConnectorState | 'stopped' }>();

  constructor(sources: ScrapeSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.jobs = new Counter({
      name: 'aitu_gateway_jobs_total',
      help: 'Jobs (batches) processed by this process, by stage and outcome',
      labelNames: ['stage', 'outcome'],
      registers,
    });
    this.jobSeconds = new Histogram({
      name: 'aitu_gateway_job_duration_seconds',
      help: 'Processing time of one job (a batch of up to 2,000 messages; an outbound job is one send), by stage',
      labelNames: ['stage'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.messageCount = new Counter({
      name: 'aitu_gateway_messages_total',
      help: 'Messages handled by this process, by stage and outcome',
      labelNames: ['stage', 'outcome'],
      registers,
    });
    this.findingCount = new Counter({
      name: 'aitu_gateway_findings_total',
      help: 'Messages of committed batches with at least one finding, by category (counted by the deliver stage)',
      labelNames: ['category'],
      registers,
    });
    this.deadLetterCount = new Counter({
      name: 'aitu_gateway_dead_letters_added_total',
      help: 'Messages handed to the dead-letter queue by this process, by stage',
      labelNames: ['stage'],
      registers,
    });
    this.connectorState = new Gauge({
      name: 'aitu_gateway_connector_state',
      help: "A live connector's state: 1 for its current state, 0 for the others",
      labelNames: ['platform', 'agency', 'state'],
      registers,
    });
    this.connectorEvents = new Counter({
      name: 'aitu_gateway_connector_events_total',
      help: "A live connector's events, by what the core did with them (bridged, unmapped chat, echo of a gateway send)",
      labelNames: ['platform', 'agency', 'outcome'],
      registers,
    });
    const timeoutMs = sources.timeoutMs ?? 2000;
    new Gauge({
      name: 'aitu_gateway_queue_jobs',
      help: 'Jobs in a pipeline queue by state, read from Redis at scrape time (absent when Redis does not answer)',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        this.reset();
        await Promise.all(
          sources.queues.map(async (queue) => {
            const counts = await within(queue.getJobCounts(...QUEUE_STATES), timeoutMs, 'queue depth').catch(
              () => null,
            );
            if (counts) for (const state of QUEUE_STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
          }),
        );
      },
    });
    new Gauge({
      name: 'aitu_gateway_outbound_attempts',
      help: 'Outbound attempts in the store by status (blocked, queued, sending, sent, uncertain, …), read from PostgreSQL at scrape time',
      labelNames: ['status'],
      registers,
      async collect() {
        this.reset();
        const result = await within(
          sources.pool.query<{ status: string; n: number }>(
            `SELECT status, count(*)::int AS n FROM outbound_attempts GROUP BY status`,
          ),
          timeoutMs,
          'outbound attempts',
        ).catch(() => null);
        for (const row of result?.rows ?? []) this.set({ status: row.status }, row.n);
      },
    });
  }

  job(stage: JobStage, outcome: JobOutcome, seconds: number): void {
    this.jobs.inc({ stage, outcome });
    this.jobSeconds.observe({ stage }, seconds);
  }

  messages(stage: JobStage, counts: Readonly<Record<string, number>>): void {
    for (const [outcome, n] of Object.entries(counts)) if (n > 0) this.messageCount.inc({ stage, outcome }, n);
  }

  findings(byCategory: Readonly<Record<string, number>>): void {
    for (const [category, n] of Object.entries(byCategory)) if (n > 0) this.findingCount.inc({ category }, n);
  }

  deadLetters(stage: string, count: number): void {
    if (count > 0) this.deadLetterCount.inc({ stage }, count);
  }

  connector(platform: string, agency: string): ConnectorObserver {
    const key = `${platform}\u0000${agency}`;
    let bound = this.connectors.get(key);
    if (bound) return bound;
    const states = new Map(
      CONNECTOR_GAUGE_STATES.map((state) => [state, this.connectorState.labels({ platform, agency, state })]),
    );
    const events = {
      bridged: this.connectorEvents.labels({ platform, agency, outcome: 'bridged' }),
      unmapped: this.connectorEvents.labels({ platform, agency, outcome: 'unmapped' }),
      echo: this.connectorEvents.labels({ platform, agency, outcome: 'echo' }),
    };
    const observer = {
      current: 'connecting' as ConnectorState | 'stopped',
      state(state: ConnectorState | 'stopped') {
        observer.current = state;
        for (const [name, gauge] of states) gauge.set(name === state ? 1 : 0);
      },
      event(outcome: keyof typeof events) {
        events[outcome].inc();
      },
    };
    observer.state('connecting');
    this.connectors.set(key, (bound = observer));
    return bound;
  }

  /** The current state of a connector this process runs (null: none reported). */
  connectorStateOf(platform: string, agency: string): ConnectorState | 'stopped' | null {
    return this.connectors.get(`${platform}\u0000${agency}`)?.current ?? null;
  }
}
