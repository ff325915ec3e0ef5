/** What the maintenance queue's jobs do (src/pipeline/maintenance.ts), as the machine actor, audited with counts. */
import { machineActor } from '../core/machine-actor.ts';
import type { Store } from '../store/database.ts';
import { enforceRetention } from './retention.ts';
import { rekeyIndexAudited } from './subject-index.ts';

export function maintenanceHandlers(store: Store, keyFile: string, dataDir: string) {
  return {
    retention: () => enforceRetention(store.pool, machineActor(), dataDir),
    'rekey-index': () => rekeyIndexAudited(store.pool, machineActor(), keyFile),
  };
}
