// The admin page's session over real HTTP (no browser): sign-in through the provider, the
// sealed cookie, ctx.state.adminSession for the API, refresh, CSRF, the live-search fragment,
// open redirects, logout, and refusals on accounts of another class.
import { createHmac } from 'node:crypto';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { Browser, decodeEntities, formOf, textOf, type Page } from '../../helpers/browser.js';
import { createAccount, createClass, createStructure, grantRole } from '../../helpers/factories.js';
import { Account } from '../../../src/db/entities/index.js';
import { decrypt, deriveKey, encrypt } from '../../../src/domain/crypto.js';
import { safeReturn } from '../../../src/admin/page/auth.js';
import { ADMIN_SESSION_COOKIE } from '../../../src/admin/page/index.js';
import { initials } from '../../../src/admin/page/present.js';

const PASSWORD = 'le cahier de texte bleu';
let ts: TestServer;
let classA: { id: string };
let classB: { id: string };
let pupilA: Account;
let pupilB: Account;

beforeAll(async () => {
  ts = await startTestServer();
  const db = ts.server.db;
  const structure = await createStructure(db, { name: 'École du Centre' });
  classA = await createClass(db, { structureId: structure.id, name: 'CM2 A' });
  classB = await createClass(db, { structureId: structure.id, name: 'CE1 B' });
  const teacherA = await createAccount(db, { profile: 'Teacher', login: 'prof.a', firstName: 'Claire', lastName: 'Lefebvre', password: PASSWORD, classIds: [classA.id], structureId: structure.id });
  await grantRole(db, teacherA.id, 'class-admin', classA.id);
  const teacherB = await createAccount(db, { profile: 'Teacher', login: 'prof.b', firstName: 'Julien', lastName: 'Moreau', password: PASSWORD, classIds: [classB.id], structureId: structure.id });
  await grantRole(db, teacherB.id, 'class-admin', classB.id);
  pupilA = await createAccount(db, { profile: 'Student', login: 'enfant.test', firstName: 'test', lastName: 'enfant', birthDate: '2010-08-01', password: 'une phrase de passe solide', classIds: [classA.id], structureId: structure.id });
  await createAccount(db, { profile: 'Student', login: 'zoe.ndiaye', firstName: 'Zoé', lastName: "N'Diaye <b>", classIds: [classA.id], structureId: structure.id });
  const director = await createAccount(db, { profile: 'Personnel', login: 'direction', firstName: 'Isabelle', lastName: 'Faure', password: PASSWORD, structureId: structure.id });
  await grantRole(db, director.id, 'school-admin', structure.id);
  pupilB = await createAccount(db, { profile: 'Student', login: 'nina.roux', firstName: 'Nina', lastName: 'Roux', password: 'le mot de passe de nina', classIds: [classB.id], structureId: structure.id });
});

afterAll(async () => {
  await ts?.stop();
});

/** /admin/ → CONNEXION → back on the class page. */
async function signIn(login: string, start = '/admin/'): Promise<{ browser: Browser; page: Page }> {
  const browser = new Browser();
  const loginPage = await browser.go(`${ts.url}${start}`);
  expect(loginPage.html).toContain('Connexion');
  const page = await browser.submit(loginPage, '/login', { identifiant: login, mot_de_passe: PASSWORD });
  return { browser, page };
}

const jar = (browser: Browser) => (browser as unknown as { cookies: Map<string, string> }).cookies;
const sessionKey = () => deriveKey(Buffer.from(ts.config.secrets.cookieKeys[0]!), 'admin-session');
const readSession = (browser: Browser) => JSON.parse(decrypt(sessionKey(), jar(browser).get(ADMIN_SESSION_COOKIE)!)) as { tokens: { accessToken: string; refreshToken: string; expiresAt: number; accountId: string }; csrfToken: string };
/** Rewrites the sealed session cookie (and its koa signature) as the server would. */
function writeSession(browser: Browser, data: unknown): void {
  const value = encrypt(sessionKey(), JSON.stringify(data));
  const sig = createHmac('sha1', ts.config.secrets.cookieKeys[0]!).update(`${ADMIN_SESSION_COOKIE}=${value}`).digest('base64').replace(/\/|\+|=/g, (c) => ({ '/': '_', '+': '-', '=': '' })[c]!);
  jar(browser).set(ADMIN_SESSION_COOKIE, value);
  jar(browser).set(`${ADMIN_SESSION_COOKIE}.sig`, sig);
}

describe('sign-in', () => {
  test('the provider signs the teacher in and the page shows their class; the cookie is sealed', async () => {
    const { browser, page } = await signIn('prof.a');
    expect(page.status).toBe(200);
    expect(new URL(page.url).pathname).toBe(`/admin/classes/${classA.id}`);
    const text = textOf(page);
    expect(text).toContain('Paramétrage de la classe');
    expect(text).toContain('enfant.test');
    expect(text).toContain('01/08/2010');
    // Autoescaped: the name is text, not markup.
    expect(page.html).toContain('N&#39;Diaye &lt;b&gt;');
    expect(page.headers.get('cache-control')).toContain('no-store');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.html).not.toMatch(/<script>(?!<\/script>)|\sstyle=/);
    const raw = jar(browser).get(ADMIN_SESSION_COOKIE)!;
    const session = readSession(browser);
    expect(session.tokens.accessToken.split('.')).toHaveLength(3);
    expect(raw).not.toContain(session.tokens.accessToken.slice(0, 20));
    expect(session.tokens.refreshToken).toBeTruthy();
  });

  test('several classes: a picker first, then the class chosen', async () => {
    const { browser, page } = await signIn('direction');
    expect(new URL(page.url).pathname).toBe('/admin/');
    expect(textOf(page)).toContain('Choisissez une classe.');
    expect(page.html).toContain(`href="/admin/classes/${classB.id}"`);
    const chosen = await browser.go(`${ts.url}/admin/?classe=${classB.id}`);
    expect(new URL(chosen.url).pathname).toBe(`/admin/classes/${classB.id}`);
    // On the class page, a picker to switch.
    expect(chosen.html).toContain('<select id="classe" name="classe"');
    expect(textOf(chosen)).toContain('nina.roux');
  });

  test('the return address is one of our pages only', async () => {
    expect(safeReturn('/admin/classes/x?onglet=parents')).toBe('/admin/classes/x?onglet=parents');
    for (const evil of ['https://evil.example/', '//evil.example/admin/', '/admin\\@evil', '/interaction/x', undefined, ['/admin/']]) expect(safeReturn(evil)).toBe('/admin/');
    const browser = new Browser();
    const res = await browser.request(`${ts.url}/admin/auth/login?retour=${encodeURIComponent('https://evil.example/')}`);
    expect(res.status).toBe(302);
    const pending = JSON.parse(decrypt(sessionKey(), jar(browser).get(ADMIN_SESSION_COOKIE)!)) as { pending: { returnTo: string } };
    expect(pending.pending.returnTo).toBe('/admin/');
    const auth = new URL(res.headers.get('location')!);
    expect(auth.searchParams.get('resource')).toBe(ts.config.admin.audience);
    expect(auth.searchParams.get('scope')).toBe('openid profile class-admin');
    expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
    expect(auth.searchParams.get('redirect_uri')).toBe(`${ts.url}/admin/auth/callback`);
  });

  test('a callback without a login in progress or with a wrong state does not sign in', async () => {
    const browser = new Browser();
    const lost = await browser.request(`${ts.url}/admin/auth/callback?code=x&state=y`);
    expect(lost.status).toBe(302);
    expect(lost.headers.get('location')).toBe('/admin/');
    await browser.request(`${ts.url}/admin/auth/login`);
    const wrong = await browser.request(`${ts.url}/admin/auth/callback?code=x&state=not-the-state`);
    expect(wrong.status).toBe(400);
    expect(textOf(wrong)).toContain('La connexion n’a pas pu être vérifiée');
  });

  test('an anonymous live-search fragment gets 401, a page goes to CONNEXION', async () => {
    const browser = new Browser();
    expect((await browser.request(`${ts.url}/admin/classes/${classA.id}?partiel=1&q=test`)).status).toBe(401);
    const page = await browser.request(`${ts.url}/admin/classes/${classA.id}?onglet=parents`);
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe(`/admin/auth/login?retour=${encodeURIComponent(`/admin/classes/${classA.id}?onglet=parents`)}`);
  });
});

describe('the session for the admin API and the live search', () => {
  test('the API accepts the page’s cookie session (reads; writes need X-CSRF-Token)', async () => {
    const { browser } = await signIn('prof.a');
    const me = await browser.request(`${ts.url}/admin/api/v1/me`, { headers: { accept: 'application/json' } });
    expect(me.status).toBe(200);
    const body = JSON.stringify({ accountIds: [pupilA.id] });
    const noCsrf = await fetch(`${ts.url}/admin/api/v1/accounts/block`, { method: 'POST', headers: { cookie: browser.cookieHeader(), 'content-type': 'application/json' }, body });
    expect(noCsrf.status).toBe(403);
    const { csrfToken } = readSession(browser);
    const unblock = await fetch(`${ts.url}/admin/api/v1/accounts/unblock`, { method: 'POST', headers: { cookie: browser.cookieHeader(), 'content-type': 'application/json', 'x-csrf-token': csrfToken }, body });
    expect(unblock.status).toBe(200);
  });

  test('the fragment answers the rows of a search with their count', async () => {
    const { browser } = await signIn('prof.a');
    const res = await browser.request(`${ts.url}/admin/classes/${classA.id}?partiel=1&q=ZOE`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-total-count')).toBe('1');
    expect(res.html).toContain('zoe.ndiaye');
    expect(res.html).not.toContain('enfant.test');
    expect(res.html).not.toContain('<html');
  });

  test('an expired access token is refreshed with the refresh token', async () => {
    const { browser } = await signIn('prof.a');
    const before = readSession(browser);
    writeSession(browser, { ...before, tokens: { ...before.tokens, expiresAt: 0 } });
    const page = await browser.request(`${ts.url}/admin/classes/${classA.id}`);
    expect(page.status).toBe(200);
    const after = readSession(browser);
    expect(after.tokens.accessToken).not.toBe(before.tokens.accessToken);
    expect(after.tokens.refreshToken).not.toBe(before.tokens.refreshToken);
    expect(after.tokens.expiresAt).toBeGreaterThan(Date.now());
    expect(after.tokens.accountId).toBe(before.tokens.accountId);
  });

  test('a refresh that fails signs the teacher out', async () => {
    const { browser } = await signIn('prof.a');
    const before = readSession(browser);
    writeSession(browser, { ...before, tokens: { ...before.tokens, expiresAt: 0, refreshToken: 'not-a-refresh-token' } });
    const page = await browser.request(`${ts.url}/admin/classes/${classA.id}`);
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toMatch(/^\/admin\/auth\/login/);
  });
});

describe('actions', () => {
  test('CSRF: without the token, or with another session’s, nothing happens', async () => {
    const a = await signIn('prof.a');
    const b = await signIn('prof.b');
    const url = `${ts.url}/admin/classes/${classA.id}/actions`;
    const none = await a.browser.request(url, { form: { action: 'bloquer', confirme: 'oui', ids: pupilA.id } });
    expect(none.status).toBe(403);
    const other = await a.browser.request(url, { form: { _csrf: readSession(b.browser).csrfToken, action: 'bloquer', confirme: 'oui', ids: pupilA.id } });
    expect(other.status).toBe(403);
    expect((await ts.server.db.manager.findOneByOrFail(Account, { id: pupilA.id })).blockedAt).toBeNull();
  });

  test('BLOQUER asks first (no JavaScript), then blocks; DÉBLOQUER unblocks; feedback in French', async () => {
    const { browser, page } = await signIn('prof.a');
    const form = formOf(page, '/actions');
    const ask = await browser.request(new URL(form.action, ts.url).href, { form: { ...form.hidden, action: 'bloquer', ids: pupilA.id } });
    expect(ask.status).toBe(200);
    expect(textOf(ask)).toContain('Bloquer ce compte ?');
    expect((await ts.server.db.manager.findOneByOrFail(Account, { id: pupilA.id })).blockedAt).toBeNull();
    const confirm = formOf(ask, '/actions');
    const done = await browser.go(new URL(confirm.action, ts.url).href, { form: confirm.hidden });
    expect(textOf(done)).toContain('1 compte bloqué.');
    expect((await ts.server.db.manager.findOneByOrFail(Account, { id: pupilA.id })).blockedAt).not.toBeNull();
    const again = formOf(done, '/actions');
    const unblocked = await browser.go(new URL(again.action, ts.url).href, { form: { ...again.hidden, action: 'debloquer', ids: pupilA.id } });
    expect(textOf(unblocked)).toContain('1 compte débloqué.');
    expect((await ts.server.db.manager.findOneByOrFail(Account, { id: pupilA.id })).blockedAt).toBeNull();
    // Nothing ticked: a message, nothing done.
    const empty = await browser.go(new URL(again.action, ts.url).href, { form: { ...formOf(unblocked, '/actions').hidden, action: 'renouveler' } });
    expect(textOf(empty)).toContain('Cochez d’abord la case sur l’image de profil');
  });

  test('the other class’s teacher cannot act on these accounts (404, nothing changes)', async () => {
    const { browser, page } = await signIn('prof.b');
    expect(textOf(page)).toContain('nina.roux');
    expect(textOf(page)).not.toContain('enfant.test');
    const { hidden } = formOf(page, '/actions');
    for (const classId of [classB.id, classA.id]) {
      for (const action of ['bloquer', 'renouveler', 'reinitialiser', 'fiches', 'debloquer']) {
        const res = await browser.request(`${ts.url}/admin/classes/${classId}/actions`, { form: { ...hidden, action, confirme: 'oui', ids: pupilA.id } });
        expect([action, res.status]).toEqual([action, 404]);
      }
    }
    expect((await browser.request(`${ts.url}/admin/classes/${classA.id}`)).status).toBe(404);
    expect((await browser.request(`${ts.url}/admin/classes/${classA.id}/codes?ids=${pupilA.id}`)).status).toBe(404);
    expect((await browser.request(`${ts.url}/admin/classes/${classB.id}/codes?ids=${pupilA.id}`)).status).toBe(404);
    const after = await ts.server.db.manager.findOneByOrFail(Account, { id: pupilA.id });
    expect(after.blockedAt).toBeNull();
    expect(await ts.server.domain.codes.liveCode(pupilA.id)).toBeNull();
    // Their own pupil works.
    const ok = await browser.go(`${ts.url}/admin/classes/${classB.id}/actions`, { form: { ...hidden, action: 'renouveler', ids: pupilB.id } });
    expect(textOf(ok)).toContain('1 code de renouvellement généré.');
    expect(textOf(ok)).toContain((await ts.server.domain.codes.liveCode(pupilB.id))!.code);
  });
});

describe('Déconnexion', () => {
  test('forgets the session and sends the teacher to the provider’s end_session with id_token_hint', async () => {
    const { browser, page } = await signIn('prof.a');
    const form = formOf(page, '/admin/auth/logout');
    const res = await browser.request(new URL(form.action, ts.url).href, { form: form.hidden });
    expect(res.status).toBe(303);
    const end = new URL(decodeEntities(res.headers.get('location')!));
    expect(end.pathname).toMatch(/session\/end|end_session/);
    expect(end.searchParams.get('id_token_hint')).toBeTruthy();
    expect(end.searchParams.get('post_logout_redirect_uri')).toBe(`${ts.url}/admin/auth/logged-out`);
    expect(jar(browser).has(ADMIN_SESSION_COOKIE)).toBe(false);
    const again = await browser.request(`${ts.url}/admin/`);
    expect(again.status).toBe(303);
    const out = await browser.request(`${ts.url}/admin/auth/logged-out`);
    expect(textOf(out)).toContain('Vous êtes déconnecté');
    expect(out.html).toContain('href="/admin/"');
  });
});

test('initials for avatars', () => {
  expect(initials('Élodie', "N'Diaye")).toBe('ÉN');
  expect(initials('', '')).toBe('?');
});
