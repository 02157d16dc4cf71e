// Issue 10, point 5: blocking (admin API), a password change (renewal code) and an
// RP-initiated logout end the person's access in *every* ENT application signed in through the
// same browser session: each one's refresh token stops working, userinfo refuses the access
// token, and the next authorization request shows CONNEXION again.
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { Browser, formOf, textOf } from '../../helpers/browser.js';
import {
  authorizationRequest,
  client,
  REDIRECT_URI,
  registerClient,
  signIn,
  type RegisteredClient,
} from '../../helpers/oidc.js';
import { createAccount } from '../../helpers/factories.js';
import { seedSchool, signInWithCode, PASSWORD, API, type School } from '../admin-api/harness.js';
import { issueCode } from './support.js';

let ts: TestServer;
let school: School;
let mail: RegisteredClient;
let homework: RegisteredClient;
let adminClient: RegisteredClient;
beforeAll(async () => {
  ts = await startTestServer();
  school = await seedSchool(ts);
  mail = await registerClient(ts, { clientId: 'ent-messagerie' });
  homework = await registerClient(ts, { clientId: 'ent-cahier-de-textes' });
  adminClient = await registerClient(ts, { clientId: 'classe-test', scopes: ['openid', 'profile', 'class-admin'] });
}, 30_000);
afterAll(() => ts?.stop());

/** Both applications signed in through one browser: CONNEXION once, then single sign-on. */
async function signedInTwice(login: string) {
  const first = await signIn(mail, login, PASSWORD, { params: { scope: 'openid profile' } });
  const second = await signIn(homework, login, PASSWORD, { browser: first.browser });
  expect(first.tokens.refresh_token).toBeTruthy();
  expect(second.tokens.refresh_token).toBeTruthy();
  return {
    browser: first.browser,
    sessions: [
      { app: mail, tokens: first.tokens },
      { app: homework, tokens: second.tokens },
    ],
  };
}

async function expectEnded(browser: Browser, sessions: Awaited<ReturnType<typeof signedInTwice>>['sessions']) {
  for (const { app, tokens } of sessions) {
    await expect(client.refreshTokenGrant(app.config, tokens.refresh_token!)).rejects.toThrow();
    await expect(client.fetchUserInfo(app.config, tokens.access_token, tokens.claims()!.sub)).rejects.toThrow();
    const request = await authorizationRequest(app);
    const page = await browser.go(request.url.href, { stopAt: REDIRECT_URI });
    expect([app.clientId, page.url.startsWith(REDIRECT_URI)]).toEqual([app.clientId, false]);
    expect(textOf(page)).toContain('Connexion');
    expect(page.html).toContain('name="mot_de_passe"');
  }
}

test('before anything happens, both applications refresh, read userinfo and get single sign-on (control)', async () => {
  const login = (
    await createAccount(ts.server.db, { profile: 'Student', password: PASSWORD, classIds: [school.classA.id] })
  ).login;
  const { browser, sessions } = await signedInTwice(login);
  for (const { app, tokens } of sessions) {
    const refreshed = await client.refreshTokenGrant(app.config, tokens.refresh_token!);
    expect(await client.fetchUserInfo(app.config, refreshed.access_token, tokens.claims()!.sub)).toHaveProperty('sub');
    const request = await authorizationRequest(app);
    expect((await browser.go(request.url.href, { stopAt: REDIRECT_URI })).url.startsWith(REDIRECT_URI)).toBe(true);
  }
});

test('blocking through the admin API ends both applications’ sessions', async () => {
  const child = await createAccount(ts.server.db, {
    profile: 'Student',
    password: PASSWORD,
    classIds: [school.classA.id],
  });
  const { browser, sessions } = await signedInTwice(child.login);
  const { tokens } = await signIn(adminClient, school.teacherA.login, PASSWORD, {
    params: { scope: 'openid profile class-admin', resource: ts.config.admin.audience },
  });
  const res = await fetch(`${ts.url}${API}/v1/accounts/block`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ accountIds: [child.id] }),
  });
  expect(res.status).toBe(200);
  await expectEnded(browser, sessions);
});

test('a new password chosen with a renewal code (on another device) ends both applications’ sessions', async () => {
  const child = await createAccount(ts.server.db, {
    profile: 'Student',
    password: PASSWORD,
    classIds: [school.classA.id],
  });
  const { browser, sessions } = await signedInTwice(child.login);
  const { code } = await issueCode(ts, child.id, 'renewal');
  await signInWithCode(mail, child.login, code, 'un tout nouveau mot de passe');
  await expectEnded(browser, sessions);
});

test('RP-initiated logout from one application ends both applications’ sessions', async () => {
  const child = await createAccount(ts.server.db, {
    profile: 'Student',
    password: PASSWORD,
    classIds: [school.classA.id],
  });
  const { browser, sessions } = await signedInTwice(child.login);
  const end = client.buildEndSessionUrl(mail.config, {
    id_token_hint: sessions[0]!.tokens.id_token!,
    post_logout_redirect_uri: 'https://app.example.test/au-revoir',
  });
  const confirm = await browser.go(end.href);
  const { action, hidden } = formOf(confirm, '');
  const out = await browser.request(new URL(action, ts.url).href, { form: { ...hidden, logout: 'yes' } });
  expect(out.status).toBe(303);
  expect(out.headers.get('location')).toMatch(/^https:\/\/app\.example\.test\/au-revoir/);
  await expectEnded(browser, sessions);
});
