import type { Command } from 'commander';
import { UsageError } from '../src/core/errors.ts';
import type { MetricsEndpoint, MetricsEndpointOptions } from '../src/metrics/server.ts';

export interface MetricsCliOptions {
  metricsPort?: string;
  metricsHost?: string;
}

/** `--metrics-port` and `--metrics-host`, shared by `worker` and every `bridge <platform>`. */
export function metricsOptions(command: Command): Command {
  return command
    .option('--metrics-port <n>', 'serve Prometheus /metrics, /healthz and /readyz on this port (default: none)')
    .option('--metrics-host <address>', 'with --metrics-port: the address to listen on', '127.0.0.1');
}

/** Where to listen, or null without --metrics-port. */
export function metricsListen(options: MetricsCliOptions): { host: string; port: number } | null {
  if (options.metricsPort === undefined) return null;
  const port = Number(options.metricsPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError('--metrics-port must be a port number (0-65535)');
  return { host: options.metricsHost ?? '127.0.0.1', port };
}

/** Starts the endpoint when asked; prom-client is loaded only then. */
export async function startMetricsIfAsked(
  options: MetricsCliOptions,
  rest: Omit<MetricsEndpointOptions, 'host' | 'port'>,
): Promise<MetricsEndpoint | null> {
  const listen = metricsListen(options);
  if (!listen) return null;
  const { startMetricsEndpoint } = await import('../src/metrics/server.ts');
  return startMetricsEndpoint({ ...listen, ...rest });
}
