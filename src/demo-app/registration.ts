// The demo ENT application's OIDC client, as `ClientStore.save` takes it. Kept here (and not
// in oidc/) so the demo app stays an ordinary client that knows the provider only by URL.
import type { Config } from '../config/index.js';

/** Where the demo app lives under its base URL (the issuer when mounted, DEMO_APP_URL alone). */
export const DEMO_APP_PATH = '/demo-app';

export function demoAppClient(config: Config) {
  const bases = [...new Set([config.issuer, config.demoApp.url])];
  return {
    clientId: config.demoApp.clientId,
    name: 'Application ENT de démonstration',
    type: 'confidential' as const,
    secret: config.demoApp.clientSecret,
    redirectUris: bases.map((base) => `${base}${DEMO_APP_PATH}/callback`),
    postLogoutRedirectUris: bases.map((base) => `${base}${DEMO_APP_PATH}`),
    grantTypes: ['authorization_code' as const, 'refresh_token' as const],
    scopes: ['openid', 'profile', 'email', 'ent', 'offline_access'],
    firstParty: true,
  };
}
