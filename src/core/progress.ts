import cliProgress from 'cli-progress';

export interface Progress {
  update(state: { entries: number; bytesRead: number; totalBytes: number; batchesCommitted: number }): void;
  stop(): void;
}

/**
 * Progress on standard error: a bar on a terminal (entries read, rate, ETA by bytes), periodic plain lines
 * otherwise, so logs of unattended runs stay readable.
 */
export function createProgress(label: string, options: { stream?: NodeJS.WriteStream; intervalMs?: number; enabled?: boolean } = {}): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.enabled === false) return { update() {}, stop() {} };
  const started = Date.now();
  const rate = (entries: number) => Math.round(entries / Math.max(0.001, (Date.now() - started) / 1000));
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: `${label} [{bar}] {percentage}% | {entries} read | {batches} batches committed | {rate}/s | ETA {eta_formatted}`,
        hideCursor: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    let startedBar = false;
    return {
      update({ entries, bytesRead, totalBytes, batchesCommitted }) {
        if (!startedBar) {
          bar.start(Math.max(1, totalBytes), 0, { entries: 0, batches: 0, rate: 0 });
          startedBar = true;
        }
        bar.update(Math.min(bytesRead, totalBytes), { entries, batches: batchesCommitted, rate: rate(entries) });
      },
      stop() {
        if (startedBar) bar.stop();
      },
    };
  }
  const intervalMs = options.intervalMs ?? 5000;
  let last = 0;
  let latest = { entries: 0, bytesRead: 0, totalBytes: 0, batchesCommitted: 0 };
  const line = () => {
    const pct = latest.totalBytes > 0 ? ((100 * latest.bytesRead) / latest.totalBytes).toFixed(1) : '?';
    stream.write(`${label}: ${latest.entries} read (${pct}%), ${latest.batchesCommitted} batches committed, ${rate(latest.entries)}/s\n`);
  };
  return {
    update(state) {
      latest = state;
      if (Date.now() - last >= intervalMs) {
        last = Date.now();
        line();
      }
    },
    stop() {
      if (latest.entries > 0) line();
    },
  };
}
