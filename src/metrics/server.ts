import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from '../core/bullmq.ts';
import { Redis } from '../core/ioredis.ts';
import type pg from 'pg';
import type { Logger } from 'winston';
import { UsageError } from '../core/errors.ts';
import { setObserver } from './observer.ts';
import { GatewayMetrics, within } from './prometheus.ts';

export interface MetricsEndpointOptions {
  host: string;
  port: number;
  redisUrl: string;
  prefix: string;
  pool: pg.Pool;
  /** BullMQ names of the queues whose depths are reported */
  queueNames: readonly string[];
  /** a bridge's connector: the process is ready only while it is `connected` */
  connector?: { platform: string; agencyId: string };
  logger: Logger;
  /** how long a probe waits for Redis or PostgreSQL */
  timeoutMs?: number;
}

export interface MetricsEndpoint {
  metrics: GatewayMetrics;
  /** where it listens (the port the OS gave when 0 was asked) */
  host: string;
  port: number;
  close(): Promise<void>;
}

/** One readiness check: null when usable, else why not (never a secret: no URL, no user, no server message). */
type Check = () => Promise<string | null>;

/** What a metrics endpoint answers, wherever it is mounted: its own server (workers, bridges) or the console's. */
export interface MetricsResponderOptions {
  /** a connection that fails fast while Redis is away (no offline queue); null: no Redis checks or queue depths */
  redis: Redis | null;
  prefix: string;
  pool: pg.Pool;
  /** BullMQ names of the queues whose depths are reported */
  queueNames: readonly string[];
  /** a bridge's connector: the process is ready only while it is `connected` */
  connector?: { platform: string; agencyId: string };
  /** how long a probe waits for Redis or PostgreSQL */
  timeoutMs?: number;
}

export interface MetricsAnswer {
  status: number;
  type: string;
  body: string;
}

export interface MetricsResponder {
  metrics: GatewayMetrics;
  /** the answer to GET `/metrics`, `/healthz` or `/readyz`; null for any other path */
  answer(path: string): Promise<MetricsAnswer | null>;
  /** closes the queues it opened (not the Redis connection it was given) */
  close(): Promise<void>;
}

/**
 * `/metrics`, `/healthz` and `/readyz`: `/healthz` answers 200 while the process runs; `/readyz` answers 200 when
 * Redis answers PING, PostgreSQL answers `SELECT 1` and (for a bridge) the connector is connected, else 503 with
 * what is not ready.
 */
export function metricsResponder(options: MetricsResponderOptions): MetricsResponder {
  const timeoutMs = options.timeoutMs ?? 2000;
  const redis = options.redis;
  const queues = redis
    ? options.queueNames.map((name) => new Queue(name, { connection: redis, prefix: options.prefix }))
    : [];
  const metrics = new GatewayMetrics({ queues, pool: options.pool, timeoutMs });
  const checks: Record<string, Check> = {};
  if (redis)
    checks.redis = async () => {
      const answer = await within(redis.ping(), timeoutMs, 'PING').catch(() => null);
      return answer === 'PONG' ? null : 'Redis did not answer PING';
    };
  checks.postgresql = async () => {
    const answer = await within(options.pool.query('SELECT 1'), timeoutMs, 'SELECT 1').catch(
      (error: { code?: unknown }) => error,
    );
    if (answer && 'rows' in answer) return null;
    const code = typeof answer?.code === 'string' ? ` (${answer.code})` : '';
    return `PostgreSQL did not answer SELECT 1${code}`;
  };
  if (options.connector) {
    const { platform, agencyId } = options.connector;
    // bound before the connector starts, so its first state is already the gauge's
    metrics.connector(platform, agencyId);
    checks.connector = async () => {
      const state = metrics.connectorStateOf(platform, agencyId);
      return state === 'connected' ? null : `the ${platform} connector is ${state ?? 'not started'}`;
    };
  }

  const readiness = async (): Promise<{ ready: boolean; checks: Record<string, string> }> => {
    const names = Object.keys(checks);
    const results = await Promise.all(names.map((name) => checks[name]!()));
    const report: Record<string, string> = {};
    names.forEach((name, i) => (report[name] = results[i] ?? 'ok'));
    return { ready: results.every((r) => r === null), checks: report };
  };

  return {
    metrics,
    async answer(path) {
      if (path === '/metrics')
        return { status: 200, type: metrics.registry.contentType, body: await metrics.registry.metrics() };
      if (path === '/healthz') return { status: 200, type: 'application/json', body: '{"status":"alive"}\n' };
      if (path === '/readyz') {
        const result = await readiness();
        return { status: result.ready ? 200 : 503, type: 'application/json', body: `${JSON.stringify(result)}\n` };
      }
      return null;
    },
    async close() {
      await Promise.all(queues.map((q) => q.close().catch(() => {})));
    },
  };
}

/**
 * Starts `/metrics`, `/healthz` and `/readyz` (metricsResponder) on host:port and installs the Prometheus observer
 * for this process.
 */
export async function startMetricsEndpoint(options: MetricsEndpointOptions): Promise<MetricsEndpoint> {
  const timeoutMs = options.timeoutMs ?? 2000;
  // fails fast while Redis is away (no offline queue), so neither a scrape nor a probe waits on reconnection
  const redis = new Redis(options.redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: timeoutMs,
  });
  redis.on('error', () => {});
  const responder = metricsResponder({ ...options, redis, timeoutMs });
  const { metrics } = responder;

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, 'text/plain', 'GET only\n');
    const answer = await responder.answer(path);
    if (answer) return send(response, answer.status, answer.type, answer.body);
    return send(response, 404, 'text/plain', 'not found: /metrics, /healthz, /readyz\n');
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: Error) => {
      options.logger.warn('metrics endpoint: could not answer', { path: request.url, error: error.message });
      if (!response.headersSent) send(response, 500, 'text/plain', 'internal error\n');
      else response.destroy();
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => resolve());
    });
  } catch (error) {
    await responder.close();
    redis.disconnect();
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      `--metrics-port ${options.port} on ${options.host}: cannot listen (${code ?? (error as Error).message}); pick another port or host`,
    );
  }
  const address = server.address() as AddressInfo;
  setObserver(metrics);
  options.logger.info('metrics endpoint listening', { host: address.address, port: address.port });
  return {
    metrics,
    host: address.address,
    port: address.port,
    async close() {
      setObserver(null);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await responder.close();
      redis.disconnect();
    },
  };
}

function send(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  response.end(body);
}
