// CONNEXION as an attacker and as a forgetful user see it: same answer for every failure,
// throttling per identifiant and IP, CSRF, « Se souvenir de moi », recovery by mail.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { Browser, textOf, type Page } from '../../helpers/browser.js';
import {
  authorizationRequest,
  REDIRECT_URI,
  registerClient,
  signIn,
  submitLogin,
  type RegisteredClient,
} from '../../helpers/oidc.js';
import { createAccount } from '../../helpers/factories.js';

let ts: TestServer;
let app: RegisteredClient;

beforeAll(async () => {
  // Behind a proxy, X-Forwarded-For gives the client address: the tests act from several IPs.
  ts = await startTestServer({ env: { TRUST_PROXY: 'true' } });
  app = await registerClient(ts, { clientId: 'ent-messagerie' });
});
afterAll(async () => ts?.stop());

const from = (ip: string) => new Browser({ 'x-forwarded-for': ip });
async function connexion(browser: Browser): Promise<Page> {
  return browser.go((await authorizationRequest(app)).url.toString(), { stopAt: REDIRECT_URI });
}
/** The page with what legitimately differs between two renders (CSRF token) blanked. */
const comparable = (page: Page) => page.html.replace(/name="_csrf" value="[^"]*"/g, 'name="_csrf" value=""');

describe('CONNEXION page', () => {
  it('shows the seed labels and which application asked, with strict security headers', async () => {
    const page = await connexion(new Browser());
    expect(page.status).toBe(200);
    for (const label of ['Identifiant', 'Mot de passe', 'Se souvenir de moi'])
      expect(page.html).toMatch(new RegExp(`<label for="[^"]+">${label}</label>`));
    expect(textOf(page)).toContain('Mot de passe oublié');
    expect(textOf(page)).toContain('Identifiant oublié');
    expect(textOf(page)).toContain('Application ent-messagerie');
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(page.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toContain('no-store');
  });

  it('refuses a form posted without its CSRF token', async () => {
    const browser = new Browser();
    const page = await connexion(browser);
    const uid = /\/interaction\/([^/]+)\/login/.exec(page.html)![1];
    const res = await browser.request(`${ts.url}/interaction/${uid}/login`, {
      form: { identifiant: 'x', mot_de_passe: 'y' },
    });
    expect(res.status).toBe(403);
    expect(textOf(res)).toContain('Cette page a expiré');
  });
});

describe('no enumeration', () => {
  it('unknown identifiant, wrong password and wrong code give byte-identical pages apart from tokens', async () => {
    const child = await createAccount(ts.server.db, {
      login: 'ines.roux',
      firstName: 'Inès',
      lastName: 'Roux',
      profile: 'Student',
      password: 'le bon mot de passe',
    });
    await ts.server.domain.codes.issue({ accountId: child.id, kind: 'renewal', createdBy: null });
    const browser = from('10.0.0.5');
    const start = await connexion(browser);
    const unknown = await submitLogin(browser, start, 'ines.roux', 'pas le bon');
    const answers = [unknown];
    for (const [login, secret] of [
      ['personne.inconnue', 'pas le bon'],
      ['ines.roux', 'abcd2345'],
    ] as const) {
      // The identifiant is echoed back in the field; compare with the same identifiant typed.
      const page = await submitLogin(browser, answers[answers.length - 1]!, login, secret);
      answers.push(page);
    }
    const [wrongPassword, unknownLogin, wrongCode] = answers;
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([401]));
    expect(comparable(wrongPassword!)).toBe(comparable(wrongCode!));
    expect(comparable(unknownLogin!).replace('personne.inconnue', 'ines.roux')).toBe(comparable(wrongPassword!));
    expect(textOf(unknownLogin!)).toContain('Identifiant ou mot de passe incorrect.');
  });
});

describe('throttling', () => {
  it('the 11th failure in the window is throttled; the right password from another IP still works', async () => {
    await createAccount(ts.server.db, {
      login: 'paul.morel',
      firstName: 'Paul',
      lastName: 'Morel',
      profile: 'Student',
      password: 'le vrai mot de passe',
    });
    const attacker = from('203.0.113.7');
    let page = await connexion(attacker);
    for (let i = 1; i <= 10; i++) {
      page = await submitLogin(attacker, page, 'paul.morel', `essai ${i}`);
      expect(page.status).toBe(401);
    }
    page = await submitLogin(attacker, page, 'paul.morel', 'le vrai mot de passe');
    expect(page.status).toBe(429);
    expect(textOf(page)).toMatch(/Trop de tentatives/);
    expect(Number(page.headers.get('retry-after'))).toBeGreaterThan(0);

    await signIn(app, 'paul.morel', 'le vrai mot de passe', { browser: from('198.51.100.20') });
  });
});

describe('Se souvenir de moi', () => {
  async function sessionCookie(remember: boolean): Promise<string> {
    const login = `lucas.${remember ? 'oui' : 'non'}`;
    await createAccount(ts.server.db, {
      login,
      firstName: 'Lucas',
      lastName: 'Fabre',
      profile: 'Student',
      password: 'mot de passe de lucas',
    });
    const browser = new Browser();
    const page = await connexion(browser);
    let setCookie = '';
    const original = browser.request.bind(browser);
    browser.request = async (url, init) => {
      const res = await original(url, init);
      for (const line of res.headers.getSetCookie()) if (/^_session=/.test(line)) setCookie = line;
      return res;
    };
    const done = await submitLogin(
      browser,
      page,
      login,
      'mot de passe de lucas',
      remember ? { se_souvenir: 'oui' } : {},
    );
    expect(done.url.startsWith(REDIRECT_URI)).toBe(true);
    return setCookie;
  }

  it('unticked gives a browser-session cookie, ticked a persistent one', async () => {
    const transient = await sessionCookie(false);
    expect(transient).toMatch(/httponly/i);
    expect(transient).not.toMatch(/expires=/i);
    const persistent = await sessionCookie(true);
    const expires = /expires=([^;]+)/i.exec(persistent)?.[1];
    expect(expires).toBeTruthy();
    const days = (Date.parse(expires!) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29);
  });
});

describe('recovery', () => {
  const mails = () => {
    const dir = ts.config.mail.dir;
    try {
      return readdirSync(dir)
        .sort()
        .map((f) => readFileSync(join(dir, f), 'utf8'));
    } catch {
      return [];
    }
  };

  it('Mot de passe oublié mails a link that works once; the page answers the same for unknown identifiants', async () => {
    await createAccount(ts.server.db, {
      login: 'maman.roux',
      firstName: 'Claire',
      lastName: 'Roux',
      profile: 'Relative',
      email: 'claire.roux@example.test',
      password: 'ancien mot de passe',
    });
    const browser = new Browser();
    const form = await browser.go(`${ts.url}/mot-de-passe-oublie`);
    const known = await browser.submit(form, '/mot-de-passe-oublie', { identifiant: 'maman.roux' });
    const unknown = await browser.submit(await browser.go(`${ts.url}/mot-de-passe-oublie`), '/mot-de-passe-oublie', {
      identifiant: 'personne.inconnue',
    });
    expect(comparable(known)).toBe(comparable(unknown));
    expect(textOf(known)).toContain('code de renouvellement');
    await ts.server.domain.mail.idle();
    const mail = mails().find((m) => m.includes('claire.roux@example.test'));
    expect(mail).toBeTruthy();
    const link = /(http:\/\/127\.0\.0\.1:\d+\/mot-de-passe\/reinitialiser\/[\w-]+)/.exec(
      mail!.replace(/=\r?\n/g, ''),
    )?.[1];
    expect(link).toBeTruthy();

    const reset = await browser.go(link!);
    expect(textOf(reset)).toContain('Réinitialisation du mot de passe');
    const done = await browser.submit(reset, '', {
      nouveau_mot_de_passe: 'un nouveau départ solide',
      confirmation: 'un nouveau départ solide',
    });
    expect(textOf(done)).toContain('Votre mot de passe a été modifié');
    await signIn(app, 'maman.roux', 'un nouveau départ solide');

    const twice = await browser.go(link!);
    expect(twice.status).toBe(410);
  });

  it('Identifiant oublié mails the identifiants tied to the address, with the same answer for unknown addresses', async () => {
    await createAccount(ts.server.db, {
      login: 'papa.roux',
      firstName: 'Marc',
      lastName: 'Roux',
      profile: 'Relative',
      email: 'marc.roux@example.test',
    }); // stored normalised, as the roster import does
    const browser = new Browser();
    const known = await browser.submit(await browser.go(`${ts.url}/identifiant-oublie`), '/identifiant-oublie', {
      courriel: 'Marc.Roux@Example.test',
    });
    const unknown = await browser.submit(await browser.go(`${ts.url}/identifiant-oublie`), '/identifiant-oublie', {
      courriel: 'nobody@example.test',
    });
    expect(comparable(known)).toBe(comparable(unknown));
    await ts.server.domain.mail.idle();
    expect(mails().some((m) => m.includes('papa.roux'))).toBe(true);
  });
});
