import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from './config.ts';
import { UsageError } from './errors.ts';

describe('configuration', () => {
  it('has localhost defaults', () => {
    const cfg = loadConfig({});
    assert.equal(cfg.redisUrl, 'redis://127.0.0.1:6379');
    assert.match(cfg.databaseUrl, /^postgresql:\/\/postgres@127\.0\.0\.1:5432\//);
    assert.ok(path.isAbsolute(cfg.dataDir));
    assert.equal(cfg.keyFile, path.join(cfg.dataDir, 'keys.json'));
  });

  it('reports one line per wrong value, naming the variable', () => {
    assert.throws(
      () => loadConfig({ REDIS_URL: 'localhost:6379', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' }),
      (error: Error) => {
        assert.ok(error instanceof UsageError);
        const lines = error.message.split('\n').slice(1);
        assert.equal(lines.length, 3);
        assert.match(error.message, /REDIS_URL \(redisUrl\): must be a redis:\/\/ URL/);
        assert.match(error.message, /DATABASE_URL \(databaseUrl\): must be a postgresql:\/\/ URL/);
        assert.match(error.message, /LOG_LEVEL \(logLevel\)/);
        return true;
      },
    );
  });

  it('reads a config file, and the environment wins over it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'aitu-config-'));
    const file = path.join(dir, 'gateway.yaml');
    writeFileSync(file, 'redisUrl: redis://10.0.0.5:6380\nlogLevel: debug\ndataDir: /srv/aitu\n');
    try {
      const cfg = loadConfig({ AITU_GATEWAY_CONFIG: file, LOG_LEVEL: 'warn' });
      assert.equal(cfg.redisUrl, 'redis://10.0.0.5:6380');
      assert.equal(cfg.logLevel, 'warn');
      assert.equal(cfg.dataDir, '/srv/aitu');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names an unreadable config file', () => {
    assert.throws(() => loadConfig({ AITU_GATEWAY_CONFIG: '/nonexistent/gateway.yaml' }), /cannot read config file \/nonexistent\/gateway\.yaml/);
  });
});
