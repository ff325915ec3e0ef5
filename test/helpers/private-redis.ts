import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const REDIS_SERVER = '/usr/bin/redis-server';

export interface PrivateRedisOptions {
  /**
   * true: every write is in the append-only file, fsynced before the reply (appendfsync always), so a restart,
   * even after SIGKILL, comes back with every queue as it was. false: nothing is written to disk, so a restart
   * comes back empty.
   */
  persistence: boolean;
}

export interface PrivateRedis {
  url: string;
  port: number;
  /** the server's working directory (its append-only file, its log) */
  dir: string;
  /** SHUTDOWN NOSAVE (the server exits as asked, writing no snapshot) or SIGKILL (it dies where it stands) */
  stop(how?: 'shutdown' | 'sigkill'): Promise<void>;
  /** starts it again on the same port and directory */
  start(): Promise<void>;
  /** stop, then start; `downMs` is how long it stays away in between */
  restart(how?: 'shutdown' | 'sigkill', downMs?: number): Promise<void>;
  /** one command in Redis's inline form (`SET marker 1`), and its reply as the server wrote it (`+OK`) */
  send(line: string): Promise<string>;
  /** keys in its database, from DBSIZE */
  dbsize(): Promise<number>;
  /** stops it (SIGKILL) and removes its directory */
  close(): Promise<void>;
}

/** A TCP port nothing listens on right now (the kernel's choice), for a server started just after. */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port from the kernel');
  return address.port;
}

/** One command in the inline protocol; the raw reply (a line, or an error when the server is away). */
async function command(port: number, line: string, timeoutMs = 1000): Promise<string> {
  const socket = new Socket();
  socket.setTimeout(timeoutMs);
  try {
    return await new Promise<string>((resolve, reject) => {
      let reply = '';
      socket.on('data', (data: Buffer) => {
        reply += data.toString('utf8');
        if (reply.endsWith('\r\n')) resolve(reply.trimEnd());
      });
      socket.on('timeout', () => reject(new Error(`no reply to ${line.split(' ')[0]} within ${timeoutMs} ms`)));
      socket.on('error', reject);
      socket.on('close', () => resolve(reply.trimEnd()));
      socket.connect(port, '127.0.0.1', () => socket.write(`${line}\r\n`));
    });
  } finally {
    socket.destroy();
  }
}

/**
 * A `redis-server` of the test's own, on a free port in a temporary directory, so that a fault test can stop and
 * restart it without touching the Redis every other test shares. Killed when the test process exits, whatever
 * happened to the test.
 */
export async function startPrivateRedis(options: PrivateRedisOptions): Promise<PrivateRedis> {
  const dir = mkdtempSync(path.join(tmpdir(), 'aitu-redis-'));
  const port = await freePort();
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--daemonize',
    'no',
    '--logfile',
    path.join(dir, 'redis.log'),
    // BullMQ refuses to work with any other eviction policy
    '--maxmemory-policy',
    'noeviction',
    '--save',
    '',
    ...(options.persistence ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
  ];
  let child: ChildProcess | null = null;
  const killOnExit = () => child?.kill('SIGKILL');
  process.on('exit', killOnExit);

  const start = async () => {
    if (child) throw new Error('the private Redis is already running');
    const started = spawn(REDIS_SERVER, args, { stdio: 'ignore' });
    child = started;
    started.once('exit', () => {
      if (child === started) child = null;
    });
    const until = Date.now() + 10_000;
    for (;;) {
      if (child !== started) throw new Error(`redis-server exited at start: ${log()}`);
      const reply = await command(port, 'PING', 200).catch(() => '');
      // a server still loading its append-only file answers -LOADING
      if (reply === '+PONG') return;
      if (Date.now() > until) throw new Error(`redis-server did not answer on port ${port}: ${log()}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  const log = () => {
    try {
      return readFileSync(path.join(dir, 'redis.log'), 'utf8').split('\n').slice(-5).join(' | ');
    } catch {
      return '(no log)';
    }
  };
  const stop = async (how: 'shutdown' | 'sigkill' = 'shutdown') => {
    const running = child;
    if (!running) return;
    const exited = once(running, 'exit');
    if (how === 'sigkill') running.kill('SIGKILL');
    else await command(port, 'SHUTDOWN NOSAVE').catch(() => running.kill('SIGKILL'));
    await exited;
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    stop,
    start,
    async restart(how = 'shutdown', downMs = 0) {
      await stop(how);
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
      await start();
    },
    send: (line) => command(port, line),
    async dbsize() {
      const reply = await command(port, 'DBSIZE');
      const match = /^:(\d+)$/.exec(reply);
      if (!match) throw new Error(`unexpected DBSIZE reply: ${reply}`);
      return Number(match[1]);
    },
    async close() {
      await stop('sigkill');
      process.off('exit', killOnExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
