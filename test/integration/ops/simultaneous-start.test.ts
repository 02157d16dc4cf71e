// The first deployment of a cluster: three server processes start at the same moment on a
// new, empty database (SQLite file, or MariaDB/MySQL with TEST_DATABASE_URL). All three
// migrate, create or find the signing keys and register the built-in clients without
// stepping on each other: all come up, publish the same JWKS, and a token one signs is
// accepted by another.
import { createTestDatabaseUrl, type TestDatabase } from '../../helpers/db.js';
import { freePort } from '../../helpers/server.js';
import {
  childEnv,
  requireBuild,
  startServerProcess,
  stopServerProcesses,
  waitReady,
  type ServerProcess,
} from './harness.js';

const COOKIE_KEYS = 'simultaneous-start-cookie-key-0123456789abcdef';
const INSTANCES = 3;

let database: TestDatabase;
const children: ServerProcess[] = [];

afterAll(async () => {
  await stopServerProcesses(children);
  await database?.drop();
});

it('three instances started together on an empty database all come up with the same keys and clients', async () => {
  requireBuild();
  database = await createTestDatabaseUrl();
  const ports = await Promise.all(Array.from({ length: INSTANCES }, () => freePort()));
  const issuer = `http://127.0.0.1:${ports[0]}`;
  const env = childEnv({
    DATABASE_URL: database.url,
    ISSUER: issuer,
    HOST: '127.0.0.1',
    COOKIE_KEYS,
    ADMIN_CLIENT_SECRET: 'simultaneous-start-admin-secret-0123456789',
  });
  children.push(...ports.map((port) => startServerProcess(env, port)));
  const urls = children.map((child) => child.url);
  await Promise.all(children.map((child) => waitReady(child, 30_000)));

  // Every instance publishes the same keys (the issuer's JWKS is what relying parties cache,
  // whichever instance the load balancer picks), and signs with one of them.
  const jwks = await Promise.all(
    urls.map(async (url) => (await (await fetch(`${url}/jwks`)).json()) as { keys: { kid: string; alg: string }[] }),
  );
  const kids = jwks.map((set) => set.keys.map((k) => k.kid).sort());
  for (const k of kids) expect(k).toEqual(kids[0]);
  expect(new Set(jwks[0]!.keys.map((k) => k.alg))).toEqual(new Set(['RS256', 'ES256']));

  // The admin page's client, registered by all three, is known to each.
  for (const url of urls) {
    const res = await fetch(
      `${url}/auth?client_id=ent-admin&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(`${issuer}/admin/auth/callback`)}&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`,
      { redirect: 'manual' },
    );
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/\/interaction\//);
  }
  for (const child of children) expect(child.proc.exitCode).toBeNull();
}, 90_000);
