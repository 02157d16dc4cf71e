// The server and the CLI as operators run them: compiled (`npm test` builds first), as child
// processes, judged by exit code, stderr and the health endpoints.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { settings } from '../../src/config/settings.js';
import { createTestDatabaseUrl, usingMysql } from '../helpers/db.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(ROOT, 'dist/src/main.js');
const CLI = join(ROOT, 'dist/src/cli/index.js');

/** Per-test timeout: each test starts one or two Node processes. */
const T = 30_000;

let tmp: string;
beforeAll(() => {
  if (!existsSync(MAIN) || !existsSync(CLI))
    throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
  tmp = mkdtempSync(join(tmpdir(), 'ent-idp-startup-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const sqliteUrl = (name: string) => `sqlite:${join(tmp, name, 'ent-idp.sqlite')}`;

/** A minimal environment: nothing from the test runner (NODE_OPTIONS, NODE_ENV=test) leaks in. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'development',
    DEMO: 'false',
    LOG_LEVEL: 'warn',
    PURGE_INTERVAL: '0',
    ...extra,
  };
}

interface Child {
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
  stderr(): string;
  kill(signal: NodeJS.Signals): void;
  hasExited(): boolean;
}

function run(script: string, args: string[], env: NodeJS.ProcessEnv): Child {
  const child = spawn(process.execPath, [script, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      done = true;
      resolve({ code, signal });
    }),
  );
  return { exited, stdout: () => out, stderr: () => err, kill: (signal) => child.kill(signal), hasExited: () => done };
}

async function runToEnd(script: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 15_000) {
  const child = run(script, args, env);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const { code } = await child.exited;
  clearTimeout(timer);
  return { code, stdout: child.stdout(), stderr: child.stderr() };
}

/**
 * The stderr of a failed start or command: exactly one `ent-idp: …` line and no stack
 * frame. oidc-provider's own start-up warnings (e.g. "Unsupported runtime" on Node 20) are
 * not ours and are set aside.
 */
function expectOneLineError(stderr: string): string {
  expect(stderr).not.toMatch(/^\s+at /m);
  const lines = stderr.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('oidc-provider WARNING'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^ent-idp: \S/);
  return lines[0]!;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitFor200(url: string, child: Child, deadline: number): Promise<Response> {
  let lastError = '';
  while (Date.now() < deadline) {
    if (child.hasExited()) throw new Error(`the server exited before ${url} answered; stderr: ${child.stderr()}`);
    try {
      const res = await fetch(url);
      if (res.status === 200) return res;
      lastError = `status ${res.status}`;
    } catch (err) {
      lastError = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer 200 in time (${lastError}); stderr: ${child.stderr()}`);
}

async function startAndStop(databaseUrl: string): Promise<void> {
  const port = await freePort();
  const child = run(
    MAIN,
    [],
    childEnv({ DATABASE_URL: databaseUrl, PORT: String(port), HOST: '127.0.0.1', ISSUER: `http://127.0.0.1:${port}` }),
  );
  try {
    const deadline = Date.now() + 10_000;
    const health = await waitFor200(`http://127.0.0.1:${port}/healthz`, child, deadline);
    expect(health.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await waitFor200(`http://127.0.0.1:${port}/readyz`, child, deadline);
    expect(ready.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await ready.json()).toMatchObject({ status: 'ready', database: 'up', migrations: 'applied' });
  } catch (err) {
    child.kill('SIGKILL');
    await child.exited;
    throw err;
  }
  const stoppedAt = Date.now();
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const { code, signal } = await child.exited;
  clearTimeout(timer);
  expect({ code, signal }).toEqual({ code: 0, signal: null });
  expect(Date.now() - stoppedAt).toBeLessThan(5_000);
  expect(child.stderr()).not.toMatch(/^\s+at /m);
}

describe('server startup', () => {
  it(
    'creates the SQLite file, answers /healthz and /readyz, and stops with 0 on SIGTERM',
    async () => {
      const url = sqliteUrl('start');
      const file = url.slice('sqlite:'.length);
      await startAndStop(url);
      expect(existsSync(file)).toBe(true);
    },
    T,
  );

  // Runs when the suite runs on MySQL/MariaDB (CI's second pass); reported as skipped on SQLite.
  (usingMysql() ? it : it.skip)(
    'starts the same on the MySQL/MariaDB of TEST_DATABASE_URL',
    async () => {
      const target = await createTestDatabaseUrl();
      try {
        await startAndStop(target.url);
      } finally {
        await target.drop();
      }
    },
    T,
  );

  it(
    'refuses a DATABASE_URL that is not one: one line, exit 1',
    async () => {
      const { code, stderr } = await runToEnd(MAIN, [], childEnv({ DATABASE_URL: 'bogus', PORT: '0' }));
      expect(code).not.toBe(0);
      expect(expectOneLineError(stderr)).toMatch(/^ent-idp: DATABASE_URL: /);
    },
    T,
  );

  it(
    'reports an unreachable MySQL server in one line, exit 1',
    async () => {
      const { code, stderr } = await runToEnd(
        MAIN,
        [],
        childEnv({ DATABASE_URL: 'mysql://nobody@127.0.0.1:1/x', PORT: '0', DATABASE_TIMEOUT_MS: '2000' }),
      );
      expect(code).not.toBe(0);
      const line = expectOneLineError(stderr);
      expect(line).toMatch(/^ent-idp: cannot open the database mysql:\/\/nobody@127\.0\.0\.1:1\/x/);
    },
    T,
  );

  it(
    'refuses production with the development secrets, naming the setting',
    async () => {
      const { code, stderr } = await runToEnd(
        MAIN,
        [],
        childEnv({
          NODE_ENV: 'production',
          ISSUER: 'https://idp.ent.example.fr',
          DATABASE_URL: sqliteUrl('prod'),
          PORT: '0',
        }),
      );
      expect(code).toBe(1);
      const line = expectOneLineError(stderr);
      const name = /^ent-idp: ([A-Z0-9_]+): /.exec(line)?.[1] as keyof typeof settings | undefined;
      expect(name && settings[name] && 'devSecret' in settings[name] && settings[name].devSecret).toBe(true);
      expect(line).toMatch(/development default/);
      expect(existsSync(join(tmp, 'prod'))).toBe(false); // refused before touching the database
    },
    T,
  );

  it(
    'refuses production with an http:// ISSUER',
    async () => {
      const secrets = {
        COOKIE_KEYS: 'c'.repeat(64),
        CODE_ENCRYPTION_KEY: '33'.repeat(32),
        KEYSTORE_ENCRYPTION_KEY: '44'.repeat(32),
        ADMIN_CLIENT_SECRET: 'd'.repeat(40),
      };
      const { code, stderr } = await runToEnd(
        MAIN,
        [],
        childEnv({
          NODE_ENV: 'production',
          ISSUER: 'http://idp.ent.example.fr',
          DATABASE_URL: sqliteUrl('prod-http'),
          PORT: '0',
          ...secrets,
        }),
      );
      expect(code).toBe(1);
      expect(expectOneLineError(stderr)).toMatch(/^ent-idp: ISSUER: .*https/);
    },
    T,
  );
});

describe('ent-idp CLI', () => {
  it(
    'migrate applies the migrations to a new SQLite database, then has nothing to do',
    async () => {
      const env = childEnv({ DATABASE_URL: sqliteUrl('cli') });
      const first = await runToEnd(CLI, ['migrate'], env);
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/^applied Initial\d+$/m);
      expect(existsSync(join(tmp, 'cli', 'ent-idp.sqlite'))).toBe(true);

      const second = await runToEnd(CLI, ['migrate'], env);
      expect(second.code).toBe(0);
      expect(second.stdout).not.toMatch(/^applied /m);
      expect(second.stdout).toMatch(/up to date/);
    },
    T,
  );

  it(
    'migrate reports an unreachable database in one line, exit 1',
    async () => {
      const { code, stderr } = await runToEnd(
        CLI,
        ['migrate'],
        childEnv({ DATABASE_URL: 'mysql://nobody@127.0.0.1:1/x', DATABASE_TIMEOUT_MS: '2000' }),
      );
      expect(code).toBe(1);
      expectOneLineError(stderr);
    },
    T,
  );

  it(
    'an unknown command exits 2 with one line',
    async () => {
      const { code, stdout, stderr } = await runToEnd(CLI, ['frobnicate'], childEnv({}));
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(expectOneLineError(stderr)).toMatch(/^ent-idp: unknown command "frobnicate"/);
    },
    T,
  );

  it(
    'an unknown option exits 2 with one line',
    async () => {
      const { code, stderr } = await runToEnd(CLI, ['migrate', '--frobnicate'], childEnv({}));
      expect(code).toBe(2);
      expect(expectOneLineError(stderr)).toMatch(/^ent-idp: migrate: .*--frobnicate/);
    },
    T,
  );

  it(
    'no command exits 2; help lists the commands and exits 0',
    async () => {
      const none = await runToEnd(CLI, [], childEnv({}));
      expect(none.code).toBe(2);
      expectOneLineError(none.stderr);

      const help = await runToEnd(CLI, ['help'], childEnv({}));
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/^ {2}migrate +apply pending database migrations$/m);
    },
    T,
  );
});
