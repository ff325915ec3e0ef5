import type { Redis } from 'ioredis';
import type { ConnectorState } from '../core/connector.ts';

/**
 * Each running connector's state, kept in Redis where `aitu-gateway status` (from any machine) reads it:
 * `<prefix>:connector:<platform>:<agencyId>` holds the state and times, `…:events:<minute>` counts events per
 * minute. Ids and counts only: no chat, no person.
 */
const key = (prefix: string, platform: string, agencyId: string) => `${prefix}:connector:${platform}:${agencyId}`;
const HEARTBEAT_MS = 10_000;

export interface ConnectorStatus {
  platform: string;
  agencyId: string;
  state: ConnectorState | 'stopped' | 'gone';
  detail: string | null;
  since: string | null;
  lastEventAt: string | null;
  eventsPerMinute: number;
  heartbeatAt: string | null;
}

export class ConnectorStatusReporter {
  private lastEventWrite = 0;
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly platform: string,
    private readonly agencyId: string,
  ) {}

  private get key(): string {
    return key(this.prefix, this.platform, this.agencyId);
  }

  /** Reports a state; failures to write are ignored (status is advisory; the connector goes on). */
  setState(state: ConnectorStatus['state'], detail?: string): void {
    const now = new Date().toISOString();
    this.redis
      .hset(this.key, { state, detail: detail ?? '', since: now, heartbeatAt: now, pid: String(process.pid) })
      .catch(() => {});
    if (!this.heartbeat && state !== 'stopped') {
      this.heartbeat = setInterval(
        () => this.redis.hset(this.key, 'heartbeatAt', new Date().toISOString()).catch(() => {}),
        HEARTBEAT_MS,
      );
      this.heartbeat.unref();
    }
    if (state === 'stopped' && this.heartbeat) {
      clearInterval(this.heartbeat);
      this.heartbeat = null;
    }
  }

  /** Counts an event in its minute; the last event's time is written at most once a second. */
  recordEvents(count: number): void {
    const now = Date.now();
    const minuteKey = `${this.key}:events:${Math.floor(now / 60_000)}`;
    const pipeline = this.redis.multi().incrby(minuteKey, count).expire(minuteKey, 3600);
    if (now - this.lastEventWrite >= 1000) {
      this.lastEventWrite = now;
      pipeline.hset(this.key, 'lastEventAt', new Date(now).toISOString());
    }
    pipeline.exec().catch(() => {});
  }

  stop(): void {
    this.setState('stopped');
  }
}

/** Every connector that reported to this Redis prefix; one whose heartbeat stopped for a minute shows as `gone`. */
export async function readConnectorStatuses(
  redis: Redis,
  prefix: string,
  now = Date.now(),
): Promise<ConnectorStatus[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:connector:*`, 'COUNT', 200);
    cursor = next;
    found.push(...keys.filter((k) => !k.includes(':events:')));
  } while (cursor !== '0');
  const statuses: ConnectorStatus[] = [];
  for (const k of found.sort()) {
    const [platform, agencyId] = k.slice(`${prefix}:connector:`.length).split(':') as [string, string];
    const h = await redis.hgetall(k);
    // the last five whole minutes' average: the current minute is still counting
    const minute = Math.floor(now / 60_000);
    const counts = await redis.mget(...[1, 2, 3, 4, 5].map((i) => `${k}:events:${minute - i}`));
    const eventsPerMinute = counts.reduce((sum, c) => sum + Number(c ?? 0), 0) / 5;
    const heartbeatAt = h.heartbeatAt ?? null;
    const gone = h.state !== 'stopped' && heartbeatAt !== null && now - Date.parse(heartbeatAt) > 6 * HEARTBEAT_MS;
    statuses.push({
      platform,
      agencyId,
      state: gone ? 'gone' : ((h.state as ConnectorStatus['state']) ?? 'gone'),
      detail: h.detail || null,
      since: h.since ?? null,
      lastEventAt: h.lastEventAt ?? null,
      eventsPerMinute,
      heartbeatAt,
    });
  }
  return statuses;
}
