import { spawn, type ChildProcess } from 'node:child_process';
import { cliPath, projectRoot } from './cli.ts';
import type { ImportWorld } from './import-world.ts';
import { waitFor } from './wait.ts';

/** A bridge as an operator runs it, `aitu-gateway bridge <platform> --agency <slug> …`, its output kept. */
export class BridgeProcess {
  output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly child: ChildProcess;

  /**
   * `command`: what node runs in place of the CLI's `bridge` (a test harness), `ipc` to talk to it; the CLI itself
   * gets no IPC channel, which would keep it alive after it stopped.
   */
  constructor(
    world: ImportWorld,
    args: readonly string[],
    env: NodeJS.ProcessEnv = {},
    options: { command?: readonly string[]; ipc?: boolean } = {},
  ) {
    this.child = spawn(process.execPath, [...(options.command ?? [cliPath, 'bridge']), ...args], {
      cwd: projectRoot,
      env: { ...process.env, ...world.env, LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc ? (['ipc'] as const) : [])],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.output += d));
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.output += d));
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Resolves once the bridge logged that it runs (its connector connected, its consumers started). */
  async running(ms = 30_000): Promise<void> {
    await waitFor(
      async () => {
        if (this.child.exitCode !== null) throw new Error(`the bridge exited: ${this.output.slice(-2000)}`);
        return /"bridge running"/.test(this.output);
      },
      'the bridge running',
      ms,
    );
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}
