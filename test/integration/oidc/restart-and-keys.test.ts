// State lives in the database: a restarted server keeps sessions, refresh tokens and keys;
// a key rotation keeps old tokens verifiable and signs new ones with the new key.
import * as jose from 'jose';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { authorizationRequest, client, discover, REDIRECT_URI, registerClient, signIn } from '../../helpers/oidc.js';
import { seedChild, CHILD_PASSWORD } from '../../helpers/school.js';
import { In } from 'typeorm';
import { listSigningKeys, rotateSigningKeys } from '../../../src/oidc/keys.js';
import { SigningKey } from '../../../src/db/entities/index.js';

let ts: TestServer;
afterAll(async () => ts?.stop());

const kidOf = (jwt: string) => jose.decodeProtectedHeader(jwt).kid;

it('survives a restart, then a key rotation', async () => {
  ts = await startTestServer();
  await seedChild(ts.server.db);
  const app = await registerClient(ts, { clientId: 'ent-agenda' });
  const { tokens, browser } = await signIn(app, 'enfant.test', CHILD_PASSWORD, {
    params: { scope: 'openid profile offline_access' },
  });
  const oldKid = kidOf(tokens.id_token!);

  // Restart on the same database and port.
  const port = Number(new URL(ts.url).port);
  await ts.stop({ keepDatabase: true });
  ts = await startTestServer({ database: ts.database, port });
  const again = await discover(ts.url, app.clientId, app.secret);

  // The session cookie still signs the child in silently; the refresh token still works.
  const silent = await browser.go((await authorizationRequest({ ...app, config: again })).url.toString(), {
    stopAt: REDIRECT_URI,
  });
  expect(new URL(silent.url).searchParams.get('code')).toBeTruthy();
  const refreshed = await client.refreshTokenGrant(again, tokens.refresh_token!);
  expect(kidOf(refreshed.id_token!)).toBe(oldKid);

  // Rotate (as `ent-idp keys rotate` does), then the running server notices the new keys.
  await rotateSigningKeys(ts.server.db, ts.config);
  expect(await ts.server.oidc.reloadKeys()).toBe(true);
  const jwks = jose.createRemoteJWKSet(new URL(`${ts.url}/jwks`));
  await jose.jwtVerify(tokens.id_token!, jwks, {
    issuer: ts.url,
    currentDate: new Date((tokens.claims()!.iat + 1) * 1000),
  });
  const fresh = await client.refreshTokenGrant(again, refreshed.refresh_token!);
  expect(kidOf(fresh.id_token!)).not.toBe(oldKid);
  await jose.jwtVerify(fresh.id_token!, jose.createRemoteJWKSet(new URL(`${ts.url}/jwks`)), { issuer: ts.url });
  const published = (await (await fetch(`${ts.url}/jwks`)).json()) as { keys: { kid: string }[] };
  expect(published.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([oldKid, kidOf(fresh.id_token!)]));
});

it('prunes retired keys whose publishedUntil has passed: the JWKS stops listing them and their rows go', async () => {
  const { db } = ts.server;
  const jwksKids = async () =>
    ((await (await fetch(`${ts.url}/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
  const retiring = (await listSigningKeys(db)).filter((k) => k.status === 'current').map((k) => k.kid);
  await rotateSigningKeys(db, ts.config);
  await ts.server.oidc.reloadKeys();
  expect(await jwksKids()).toEqual(expect.arrayContaining(retiring)); // still published for the tokens they signed

  // The tokens they signed have expired: publishedUntil moved into the past, as time would.
  await db.transaction((manager) =>
    manager.update(SigningKey, { kid: In(retiring) }, { publishedUntil: new Date(Date.now() - 1000) }),
  );
  const current = await rotateSigningKeys(db, ts.config); // the next rotation prunes them
  await ts.server.oidc.reloadKeys();
  const kids = await jwksKids();
  for (const kid of retiring) expect(kids).not.toContain(kid);
  expect(kids).toEqual(expect.arrayContaining(current.map((k) => k.kid)));
  expect(await db.read((manager) => manager.countBy(SigningKey, { kid: In(retiring) }))).toBe(0);
});
