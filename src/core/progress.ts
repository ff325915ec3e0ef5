import cliProgress from 'cli-progress';

export interface Progress {
  update(state: { entries: number; bytesRead: number; totalBytes: number; batchesCommitted: number }): void;
  stop(): void;
}

/**
 * Progress on standard error: a bar on a terminal (entries read, rate, ETA by bytes), periodic plain lines
 * otherwise, so logs of unattended runs stay readable.
 */
export function createProgress(
  label: string,
  options: { stream?: NodeJS.WriteStream; intervalMs?: number; enabled?: boolean } = {},
): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.enabled === false) return { update() {}, stop() {} };
  const started = Date.now();
  const elapsed = () => Math.max(0.001, (Date.now() - started) / 1000);
  const rate = (entries: number) => Math.round(entries / elapsed());
  // by bytes, the only measure known up front; blank until there is enough to go on
  const eta = (done: number, total: number) => {
    if (done <= 0 || total <= 0 || elapsed() < 1) return '…';
    const seconds = Math.max(0, Math.round(((total - done) * elapsed()) / done));
    return seconds >= 3600
      ? `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`
      : seconds >= 60
        ? `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`
        : `${seconds}s`;
  };
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: `${label} [{bar}] {percentage}% | {entries} read | {batches} batches committed | {rate}/s | ETA {remaining}`,
        hideCursor: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    let startedBar = false;
    return {
      update({ entries, bytesRead, totalBytes, batchesCommitted }) {
        if (!startedBar) {
          bar.start(Math.max(1, totalBytes), 0, { entries: 0, batches: 0, rate: 0, remaining: '…' });
          startedBar = true;
        }
        bar.update(Math.min(bytesRead, totalBytes), {
          entries,
          batches: batchesCommitted,
          rate: rate(entries),
          remaining: eta(bytesRead, totalBytes),
        });
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
    stream.write(
      `${label}: ${latest.entries} read (${pct}%), ${latest.batchesCommitted} batches committed, ${rate(latest.entries)}/s\n`,
    );
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
