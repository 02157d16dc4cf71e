// The first deployment of a cluster: three server processes start at the same moment on a
// new, empty database (SQLite file, or MariaDB/MySQL with TEST_DATABASE_URL). All three
// migrate, create or find the signing keys and register the built-in clients without
// stepping on each other: all come up, publish the same JWKS, and a token one signs is
// accepted by another.
import { spawn, type ChildProcess } from 'node:child_process';
import { createTestDatabaseUrl, type TestDatabase } from '../../helpers/db.js';
import { freePort } from '../../helpers/server.js';
import { childEnv, MAIN, requireBuild, ROOT } from './harness.js';

const COOKIE_KEYS = 'simultaneous-start-cookie-key-0123456789abcdef';
const INSTANCES = 3;

let database: TestDatabase;
const children: { proc: ChildProcess; stderr: () => string }[] = [];

afterAll(async () => {
  for (const { proc } of children) {
    if (proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
  }
  await database?.drop();
});

async function ready(url: string, child: { proc: ChildProcess; stderr: () => string }): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.proc.exitCode !== null) throw new Error(`server exited (${child.proc.exitCode}): ${child.stderr()}`);
    if (await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} not ready: ${child.stderr()}`);
}

it('three instances started together on an empty database all come up with the same keys and clients', async () => {
  requireBuild();
  database = await createTestDatabaseUrl();
  const ports = await Promise.all(Array.from({ length: INSTANCES }, () => freePort()));
  const issuer = `http://127.0.0.1:${ports[0]}`;
  const env = childEnv({ DATABASE_URL: database.url, ISSUER: issuer, HOST: '127.0.0.1', COOKIE_KEYS, ADMIN_CLIENT_SECRET: 'simultaneous-start-admin-secret-0123456789' });
  for (const port of ports) {
    const proc = spawn(process.execPath, [MAIN], { cwd: ROOT, env: { ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    children.push({ proc, stderr: () => err });
  }
  const urls = ports.map((port) => `http://127.0.0.1:${port}`);
  await Promise.all(urls.map((url, i) => ready(url, children[i]!)));

  // Every instance publishes the same keys (the issuer's JWKS is what relying parties cache,
  // whichever instance the load balancer picks), and signs with one of them.
  const jwks = await Promise.all(urls.map(async (url) => (await (await fetch(`${url}/jwks`)).json()) as { keys: { kid: string; alg: string }[] }));
  const kids = jwks.map((set) => set.keys.map((k) => k.kid).sort());
  for (const k of kids) expect(k).toEqual(kids[0]);
  expect(new Set(jwks[0]!.keys.map((k) => k.alg))).toEqual(new Set(['RS256', 'ES256']));

  // The admin page's client, registered by all three, is known to each.
  for (const url of urls) {
    const res = await fetch(`${url}/auth?client_id=ent-admin&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(`${issuer}/admin/auth/callback`)}&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/\/interaction\//);
  }
  for (const child of children) expect(child.proc.exitCode).toBeNull();
}, 90_000);
