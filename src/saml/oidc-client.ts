// The SAML IdP's side of the one sign-on: an internal first-party OIDC client of our own
// provider (`ent-saml`), exactly as CAS rides on `ent-cas` (src/cas/oidc-client.ts).
import type { Config } from '../config/index.js';
import { deriveKey } from '../domain/crypto.js';
import type { ClientInput } from '../oidc/clients.js';
import { createInternalOidcClient, type CasOidcClient } from '../cas/oidc-client.js';

export const SAML_CLIENT_ID = 'ent-saml';
export const SAML_CALLBACK_PATH = '/saml/callback';
export const SAML_LOGGED_OUT_PATH = '/saml/logout/done';
export const SAML_BACKCHANNEL_LOGOUT_PATH = '/saml/backchannel-logout';

const secretOf = (config: Config) =>
  deriveKey(config.secrets.keystoreEncryptionKey, 'saml-client-secret').toString('base64url');

/** The internal client, registered at every start (src/server.ts). */
export function samlClient(config: Config): ClientInput {
  return {
    clientId: SAML_CLIENT_ID,
    name: 'Applications SAML',
    type: 'confidential',
    secret: secretOf(config),
    redirectUris: [`${config.issuer}${SAML_CALLBACK_PATH}`],
    postLogoutRedirectUris: [`${config.issuer}${SAML_LOGGED_OUT_PATH}`],
    grantTypes: ['authorization_code'],
    scopes: ['openid'],
    firstParty: true,
    // When the provider session ends, for any reason, the SAML SPs hear of it (single-logout.ts).
    backchannelLogoutUri: `${config.issuer}${SAML_BACKCHANNEL_LOGOUT_PATH}`,
  };
}

export function createSamlOidcClient(config: Config): CasOidcClient {
  return createInternalOidcClient(config, {
    clientId: SAML_CLIENT_ID,
    secret: secretOf(config),
    callbackPath: SAML_CALLBACK_PATH,
    loggedOutPath: SAML_LOGGED_OUT_PATH,
  });
}
