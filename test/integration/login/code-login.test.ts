// The heart of the seed: identifiant + activation/renewal code typed in the password field
// → choose a password → land on the application. Real HTTP, real database.
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { Browser, textOf, type Page } from '../../helpers/browser.js';
import {
  authorizationRequest,
  exchange,
  REDIRECT_URI,
  registerClient,
  signIn,
  submitLogin,
  type RegisteredClient,
} from '../../helpers/oidc.js';
import { createAccount, createClass } from '../../helpers/factories.js';
import { Account, OneTimeCode } from '../../../src/db/entities/index.js';

let ts: TestServer;
let app: RegisteredClient;
let classId: string;

beforeAll(async () => {
  ts = await startTestServer();
  classId = (await createClass(ts.server.db, { name: 'CM2 A' })).id;
  app = await registerClient(ts, { clientId: 'ent-cahier' });
});
afterAll(async () => ts?.stop());

const issue = (accountId: string, kind: 'activation' | 'renewal') =>
  ts.server.domain.codes.issue({ accountId, kind, createdBy: null });
const reload = (id: string) => ts.server.db.read((m) => m.findOneByOrFail(Account, { id }));

/** authorize → CONNEXION with the code → the password page. */
async function openWithCode(login: string, code: string, browser = new Browser()) {
  const request = await authorizationRequest(app);
  const connexion = await browser.go(request.url.toString(), { stopAt: REDIRECT_URI });
  const page = await submitLogin(browser, connexion, login, code);
  return { browser, request, page };
}

async function choosePassword(browser: Browser, page: Page, password: string, confirmation = password) {
  return browser.submit(page, '/mot-de-passe', { nouveau_mot_de_passe: password, confirmation }, REDIRECT_URI);
}

describe('activation code', () => {
  it('never-activated account + activation code → password page → tokens; Activé; the code no longer works', async () => {
    const child = await createAccount(ts.server.db, {
      login: 'lea.martin',
      firstName: 'Léa',
      lastName: 'Martin',
      profile: 'Student',
      classIds: [classId],
    });
    const { code } = await issue(child.id, 'activation');
    const { browser, request, page } = await openWithCode('lea.martin', code);
    expect(page.status).toBe(200);
    expect(textOf(page)).toContain('Activation de votre compte');
    expect(page.html).toContain('value="lea.martin"');
    expect(page.html).not.toContain(code);
    expect(page.url).not.toContain(code);

    const callback = await choosePassword(browser, page, 'ma cabane au fond du jardin');
    expect(callback.url.startsWith(REDIRECT_URI)).toBe(true);
    const tokens = await exchange(app, callback.url, request);
    expect(tokens.claims()!.sub).toBe(child.id);

    const after = await reload(child.id);
    expect(after.activatedAt).toBeInstanceOf(Date);
    expect(after.lastLoginAt).toBeInstanceOf(Date);
    expect(await ts.server.domain.codes.liveCode(child.id)).toBeNull();

    const again = await openWithCode('lea.martin', code);
    expect(again.page.status).toBe(401);
    // Issue 21: the used code is recognised as one of the account's, and said to be dead.
    expect(textOf(again.page)).toContain("Ce code n'est plus valable : demande un nouveau code à ton enseignant.");
    await signIn(app, 'lea.martin', 'ma cabane au fond du jardin');
  });

  it('ENREGISTRER shows « Mot de passe enregistré » on the provider, then « Continuer » reaches the application', async () => {
    const child = await createAccount(ts.server.db, {
      login: 'zoe.confirme',
      profile: 'Student',
      classIds: [classId],
    });
    const { code } = await issue(child.id, 'activation');
    const browser = new Browser();
    browser.followContinue = false;
    const { page, request } = await openWithCode('zoe.confirme', code, browser);
    const saved = await choosePassword(browser, page, 'la girafe mange des pommes');
    expect(saved.status).toBe(200);
    expect(textOf(saved)).toContain('Mot de passe enregistré');
    expect(textOf(saved)).toContain('Ton mot de passe est enregistré');
    expect(saved.html).toContain('<script src="/static/login/continue.js">');
    const link = /<a [^>]*id="continuer"[^>]*href="([^"]+)"/.exec(saved.html)?.[1];
    expect(link).toMatch(new RegExp(`^${ts.url}/auth/`));
    // The password is already stored: the code is spent before « Continuer ».
    expect(await ts.server.domain.codes.liveCode(child.id)).toBeNull();
    const callback = await browser.go(link!.replace(/&amp;/g, '&'), { stopAt: REDIRECT_URI });
    expect((await exchange(app, callback.url, request)).claims()!.sub).toBe(child.id);
  });

  it('explains what to fix when the new password is refused, and keeps the code usable', async () => {
    const child = await createAccount(ts.server.db, {
      login: 'hugo.petit',
      firstName: 'Hugo',
      lastName: 'Petit',
      profile: 'Student',
      classIds: [classId],
    });
    const { code } = await issue(child.id, 'activation');
    const { browser, page } = await openWithCode('hugo.petit', code);
    const short = await choosePassword(browser, page, 'court');
    expect(short.status).toBe(400);
    expect(textOf(short)).toMatch(/au moins 8 caractères/);
    const mismatch = await choosePassword(browser, short, 'une longue phrase secrète', 'une autre phrase secrète');
    expect(textOf(mismatch)).toMatch(/confirmation/i);
    const common = await choosePassword(browser, mismatch, 'password123');
    expect(textOf(common)).toMatch(/courant|répandu|trop connu/i);
    const ok = await choosePassword(browser, common, 'une longue phrase secrète');
    expect(ok.url.startsWith(REDIRECT_URI)).toBe(true);
  });
});

describe('renewal code', () => {
  it('activated account + renewal code → RÉINITIALISATION → new password works, old one does not; code dead', async () => {
    const child = await createAccount(ts.server.db, {
      login: 'enfant.test',
      firstName: 'test',
      lastName: 'enfant',
      birthDate: '2010-08-01',
      profile: 'Student',
      password: 'ancien mot de passe',
      classIds: [classId],
    });
    const { code } = await issue(child.id, 'renewal');
    // Until the renewal is used, the old password still works.
    await signIn(app, 'enfant.test', 'ancien mot de passe');

    const { browser, request, page } = await openWithCode('enfant.test', code);
    expect(textOf(page)).toContain('Réinitialisation du mot de passe');
    for (const label of ['Identifiant', 'Nouveau mot de passe', 'Confirmation du nouveau mot de passe'])
      expect(page.html).toContain(`>${label}</label>`);
    const callback = await choosePassword(browser, page, 'nouveau mot de passe solide');
    await exchange(app, callback.url, request);

    await signIn(app, 'enfant.test', 'nouveau mot de passe solide');
    await expect(signIn(app, 'enfant.test', 'ancien mot de passe')).rejects.toThrow(/did not reach the application/);
    const reuse = await openWithCode('enfant.test', code);
    expect(reuse.page.status).toBe(401);
  });

  it('a regenerated code kills the previous one; an expired code is refused; upper case with spaces works', async () => {
    const child = await createAccount(ts.server.db, {
      login: 'noe.bernard',
      firstName: 'Noé',
      lastName: 'Bernard',
      profile: 'Student',
      password: 'mot de passe initial',
      classIds: [classId],
    });
    const first = await issue(child.id, 'renewal');
    const second = await issue(child.id, 'renewal');
    expect((await openWithCode('noe.bernard', first.code)).page.status).toBe(401);

    await ts.server.db.transaction((m) =>
      m.update(OneTimeCode, { id: second.id }, { expiresAt: new Date(Date.now() - 1000) }),
    );
    expect((await openWithCode('noe.bernard', second.code)).page.status).toBe(401);

    const third = await issue(child.id, 'renewal');
    const typed = ` ${third.code.slice(0, 4).toUpperCase()} ${third.code.slice(4).toUpperCase()} `;
    const { page } = await openWithCode('noe.bernard', typed);
    expect(textOf(page)).toContain('Réinitialisation du mot de passe');
  });
});

describe('exactly once', () => {
  it('50 concurrent ENREGISTRER submissions with one code: exactly one lands on the application', async () => {
    const child = await createAccount(ts.server.db, {
      login: 'zoe.durand',
      firstName: 'Zoé',
      lastName: 'Durand',
      profile: 'Student',
      classIds: [classId],
    });
    const { code } = await issue(child.id, 'activation');
    const opened = [];
    for (let i = 0; i < 50; i++) opened.push(await openWithCode('zoe.durand', code));
    for (const o of opened) expect(textOf(o.page)).toContain('Activation de votre compte');
    const results = await Promise.all(
      opened.map((o, i) => choosePassword(o.browser, o.page, `mot de passe numéro ${i} solide`)),
    );
    const winners = results.filter((r) => r.url.startsWith(REDIRECT_URI));
    expect(winners).toHaveLength(1);
    const losers = results.filter((r) => !r.url.startsWith(REDIRECT_URI));
    for (const loser of losers) {
      expect(loser.status).toBe(409);
      expect(textOf(loser)).toContain("Ce code n'est plus valable");
    }
    const winnerIndex = results.indexOf(winners[0]!);
    await signIn(app, 'zoe.durand', `mot de passe numéro ${winnerIndex} solide`);
  });
});

describe('blocked accounts', () => {
  it('sign in with nothing: neither the password nor a code', async () => {
    const child = await createAccount(ts.server.db, {
      login: 'tom.leroy',
      firstName: 'Tom',
      lastName: 'Leroy',
      profile: 'Student',
      password: 'mot de passe de tom',
      classIds: [classId],
    });
    const { code } = await issue(child.id, 'renewal');
    await ts.server.db.transaction((m) => m.update(Account, { id: child.id }, { blockedAt: new Date() }));
    const browser = new Browser();
    const connexion = await browser.go((await authorizationRequest(app)).url.toString());
    const byPassword = await submitLogin(browser, connexion, 'tom.leroy', 'mot de passe de tom');
    expect(byPassword.status).toBe(403);
    expect(textOf(byPassword)).toContain('Votre compte est bloqué');
    const byCode = await submitLogin(browser, byPassword, 'tom.leroy', code);
    expect(byCode.status).toBe(403);
    const wrong = await submitLogin(browser, byCode, 'tom.leroy', 'pas le bon');
    expect(wrong.status).toBe(401);
    expect(textOf(wrong)).toContain('Identifiant ou mot de passe incorrect.');
  });
});
