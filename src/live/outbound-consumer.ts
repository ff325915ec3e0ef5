import { DelayedError, UnrecoverableError, Worker } from '../core/bullmq.ts';
import type { Job } from 'bullmq';
import type { Logger } from 'winston';
import { RateLimitedError } from '../core/bridge.ts';
import type { OutboundBridge } from '../core/bridge.ts';
import type { SendLimits } from '../core/connector.ts';
import { loadKeyring, requireQueueKey } from '../core/keys.ts';
import { observed, observer } from '../metrics/observer.ts';
import { sendOutbound } from '../outbound/gate.ts';
import {
  openQueues,
  outboundQueueName,
  workerConnection,
  type QueueContext,
  type RouteOf,
} from '../pipeline/queues.ts';
import type { Sealed } from '../pipeline/sealed-payload.ts';
import { countProcessed } from '../pipeline/stats.ts';
import { logWorkerFailures } from '../pipeline/worker-log.ts';
import type { Store } from '../store/database.ts';
import { ChatLimiter } from './chat-limiter.ts';

export interface OutboundConsumerOptions extends QueueContext {
  store: Store;
  keyFile: string;
  dataDir: string;
  logger: Logger;
  agencyId: string;
  /** the connector, or any bridge with the messenger's limits (tests' stand-ins) */
  connector: OutboundBridge & { sendLimits: SendLimits };
}

export interface OutboundConsumer {
  worker: Worker;
  close(): Promise<void>;
}

/**
 * Takes an agency's outbound jobs for one platform and sends them through its connector, within the messenger's
 * limits: the account's rate through BullMQ's limiter, each chat's through a token bucket in Redis (a job over its
 * chat's limit is moved to delayed, never dropped), and the platform's own 429 by pausing the queue for its
 * `retry_after`. The send itself is the gate's send-once core (sendOutbound).
 */
export async function startOutboundConsumer(options: OutboundConsumerOptions): Promise<OutboundConsumer> {
  const { connector, agencyId, logger: log } = options;
  const keyring = await loadKeyring(options.keyFile);
  const queueKey = requireQueueKey(keyring);
  const queues = openQueues({ ...options, queueKey }, workerConnection(options.redisUrl));
  const queue = queues.outboundFor(connector.platform, agencyId);
  const limiter = new ChatLimiter(
    queues.connection,
    options.prefix,
    connector.platform,
    connector.sendLimits,
    queueKey,
  );
  const connection = workerConnection(options.redisUrl);
  const { perAccount } = connector.sendLimits;
  const worker: Worker = new Worker<Sealed<RouteOf['outbound']>>(
    outboundQueueName(connector.platform, agencyId),
    async (job: Job<Sealed<RouteOf['outbound']>>, token?: string) => {
      const payload = queue.open(job);
      if (payload.agencyId !== agencyId || payload.target?.platform !== connector.platform) {
        throw new UnrecoverableError(`outbound job ${job.id} is not for this bridge's agency and platform`);
      }
      const wait = await limiter.take(payload.target.chatId);
      if (wait > 0) {
        await job.moveToDelayed(Date.now() + wait, token);
        throw new DelayedError();
      }
      try {
        const send = () =>
          sendOutbound(options.store, payload, { [connector.platform]: connector }, undefined, {
            dataDir: options.dataDir,
          });
        const foreignMessageId = await observed('outbound', send, undefined, (error) =>
          error instanceof RateLimitedError ? 'rate-limited' : 'failed',
        );
        await countProcessed(queues.connection, options.prefix, 'outbound', 1);
        observer().messages('outbound', { sent: 1 });
        return { foreignMessageId };
      } catch (error) {
        if (!(error instanceof RateLimitedError)) throw error;
        log.warn('the messenger asked to slow down: outbound paused', {
          platform: connector.platform,
          retryAfterMs: error.retryAfterMs,
        });
        await worker.rateLimit(error.retryAfterMs);
        throw Worker.RateLimitError();
      }
    },
    {
      connection,
      prefix: options.prefix,
      concurrency: 1,
      limiter: { max: perAccount.max, duration: perAccount.durationMs },
    },
  );
  logWorkerFailures(worker, log, 'outbound');
  await worker.waitUntilReady();
  return {
    worker,
    async close() {
      await worker.close();
      await queues.close();
      connection.disconnect();
    },
  };
}
