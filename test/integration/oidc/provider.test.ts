// The OpenID Connect core, driven with openid-client over real HTTP (SQLite or MariaDB).
import { jest } from '@jest/globals';
import * as jose from 'jose';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { Browser, textOf } from '../../helpers/browser.js';
import {
  authorizationRequest,
  client,
  exchange,
  POST_LOGOUT_URI,
  REDIRECT_URI,
  registerClient,
  signIn,
  submitLogin,
  type RegisteredClient,
} from '../../helpers/oidc.js';
import { seedChild, CHILD_PASSWORD as PASSWORD } from '../../helpers/school.js';

let ts: TestServer;
let app: RegisteredClient;
let childId: string;

beforeAll(async () => {
  ts = await startTestServer();
  childId = (await seedChild(ts.server.db)).child.id;
  app = await registerClient(ts, { clientId: 'ent-mail' });
});

afterAll(async () => {
  await ts?.stop();
});

describe('discovery and keys', () => {
  it('publishes a valid discovery document and a public JWKS', async () => {
    const doc = (await (await fetch(`${ts.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(doc.issuer).toBe(ts.url);
    expect(doc.code_challenge_methods_supported).toEqual(['S256']);
    expect(doc.response_types_supported).toEqual(['code']);
    expect(doc.scopes_supported).toEqual(
      expect.arrayContaining(['openid', 'profile', 'email', 'ent', 'offline_access']),
    );
    for (const endpoint of [
      'authorization_endpoint',
      'token_endpoint',
      'userinfo_endpoint',
      'jwks_uri',
      'introspection_endpoint',
      'revocation_endpoint',
      'end_session_endpoint',
    ]) {
      expect(String(doc[endpoint])).toMatch(new RegExp(`^${ts.url}/`));
    }
    const jwks = (await (await fetch(String(doc.jwks_uri))).json()) as { keys: Record<string, string>[] };
    expect(jwks.keys.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    for (const key of jwks.keys) {
      expect(key.d).toBeUndefined();
      expect(key.kid).toBeTruthy();
    }
  });
});

describe('authorization code flow with PKCE', () => {
  it('signs the child in; the ID token verifies against the JWKS; userinfo releases only granted scopes', async () => {
    const { tokens } = await signIn(app, 'enfant.test', PASSWORD, {
      params: { scope: 'openid profile', max_age: '300' },
    });
    const claims = tokens.claims()!;
    expect(claims.sub).toBe(childId);
    expect(claims.iss).toBe(ts.url);
    expect(typeof claims.auth_time).toBe('number');
    const jwks = jose.createRemoteJWKSet(new URL(`${ts.url}/jwks`));
    const { payload, protectedHeader } = await jose.jwtVerify(tokens.id_token!, jwks, {
      issuer: ts.url,
      audience: 'ent-mail',
    });
    expect(payload.sub).toBe(childId);
    expect(protectedHeader.alg).toBe('RS256');

    const info = await client.fetchUserInfo(app.config, tokens.access_token, childId);
    expect(info).toMatchObject({
      sub: childId,
      preferred_username: 'enfant.test',
      given_name: 'test',
      family_name: 'enfant',
      birthdate: '2010-08-01',
    });
    expect(info.email).toBeUndefined();
    expect(info.ent_profile).toBeUndefined();
  });

  it('releases email and ENT claims when those scopes are granted', async () => {
    const { tokens } = await signIn(app, 'enfant.test', PASSWORD, { params: { scope: 'openid email ent' } });
    const info = await client.fetchUserInfo(app.config, tokens.access_token, childId);
    expect(info).toMatchObject({
      email: 'enfant@example.test',
      ent_profile: 'Student',
      ent_structure: { uai: '0801234A', name: 'École du Centre' },
    });
    expect(info.ent_classes).toEqual([expect.objectContaining({ name: 'CM2 A' })]);
    expect(info.preferred_username).toBeUndefined();
  });

  it('answers userinfo over POST as well as GET', async () => {
    const { tokens } = await signIn(app, 'enfant.test', PASSWORD);
    const res = await fetch(`${ts.url}/me`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `access_token=${tokens.access_token}`,
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { sub: string }).sub).toBe(childId);
  });

  it('refuses an authorization request without PKCE or with the plain method', async () => {
    const browser = new Browser();
    const plain = await authorizationRequest(app, { code_challenge_method: 'plain' });
    const none = await authorizationRequest(app);
    none.url.searchParams.delete('code_challenge');
    none.url.searchParams.delete('code_challenge_method');
    for (const request of [plain, none]) {
      const page = await browser.go(request.url.toString(), { stopAt: REDIRECT_URI });
      expect(new URL(page.url).searchParams.get('error')).toBe('invalid_request');
    }
  });

  it('refuses a reused authorization code and revokes the tokens issued from it', async () => {
    const browser = new Browser();
    const request = await authorizationRequest(app);
    const login = await browser.go(request.url.toString(), { stopAt: REDIRECT_URI });
    const callback = await submitLogin(browser, login, 'enfant.test', PASSWORD);
    const tokens = await exchange(app, callback.url, request);
    await expect(exchange(app, callback.url, request)).rejects.toMatchObject({ error: 'invalid_grant' });
    const introspection = await client.tokenIntrospection(app.config, tokens.access_token);
    expect(introspection.active).toBe(false);
  });

  it('shows an error page, never a redirect, for an unregistered redirect_uri', async () => {
    const request = await authorizationRequest(app, { redirect_uri: 'https://evil.example.test/cb' });
    const page = await new Browser().request(request.url.toString());
    expect(page.status).toBe(400);
    expect(page.headers.get('location')).toBeNull();
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(textOf(page)).toContain('L’adresse de retour de l’application n’est pas autorisée');
  });

  it('returns login_required to the client for prompt=none without a session', async () => {
    const request = await authorizationRequest(app, { prompt: 'none' });
    const page = await new Browser().go(request.url.toString(), { stopAt: REDIRECT_URI });
    expect(page.url.startsWith(REDIRECT_URI)).toBe(true);
    expect(new URL(page.url).searchParams.get('error')).toBe('login_required');
  });

  it('reuses the session silently, but prompt=login and max_age=0 force a new login', async () => {
    const { browser } = await signIn(app, 'enfant.test', PASSWORD);
    const silent = await browser.go((await authorizationRequest(app)).url.toString(), { stopAt: REDIRECT_URI });
    expect(new URL(silent.url).searchParams.get('code')).toBeTruthy();
    for (const params of [{ prompt: 'login' }, { max_age: '0' }] as Record<string, string>[]) {
      const page = await browser.go((await authorizationRequest(app, params)).url.toString(), { stopAt: REDIRECT_URI });
      expect(page.status).toBe(200);
      expect(textOf(page)).toContain('Se souvenir de moi');
    }
  });
});

describe('refresh, introspection, revocation', () => {
  it('rotates refresh tokens and refuses a reused one', async () => {
    const { tokens } = await signIn(app, 'enfant.test', PASSWORD, {
      params: { scope: 'openid profile offline_access' },
    });
    expect(tokens.refresh_token).toBeTruthy();
    const refreshed = await client.refreshTokenGrant(app.config, tokens.refresh_token!);
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    await expect(client.refreshTokenGrant(app.config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('a reused (already rotated) refresh token revokes the whole grant: the newest refresh token and the access tokens stop working', async () => {
    // Reuse means the token leaked (an attacker or the app holds an old copy): neither side
    // can be told apart, so everything issued from that sign-in ends.
    const { tokens } = await signIn(app, 'enfant.test', PASSWORD, {
      params: { scope: 'openid profile offline_access' },
    });
    const rotated = await client.refreshTokenGrant(app.config, tokens.refresh_token!);
    expect((await client.fetchUserInfo(app.config, rotated.access_token, childId)).sub).toBe(childId);

    await expect(client.refreshTokenGrant(app.config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });

    await expect(client.refreshTokenGrant(app.config, rotated.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    const userinfo = (accessToken: string) =>
      fetch(`${ts.url}/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect((await userinfo(rotated.access_token)).status).toBe(401);
    expect((await userinfo(tokens.access_token)).status).toBe(401);
    expect((await client.tokenIntrospection(app.config, rotated.access_token)).active).toBe(false);
  });

  it('revocation makes access and refresh tokens inactive (RFC 7009: the whole grant goes)', async () => {
    const first = (await signIn(app, 'enfant.test', PASSWORD, { params: { scope: 'openid offline_access' } })).tokens;
    expect((await client.tokenIntrospection(app.config, first.access_token)).active).toBe(true);
    await client.tokenRevocation(app.config, first.access_token);
    expect((await client.tokenIntrospection(app.config, first.access_token)).active).toBe(false);

    const second = (await signIn(app, 'enfant.test', PASSWORD, { params: { scope: 'openid offline_access' } })).tokens;
    expect((await client.tokenIntrospection(app.config, second.refresh_token!)).active).toBe(true);
    await client.tokenRevocation(app.config, second.refresh_token!);
    expect((await client.tokenIntrospection(app.config, second.refresh_token!)).active).toBe(false);
    expect((await client.tokenIntrospection(app.config, second.access_token)).active).toBe(false);
    await expect(client.refreshTokenGrant(app.config, second.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });
});

describe('refresh token absolute lifetime (REFRESH_TOKEN_TTL)', () => {
  let short: TestServer;
  beforeAll(async () => {
    short = await startTestServer({ env: { REFRESH_TOKEN_TTL: '60' } });
    await seedChild(short.server.db);
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await short?.stop();
  });

  it('a rotated refresh token keeps the first one’s issue time: refused once 60 s have passed since the sign-in, though it is younger', async () => {
    const shortApp = await registerClient(short, { clientId: 'ent-cahier' });
    const { tokens } = await signIn(shortApp, 'enfant.test', PASSWORD, {
      params: { scope: 'openid profile offline_access' },
    });
    // The clock moves forward for the provider and the client alike (both read Date.now).
    const start = Date.now();
    const at = (seconds: number) => jest.spyOn(Date, 'now').mockReturnValue(start + seconds * 1000);
    at(40);
    const rotated = await client.refreshTokenGrant(shortApp.config, tokens.refresh_token!);
    expect(rotated.refresh_token).toBeTruthy();
    // 70 s after the sign-in, 30 s after its own issue: past the absolute lifetime only.
    at(70);
    await expect(client.refreshTokenGrant(shortApp.config, rotated.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });
});

describe('RP-initiated logout', () => {
  it('ends the session: the next authorization shows the login page', async () => {
    const { tokens, browser } = await signIn(app, 'enfant.test', PASSWORD);
    const endSession = client.buildEndSessionUrl(app.config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: POST_LOGOUT_URI,
    });
    const confirm = await browser.go(endSession.toString());
    expect(textOf(confirm)).toContain('Déconnexion');
    const done = await browser.submit(confirm, '', { logout: 'yes' }, POST_LOGOUT_URI);
    expect(done.url.startsWith(POST_LOGOUT_URI)).toBe(true);
    const next = await browser.go((await authorizationRequest(app)).url.toString(), { stopAt: REDIRECT_URI });
    expect(next.status).toBe(200);
    expect(textOf(next)).toContain('Se souvenir de moi');
  });
});

describe('client credentials for the admin API resource', () => {
  it('issues a JWT access token for the admin API audience with the class-admin scope', async () => {
    const service = await registerClient(ts, {
      clientId: 'ent-sync',
      grantTypes: ['client_credentials'],
      scopes: ['class-admin'],
    });
    const audience = ts.config.admin.audience;
    const tokens = await client.clientCredentialsGrant(service.config, { resource: audience, scope: 'class-admin' });
    const { payload } = await jose.jwtVerify(tokens.access_token, jose.createRemoteJWKSet(new URL(`${ts.url}/jwks`)), {
      issuer: ts.url,
      audience,
    });
    expect(payload.scope).toBe('class-admin');
    expect(payload.client_id).toBe('ent-sync');
    await expect(
      client.clientCredentialsGrant(service.config, { resource: 'https://unknown.example.test/api' }),
    ).rejects.toMatchObject({ error: 'invalid_target' });
  });
});
