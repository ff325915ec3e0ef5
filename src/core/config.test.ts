import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  configEnvironmentNames,
  loadConfig,
  secretFromEnvironment,
  secretVariables,
  telegramBotToken,
} from './config.ts';
import { attachmentLimits } from './limits.ts';
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

  it('has limits on reading attachments, with documented defaults, settable and validated', () => {
    assert.deepEqual(attachmentLimits(loadConfig({})), {
      maxBytes: 52_428_800,
      maxPages: 100,
      maxPixels: 50_000_000,
      timeoutMs: 120_000,
    });
    const set = loadConfig({
      AITU_GATEWAY_EXTRACT_MAX_BYTES: '1000',
      AITU_GATEWAY_EXTRACT_MAX_PAGES: '3',
      AITU_GATEWAY_EXTRACT_MAX_PIXELS: '4000000',
      AITU_GATEWAY_EXTRACT_TIMEOUT_SECONDS: '9',
    });
    assert.deepEqual(attachmentLimits(set), { maxBytes: 1000, maxPages: 3, maxPixels: 4_000_000, timeoutMs: 9000 });
    assert.throws(
      () => loadConfig({ AITU_GATEWAY_EXTRACT_MAX_PAGES: 'many' }),
      /AITU_GATEWAY_EXTRACT_MAX_PAGES \(extractMaxPages\)/,
    );
  });

  it('has input limits with documented defaults, each settable from the environment and validated', () => {
    const cfg = loadConfig({});
    assert.deepEqual(
      [cfg.maxLineBytes, cfg.maxTextChars, cfg.maxZipEntryBytes, cfg.maxZipRatio, cfg.maxImportAttachmentBytes],
      [1_048_576, 65_536, 2_147_483_648, 100, 68_719_476_736],
    );
    const set = loadConfig({
      AITU_GATEWAY_MAX_LINE_BYTES: '2048',
      AITU_GATEWAY_MAX_TEXT_CHARS: '10',
      AITU_GATEWAY_MAX_ZIP_ENTRY_BYTES: '1',
      AITU_GATEWAY_MAX_ZIP_RATIO: '7',
      AITU_GATEWAY_MAX_IMPORT_ATTACHMENT_BYTES: '3',
    });
    assert.deepEqual(
      [set.maxLineBytes, set.maxTextChars, set.maxZipEntryBytes, set.maxZipRatio, set.maxImportAttachmentBytes],
      [2048, 10, 1, 7, 3],
    );
    assert.throws(
      () => loadConfig({ AITU_GATEWAY_MAX_LINE_BYTES: 'lots', AITU_GATEWAY_MAX_ZIP_RATIO: '0' }),
      (error: Error) => {
        assert.ok(error instanceof UsageError);
        assert.match(error.message, /AITU_GATEWAY_MAX_LINE_BYTES \(maxLineBytes\)/);
        assert.match(error.message, /AITU_GATEWAY_MAX_ZIP_RATIO \(maxZipRatio\): must be positive/);
        return true;
      },
    );
  });

  describe('secrets from files (<NAME>_FILE)', () => {
    let dir: string;
    const secret = (name: string, content: string) => {
      const file = path.join(dir, name);
      writeFileSync(file, content, { mode: 0o600 });
      return file;
    };
    before(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'aitu-secrets-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('reads the database and Redis URLs from the files named by DATABASE_URL_FILE and REDIS_URL_FILE, without the trailing line break', () => {
      const cfg = loadConfig({
        DATABASE_URL_FILE: secret('database_url', 'postgresql://aitu:s3cret@db:5432/aitu_gateway\n'),
        REDIS_URL_FILE: secret('redis_url', 'redis://:pa55@cache:6379\r\n'),
      });
      assert.equal(cfg.databaseUrl, 'postgresql://aitu:s3cret@db:5432/aitu_gateway');
      assert.equal(cfg.redisUrl, 'redis://:pa55@cache:6379');
    });

    it('a file wins over the config file, like the variable it stands for', () => {
      const configFile = secret('gateway.yaml', 'redisUrl: redis://10.0.0.5:6380\n');
      const cfg = loadConfig({
        AITU_GATEWAY_CONFIG: configFile,
        REDIS_URL_FILE: secret('redis_url2', 'redis://cache:6379\n'),
      });
      assert.equal(cfg.redisUrl, 'redis://cache:6379');
    });

    it('refuses a variable and its _FILE set together, naming both and neither value', () => {
      for (const name of secretVariables) {
        const env = {
          [name]: 'postgresql://x:inline-secret@h/d',
          [`${name}_FILE`]: secret(`both-${name}`, 'postgresql://x:file-secret@h/d\n'),
        };
        assert.throws(
          () => loadConfig(env),
          (error: Error) => {
            assert.ok(error instanceof UsageError);
            assert.equal(error.message, `both ${name} and ${name}_FILE are set: set one of them`);
            return true;
          },
          name,
        );
        assert.throws(() => secretFromEnvironment(name, env), UsageError);
      }
      // an empty variable counts as unset, as for every other setting
      assert.equal(
        loadConfig({ DATABASE_URL: '', DATABASE_URL_FILE: secret('db3', 'postgresql://h/d\n') }).databaseUrl,
        'postgresql://h/d',
      );
    });

    it('names an unreadable or empty file and the variable, never a value', () => {
      assert.throws(
        () => loadConfig({ DATABASE_URL_FILE: path.join(dir, 'missing') }),
        (error: Error) => {
          assert.ok(error instanceof UsageError);
          assert.equal(error.message, `cannot read ${path.join(dir, 'missing')} (DATABASE_URL_FILE): ENOENT`);
          return true;
        },
      );
      const empty = secret('empty', '\n');
      assert.throws(() => loadConfig({ REDIS_URL_FILE: empty }), new UsageError(`${empty} (REDIS_URL_FILE) is empty`));
      // a wrong value names the setting, not the secret it holds
      assert.throws(
        () => loadConfig({ DATABASE_URL_FILE: secret('wrong', 'mysql://root:hunter2@h/d\n') }),
        (error: Error) => {
          assert.match(error.message, /DATABASE_URL \(databaseUrl\): must be a postgresql:\/\/ URL/);
          assert.doesNotMatch(error.message, /hunter2/);
          return true;
        },
      );
    });

    it('reads the Telegram bot token from TELEGRAM_BOT_TOKEN_FILE and refuses it beside TELEGRAM_BOT_TOKEN', () => {
      const token = '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abc-def';
      const file = secret('telegram_bot_token', `${token}\n`);
      const env = { TELEGRAM_BOT_TOKEN_FILE: file };
      assert.equal(telegramBotToken(loadConfig(env), undefined, env), token);
      assert.equal(telegramBotToken({}, undefined, { TELEGRAM_BOT_TOKEN: token }), token);
      const both = { TELEGRAM_BOT_TOKEN_FILE: file, TELEGRAM_BOT_TOKEN: token };
      assert.throws(() => loadConfig(both), /both TELEGRAM_BOT_TOKEN and TELEGRAM_BOT_TOKEN_FILE are set/);
      assert.throws(
        () => telegramBotToken({ telegramBotTokenFile: file }, undefined, both),
        (error: Error) => {
          assert.doesNotMatch(error.message, /ABCDEFGHIJ/);
          return /both TELEGRAM_BOT_TOKEN and TELEGRAM_BOT_TOKEN_FILE/.test(error.message);
        },
      );
    });

    it('lists every secret and its _FILE form among the names a deployment may set', () => {
      for (const name of secretVariables) {
        assert.ok(configEnvironmentNames.includes(name), name);
        assert.ok(configEnvironmentNames.includes(`${name}_FILE`), `${name}_FILE`);
      }
      assert.ok(configEnvironmentNames.includes('AITU_GATEWAY_DATA_DIR'));
      assert.ok(!configEnvironmentNames.includes('AITU_GATEWAY_DATA_DIR_FILE'));
    });
  });

  it('names an unreadable config file', () => {
    assert.throws(
      () => loadConfig({ AITU_GATEWAY_CONFIG: '/nonexistent/gateway.yaml' }),
      /cannot read config file \/nonexistent\/gateway\.yaml/,
    );
  });
});
