// State lives in the database: a restarted server keeps sessions, refresh tokens and keys;
// a key rotation keeps old tokens verifiable and signs new ones with the new key.
import { X509Certificate } from 'node:crypto';
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
  await rotateSigningKeys(ts.server.db, ts.config, { now: true });
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
  const retiring = (await listSigningKeys(db, ts.config)).filter((k) => k.status === 'current').map((k) => k.kid);
  await rotateSigningKeys(db, ts.config, { now: true });
  await ts.server.oidc.reloadKeys();
  expect(await jwksKids()).toEqual(expect.arrayContaining(retiring)); // still published for the tokens they signed

  // The tokens they signed have expired: publishedUntil moved into the past, as time would.
  await db.transaction((manager) =>
    manager.update(SigningKey, { kid: In(retiring) }, { publishedUntil: new Date(Date.now() - 1000) }),
  );
  const current = await rotateSigningKeys(db, ts.config, { now: true }); // the next rotation prunes them
  await ts.server.oidc.reloadKeys();
  const kids = await jwksKids();
  for (const kid of retiring) expect(kids).not.toContain(kid);
  expect(kids).toEqual(expect.arrayContaining(current.map((k) => k.kid)));
  expect(await db.read((manager) => manager.countBy(SigningKey, { kid: In(retiring) }))).toBe(0);
});

it('publishes the next keys ahead: JWKS and SAML metadata list them, nothing signs with them until they activate', async () => {
  const { db } = ts.server;
  const jwks = async () =>
    ((await (await fetch(`${ts.url}/jwks`)).json()) as { keys: { kid: string; n?: string }[] }).keys;
  // The SAML metadata's signing certificates, in order, as the RSA modulus an SP would trust.
  const metadataModuli = async () =>
    [
      ...(await (await fetch(`${ts.url}/saml/metadata`)).text()).matchAll(
        /<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>([^<]+)</g,
      ),
    ].map((m) => new X509Certificate(Buffer.from(m[1]!, 'base64')).publicKey.export({ format: 'jwk' }).n);
  const app = await registerClient(ts, { clientId: 'ent-cles' });
  const idTokenKid = async () => kidOf((await signIn(app, 'enfant.test', CHILD_PASSWORD)).tokens.id_token!);

  const current = (await listSigningKeys(db, ts.config)).filter((k) => k.status === 'current');
  const currentRsa = current.find((k) => k.alg === 'RS256')!.kid;
  const next = await rotateSigningKeys(db, ts.config);
  const nextRsa = next.find((k) => k.alg === 'RS256')!.kid;
  for (const key of next) expect(key.activatesAt!.getTime()).toBeGreaterThan(Date.now() + 47 * 3600_000);
  await expect(rotateSigningKeys(db, ts.config)).rejects.toThrow(/a rotation is pending/);
  expect(await ts.server.oidc.reloadKeys()).toBe(true);

  const published = await jwks();
  expect(published.map((k) => k.kid)).toEqual(expect.arrayContaining([...current, ...next].map((k) => k.kid)));
  const modulus = (kid: string) => published.find((k) => k.kid === kid)!.n;
  const announced = await metadataModuli();
  expect(announced[0]).toBe(modulus(currentRsa));
  expect(announced).toContain(modulus(nextRsa));
  expect(await idTokenKid()).toBe(currentRsa);

  // The lead has passed, as time would make it: the next keys sign, the old ones stay published.
  await db.transaction((manager) =>
    manager.update(SigningKey, { kid: In(next.map((k) => k.kid)) }, { activatesAt: new Date() }),
  );
  expect(await ts.server.oidc.reloadKeys()).toBe(true);
  expect(await idTokenKid()).toBe(nextRsa);
  expect((await metadataModuli())[0]).toBe(modulus(nextRsa));
  expect((await jwks()).map((k) => k.kid)).toContain(currentRsa);
  const listed = await listSigningKeys(db, ts.config);
  expect(listed.find((k) => k.kid === currentRsa)).toMatchObject({ status: 'retired' });
  expect(listed.find((k) => k.kid === currentRsa)!.publishedUntil!.getTime()).toBeGreaterThan(Date.now());
  expect(listed.find((k) => k.kid === nextRsa)).toMatchObject({ status: 'current', activatesAt: null });
});
