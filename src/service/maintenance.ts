/** What the maintenance queue's jobs do (src/pipeline/maintenance.ts), as the machine actor, audited with counts. */
import { writeAudit } from '../audit/log.ts';
import { loadKeyring } from '../core/keys.ts';
import { machineActor } from '../core/machine-actor.ts';
import type { Store } from '../store/database.ts';
import { enforceRetention } from './retention.ts';
import { rekeyIndex } from './subject-index.ts';

export function maintenanceHandlers(store: Store, keyFile: string, dataDir: string) {
  return {
    retention: () => enforceRetention(store.pool, machineActor(), dataDir),
    'rekey-index': async () => {
      // the key file as it is now: the rotation that asked for this added a key after this worker started
      const counts = await rekeyIndex(store.pool, await loadKeyring(keyFile));
      await writeAudit(store.pool, { actor: machineActor(), action: 'keys.rekey-index', details: { ...counts } });
      return counts;
    },
  };
}
