// Drives real OpenID Connect flows against a test server with openid-client, the way an ENT
// application does; the login pages are filled in by the test Browser.
import * as client from 'openid-client';
import type { TestServer } from './server.js';
import { Browser, type Page } from './browser.js';

export const REDIRECT_URI = 'https://app.example.test/callback';
export const POST_LOGOUT_URI = 'https://app.example.test/au-revoir';

export interface RegisteredClient {
  clientId: string;
  secret?: string;
  config: client.Configuration;
}

export async function registerClient(
  ts: TestServer,
  options: {
    clientId?: string;
    type?: 'confidential' | 'public';
    firstParty?: boolean;
    resourceServer?: boolean;
    backchannelLogoutUri?: string;
    grantTypes?: ('authorization_code' | 'refresh_token' | 'client_credentials')[];
    scopes?: string[];
  } = {},
): Promise<RegisteredClient> {
  const clientId = options.clientId ?? `app-${Math.random().toString(36).slice(2, 8)}`;
  const { secret } = await ts.server.oidc.clients.save({
    clientId,
    name: `Application ${clientId}`,
    type: options.type ?? 'confidential',
    redirectUris: [REDIRECT_URI],
    postLogoutRedirectUris: [POST_LOGOUT_URI],
    grantTypes: options.grantTypes ?? ['authorization_code', 'refresh_token'],
    scopes: options.scopes ?? ['openid', 'profile', 'email', 'ent', 'offline_access'],
    firstParty: options.firstParty ?? true,
    resourceServer: options.resourceServer ?? false,
    ...(options.backchannelLogoutUri ? { backchannelLogoutUri: options.backchannelLogoutUri } : {}),
  });
  return { clientId, secret, config: await discover(ts.url, clientId, secret) };
}

export async function discover(issuer: string, clientId: string, secret?: string): Promise<client.Configuration> {
  return client.discovery(
    new URL(issuer),
    clientId,
    secret,
    secret ? client.ClientSecretBasic(secret) : client.None(),
    { execute: [client.allowInsecureRequests] },
  );
}

export interface AuthorizationRequest {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
  maxAge?: number;
}

export async function authorizationRequest(
  rc: Pick<RegisteredClient, 'config'>,
  params: Record<string, string> = {},
): Promise<AuthorizationRequest> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(rc.config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid profile',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...params,
  });
  return { url, verifier, state, nonce, maxAge: params.max_age ? Number(params.max_age) : undefined };
}

/** Fills CONNEXION on `page` and returns the page shown next (or the callback URL). */
export async function submitLogin(
  browser: Browser,
  page: Page,
  login: string,
  secret: string,
  extra: Record<string, string> = {},
): Promise<Page> {
  return browser.submit(page, '/login', { identifiant: login, mot_de_passe: secret, ...extra }, REDIRECT_URI);
}

/** authorize → CONNEXION → callback → token exchange. */
export async function signIn(
  rc: RegisteredClient,
  login: string,
  password: string,
  options: { browser?: Browser; params?: Record<string, string> } = {},
): Promise<{
  tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers;
  browser: Browser;
  request: AuthorizationRequest;
}> {
  const browser = options.browser ?? new Browser();
  const request = await authorizationRequest(rc, options.params);
  const page = await browser.go(request.url.toString(), { stopAt: REDIRECT_URI });
  const callback = page.url.startsWith(REDIRECT_URI) ? page : await submitLogin(browser, page, login, password);
  if (!callback.url.startsWith(REDIRECT_URI))
    throw new Error(`login did not reach the application: ${callback.status} ${callback.html.slice(0, 500)}`);
  const tokens = await exchange(rc, callback.url, request);
  return { tokens, browser, request };
}

export function exchange(rc: Pick<RegisteredClient, 'config'>, callbackUrl: string, request: AuthorizationRequest) {
  return client.authorizationCodeGrant(rc.config, new URL(callbackUrl), {
    pkceCodeVerifier: request.verifier,
    expectedState: request.state,
    expectedNonce: request.nonce,
    idTokenExpected: true,
    maxAge: request.maxAge,
  });
}

export { client };
