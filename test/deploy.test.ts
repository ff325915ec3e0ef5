// The one-host deployment (Dockerfile, docker-compose.yml), checked without a container engine: Debian's
// docker-compose (v1.29, installed by scripts/setup.sh) validates the compose file offline, and the services'
// commands, options and environment names are checked against the CLI and the configuration it reads.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { configEnvironmentNames, secretVariables } from '../src/core/config.ts';
import { cliPath, projectRoot } from './helpers/cli.ts';

const composeFile = path.join(projectRoot, 'docker-compose.yml');
const composeText = readFileSync(composeFile, 'utf8');
/** what `.env` would hold; the compose file refuses to interpolate without AGENCY */
const composeEnv = { AGENCY: 'deploy-test-agency' };
const gatewayImage = 'aitu-gateway:local';

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  secrets?: string[];
  depends_on?: Record<string, { condition: string }>;
  ports?: unknown;
  container_name?: string;
  profiles?: string[];
  healthcheck?: { test: string[] };
}
interface Compose {
  services: Record<string, Service>;
  secrets: Record<string, { file?: string; environment?: string }>;
}

/** `${NAME}`, `${NAME:-default}`, `${NAME:?error}` as compose interpolates them; `$$` is a literal `$` */
function interpolate(value: string): string {
  return value.replace(
    /\$\$|\$\{([A-Z_][A-Z0-9_]*)(?::?[-?]([^}]*))?\}/g,
    (match, name: string | undefined, fallback: string | undefined) => {
      if (match === '$$') return '$';
      const set = (composeEnv as Record<string, string>)[name!];
      if (set !== undefined) return set;
      if (match.includes('?')) throw new Error(`${name} is required by docker-compose.yml`);
      return fallback ?? '';
    },
  );
}

function compose(): Compose {
  const parsed = parseYaml(composeText, { merge: true }) as Compose;
  for (const service of Object.values(parsed.services)) {
    if (service.command) service.command = service.command.map(interpolate);
  }
  return parsed;
}

const gatewayServices = (c: Compose) => Object.entries(c.services).filter(([, s]) => s.image === gatewayImage);

/** `--name` → whether it takes a value, from the Options section of `aitu-gateway <words> --help`. */
function cliOptions(words: string[]): Map<string, boolean> {
  const result = spawnSync(process.execPath, [cliPath, ...words, '--help'], { cwd: projectRoot, encoding: 'utf8' });
  assert.equal(result.status, 0, `aitu-gateway ${words.join(' ')} --help: ${result.stderr}`);
  // commander prints the usage of the command it resolved: an unknown subcommand shows its parent's usage instead
  const usage = /^Usage: (.*)$/m.exec(result.stdout)?.[1] ?? '';
  assert.ok(
    usage.startsWith(['aitu-gateway', ...words].join(' ') + ' '),
    `not a command: aitu-gateway ${words.join(' ')} (help shows "${usage}")`,
  );
  const options = new Map<string, boolean>();
  for (const match of result.stdout.matchAll(/^ {2}(?:-\w, )?(--[a-z0-9-]+)( [<[])?/gm))
    options.set(match[1]!, Boolean(match[2]));
  return options;
}

/** The words before the first option: the command (`bridge telegram`, `npm run build`). */
function leadingWords(args: string[]): string[] {
  const firstOption = args.findIndex((a) => a.startsWith('-'));
  return firstOption === -1 ? args : args.slice(0, firstOption);
}

/** Fails unless `args` is a command of the CLI followed only by options it knows (and their values). */
function assertCliCommand(service: string, args: string[]): void {
  const words = leadingWords(args);
  const options = cliOptions(words);
  for (let i = words.length; i < args.length; i++) {
    const arg = args[i]!;
    assert.ok(
      options.has(arg),
      `${service}: aitu-gateway ${words.join(' ')} has no option ${arg} (it has ${[...options.keys()].join(', ')})`,
    );
    if (options.get(arg)) {
      i++;
      assert.ok(args[i] !== undefined && !args[i]!.startsWith('-'), `${service}: ${arg} needs a value`);
    }
  }
}

/** Dockerfile instructions, continuation lines joined, comments dropped. */
function dockerfile(): { instruction: string; argument: string }[] {
  const text = readFileSync(path.join(projectRoot, 'Dockerfile'), 'utf8');
  const lines = text.split('\n').filter((line) => !/^\s*#/.test(line));
  return lines
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [, instruction, argument] = /^\s*(\w+)\s+(.*)$/.exec(line)!;
      return { instruction: instruction!.toUpperCase(), argument: argument!.trim() };
    });
}

/** The npm and node commands a RUN runs: their words up to the first option (`npm ci`, `npm run build`, …). */
function npmAndNodeCommands(run: string): string[] {
  return run
    .split(/&&|;|\|\|/)
    .map((part) => part.trim().split(/\s+/))
    .filter((words) => words[0] === 'npm' || words[0] === 'node')
    .map((words) => leadingWords(words).join(' '));
}

/** The README and the scripts its commands run (`bash scripts/x.sh`, and the scripts those run). */
function readmeCommandsText(): string {
  const seen = new Set<string>();
  const texts: string[] = [];
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(path.join(projectRoot, file), 'utf8');
    texts.push(text);
    for (const match of text.matchAll(/bash (scripts\/[\w.-]+\.sh)/g)) visit(match[1]!);
  };
  visit('README.md');
  return texts.join('\n');
}

describe('one-host deployment', () => {
  it('docker-compose (Debian v1.29) parses docker-compose.yml offline, and rejects a broken one', () => {
    const version = spawnSync('docker-compose', ['version', '--short'], { encoding: 'utf8' });
    assert.ifError(version.error); // missing binary: scripts/setup.sh installs Debian's docker-compose
    const check = (file: string) =>
      spawnSync('docker-compose', ['-f', file, 'config', '-q'], {
        cwd: projectRoot,
        encoding: 'utf8',
        env: { ...process.env, ...composeEnv },
      });
    const ok = check(composeFile);
    assert.equal(ok.status, 0, ok.stderr);
    // the check can fail: an unknown depends_on condition is refused
    const dir = mkdtempSync(path.join(tmpdir(), 'aitu-compose-'));
    try {
      const broken = path.join(dir, 'docker-compose.yml');
      writeFileSync(broken, composeText.replace('service_completed_successfully', 'service_finished'));
      assert.notEqual(check(broken).status, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('has PostgreSQL 15, Redis 7, a one-shot db migrate the gateway waits for, scalable workers and both bridges', () => {
    const c = compose();
    assert.match(c.services.postgres?.image ?? '', /^postgres:15(\b|$)/);
    assert.match(c.services.redis?.image ?? '', /^redis:7(\b|$)/);
    assert.deepEqual(c.services.migrate?.command, ['db', 'migrate']);
    assert.equal(c.services.migrate?.image, gatewayImage);
    assert.deepEqual(c.services.worker?.command?.slice(0, 1), ['worker']);
    assert.deepEqual(c.services['bridge-telegram']?.command?.slice(0, 4), [
      'bridge',
      'telegram',
      '--agency',
      composeEnv.AGENCY,
    ]);
    assert.deepEqual(c.services['bridge-whatsapp']?.command?.slice(0, 4), [
      'bridge',
      'whatsapp',
      '--agency',
      composeEnv.AGENCY,
    ]);
    for (const name of ['worker', 'bridge-telegram', 'bridge-whatsapp', 'bridge-aitu']) {
      const service = c.services[name]!;
      assert.equal(service.depends_on?.migrate?.condition, 'service_completed_successfully', name);
      assert.equal(service.depends_on?.postgres?.condition, 'service_healthy', name);
      assert.equal(service.depends_on?.redis?.condition, 'service_healthy', name);
      assert.ok(service.command!.includes('--metrics-port'), `${name} exposes metrics`);
      assert.match(service.healthcheck?.test.join(' ') ?? '', /\/healthz/, name);
    }
    // --scale worker=N: no fixed container name, no host port that a second replica would collide on
    assert.equal(c.services.worker!.container_name, undefined);
    assert.equal(c.services.worker!.ports, undefined);
  });

  it("runs only commands and options the CLI has (checked against each command's --help)", () => {
    for (const [name, service] of gatewayServices(compose())) {
      assert.ok(service.command && service.command.length > 0, `${name} has a command`);
      assertCliCommand(name, service.command);
    }
  });

  it('sets only environment variables the configuration reads, and every secret from a file', () => {
    const c = compose();
    const gateway = gatewayServices(c);
    assert.ok(gateway.length >= 4);
    for (const [name, service] of gateway) {
      for (const variable of Object.keys(service.environment ?? {})) {
        assert.ok(configEnvironmentNames.includes(variable), `${name}: ${variable} is not read by src/core/config.ts`);
      }
      for (const secret of secretVariables)
        assert.equal(service.environment?.[secret], undefined, `${name}: ${secret} must come from ${secret}_FILE`);
    }
    // every *_FILE (the gateway's and the images' own) names a secret the service mounts, and that secret a file
    for (const [name, service] of Object.entries(c.services)) {
      for (const [variable, value] of Object.entries(service.environment ?? {})) {
        assert.doesNotMatch(
          variable,
          /PASSWORD$|TOKEN$|SECRET$|^DATABASE_URL$|^REDIS_URL$/,
          `${name}: ${variable} would put a secret in the compose file`,
        );
        if (!variable.endsWith('_FILE') || variable.startsWith('AITU_GATEWAY_')) continue;
        const secret = /^\/run\/secrets\/([\w-]+)$/.exec(value)?.[1];
        assert.ok(secret && service.secrets?.includes(secret), `${name}: ${variable}=${value} is not a mounted secret`);
        assert.match(
          c.secrets[secret]?.file ?? '',
          /^\.\/secrets\/[\w-]+$/,
          `secret ${secret} comes from a file under ./secrets`,
        );
      }
    }
  });

  it("builds with the README's commands (npm ci, npm run build) and runs node bin/aitu-gateway.js", () => {
    const steps = dockerfile();
    const froms = steps.filter((s) => s.instruction === 'FROM').map((s) => s.argument.split(/\s+/)[0]);
    assert.ok(
      froms.length > 0 && froms.every((image) => image === 'node:20-bookworm-slim'),
      `Debian slim with Node 20: ${froms.join(', ')}`,
    );
    const runs = steps.filter((s) => s.instruction === 'RUN').map((s) => s.argument);
    const commands = new Set(runs.flatMap(npmAndNodeCommands));
    assert.ok(commands.has('npm ci'), 'RUN npm ci');
    assert.ok(commands.has('npm run build'), 'RUN npm run build');
    assert.ok(
      runs.some((run) => /apt-get install [^&]*\bchromium\b/.test(run)),
      "Debian's chromium",
    );
    const last = (instruction: string) => steps.filter((s) => s.instruction === instruction).at(-1)?.argument;
    assert.deepEqual(JSON.parse(last('ENTRYPOINT') ?? 'null'), ['node', 'bin/aitu-gateway.js']);
    assert.deepEqual(JSON.parse(last('CMD') ?? 'null'), ['--help']);
    assert.ok(!['root', '0', undefined].includes(last('USER')), 'runs as a user of its own');
    for (const step of steps.filter((s) => s.instruction === 'ENV')) {
      for (const match of step.argument.matchAll(/([A-Z_][A-Z0-9_]*)=/g))
        assert.ok(configEnvironmentNames.includes(match[1]!), `ENV ${match[1]}`);
    }

    // the same commands a fresh clone runs: the README's, and the scripts it runs
    const readme = readmeCommandsText();
    for (const command of [...commands, 'node bin/aitu-gateway.js']) {
      assert.ok(
        new RegExp(`(^|[\\s(\`])${command.replace(/[.]/g, '\\.')}(\\s|$|[\`)])`, 'm').test(readme),
        `"${command}" is not among the README's commands`,
      );
    }
    const pkg = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
      scripts: Record<string, string>;
    };
    assert.equal(pkg.bin['aitu-gateway'], 'bin/aitu-gateway.js');
    assert.ok(pkg.scripts.build, 'package.json has the build script the Dockerfile runs');
  });
});
