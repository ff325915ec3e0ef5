import { sealAuditLog, type ChainContext } from '../audit/chain.ts';
import type { Store } from '../store/database.ts';

export interface SealTimer {
  /** stops the timer and seals once more (waiting for a seal in progress first) */
  stop(): Promise<void>;
}

/**
 * Seals the audit log every `intervalMs` for as long as a long-running process (a worker, a bridge) writes to it,
 * so none of its rows stays outside the chain for longer than that. A failed seal is reported and tried again at
 * the next tick; ticks never overlap.
 */
export function startSealTimer(
  store: Store,
  chain: ChainContext,
  intervalMs: number,
  onError: (error: Error) => void,
): SealTimer {
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const sealNow = () =>
    (running = running.then(() =>
      sealAuditLog(store.pool, chain).then(
        () => undefined,
        (error: Error) => onError(error),
      ),
    ));
  const schedule = () => {
    timer = setTimeout(() => {
      void sealNow().then(() => {
        if (!stopped) schedule();
      });
    }, intervalMs);
    timer.unref();
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await sealNow();
    },
  };
}
