import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { openStore } from '../../src/store/database.ts';
import { applyMigrations } from '../../src/store/migrate.ts';
import { randomDatabaseName } from './database.ts';
import type { TestDatabase } from './database.ts';
import { sleep } from './wait.ts';

const run = promisify(execFile);

/** Debian's PostgreSQL binaries (package postgresql-15); PG_BIN overrides. */
const binDir = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
/** initdb and the server refuse to run as root: they run as this OS user, in a directory it owns. */
const osUser = 'postgres';

/**
 * A throwaway PostgreSQL cluster of one test file's own, to stop, restart and take away without touching the
 * machine's shared server. Trust authentication on 127.0.0.1, fsync off (its data is worth nothing after the test).
 */
export interface PrivatePostgres {
  readonly port: number;
  /** the cluster's directory (data, socket, log) */
  readonly dir: string;
  /** a connection URL for one of its databases */
  urlFor(database: string): string;
  /** a new database with the project's migrations applied, its store open (drop() closes and drops it) */
  createDatabase(): Promise<TestDatabase>;
  /** a fast shutdown: sessions are cut, nothing is accepted until start */
  stop(): Promise<void>;
  start(): Promise<void>;
  restart(): Promise<void>;
  /**
   * stops, waits `ms`, starts again (a database briefly away); `immediate` ends every backend at once, so none can
   * commit while the others are being ended (fast shutdown ends them one by one)
   */
  unreachableFor(ms: number, mode?: 'fast' | 'immediate'): Promise<void>;
  /** whether the server is accepting connections */
  running(): Promise<boolean>;
  /** stops the server and removes its directory */
  teardown(): Promise<void>;
}

/** Runs one of the binaries as the postgres OS user when this process is root. */
async function asOwner(binary: string, args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  const file = path.join(binDir, binary);
  const asRoot = process.getuid?.() === 0;
  return run(asRoot ? 'runuser' : file, asRoot ? ['-u', osUser, '--', file, ...args] : [...args], {
    env: { ...process.env, LC_ALL: 'C.UTF-8' },
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

async function ownedTempDir(): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'aitu-pg-'));
  if (process.getuid?.() === 0) {
    const { stdout } = await run('id', ['-u', osUser]);
    const { stdout: gid } = await run('id', ['-g', osUser]);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  return dir;
}

/** initdb, then starts the server on a free port; call teardown() in the test's `after`. */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = await ownedTempDir();
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'server.log');
  let port = 0;
  try {
    await asOwner('initdb', [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--no-sync',
      '--no-instructions',
    ]);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  const running = async () => {
    try {
      await asOwner('pg_isready', ['-h', '127.0.0.1', '-p', String(port), '-t', '2']);
      return true;
    } catch {
      return false;
    }
  };
  const serverOptions = () =>
    [
      `-p ${port}`,
      "-c listen_addresses='127.0.0.1'",
      `-c unix_socket_directories='${dir}'`,
      '-c fsync=off',
      '-c full_page_writes=off',
      '-c max_connections=100',
    ].join(' ');
  const start = async () => {
    // -w: returns once the server accepts connections
    await asOwner('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '60', '-o', serverOptions(), 'start']);
  };
  const stop = async (mode: 'fast' | 'immediate' = 'fast') => {
    await asOwner('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
  };
  // a port taken between the probe and the start (another test) is tried once more on another
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    try {
      await start();
      break;
    } catch (error) {
      if (attempt >= 2) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
  let template: Promise<string> | null = null;
  const urlFor = (database: string) => `postgresql://postgres@127.0.0.1:${port}/${database}`;
  return {
    port,
    dir,
    urlFor,
    async createDatabase() {
      // migrated once into a template, copied per database
      template ??= (async () => {
        const name = 'aitu_fault_template';
        await admin((client) => client.query(`CREATE DATABASE ${name}`));
        await applyMigrations(urlFor(name));
        await admin((client) =>
          client.query(
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
            [name],
          ),
        );
        return name;
      })();
      const from = await template;
      const name = randomDatabaseName('aitu_fault_', 16);
      await admin((client) => client.query(`CREATE DATABASE ${name} TEMPLATE ${from}`));
      const url = urlFor(name);
      const store = await openStore(url);
      return {
        url,
        name,
        store,
        async drop() {
          await store.close();
          // the cluster may be stopped by then: teardown removes it all
          if (await running()) await admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
        },
      };
    },
    stop,
    start,
    async restart() {
      await stop();
      await start();
    },
    async unreachableFor(ms: number, mode: 'fast' | 'immediate' = 'fast') {
      await stop(mode);
      await sleep(ms);
      await start();
    },
    running,
    async teardown() {
      // stopped or not: pg_ctl says so and the directory goes either way
      await asOwner('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
