// Issue 10, point 3 (first half): every form refuses a post without its CSRF token (and
// nothing happens), and no redirecting parameter leads off-site: redirect_uri variants,
// unregistered post_logout_redirect_uri, the recovery pages' `retour`, the admin page's `retour`.
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { Browser, formOf, textOf } from '../../helpers/browser.js';
import {
  authorizationRequest,
  client,
  REDIRECT_URI,
  registerClient,
  signIn,
  submitLogin,
  type RegisteredClient,
} from '../../helpers/oidc.js';
import { Account, OidcArtifact, PasswordResetToken } from '../../../src/db/entities/index.js';
import { seedSchool, PASSWORD, type School } from '../admin-api/harness.js';
import { choosePassword, connexion, issueCode, openWithCode } from './support.js';
import { adminSignIn, counts } from './web.js';

let ts: TestServer;
let school: School;
let app: RegisteredClient;
let thirdParty: RegisteredClient;
beforeAll(async () => {
  ts = await startTestServer();
  school = await seedSchool(ts);
  app = await registerClient(ts, { clientId: 'ent-cahier' });
  thirdParty = await registerClient(ts, { clientId: 'appli-externe', firstParty: false });
}, 30_000);
afterAll(() => ts?.stop());

const CSRF_WORDS = 'Cette page a expiré';
const post = (browser: Browser, url: string, form: Record<string, string>) =>
  browser.request(new URL(url, ts.url).href, { form });
const blocked = async (id: string) => (await ts.server.db.read((m) => m.findOneByOrFail(Account, { id }))).blockedAt;

describe('CSRF on every form', () => {
  test('CONNEXION: without the token, with a forged one, or with another session’s: 403, not signed in', async () => {
    const { page } = await connexion(app, new Browser());
    const { page: other } = await connexion(app, new Browser());
    const victim = new Browser();
    const { page: mine } = await connexion(app, victim);
    const { action, hidden } = formOf(mine, '/login');
    for (const token of [
      undefined,
      'forged-token',
      formOf(other, '/login').hidden._csrf,
      formOf(page, '/login').hidden._csrf,
    ]) {
      const form: Record<string, string> = { identifiant: school.studentsA[0]!.login, mot_de_passe: PASSWORD };
      if (token !== undefined) form._csrf = token;
      const res = await post(victim, action, form);
      expect([token, res.status]).toEqual([token, 403]);
      expect(textOf(res)).toContain(CSRF_WORDS);
      expect(res.headers.get('location')).toBeNull();
    }
    // The real token still works: the refusals changed nothing.
    const ok = await submitLogin(victim, mine, school.studentsA[0]!.login, PASSWORD);
    expect(ok.url.startsWith(REDIRECT_URI)).toBe(true);
    expect(hidden._csrf).toBeTruthy();
  });

  test('RÉINITIALISATION DU MOT DE PASSE (ENREGISTRER): 403, the code is not consumed', async () => {
    const child = school.studentsA[2]!;
    const { code } = await issueCode(ts, child.id, 'activation');
    const { browser, page } = await openWithCode(app, child.login, code);
    const { action } = formOf(page, '/mot-de-passe');
    const res = await post(browser, action, {
      nouveau_mot_de_passe: 'ma cabane au fond du jardin',
      confirmation: 'ma cabane au fond du jardin',
    });
    expect(res.status).toBe(403);
    expect(textOf(res)).toContain(CSRF_WORDS);
    expect((await ts.server.db.read((m) => m.findOneByOrFail(Account, { id: child.id }))).passwordHash).toBeNull();
    expect((await ts.server.domain.codes.liveCode(child.id))?.code).toBe(code);
    expect((await choosePassword(browser, page, 'ma cabane au fond du jardin')).url.startsWith(REDIRECT_URI)).toBe(
      true,
    );
  });

  test('consent (« Autoriser »): 403, no grant recorded', async () => {
    const browser = new Browser();
    const { page } = await connexion(thirdParty, browser);
    const consent = await submitLogin(browser, page, school.relativesA[0]!.login, PASSWORD);
    expect(consent.html).toContain('/consentement');
    const grants = await ts.server.db.read((m) => m.countBy(OidcArtifact, { model: 'Grant' }));
    const res = await post(browser, formOf(consent, '/consentement').action, { decision: 'autoriser' });
    expect(res.status).toBe(403);
    expect(textOf(res)).toContain(CSRF_WORDS);
    expect(await ts.server.db.read((m) => m.countBy(OidcArtifact, { model: 'Grant' }))).toBe(grants);
  });

  test('« Mot de passe oublié », « Identifiant oublié »: 403, no mail, no reset link stored', async () => {
    const browser = new Browser();
    await browser.go(`${ts.url}/mot-de-passe-oublie`);
    const tokens = await ts.server.db.read((m) => m.count(PasswordResetToken));
    const a = await post(browser, '/mot-de-passe-oublie', { identifiant: school.relativesA[0]!.login });
    const b = await post(browser, '/identifiant-oublie', { courriel: 'pierre@example.fr' });
    await ts.server.domain.mail.idle();
    for (const res of [a, b]) {
      expect(res.status).toBe(403);
      expect(textOf(res)).toContain(CSRF_WORDS);
    }
    expect(await ts.server.db.read((m) => m.count(PasswordResetToken))).toBe(tokens);
  });

  test('the reset link’s form: 403, the password is unchanged and the link still works', async () => {
    const parent = school.relativesA[0]!;
    const token = await resetLinkFor(parent.login);
    const browser = new Browser();
    const page = await browser.go(`${ts.url}/mot-de-passe/reinitialiser/${token}`);
    const before = (await ts.server.db.read((m) => m.findOneByOrFail(Account, { id: parent.id }))).passwordHash;
    const res = await post(browser, `/mot-de-passe/reinitialiser/${token}`, {
      nouveau_mot_de_passe: 'un autre mot de passe long',
      confirmation: 'un autre mot de passe long',
    });
    expect(res.status).toBe(403);
    expect((await ts.server.db.read((m) => m.findOneByOrFail(Account, { id: parent.id }))).passwordHash).toBe(before);
    const ok = await browser.submit(page, '', {
      nouveau_mot_de_passe: 'un autre mot de passe long',
      confirmation: 'un autre mot de passe long',
    });
    expect(textOf(ok)).toContain('Votre mot de passe a été modifié');
    await ts.server.db.transaction((m) => m.update(Account, { id: parent.id }, { passwordHash: before }));
  });

  test('admin page: every action and Déconnexion refuse a post without the token; nothing happens', async () => {
    const { browser } = await adminSignIn(ts, school.teacherA.login, PASSWORD);
    const target = school.studentsA[0]!;
    const before = await counts(ts);
    for (const action of ['renouveler', 'bloquer', 'debloquer', 'reinitialiser', 'fiches']) {
      for (const form of [
        { action, ids: target.id, confirme: 'oui' },
        { _csrf: 'forged', action, ids: target.id, confirme: 'oui' },
      ] as Record<string, string>[]) {
        const res = await post(browser, `/admin/classes/${school.classA.id}/actions`, form);
        expect([action, res.status]).toEqual([action, 403]);
        expect(res.headers.get('content-type')).toMatch(/text\/html/);
      }
    }
    const out = await post(browser, '/admin/auth/logout', { x: '1' });
    expect(out.status).toBe(403);
    expect(await counts(ts)).toEqual(before);
    expect(await blocked(target.id)).toBeNull();
    // Still signed in: the logout did not happen.
    expect((await browser.request(`${ts.url}/admin/classes/${school.classA.id}`)).status).toBe(200);
  });

  test('admin API with the page’s cookie session: every mutation needs X-CSRF-Token', async () => {
    const { browser, csrf } = await adminSignIn(ts, school.teacherA.login, PASSWORD);
    const ids = [school.studentsA[1]!.id];
    const before = await counts(ts);
    const routes: [string, unknown][] = [
      ['/v1/renewal-codes', { accountIds: ids }],
      ['/v1/accounts/block', { accountIds: ids }],
      ['/v1/accounts/unblock', { accountIds: ids }],
      ['/v1/password-resets', { accountIds: ids }],
      ['/v1/connection-sheets', { accountIds: ids, format: 'csv' }],
    ];
    for (const [path, body] of routes) {
      for (const token of [undefined, 'forged', `${csrf}x`]) {
        const res = await fetch(`${ts.url}/admin/api${path}`, {
          method: 'POST',
          headers: {
            cookie: browser.cookieHeader(),
            'content-type': 'application/json',
            ...(token ? { 'x-csrf-token': token } : {}),
          },
          body: JSON.stringify(body),
        });
        expect([path, token, res.status]).toEqual([path, token, 403]);
        expect(res.headers.get('content-type')).toMatch(/problem\+json/);
      }
    }
    expect(await counts(ts)).toEqual(before);
    expect(await blocked(ids[0]!)).toBeNull();
    // With the header the same request works (the refusals were about CSRF only).
    const ok = await fetch(`${ts.url}/admin/api/v1/accounts/unblock`, {
      method: 'POST',
      headers: { cookie: browser.cookieHeader(), 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify({ accountIds: ids }),
    });
    expect(ok.status).toBe(200);
  });

  test('demo application: Déconnexion without its token does not log out', async () => {
    const browser = new Browser();
    const start = await browser.go(`${ts.url}/demo-app/login`);
    const profile = await browser.submit(start, '/login', {
      identifiant: school.studentsA[0]!.login,
      mot_de_passe: PASSWORD,
    });
    expect(profile.url).toBe(`${ts.url}/demo-app`);
    expect(textOf(profile)).toContain(school.studentsA[0]!.login);
    for (const form of [{ x: '1' }, { csrf: 'forged' }] as Record<string, string>[]) {
      const res = await post(browser, '/demo-app/logout', form);
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe(`${ts.url}/demo-app`);
    }
    expect(textOf(await browser.go(`${ts.url}/demo-app`))).toContain(school.studentsA[0]!.login);
    // With its token, it sends the browser to the provider's end_session.
    const { hidden } = formOf(profile, '/logout');
    const out = await post(browser, '/demo-app/logout', hidden);
    expect(new URL(out.headers.get('location')!).pathname).toMatch(/session\/end/);
  });
});

/** Asks for a reset link through the public form and reads it from the mail. */
async function resetLinkFor(login: string): Promise<string> {
  const before = new Set((await ts.server.db.read((m) => m.find(PasswordResetToken))).map((t) => t.id));
  const browser = new Browser();
  const page = await browser.go(`${ts.url}/mot-de-passe-oublie`);
  await browser.submit(page, '/mot-de-passe-oublie', { identifiant: login });
  await ts.server.domain.mail.idle();
  const { readdirSync, readFileSync, statSync } = await import('node:fs');
  const { join } = await import('node:path');
  const dir = ts.config.mail.dir;
  const newest = readdirSync(dir)
    .map((f) => join(dir, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]!;
  const token = /\/mot-de-passe\/reinitialiser\/([\w-]+)/.exec(
    readFileSync(newest, 'utf8').replace(/=\r?\n/g, ''),
  )?.[1];
  expect((await ts.server.db.read((m) => m.find(PasswordResetToken))).some((t) => !before.has(t.id))).toBe(true);
  return token!;
}

describe('no open redirect', () => {
  const offsite = (location: string | null) =>
    location !== null && new URL(location, ts.url).origin !== new URL(ts.url).origin;

  test.each([
    'https://evil.example/callback',
    'https://app.example.test/other',
    'https://app.example.test/callback.evil.com',
    'https://app.example.test@evil.com/callback',
    'https://app.example.test/callback/../../evil',
    'https://app.example.test/callback%2F..%2Fevil',
    'https://app.example.test%2F@evil.com/callback',
    'https://app.example.test\\@evil.com/callback',
    'https://app.example.test/callback?next=https://evil.com',
    'https://app.example.test/callback#@evil.com',
    'https://APP.example.test/callback',
    'https://app.example.test:8443/callback',
    'http://app.example.test/callback',
    '//evil.com/callback',
    '/callback',
    'javascript:alert(1)//https://app.example.test/callback',
    'https://app.example.test/callback ',
    'https://app.example.test/Callback',
  ])('redirect_uri %s: an error page, never a redirect', async (redirectUri) => {
    const request = await authorizationRequest(app, { redirect_uri: redirectUri });
    const res = await new Browser().request(request.url.href);
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.html).not.toContain('evil');
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
  });

  test('post_logout_redirect_uri not registered (with id_token_hint or client_id): no redirect there', async () => {
    const { tokens, browser } = await signIn(app, school.studentsA[0]!.login, PASSWORD);
    const end = client.buildEndSessionUrl(app.config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: 'https://evil.example/au-revoir',
    });
    const res = await browser.request(end.href);
    expect(res.status).toBe(400);
    expect(offsite(res.headers.get('location'))).toBe(false);
    for (const uri of [
      'https://app.example.test/au-revoir.evil.com',
      'https://app.example.test@evil.com/au-revoir',
      'https://evil.example/',
    ]) {
      const byClient = new URL(end);
      byClient.searchParams.delete('id_token_hint');
      byClient.searchParams.set('client_id', app.clientId);
      byClient.searchParams.set('post_logout_redirect_uri', uri);
      const r = await browser.request(byClient.href);
      expect([uri, r.status, offsite(r.headers.get('location'))]).toEqual([uri, 400, false]);
    }
  });

  test('the recovery pages’ `retour` only ever leads to /interaction/<uid>', async () => {
    const uid = 'AbCdEf0123456789xyz_-';
    const hostile = [
      'https://evil.example',
      '//evil.example',
      '/\\evil.example',
      'javascript:alert(1)',
      '../admin',
      `${uid}/../../evil`,
      `${uid}?x=https://evil`,
      '%2F%2Fevil.example',
      `"><script>alert(1)</script>`,
    ];
    const browser = new Browser();
    for (const path of ['/mot-de-passe-oublie', '/identifiant-oublie']) {
      const ok = await browser.go(`${ts.url}${path}?retour=${uid}`);
      expect(ok.html).toContain(`href="/interaction/${uid}"`);
      for (const value of hostile) {
        const page = await browser.go(`${ts.url}${path}?retour=${encodeURIComponent(value)}`);
        const links = [...page.html.matchAll(/href="([^"]*)"/g)]
          .map((m) => m[1]!)
          // Our assets and the footer's accessibility statement are the only fixed links.
          .filter((h) => !h.startsWith('/static/') && h !== '/accessibilite');
        expect([value, links]).toEqual([value, []]);
        expect(page.html).not.toContain('<script>alert');
        // Posted too: the info page after the form.
        const posted = await browser.submit(page, path, {
          identifiant: 'personne',
          courriel: 'personne@example.test',
          retour: value,
        });
        const after = [...posted.html.matchAll(/href="([^"]*)"/g)]
          .map((m) => m[1]!)
          .filter((h) => !h.startsWith('/static/') && h !== '/accessibilite');
        expect([value, after]).toEqual([value, []]);
      }
    }
    await ts.server.domain.mail.idle();
  });

  test('the admin page’s `retour` stays on /admin', async () => {
    const { browser } = await adminSignIn(ts, school.teacherA.login, PASSWORD);
    for (const value of [
      'https://evil.example/admin/',
      '//evil.example/admin',
      '/\\evil.example',
      '/admin\\..\\evil',
      'javascript:alert(1)',
      '/admin@evil.example',
      'https:evil.example',
      '/%2F%2Fevil.example',
      '\t//evil.example',
    ]) {
      const res = await browser.request(`${ts.url}/admin/auth/login?retour=${encodeURIComponent(value)}`);
      const location = res.headers.get('location')!;
      const target = new URL(location, ts.url);
      expect([value, target.origin, target.pathname.startsWith('/admin')]).toEqual([
        value,
        new URL(ts.url).origin,
        true,
      ]);
    }
    // Signed out, the provider round trip keeps only a safe return address too.
    const anonymous = new Browser();
    const start = await anonymous.go(
      `${ts.url}/admin/auth/login?retour=${encodeURIComponent('https://evil.example/')}`,
    );
    const landed = await anonymous.submit(start, '/login', {
      identifiant: school.teacherA.login,
      mot_de_passe: PASSWORD,
    });
    expect(new URL(landed.url).origin).toBe(new URL(ts.url).origin);
    expect(new URL(landed.url).pathname.startsWith('/admin')).toBe(true);
  });
});
