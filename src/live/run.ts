import type { Logger } from 'winston';
import { ConnectorFailedError, GatewayError } from '../core/errors.ts';
import { maskPersonalData } from '../core/mask.ts';
import {
  canBackfill,
  canRelay,
  canSend,
  type BackfillingConnector,
  type Connector,
  type ConnectorHost,
} from '../core/connector.ts';
import type { Platform } from '../core/message.ts';
import type { FeedContext } from '../pipeline/feed.ts';
import { startBackfillConsumer } from './backfill.ts';
import { catchUp } from './catch-up.ts';
import { ConnectorStatusReporter } from './connector-status.ts';
import { LiveIngest } from './ingest.ts';
import { startOutboundConsumer, type OutboundConsumer } from './outbound-consumer.ts';
import { startRelayConsumer, type RelayConsumer } from './relay-consumer.ts';

export interface RunConnectorOptions extends FeedContext {
  dataDir: string;
  agencyId: string;
  connector: Connector;
  autoMap?: boolean;
  /** leave classification and delivery to running workers */
  enqueueOnly?: boolean;
  /** a relaying connector (Aitu): how long a post whose answer was lost waits for its id before it is sent again */
  assignWaitMs?: number;
  logger: Logger;
}

export interface RunningConnector {
  ingest: LiveIngest;
  outbound: OutboundConsumer | null;
  /** Resolves with the reason when the connector gives up after it started (a revoked token, a logged-out session). */
  gaveUp: Promise<string>;
  /**
   * Stops in order: the connector takes no more events, every event it emitted reaches Redis, the outbound
   * consumer finishes its send in flight; then the connections close. What the pipeline holds is delivered by
   * whichever process runs next.
   */
  stop(): Promise<void>;
}

/**
 * One agency's live bridge for one messenger, as `aitu-gateway bridge <platform>` runs it: the connector's events
 * flow into the pipeline through LiveIngest, its state is reported for `status`, and when it can send it takes the
 * agency's outbound queue for its platform.
 */
export async function runConnector(options: RunConnectorOptions): Promise<RunningConnector> {
  const { connector, agencyId } = options;
  const platform: Platform = connector.platform;
  const ingest = await LiveIngest.open(options, {
    agencyId,
    platform,
    autoMap: options.autoMap,
    enqueueOnly: options.enqueueOnly,
  });
  const status = new ConnectorStatusReporter(ingest.queues.connection, options.prefix, platform, agencyId);
  const host = ingest.withStatus(status);
  let started = false;
  const gaveUp = new Promise<string>((resolve) => {
    ingest.onGiveUp = (state, detail) => {
      if (started)
        resolve(`the ${platform} connector gave up (state: ${state})${detail ? `: ${maskPersonalData(detail)}` : ''}`);
    };
  });
  let outbound: OutboundConsumer | null = null;
  let backfill: { close(): Promise<void> } | null = null;
  let relay: RelayConsumer | null = null;
  let catchingUp: Promise<void> = Promise.resolve();
  let stopping = false;
  try {
    await connector.start(host);
    if (canSend(connector)) outbound = await startOutboundConsumer({ ...options, connector });
    if (canBackfill(connector)) backfill = await startBackfillConsumer({ ...options, connector, host });
    if (canRelay(connector)) relay = await startRelayConsumer({ ...options, poster: connector });
    started = true;
    if (canBackfill(connector)) catchingUp = catchUpInBackground(options, connector, host, () => stopping);
  } catch (error) {
    await outbound?.close().catch(() => {});
    await relay?.close().catch(() => {});
    await connector.stop().catch(() => {});
    const state = connector.state === 'logged-out' ? 'logged-out' : 'failed';
    const reason = maskPersonalData((error as Error).message);
    ingest.setState(state, reason);
    await ingest.close();
    throw error instanceof GatewayError
      ? error
      : new ConnectorFailedError(`the ${platform} connector could not start (state: ${state}): ${reason}`, {
          cause: error,
        });
  }
  return {
    ingest,
    outbound,
    gaveUp,
    async stop() {
      stopping = true;
      await catchingUp;
      // a backfill cut short is taken again by the next bridge, from its last recorded page
      await backfill?.close();
      await connector.stop();
      await ingest.drain();
      await outbound?.close();
      await relay?.close();
      ingest.stopped();
      // batches already in Redis are delivered by whoever runs the pipeline next; a short wait lets this summary count them
      await ingest.settled(5000);
      options.logger.info('bridge summary', { platform, ...ingest.summary() });
      await ingest.close();
    },
  };
}

/**
 * The history a backfilling connector's messenger will not hand over again (see catchUp), read while live events
 * already flow; a failure is logged, and the next start tries again.
 */
function catchUpInBackground(
  options: RunConnectorOptions,
  connector: BackfillingConnector,
  host: ConnectorHost,
  stopping: () => boolean,
): Promise<void> {
  const log = options.logger;
  return catchUp(options.store, connector, host, options.agencyId, { stopping }).then(
    (result) => {
      if (result.chats > 0) log.info('caught up with history written while the bridge was away', { ...result });
    },
    (error: Error) => {
      log.warn('could not catch up with history written while the bridge was away', {
        error: maskPersonalData(error.message),
      });
    },
  );
}
