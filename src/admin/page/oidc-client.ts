// The admin page as an ordinary OIDC client of our provider (openid-client 6): authorization
// code + PKCE + state + nonce to sign the teacher in, RP-initiated logout to sign out. The
// page calls the domain in-process, so it keeps no access or refresh token: once the ID token
// has said who signed in, the session lives in the database (domain/admin-sessions.ts).
// Discovery is lazy: in-process the provider is not listening yet when the admin app is
// built, so the first request does it (and a failed discovery is retried by the next request).
import * as client from 'openid-client';
import type { Config } from '../../config/index.js';

export const SCOPE = 'openid profile';
export const CALLBACK_PATH = '/admin/auth/callback';
export const LOGGED_OUT_PATH = '/admin/auth/logged-out';

/** What the cookie keeps between the redirect to the provider and the callback. */
export interface PendingLogin {
  verifier: string;
  state: string;
  nonce: string;
  returnTo: string;
}

/** Who signed in, from the verified ID token. */
export interface SignedIn {
  accountId: string;
  idToken: string | null;
}

export interface PageOidcClient {
  /** The page's own public base (redirect URIs are built on it). */
  readonly baseUrl: string;
  start(returnTo: string): Promise<{ url: URL; pending: PendingLogin }>;
  finish(currentUrl: URL, pending: PendingLogin): Promise<SignedIn>;
  endSessionUrl(idToken: string | null | undefined): Promise<URL>;
}

export function createPageOidcClient(config: Config): PageOidcClient {
  const issuer = config.admin.issuer;
  const baseUrl = config.issuer;
  const redirectUri = `${baseUrl}${CALLBACK_PATH}`;
  let discovered: Promise<client.Configuration> | undefined;

  const configuration = (): Promise<client.Configuration> => {
    discovered ??= client
      .discovery(
        new URL(issuer),
        config.admin.clientId,
        config.admin.clientSecret,
        client.ClientSecretBasic(config.admin.clientSecret),
        {
          execute: issuer.startsWith('http://') ? [client.allowInsecureRequests] : [],
        },
      )
      .catch((err: unknown) => {
        discovered = undefined;
        throw err;
      });
    return discovered;
  };

  return {
    baseUrl,
    async start(returnTo) {
      const cfg = await configuration();
      const pending: PendingLogin = {
        verifier: client.randomPKCECodeVerifier(),
        state: client.randomState(),
        nonce: client.randomNonce(),
        returnTo,
      };
      const url = client.buildAuthorizationUrl(cfg, {
        redirect_uri: redirectUri,
        scope: SCOPE,
        code_challenge: await client.calculatePKCECodeChallenge(pending.verifier),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
      });
      return { url, pending };
    },
    async finish(currentUrl, pending) {
      const cfg = await configuration();
      const res = await client.authorizationCodeGrant(cfg, currentUrl, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const sub = res.claims()?.sub;
      if (!sub) throw new Error('no sub in the ID token');
      return { accountId: sub, idToken: res.id_token ?? null };
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
