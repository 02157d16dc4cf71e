// Applications that are not first-party ENT applications ask the user: the consent page
// lists, in French, what will be shared; the answer is remembered as a grant.
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { Browser, textOf } from '../../helpers/browser.js';
import {
  authorizationRequest,
  client,
  exchange,
  REDIRECT_URI,
  registerClient,
  submitLogin,
  type RegisteredClient,
} from '../../helpers/oidc.js';
import { seedChild, CHILD_PASSWORD } from '../../helpers/school.js';

let ts: TestServer;
let partner: RegisteredClient;
beforeAll(async () => {
  ts = await startTestServer();
  await seedChild(ts.server.db);
  partner = await registerClient(ts, { clientId: 'soutien-scolaire', firstParty: false });
});
afterAll(async () => ts?.stop());

async function untilConsent(browser: Browser, scope: string) {
  const request = await authorizationRequest(partner, { scope });
  const login = await browser.go(request.url.toString(), { stopAt: REDIRECT_URI });
  const consent = await submitLogin(browser, login, 'enfant.test', CHILD_PASSWORD);
  return { request, consent };
}

it('lists what is shared; « Autoriser » grants exactly that, and is not asked again', async () => {
  const browser = new Browser();
  const { request, consent } = await untilConsent(browser, 'openid profile email');
  expect(consent.status).toBe(200);
  const text = textOf(consent);
  expect(text).toContain('Autoriser l’application');
  expect(text).toContain('Application soutien-scolaire');
  expect(text).toContain('Vos nom, prénom, identifiant et date de naissance');
  expect(text).toContain('Votre adresse électronique');
  expect(text).not.toContain('vos classes');

  const callback = await browser.submit(consent, '/consentement', { decision: 'autoriser' }, REDIRECT_URI);
  const tokens = await exchange(partner, callback.url, request);
  const info = await client.fetchUserInfo(partner.config, tokens.access_token, tokens.claims()!.sub);
  expect(info.preferred_username).toBe('enfant.test');
  expect(info.ent_profile).toBeUndefined();

  const again = await browser.go(
    (await authorizationRequest(partner, { scope: 'openid profile email' })).url.toString(),
    { stopAt: REDIRECT_URI },
  );
  expect(new URL(again.url).searchParams.get('code')).toBeTruthy();
});

it('« Refuser » sends access_denied back to the application', async () => {
  const browser = new Browser();
  const { consent } = await untilConsent(browser, 'openid ent');
  expect(textOf(consent)).toContain('vos classes');
  const back = await browser.submit(consent, '/consentement', { decision: 'refuser' }, REDIRECT_URI);
  expect(back.url.startsWith(REDIRECT_URI)).toBe(true);
  expect(new URL(back.url).searchParams.get('error')).toBe('access_denied');
});
