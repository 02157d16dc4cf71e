// Two server processes on one database (SQLite file in WAL mode, or MariaDB/MySQL with
// TEST_DATABASE_URL), the same issuer and cookie keys, as behind a load balancer: sign in on
// A, exchange the code and refresh on B, block with the CLI, and A refuses the tokens at once.
import { loadConfig } from '../../../src/config/index.js';
import { openDatabase } from '../../../src/db/index.js';
import { ClientStore } from '../../../src/oidc/clients.js';
import { createTestDatabaseUrl, type TestDatabase } from '../../helpers/db.js';
import { createAccount } from '../../helpers/factories.js';
import { freePort } from '../../helpers/server.js';
import { Browser } from '../../helpers/browser.js';
import {
  authorizationRequest,
  client,
  discover,
  exchange,
  REDIRECT_URI,
  POST_LOGOUT_URI,
  submitLogin,
  type RegisteredClient,
} from '../../helpers/oidc.js';
import {
  childEnv,
  cli,
  requireBuild,
  startServerProcess,
  stopServerProcesses,
  waitReady,
  type ServerProcess,
} from './harness.js';

const PASSWORD = 'une phrase de passe solide';
const SECRET = 'two-instances-client-secret-0123456789abcdef';
const COOKIE_KEYS = 'two-instances-cookie-key-0123456789abcdef0123';

let database: TestDatabase;
let env: NodeJS.ProcessEnv;
let issuer: string;
let urlB: string;
const children: ServerProcess[] = [];

beforeAll(async () => {
  requireBuild();
  database = await createTestDatabaseUrl();
  const [portA, portB] = [await freePort(), await freePort()];
  issuer = `http://127.0.0.1:${portA}`;
  urlB = `http://127.0.0.1:${portB}`;
  env = childEnv({ DATABASE_URL: database.url, ISSUER: issuer, HOST: '127.0.0.1', COOKIE_KEYS });
  const db = await openDatabase({ url: database.url, poolSize: 2, timeoutMs: 5000 });
  await createAccount(db, {
    login: 'enfant.test',
    firstName: 'test',
    lastName: 'enfant',
    profile: 'Student',
    password: PASSWORD,
  });
  const config = loadConfig({ env: { NODE_ENV: 'test', ISSUER: issuer, DATABASE_URL: database.url } });
  await new ClientStore(db, config, async () => undefined).save({
    clientId: 'ent-cahier',
    name: 'Cahier de textes',
    secret: SECRET,
    redirectUris: [REDIRECT_URI],
    postLogoutRedirectUris: [POST_LOGOUT_URI],
    scopes: ['openid', 'profile', 'offline_access'],
    firstParty: true,
  });
  await db.close();
  // One after the other (instances starting together: simultaneous-start.test.ts).
  for (const port of [portA, portB]) {
    const server = startServerProcess(env, port);
    children.push(server);
    await waitReady(server);
  }
}, 60_000);

afterAll(async () => {
  await stopServerProcesses(children);
  await database?.drop();
});

it('A signs in, B exchanges and refreshes, the CLI blocks, A refuses refresh and userinfo', async () => {
  const configA = await discover(issuer, 'ent-cahier', SECRET);
  // B: the same issuer (tokens are issuer-bound), its endpoints reached on B's port.
  const { supportsPKCE: _pkce, ...metadata } = configA.serverMetadata();
  const configB = new client.Configuration(
    { ...metadata, token_endpoint: `${urlB}/token`, userinfo_endpoint: `${urlB}/me` },
    'ent-cahier',
    SECRET,
    client.ClientSecretBasic(SECRET),
  );
  client.allowInsecureRequests(configB);
  const rcA: RegisteredClient = { clientId: 'ent-cahier', secret: SECRET, config: configA };
  const rcB: RegisteredClient = { ...rcA, config: configB };

  const browser = new Browser();
  const request = await authorizationRequest(rcA, { scope: 'openid profile offline_access' });
  const connexion = await browser.go(request.url.toString(), { stopAt: REDIRECT_URI });
  expect(connexion.url.startsWith(issuer)).toBe(true);
  const callback = await submitLogin(browser, connexion, 'enfant.test', PASSWORD);
  expect(callback.url.startsWith(REDIRECT_URI)).toBe(true);

  const tokens = await exchange(rcB, callback.url, request); // the code, made on A, redeemed on B
  expect(tokens.claims()!.iss).toBe(issuer);
  const refreshed = await client.refreshTokenGrant(configB, tokens.refresh_token!);
  const me = await client.fetchUserInfo(configB, refreshed.access_token, tokens.claims()!.sub);
  expect(me.preferred_username).toBe('enfant.test');
  // A sees what B issued.
  expect((await client.fetchUserInfo(configA, refreshed.access_token, tokens.claims()!.sub)).sub).toBe(
    tokens.claims()!.sub,
  );

  const block = await cli(['account', 'block', 'enfant.test'], env);
  expect(block.code).toBe(0);
  expect(block.stdout).toMatch(/^enfant\.test blocked; [1-9]\d* session\/grant\/token row\(s\) revoked/);

  await expect(client.refreshTokenGrant(configA, refreshed.refresh_token!)).rejects.toMatchObject({
    error: 'invalid_grant',
  });
  const userinfo = await fetch(`${issuer}/me`, { headers: { authorization: `Bearer ${refreshed.access_token}` } });
  expect(userinfo.status).toBe(401);
  // And the session cookie from A no longer signs in silently.
  const silent = await browser.go((await authorizationRequest(rcA, { prompt: 'none' })).url.toString(), {
    stopAt: REDIRECT_URI,
  });
  expect(new URL(silent.url).searchParams.get('error')).toBe('login_required');
}, 60_000);
