// loadConfig: sources in order (environment > config/<NODE_ENV>.json > config/default.json >
// defaults), one-line ConfigErrors naming the setting, production guards, key parsing.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ent-idp-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const writeJson = (name: string, value: unknown) => writeFileSync(join(dir, name), JSON.stringify(value));
const load = (env: NodeJS.ProcessEnv = {}) => loadConfig({ env: { NODE_ENV: 'development', ...env }, configDir: dir });
const errorOf = (fn: () => unknown): ConfigError => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
};

const productionSecrets = {
  NODE_ENV: 'production',
  ISSUER: 'https://idp.ent.example.fr',
  COOKIE_KEYS: 'a'.repeat(64),
  CODE_ENCRYPTION_KEY: '11'.repeat(32),
  KEYSTORE_ENCRYPTION_KEY: '22'.repeat(32),
  ADMIN_CLIENT_SECRET: 'b'.repeat(40),
};

describe('loadConfig sources', () => {
  it('uses the built-in defaults without files or environment', () => {
    const config = load();
    expect(config.port).toBe(3000);
    expect(config.issuer).toBe('http://localhost:3000');
    expect(config.database.url).toBe('sqlite:data/ent-idp.sqlite');
    expect(config.demo).toBe(true);
  });

  it('environment beats config/<NODE_ENV>.json beats config/default.json beats defaults', () => {
    writeJson('default.json', { $comment: 'ignored', PORT: 4000, HOST: '127.0.0.1', LOG_LEVEL: 'warn' });
    writeJson('development.json', { PORT: 4001, LOG_LEVEL: 'error' });
    writeJson('production.json', { PORT: 4999 });

    expect(load({ PORT: '4002' }).port).toBe(4002);
    const fromFiles = load();
    expect(fromFiles.port).toBe(4001); // development.json over default.json
    expect(fromFiles.logLevel).toBe('error');
    expect(fromFiles.host).toBe('127.0.0.1'); // default.json over the default
    expect(fromFiles.database.poolSize).toBe(10); // built-in default
  });

  it('treats an empty environment variable as unset', () => {
    writeJson('default.json', { PORT: 4000 });
    expect(load({ PORT: '' }).port).toBe(4000);
  });

  it('reads CONFIG_DIR from the environment when no configDir is given', () => {
    writeJson('default.json', { PORT: 4100 });
    expect(loadConfig({ env: { NODE_ENV: 'development', CONFIG_DIR: dir } }).port).toBe(4100);
  });

  it('derives nested values (issuer without trailing slash, admin defaults, lists, booleans)', () => {
    const config = load({ ISSUER: 'https://idp.example.fr/', COOKIE_KEYS: `${'k'.repeat(32)}, ${'l'.repeat(32)}`, TRUST_PROXY: 'yes', DEMO: '0' });
    expect(config.issuer).toBe('https://idp.example.fr');
    expect(config.admin.audience).toBe('https://idp.example.fr/admin/api');
    expect(config.admin.issuer).toBe('https://idp.example.fr');
    expect(config.secrets.cookieKeys).toEqual(['k'.repeat(32), 'l'.repeat(32)]);
    expect(config.trustProxy).toBe(true);
    expect(config.proxyHops).toBe(1);
    expect(config.demo).toBe(false);
    expect(load({ TRUST_PROXY: 'true', PROXY_HOPS: '2' }).proxyHops).toBe(2);
  });
});

describe('loadConfig errors', () => {
  it.each(['abc', '-1', '70000', '3.5'])('refuses PORT=%s with a ConfigError naming PORT', (port) => {
    const err = errorOf(() => load({ PORT: port }));
    expect(err.message).toMatch(/^PORT: /);
    expect(err.message).not.toContain('\n');
  });

  it.each(['0', '-1', '2.5', 'deux'])('refuses PROXY_HOPS=%s (at least one proxy appends the client)', (hops) => {
    expect(errorOf(() => load({ TRUST_PROXY: 'true', PROXY_HOPS: hops })).message).toMatch(/^PROXY_HOPS: /);
  });

  it('names the setting of an invalid value read from a file', () => {
    writeJson('default.json', { LOG_LEVEL: 'loud' });
    expect(errorOf(() => load()).message).toMatch(/^LOG_LEVEL: /);
  });

  it('refuses an unknown key in a config file', () => {
    writeJson('default.json', { PROT: 3000 });
    expect(errorOf(() => load()).message).toMatch(/^PROT: unknown setting/);
  });

  it('refuses an unknown key in the environment-specific file too', () => {
    writeJson('development.json', { DATABSE_URL: 'sqlite:x' });
    expect(errorOf(() => load()).message).toMatch(/^DATABSE_URL: unknown setting/);
  });

  it('refuses a file that is not a JSON object', () => {
    writeFileSync(join(dir, 'default.json'), '{ PORT: 3000 }');
    expect(errorOf(() => load()).message).toMatch(/default\.json: invalid JSON/);
    writeFileSync(join(dir, 'default.json'), '[1, 2]');
    expect(errorOf(() => load()).message).toMatch(/default\.json: invalid JSON/);
  });

  it('refuses a cookie key shorter than 32 characters', () => {
    expect(errorOf(() => load({ COOKIE_KEYS: 'short' })).message).toMatch(/^COOKIE_KEYS: /);
  });
});

describe('32-byte keys', () => {
  const bytes = Buffer.from(Array.from({ length: 32 }, (_, i) => i * 7));

  it('accepts 64 hex characters, either case', () => {
    expect(load({ CODE_ENCRYPTION_KEY: bytes.toString('hex') }).secrets.codeEncryptionKey.equals(bytes)).toBe(true);
    expect(load({ CODE_ENCRYPTION_KEY: bytes.toString('hex').toUpperCase() }).secrets.codeEncryptionKey.equals(bytes)).toBe(true);
  });

  it('accepts base64', () => {
    expect(load({ KEYSTORE_ENCRYPTION_KEY: bytes.toString('base64') }).secrets.keystoreEncryptionKey.equals(bytes)).toBe(true);
  });

  it.each([
    ['too short hex', 'ab'.repeat(31)],
    ['too long hex', 'ab'.repeat(33)],
    ['16 bytes of base64', Buffer.alloc(16).toString('base64')],
  ])('refuses %s, naming the setting', (_label, value) => {
    const err = errorOf(() => load({ CODE_ENCRYPTION_KEY: value }));
    expect(err.message).toBe('CODE_ENCRYPTION_KEY: must be 32 bytes, as 64 hex characters or base64');
  });
});

describe('production guards', () => {
  it('starts with real secrets and an https issuer, and never seeds the demo', () => {
    const config = loadConfig({ env: { ...productionSecrets, DEMO: 'true' }, configDir: dir });
    expect(config.env).toBe('production');
    expect(config.demo).toBe(false);
  });

  it('refuses a non-https ISSUER', () => {
    const err = errorOf(() => loadConfig({ env: { ...productionSecrets, ISSUER: 'http://idp.ent.example.fr' }, configDir: dir }));
    expect(err.message).toMatch(/^ISSUER: /);
  });

  it.each(['COOKIE_KEYS', 'CODE_ENCRYPTION_KEY', 'KEYSTORE_ENCRYPTION_KEY', 'ADMIN_CLIENT_SECRET'])('refuses the development default of %s', (name) => {
    const env: NodeJS.ProcessEnv = { ...productionSecrets };
    delete env[name];
    expect(errorOf(() => loadConfig({ env, configDir: dir })).message).toMatch(new RegExp(`^${name}: .*development default`));
  });

  it('refuses a development secret copied into a config file', () => {
    const env: NodeJS.ProcessEnv = { ...productionSecrets };
    delete env.COOKIE_KEYS;
    writeJson('production.json', { COOKIE_KEYS: 'dev-only-cookie-key-change-me-0000000000' });
    expect(errorOf(() => loadConfig({ env, configDir: dir })).message).toMatch(/^COOKIE_KEYS: /);
  });
});
