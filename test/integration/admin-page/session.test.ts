// The admin page's session over real HTTP (no browser): sign-in through the provider, the
// sealed cookie naming a session held in the database, the API's cookie authentication,
// CSRF, the live-search fragment, open redirects, logout (a copy of the cookie is then worth
// nothing, nor after a password change or a block), and refusals on another class's accounts.
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { Browser, decodeEntities, formOf, textOf, type Page } from '../../helpers/browser.js';
import { createAccount, createClass, createStructure, grantRole } from '../../helpers/factories.js';
import { Account, AdminSession } from '../../../src/db/entities/index.js';
import { decrypt, deriveKey } from '../../../src/domain/crypto.js';
import { safeReturn } from '../../../src/admin/page/auth.js';
import { ADMIN_SESSION_COOKIE } from '../../../src/admin/page/index.js';
import { initials } from '../../../src/admin/page/present.js';
import { NOT_FOUND_MESSAGE } from '../../../src/domain/admin/index.js';

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
  const teacherA = await createAccount(db, {
    profile: 'Teacher',
    login: 'prof.a',
    firstName: 'Claire',
    lastName: 'Lefebvre',
    password: PASSWORD,
    classIds: [classA.id],
    structureId: structure.id,
  });
  await grantRole(db, teacherA.id, 'class-admin', classA.id);
  const teacherB = await createAccount(db, {
    profile: 'Teacher',
    login: 'prof.b',
    firstName: 'Julien',
    lastName: 'Moreau',
    password: PASSWORD,
    classIds: [classB.id],
    structureId: structure.id,
  });
  await grantRole(db, teacherB.id, 'class-admin', classB.id);
  pupilA = await createAccount(db, {
    profile: 'Student',
    login: 'enfant.test',
    firstName: 'test',
    lastName: 'enfant',
    birthDate: '2010-08-01',
    password: 'une phrase de passe solide',
    classIds: [classA.id],
    structureId: structure.id,
  });
  await createAccount(db, {
    profile: 'Student',
    login: 'zoe.ndiaye',
    firstName: 'Zoé',
    lastName: "N'Diaye <b>",
    classIds: [classA.id],
    structureId: structure.id,
  });
  const director = await createAccount(db, {
    profile: 'Personnel',
    login: 'direction',
    firstName: 'Isabelle',
    lastName: 'Faure',
    password: PASSWORD,
    structureId: structure.id,
  });
  await grantRole(db, director.id, 'school-admin', structure.id);
  pupilB = await createAccount(db, {
    profile: 'Student',
    login: 'nina.roux',
    firstName: 'Nina',
    lastName: 'Roux',
    password: 'le mot de passe de nina',
    classIds: [classB.id],
    structureId: structure.id,
  });
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
const readSession = (browser: Browser) =>
  JSON.parse(decrypt(sessionKey(), jar(browser).get(ADMIN_SESSION_COOKIE)!)) as { sid?: string; csrfToken: string };
/** A second browser holding a copy of `browser`'s cookies, as someone who copied them would. */
function copyOf(browser: Browser): Browser {
  const copy = new Browser();
  for (const [name, value] of jar(browser)) jar(copy).set(name, value);
  return copy;
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
    expect(session.sid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(raw).not.toContain(session.sid);
    // The database holds a digest of the session id, never the id itself.
    const rows = (await ts.server.db.dataSource.query('SELECT id FROM admin_sessions')) as { id: string }[];
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toContain(session.sid);
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
    for (const evil of [
      'https://evil.example/',
      '//evil.example/admin/',
      '/admin\\@evil',
      '/interaction/x',
      undefined,
      ['/admin/'],
    ])
      expect(safeReturn(evil)).toBe('/admin/');
    const browser = new Browser();
    const res = await browser.request(
      `${ts.url}/admin/auth/login?retour=${encodeURIComponent('https://evil.example/')}`,
    );
    expect(res.status).toBe(302);
    const pending = JSON.parse(decrypt(sessionKey(), jar(browser).get(ADMIN_SESSION_COOKIE)!)) as {
      pending: { returnTo: string };
    };
    expect(pending.pending.returnTo).toBe('/admin/');
    const auth = new URL(res.headers.get('location')!);
    expect(auth.searchParams.get('scope')).toBe('openid profile');
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
    expect(page.headers.get('location')).toBe(
      `/admin/auth/login?retour=${encodeURIComponent(`/admin/classes/${classA.id}?onglet=parents`)}`,
    );
  });
});

describe('the session for the admin API and the live search', () => {
  test('the API accepts the page’s cookie session (reads; writes need X-CSRF-Token)', async () => {
    const { browser } = await signIn('prof.a');
    const me = await browser.request(`${ts.url}/admin/api/v1/me`, { headers: { accept: 'application/json' } });
    expect(me.status).toBe(200);
    const body = JSON.stringify({ accountIds: [pupilA.id] });
    const noCsrf = await fetch(`${ts.url}/admin/api/v1/accounts/block`, {
      method: 'POST',
      headers: { cookie: browser.cookieHeader(), 'content-type': 'application/json' },
      body,
    });
    expect(noCsrf.status).toBe(403);
    const { csrfToken } = readSession(browser);
    const unblock = await fetch(`${ts.url}/admin/api/v1/accounts/unblock`, {
      method: 'POST',
      headers: { cookie: browser.cookieHeader(), 'content-type': 'application/json', 'x-csrf-token': csrfToken },
      body,
    });
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

  test('a session past its end in the database signs the teacher out', async () => {
    const { browser } = await signIn('prof.a');
    await ts.server.db.transaction((m) =>
      m
        .createQueryBuilder()
        .update(AdminSession)
        .set({ expiresAt: new Date(Date.now() - 1000) })
        .execute(),
    );
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
    const other = await a.browser.request(url, {
      form: { _csrf: readSession(b.browser).csrfToken, action: 'bloquer', confirme: 'oui', ids: pupilA.id },
    });
    expect(other.status).toBe(403);
    expect((await ts.server.db.read((m) => m.findOneByOrFail(Account, { id: pupilA.id }))).blockedAt).toBeNull();
  });

  test('BLOQUER asks first (no JavaScript), then blocks; DÉBLOQUER unblocks; feedback in French', async () => {
    const { browser, page } = await signIn('prof.a');
    const form = formOf(page, '/actions');
    const ask = await browser.request(new URL(form.action, ts.url).href, {
      form: { ...form.hidden, action: 'bloquer', ids: pupilA.id },
    });
    expect(ask.status).toBe(200);
    expect(textOf(ask)).toContain('Bloquer ce compte ?');
    expect((await ts.server.db.read((m) => m.findOneByOrFail(Account, { id: pupilA.id }))).blockedAt).toBeNull();
    const confirm = formOf(ask, '/actions');
    const done = await browser.go(new URL(confirm.action, ts.url).href, { form: confirm.hidden });
    expect(textOf(done)).toContain('1 compte bloqué.');
    expect((await ts.server.db.read((m) => m.findOneByOrFail(Account, { id: pupilA.id }))).blockedAt).not.toBeNull();
    const again = formOf(done, '/actions');
    const unblocked = await browser.go(new URL(again.action, ts.url).href, {
      form: { ...again.hidden, action: 'debloquer', ids: pupilA.id },
    });
    expect(textOf(unblocked)).toContain('1 compte débloqué.');
    expect((await ts.server.db.read((m) => m.findOneByOrFail(Account, { id: pupilA.id }))).blockedAt).toBeNull();
    // Nothing ticked: a message, nothing done.
    const empty = await browser.go(new URL(again.action, ts.url).href, {
      form: { ...formOf(unblocked, '/actions').hidden, action: 'renouveler' },
    });
    expect(textOf(empty)).toContain('Cochez d’abord la case sur l’image de profil');
  });

  test('the other class’s teacher cannot act on these accounts (404, nothing changes)', async () => {
    const { browser, page } = await signIn('prof.b');
    expect(textOf(page)).toContain('nina.roux');
    expect(textOf(page)).not.toContain('enfant.test');
    const { hidden } = formOf(page, '/actions');
    for (const classId of [classB.id, classA.id]) {
      for (const action of ['bloquer', 'renouveler', 'reinitialiser', 'fiches', 'debloquer']) {
        const res = await browser.request(`${ts.url}/admin/classes/${classId}/actions`, {
          form: { ...hidden, action, confirme: 'oui', ids: pupilA.id },
        });
        expect([action, res.status]).toEqual([action, 404]);
        expect(textOf(res)).toContain(NOT_FOUND_MESSAGE);
      }
    }
    // The API, with the same session, says the same French words.
    const api = await fetch(`${ts.url}/admin/api/v1/accounts/block`, {
      method: 'POST',
      headers: {
        cookie: browser.cookieHeader(),
        'content-type': 'application/json',
        'x-csrf-token': readSession(browser).csrfToken,
      },
      body: JSON.stringify({ accountIds: [pupilA.id] }),
    });
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ code: 'not_found', detail: NOT_FOUND_MESSAGE });
    expect((await browser.request(`${ts.url}/admin/classes/${classA.id}`)).status).toBe(404);
    expect((await browser.request(`${ts.url}/admin/classes/${classA.id}/codes?ids=${pupilA.id}`)).status).toBe(404);
    expect((await browser.request(`${ts.url}/admin/classes/${classB.id}/codes?ids=${pupilA.id}`)).status).toBe(404);
    const after = await ts.server.db.read((m) => m.findOneByOrFail(Account, { id: pupilA.id }));
    expect(after.blockedAt).toBeNull();
    expect(await ts.server.domain.codes.liveCode(pupilA.id)).toBeNull();
    // Their own pupil works.
    const ok = await browser.go(`${ts.url}/admin/classes/${classB.id}/actions`, {
      form: { ...hidden, action: 'renouveler', ids: pupilB.id },
    });
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

  /** Signs in, keeps a copy of the cookies, ends the session with `end`, then replays the copy. */
  async function replayAfter(login: string, end: (teacher: Account, browser: Browser, page: Page) => Promise<void>) {
    const { browser, page } = await signIn(login);
    const copy = copyOf(browser);
    const { hidden } = formOf(page, '/actions');
    const [classId, pupil] = login === 'prof.a' ? [classA.id, pupilA] : [classB.id, pupilB];
    // The copy works while the session lives.
    expect((await copy.request(`${ts.url}/admin/classes/${classId}`)).status).toBe(200);
    await end(await ts.server.db.read((m) => m.findOneByOrFail(Account, { login })), browser, page);
    const codeBefore = await ts.server.domain.codes.liveCode(pupil.id);
    const replay = await copy.request(`${ts.url}/admin/classes/${classId}/actions`, {
      form: { ...hidden, action: 'renouveler', ids: pupil.id },
    });
    const listing = await copy.request(`${ts.url}/admin/classes/${classId}`);
    const api = await copy.request(`${ts.url}/admin/api/v1/me`, { headers: { accept: 'application/json' } });
    expect((await ts.server.domain.codes.liveCode(pupil.id))?.id).toBe(codeBefore?.id);
    return { replay: replay.status, listing: listing.status, api: api.status };
  }

  test('a copy of the cookie taken before Déconnexion generates nothing afterwards', async () => {
    const after = await replayAfter('prof.a', async (_teacher, browser, page) => {
      const form = formOf(page, '/admin/auth/logout');
      await browser.request(new URL(form.action, ts.url).href, { form: form.hidden });
    });
    // Signed out: CONNEXION for the pages (the POST is not replayed), 401 for the API.
    expect(after).toEqual({ replay: 303, listing: 303, api: 401 });
  });

  test('a password change ends every admin page session of the account, a copy included', async () => {
    const after = await replayAfter('prof.a', async (teacher) => {
      const issued = await ts.server.domain.codes.issue({ accountId: teacher.id, kind: 'renewal', createdBy: null });
      const result = await ts.server.domain.login.completeCode({
        accountId: teacher.id,
        codeId: issued.id,
        newPassword: PASSWORD,
        confirmation: PASSWORD,
        ip: '127.0.0.1',
      });
      expect(result.ok).toBe(true);
    });
    expect(after).toEqual({ replay: 303, listing: 303, api: 401 });
  });

  test('blocking the teacher ends their admin page sessions at once', async () => {
    const after = await replayAfter('prof.b', async (teacher) => {
      const director = await ts.server.domain.admin.loadActor(
        (await ts.server.db.read((m) => m.findOneByOrFail(Account, { login: 'direction' }))).id,
      );
      await ts.server.domain.admin.blockAccounts(director!, [teacher.id], { ip: null });
    });
    expect(after).toEqual({ replay: 303, listing: 303, api: 401 });
    const teacher = await ts.server.db.read((m) => m.findOneByOrFail(Account, { login: 'prof.b' }));
    await ts.server.domain.admin.unblockAccounts(
      (await ts.server.domain.admin.loadActor(
        (await ts.server.db.read((m) => m.findOneByOrFail(Account, { login: 'direction' }))).id,
      ))!,
      [teacher.id],
      { ip: null },
    );
  });
});

describe('a school admin on the page', () => {
  test('gets checkboxes and the toolbar on the ENSEIGNANTS tab, as the API lets them act there', async () => {
    const { browser } = await signIn('direction');
    const page = await browser.go(`${ts.url}/admin/classes/${classA.id}?onglet=enseignants`);
    expect(textOf(page)).toContain('prof.a');
    expect(page.html).toMatch(/type="checkbox"[^>]*name="ids"/);
    expect(page.html).toContain('GÉNÉRER UN CODE DE RENOUVELLEMENT');
    // A class admin sees their colleagues read-only.
    const teacher = await signIn('prof.a');
    const readOnly = await teacher.browser.go(`${ts.url}/admin/classes/${classA.id}?onglet=enseignants`);
    expect(readOnly.html).not.toMatch(/type="checkbox"[^>]*name="ids"/);
  });
});

test('initials for avatars', () => {
  expect(initials('Élodie', "N'Diaye")).toBe('ÉN');
  expect(initials('', '')).toBe('?');
});
