// The CAS server's side of the one sign-on: an internal, first-party, confidential OIDC
// client of our own provider (`ent-cas`), so a CAS sign-in is an OIDC sign-in — the same
// CONNEXION page, the same provider session, the same logout — with no session store of its
// own. Like the admin page, it talks to the provider over HTTP with openid-client
// (authorization code + PKCE + state + nonce); discovery is lazy, on the first CAS sign-in.
import * as client from 'openid-client';
import type { Config } from '../config/index.js';
import { deriveKey } from '../domain/crypto.js';
import { AppError } from '../http/errors.js';
import type { ClientInput } from '../oidc/clients.js';

export const CAS_CLIENT_ID = 'ent-cas';
export const CALLBACK_PATH = '/cas/callback';
export const LOGGED_OUT_PATH = '/cas/logout/done';
export const BACKCHANNEL_LOGOUT_PATH = '/cas/backchannel-logout';

/**
 * The client's secret, derived from KEYSTORE_ENCRYPTION_KEY: every instance computes the same
 * one, and nobody has to configure it (it never leaves the server).
 */
export function casClientSecret(config: Config): string {
  return deriveKey(config.secrets.keystoreEncryptionKey, 'cas-client-secret').toString('base64url');
}

/** The internal client, registered at every start (src/server.ts). */
export function casClient(config: Config): ClientInput {
  return {
    clientId: CAS_CLIENT_ID,
    name: 'Applications CAS',
    type: 'confidential',
    secret: casClientSecret(config),
    redirectUris: [`${config.issuer}${CALLBACK_PATH}`],
    postLogoutRedirectUris: [`${config.issuer}${LOGGED_OUT_PATH}`],
    grantTypes: ['authorization_code'],
    scopes: ['openid'],
    firstParty: true,
    // When the provider session ends, for any reason, the CAS services hear of it (single-logout.ts).
    backchannelLogoutUri: `${config.issuer}${BACKCHANNEL_LOGOUT_PATH}`,
  };
}

/** What the browser keeps (sealed) between /cas/login and /cas/callback. */
export interface PendingCasLogin {
  verifier: string;
  state: string;
  nonce: string;
}

export interface CasOidcClient {
  start(prompt: 'login' | 'none' | null): Promise<{ url: URL; pending: PendingCasLogin }>;
  /** The provider's answer: who signed in, and the session's sid for this client (AppError 400 if it fails). */
  finish(callbackUrl: URL, pending: PendingCasLogin): Promise<{ accountId: string; sid: string | null }>;
  endSessionUrl(): string;
}

export function createCasOidcClient(config: Config): CasOidcClient {
  return createInternalOidcClient(config, {
    clientId: CAS_CLIENT_ID,
    secret: casClientSecret(config),
    callbackPath: CALLBACK_PATH,
    loggedOutPath: LOGGED_OUT_PATH,
  });
}

/** The same ride for any internal client of ours (CAS: `ent-cas`; SAML: `ent-saml`). */
export function createInternalOidcClient(
  config: Config,
  client_: { clientId: string; secret: string; callbackPath: string; loggedOutPath: string },
): CasOidcClient {
  const { clientId, secret, callbackPath, loggedOutPath } = client_;
  const redirectUri = `${config.issuer}${callbackPath}`;
  let discovered: Promise<client.Configuration> | undefined;
  const configuration = () => {
    discovered ??= client
      .discovery(new URL(config.issuer), clientId, secret, client.ClientSecretBasic(secret), {
        execute: config.issuer.startsWith('http://') ? [client.allowInsecureRequests] : [],
      })
      .catch((err: unknown) => {
        discovered = undefined;
        throw err;
      });
    return discovered;
  };

  return {
    async start(prompt) {
      const cfg = await configuration();
      const pending: PendingCasLogin = {
        verifier: client.randomPKCECodeVerifier(),
        state: client.randomState(),
        nonce: client.randomNonce(),
      };
      const url = client.buildAuthorizationUrl(cfg, {
        redirect_uri: redirectUri,
        scope: 'openid',
        code_challenge: await client.calculatePKCECodeChallenge(pending.verifier),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
        ...(prompt ? { prompt } : {}),
      });
      return { url, pending };
    },
    async finish(callbackUrl, pending) {
      try {
        const res = await client.authorizationCodeGrant(await configuration(), callbackUrl, {
          pkceCodeVerifier: pending.verifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        });
        const claims = res.claims();
        if (!claims?.sub) throw new Error('no sub in the ID token');
        return { accountId: claims.sub, sid: typeof claims.sid === 'string' ? claims.sid : null };
      } catch (err) {
        // A callback that does not verify (state, nonce, code): the French page, the reason logged.
        throw new AppError(
          400,
          'invalid_request',
          'La connexion n’a pas pu être vérifiée. Revenez à l’application et recommencez.',
          (err as Error).message,
        );
      }
    },
    endSessionUrl() {
      const url = new URL(`${config.issuer}/session/end`);
      url.searchParams.set('client_id', clientId);
      url.searchParams.set('post_logout_redirect_uri', `${config.issuer}${loggedOutPath}`);
      return url.href;
    },
  };
}
