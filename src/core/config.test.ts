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

  it('has input limits with documented defaults, each settable from the environment and validated', () => {
    const cfg = loadConfig({});
    assert.deepEqual(
      [cfg.maxLineBytes, cfg.maxTextChars, cfg.maxZipEntryBytes, cfg.maxZipRatio, cfg.maxImportAttachmentBytes],
      [1_048_576, 65_536, 2_147_483_648, 100, 68_719_476_736],
    );
    const set = loadConfig({ AITU_GATEWAY_MAX_LINE_BYTES: '2048', AITU_GATEWAY_MAX_TEXT_CHARS: '10', AITU_GATEWAY_MAX_ZIP_ENTRY_BYTES: '1', AITU_GATEWAY_MAX_ZIP_RATIO: '7', AITU_GATEWAY_MAX_IMPORT_ATTACHMENT_BYTES: '3' });
    assert.deepEqual([set.maxLineBytes, set.maxTextChars, set.maxZipEntryBytes, set.maxZipRatio, set.maxImportAttachmentBytes], [2048, 10, 1, 7, 3]);
    assert.throws(() => loadConfig({ AITU_GATEWAY_MAX_LINE_BYTES: 'lots', AITU_GATEWAY_MAX_ZIP_RATIO: '0' }), (error: Error) => {
      assert.ok(error instanceof UsageError);
      assert.match(error.message, /AITU_GATEWAY_MAX_LINE_BYTES \(maxLineBytes\)/);
      assert.match(error.message, /AITU_GATEWAY_MAX_ZIP_RATIO \(maxZipRatio\): must be positive/);
      return true;
    });
  });

  it('names an unreadable config file', () => {
    assert.throws(() => loadConfig({ AITU_GATEWAY_CONFIG: '/nonexistent/gateway.yaml' }), /cannot read config file \/nonexistent\/gateway\.yaml/);
  });
});
