// loadConfig: sources in order (environment > config/<NODE_ENV>.json > config/default.json >
// defaults), one-line ConfigErrors naming the setting, production guards, key parsing.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { settings } from '../../src/config/settings.js';

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

/** Real (non-development) secrets, for an https issuer whatever NODE_ENV. */
const secrets = {
  COOKIE_KEYS: 'a'.repeat(64),
  CODE_ENCRYPTION_KEY: '11'.repeat(32),
  KEYSTORE_ENCRYPTION_KEY: '22'.repeat(32),
  ADMIN_CLIENT_SECRET: 'b'.repeat(40),
  DEMO_APP_CLIENT_SECRET: 'e'.repeat(40),
};

const productionSecrets = {
  NODE_ENV: 'production',
  ISSUER: 'https://idp.ent.example.fr',
  ...secrets,
  SMTP_URL: 'smtp://mailer.example.fr:587',
  METRICS_TOKEN: 'f'.repeat(32),
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
    const config = load({
      ...secrets,
      ISSUER: 'https://idp.example.fr/',
      COOKIE_KEYS: `${'k'.repeat(32)}, ${'l'.repeat(32)}`,
      TRUST_PROXY: 'yes',
      DEMO: '0',
    });
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
    expect(
      load({ CODE_ENCRYPTION_KEY: bytes.toString('hex').toUpperCase() }).secrets.codeEncryptionKey.equals(bytes),
    ).toBe(true);
  });

  it('accepts base64', () => {
    expect(
      load({ KEYSTORE_ENCRYPTION_KEY: bytes.toString('base64') }).secrets.keystoreEncryptionKey.equals(bytes),
    ).toBe(true);
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
    const err = errorOf(() =>
      loadConfig({ env: { ...productionSecrets, ISSUER: 'http://idp.ent.example.fr' }, configDir: dir }),
    );
    expect(err.message).toMatch(/^ISSUER: /);
  });

  it.each(['COOKIE_KEYS', 'CODE_ENCRYPTION_KEY', 'KEYSTORE_ENCRYPTION_KEY', 'ADMIN_CLIENT_SECRET'])(
    'refuses the development default of %s',
    (name) => {
      const env: NodeJS.ProcessEnv = { ...productionSecrets };
      delete env[name];
      expect(errorOf(() => loadConfig({ env, configDir: dir })).message).toMatch(
        new RegExp(`^${name}: .*development default`),
      );
    },
  );

  it('refuses a development secret copied into a config file', () => {
    const env: NodeJS.ProcessEnv = { ...productionSecrets };
    delete env.COOKIE_KEYS;
    writeJson('production.json', { COOKIE_KEYS: 'dev-only-cookie-key-change-me-0000000000' });
    expect(errorOf(() => loadConfig({ env, configDir: dir })).message).toMatch(/^COOKIE_KEYS: /);
  });
});

describe('development secrets in another form', () => {
  const devKeys = {
    CODE_ENCRYPTION_KEY: settings.CODE_ENCRYPTION_KEY.default,
    KEYSTORE_ENCRYPTION_KEY: settings.KEYSTORE_ENCRYPTION_KEY.default,
  };

  it.each(
    Object.entries(devKeys).flatMap(([name, hex]) => [
      [name, 'upper-case hex', hex.toUpperCase()],
      [name, 'base64', Buffer.from(hex, 'hex').toString('base64')],
    ]),
  )('refuses %s given as %s in production', (name, _form, value) => {
    expect(errorOf(() => loadConfig({ env: { ...productionSecrets, [name]: value }, configDir: dir })).message).toMatch(
      new RegExp(`^${name}: .*development default`),
    );
  });

  it('refuses the development cookie key anywhere in the COOKIE_KEYS list', () => {
    const env = { ...productionSecrets, COOKIE_KEYS: `${'a'.repeat(64)}, ${settings.COOKIE_KEYS.default}` };
    expect(errorOf(() => loadConfig({ env, configDir: dir })).message).toMatch(/^COOKIE_KEYS: .*development default/);
  });
});

describe('https issuer outside production', () => {
  it.each([['unset'], ['development'], ['test']])('refuses the development secrets with NODE_ENV %s', (nodeEnv) => {
    const env: NodeJS.ProcessEnv = { ISSUER: 'https://idp.ent.example.fr' };
    if (nodeEnv !== 'unset') env.NODE_ENV = nodeEnv;
    expect(errorOf(() => loadConfig({ env, configDir: dir })).message).toMatch(/^COOKIE_KEYS: .*development default/);
    // One public secret left is enough, the demo application's included.
    expect(
      errorOf(() => loadConfig({ env: { ...env, ...secrets, DEMO_APP_CLIENT_SECRET: '' }, configDir: dir })).message,
    ).toMatch(/^DEMO_APP_CLIENT_SECRET: /);
  });

  it('keeps accepting the development secrets on an http issuer', () => {
    expect(loadConfig({ env: {}, configDir: dir }).secrets.cookieKeys).toEqual([settings.COOKIE_KEYS.default]);
  });

  it.each([['unset'], ['test']])('does not seed the demo school (NODE_ENV %s) unless DEMO=true is set', (nodeEnv) => {
    const env: NodeJS.ProcessEnv = { ISSUER: 'https://idp.ent.example.fr', ...secrets };
    if (nodeEnv !== 'unset') env.NODE_ENV = nodeEnv;
    expect(loadConfig({ env, configDir: dir }).demo).toBe(false);
    expect(loadConfig({ env: { ...env, DEMO: 'true' }, configDir: dir }).demo).toBe(true);
    writeJson('default.json', { DEMO: true });
    expect(loadConfig({ env, configDir: dir }).demo).toBe(true);
  });
});

describe('production mail and metrics', () => {
  const prod = (extra: NodeJS.ProcessEnv) => loadConfig({ env: { ...productionSecrets, ...extra }, configDir: dir });

  it('refuses production without SMTP_URL, unless MAIL=disabled', () => {
    expect(errorOf(() => prod({ SMTP_URL: undefined })).message).toMatch(/^SMTP_URL: required in production/);
    expect(errorOf(() => prod({ MAIL: 'files' })).message).toMatch(/^SMTP_URL: /);
    expect(prod({ SMTP_URL: undefined, MAIL: 'disabled' }).mail.mode).toBe('disabled');
    expect(prod({}).mail).toMatchObject({ mode: 'smtp', smtpUrl: 'smtp://mailer.example.fr:587' });
  });

  it('derives MAIL from SMTP_URL, and refuses MAIL=smtp without it', () => {
    expect(load().mail.mode).toBe('files');
    expect(load({ SMTP_URL: 'smtp://localhost:25' }).mail.mode).toBe('smtp');
    expect(errorOf(() => load({ MAIL: 'smtp' })).message).toBe('SMTP_URL: required when MAIL=smtp');
    expect(errorOf(() => load({ MAIL: 'pigeon' })).message).toMatch(/^MAIL: /);
  });

  it('refuses production with /metrics on and neither METRICS_TOKEN nor METRICS_PUBLIC', () => {
    expect(errorOf(() => prod({ METRICS_TOKEN: undefined })).message).toMatch(/^METRICS_TOKEN: required in production/);
    expect(prod({ METRICS_TOKEN: undefined, METRICS_PUBLIC: 'true' }).metrics).toEqual({
      enabled: true,
      token: undefined,
    });
    expect(prod({ METRICS_TOKEN: undefined, METRICS: 'false' }).metrics.enabled).toBe(false);
  });
});
