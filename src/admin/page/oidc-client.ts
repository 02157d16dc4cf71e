// The admin page as an ordinary OIDC client of our provider (openid-client 6): authorization
// code + PKCE + state + nonce, a resource indicator for the admin API (its access token is a
// JWT for that audience), refresh, RP-initiated logout. Discovery is lazy: in-process the
// provider is not listening yet when the admin app is built, so the first request does it
// (and a failed discovery is retried by the next request, not cached).
import * as client from 'openid-client';
import type { Config } from '../../config/index.js';

export const SCOPE = 'openid profile class-admin';
export const CALLBACK_PATH = '/admin/auth/callback';
export const LOGGED_OUT_PATH = '/admin/auth/logged-out';

/** What the session keeps once the teacher is signed in. */
export interface TokenSet {
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
  /** Epoch ms after which the access token must be refreshed. */
  expiresAt: number;
  /** The teacher's `sub`. */
  accountId: string;
}

/** What the session keeps between the redirect to the provider and the callback. */
export interface PendingLogin {
  verifier: string;
  state: string;
  nonce: string;
  returnTo: string;
}

export interface PageOidcClient {
  /** The page's own public base (redirect URIs are built on it). */
  readonly baseUrl: string;
  start(returnTo: string): Promise<{ url: URL; pending: PendingLogin }>;
  finish(currentUrl: URL, pending: PendingLogin): Promise<TokenSet>;
  refresh(tokens: TokenSet): Promise<TokenSet>;
  endSessionUrl(idToken: string | undefined): Promise<URL>;
}

/** Seconds of margin: a token this close to expiry is refreshed before it is used. */
const EXPIRY_MARGIN = 30;

export function createPageOidcClient(config: Config): PageOidcClient {
  const issuer = config.admin.issuer;
  const baseUrl = config.issuer;
  const redirectUri = `${baseUrl}${CALLBACK_PATH}`;
  const resource = config.admin.audience;
  let discovered: Promise<client.Configuration> | undefined;

  const configuration = (): Promise<client.Configuration> => {
    discovered ??= client
      .discovery(new URL(issuer), config.admin.clientId, config.admin.clientSecret, client.ClientSecretBasic(config.admin.clientSecret), {
        execute: issuer.startsWith('http://') ? [client.allowInsecureRequests] : [],
      })
      .catch((err: unknown) => {
        discovered = undefined;
        throw err;
      });
    return discovered;
  };

  const toTokenSet = (res: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers, accountId: string, previous?: TokenSet): TokenSet => ({
    accessToken: res.access_token,
    refreshToken: res.refresh_token ?? previous?.refreshToken,
    idToken: res.id_token ?? previous?.idToken,
    expiresAt: Date.now() + ((res.expiresIn() ?? 300) - EXPIRY_MARGIN) * 1000,
    accountId,
  });

  return {
    baseUrl,
    async start(returnTo) {
      const cfg = await configuration();
      const pending: PendingLogin = { verifier: client.randomPKCECodeVerifier(), state: client.randomState(), nonce: client.randomNonce(), returnTo };
      const url = client.buildAuthorizationUrl(cfg, {
        redirect_uri: redirectUri,
        scope: SCOPE,
        resource,
        code_challenge: await client.calculatePKCECodeChallenge(pending.verifier),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
      });
      return { url, pending };
    },
    async finish(currentUrl, pending) {
      const cfg = await configuration();
      const res = await client.authorizationCodeGrant(
        cfg,
        currentUrl,
        { pkceCodeVerifier: pending.verifier, expectedState: pending.state, expectedNonce: pending.nonce, idTokenExpected: true },
        { resource },
      );
      const sub = res.claims()?.sub;
      if (!sub) throw new Error('no sub in the ID token');
      return toTokenSet(res, sub);
    },
    async refresh(tokens) {
      if (!tokens.refreshToken) throw new Error('no refresh token');
      const cfg = await configuration();
      const res = await client.refreshTokenGrant(cfg, tokens.refreshToken, { resource });
      const sub = res.claims()?.sub;
      if (sub && sub !== tokens.accountId) throw new Error('refresh returned another subject');
      return toTokenSet(res, tokens.accountId, tokens);
    },
    async endSessionUrl(idToken) {
      const cfg = await configuration();
      return client.buildEndSessionUrl(cfg, {
        post_logout_redirect_uri: `${baseUrl}${LOGGED_OUT_PATH}`,
        ...(idToken ? { id_token_hint: idToken } : { client_id: config.admin.clientId }),
      });
    },
  };
}
