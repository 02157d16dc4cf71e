// The sign-in a browser and an ENT application do together, for the load generators:
// authorize → login page → POST the form (its hidden fields carry the CSRF token) →
// redirects → callback → token exchange with PKCE, through openid-client.
import * as client from 'openid-client';
import { Browser, type Page } from '../../test/helpers/browser.js';
import { authorizationRequest, exchange } from '../../test/helpers/oidc.js';
import { REDIRECT_URI } from './setup.js';

export { client };

export async function discover(issuer: string, clientId: string, secret: string): Promise<client.Configuration> {
  return client.discovery(new URL(issuer), clientId, secret, client.ClientSecretBasic(secret), {
    execute: [client.allowInsecureRequests],
  });
}

/** `ent`: ent-idp's CONNEXION page; `dev`: oidc-provider's development login form. */
export type LoginForm = 'ent' | 'dev';

export interface FlowTimings {
  authorize: number;
  login: number;
  token: number;
}

export interface SignedIn {
  tokens: client.TokenEndpointResponse;
  timings: FlowTimings;
}

export async function signIn(
  config: client.Configuration,
  form: LoginForm,
  login: string,
  password: string,
  params: Record<string, string> = {},
): Promise<SignedIn> {
  const browser = new Browser();
  const request = await authorizationRequest({ config }, params);
  const t0 = performance.now();
  const page: Page = await browser.go(request.url.toString(), { stopAt: REDIRECT_URI });
  if (page.status !== 200) throw new Error(`login page: ${page.status} ${page.html.slice(0, 200)}`);
  const t1 = performance.now();
  const fields: Record<string, string> =
    form === 'ent' ? { identifiant: login, mot_de_passe: password } : { login, password };
  const callback = await browser.submit(page, form === 'ent' ? '/login' : '/interaction/', fields, REDIRECT_URI);
  if (!callback.url.startsWith(REDIRECT_URI))
    throw new Error(`login refused: ${callback.status} ${callback.html.replace(/\s+/g, ' ').slice(0, 300)}`);
  const t2 = performance.now();
  const tokens = await exchange({ config }, callback.url, request);
  const t3 = performance.now();
  return { tokens, timings: { authorize: t1 - t0, login: t2 - t1, token: t3 - t2 } };
}
