// The demo ENT applications' OIDC clients, as `ClientStore.save` takes them. Kept here (and
// not in oidc/) so the demo apps stay ordinary clients that know the provider only by URL.
// Two of them are served outside production, so single sign-on and single logout can be
// seen in a browser: sign in to one, the other knows you; log out of one, both forget you.
import type { Config } from '../config/index.js';

/** Where the demo app lives under its base URL (the issuer when mounted, DEMO_APP_URL alone). */
export const DEMO_APP_PATH = '/demo-app';

export interface DemoAppMount {
  path: string;
  clientId: string;
  title: string;
}

/** The first demo app (also the one `npm run demo:app` runs alone), and its twin. */
export function demoAppMounts(config: Config): DemoAppMount[] {
  return [
    { path: DEMO_APP_PATH, clientId: config.demoApp.clientId, title: 'Application ENT de démonstration' },
    {
      path: `${DEMO_APP_PATH}-2`,
      clientId: `${config.demoApp.clientId}-2`,
      title: 'Seconde application ENT de démonstration',
    },
  ];
}

export function demoAppClient(config: Config, mount: DemoAppMount = demoAppMounts(config)[0]!) {
  const bases = [...new Set([config.issuer, config.demoApp.url])];
  return {
    clientId: mount.clientId,
    name: mount.title,
    type: 'confidential' as const,
    secret: config.demoApp.clientSecret,
    redirectUris: bases.map((base) => `${base}${mount.path}/callback`),
    postLogoutRedirectUris: bases.map((base) => `${base}${mount.path}`),
    grantTypes: ['authorization_code' as const, 'refresh_token' as const],
    scopes: ['openid', 'profile', 'email', 'ent', 'offline_access'],
    firstParty: true,
    // Told when the person's session ends anywhere (src/demo-app/index.ts, /backchannel-logout).
    backchannelLogoutUri: `${config.issuer}${mount.path}/backchannel-logout`,
  };
}
