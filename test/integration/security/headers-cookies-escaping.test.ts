// Issue 10, point 3 (second half): security headers on every HTML page, cookie flags (Secure
// on an https issuer behind a proxy), and hostile names escaped on every page that shows
// them — and printed literally on the PDF connection sheets.
import { PDFParse } from 'pdf-parse';
import { In } from 'typeorm';
import { AuditEvent } from '../../../src/db/entities/index.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { Browser, formOf, textOf, type Page } from '../../helpers/browser.js';
import { client, registerClient, signIn, submitLogin, type RegisteredClient } from '../../helpers/oidc.js';
import { createAccount } from '../../helpers/factories.js';
import { seedSchool, PASSWORD, type School } from '../admin-api/harness.js';
import { connexion, issueCode, openWithCode } from './support.js';
import { adminSignIn, headerProblems } from './web.js';

const XSS = '<img src=x onerror=alert(1)>';
const IRISH = "O'Brien-Ñúñez";
const HOSTILE_CLIENT = `${XSS} ${IRISH}`;

let ts: TestServer;
let school: School;
let app: RegisteredClient;
let hostileApp: RegisteredClient;
beforeAll(async () => {
  ts = await startTestServer();
  school = await seedSchool(ts);
  app = await registerClient(ts, { clientId: 'ent-cahier' });
  const { secret } = await ts.server.oidc.clients.save({
    clientId: 'appli-hostile',
    name: HOSTILE_CLIENT,
    type: 'confidential',
    redirectUris: ['https://app.example.test/callback'],
    postLogoutRedirectUris: ['https://app.example.test/au-revoir'],
    grantTypes: ['authorization_code', 'refresh_token'],
    scopes: ['openid', 'profile'],
    firstParty: false,
  });
  hostileApp = {
    clientId: 'appli-hostile',
    secret,
    config: (await registerClient(ts, { clientId: 'tmp-discovery' })).config,
  };
  hostileApp.config = await (await import('../../helpers/oidc.js')).discover(ts.url, 'appli-hostile', secret);
}, 30_000);
afterAll(() => ts?.stop());

describe('security headers on every HTML page', () => {
  test('login, set-password, consent, recovery, error, logout, admin and demo pages', async () => {
    const pages: Page[] = [];
    const seen = (p: Page) => {
      pages.push(p);
      return p;
    };
    // CONNEXION, a failed CONNEXION, the password page, consent.
    const b1 = new Browser();
    const { page: login } = await connexion(app, b1);
    seen(login);
    seen(await submitLogin(b1, login, 'personne', 'mauvais mot de passe'));
    const pupil = await createAccount(ts.server.db, { profile: 'Student', classIds: [school.classA.id] });
    const { code } = await issueCode(ts, pupil.id, 'activation');
    seen((await openWithCode(app, pupil.login, code)).page);
    const b2 = new Browser();
    const { page: start } = await connexion(hostileApp, b2);
    const consent = seen(await submitLogin(b2, start, school.relativesA[0]!.login, PASSWORD));
    expect(consent.html).toContain('/consentement');
    // Recovery pages: forms, answers, the reset link page and an expired link.
    const b3 = new Browser();
    const forgot = seen(await b3.go(`${ts.url}/mot-de-passe-oublie`));
    seen(await b3.submit(forgot, '/mot-de-passe-oublie', { identifiant: 'personne' }));
    const forgotLogin = seen(await b3.go(`${ts.url}/identifiant-oublie`));
    seen(await b3.submit(forgotLogin, '/identifiant-oublie', { courriel: 'personne@example.test' }));
    seen(await b3.go(`${ts.url}/mot-de-passe/reinitialiser/pas-un-vrai-lien-0123456789`));
    // Error pages: ours (404, expired interaction, CSRF) and the provider's (bad request).
    seen(await b3.go(`${ts.url}/nulle-part`));
    seen(await b3.go(`${ts.url}/interaction/inconnue0123456789`));
    seen(await b3.request(`${ts.url}/mot-de-passe-oublie`, { form: { identifiant: 'x' } }));
    seen(await b3.go(`${ts.url}/auth?client_id=inconnu&response_type=code&scope=openid`));
    // Logout confirmation and the logged-out page.
    const { tokens, browser: b4 } = await signIn(app, school.studentsA[0]!.login, PASSWORD);
    const logout = seen(await b4.go(client.buildEndSessionUrl(app.config, { id_token_hint: tokens.id_token! }).href));
    expect(logout.html).toContain('op.logoutForm');
    const { action, hidden } = formOf(logout, '');
    seen(await b4.go(new URL(action, ts.url).href, { form: { ...hidden, logout: 'yes' } }));
    // Admin pages: class, confirmation, codes screen, logged-out, 404.
    const admin = await adminSignIn(ts, school.teacherA.login, PASSWORD);
    seen(admin.page);
    const actions = `${ts.url}/admin/classes/${school.classA.id}/actions`;
    seen(
      await admin.browser.go(actions, { form: { _csrf: admin.csrf, action: 'bloquer', ids: school.studentsA[1]!.id } }),
    );
    seen(
      await admin.browser.go(actions, {
        form: { _csrf: admin.csrf, action: 'renouveler', ids: school.studentsA[1]!.id },
      }),
    );
    seen(await admin.browser.go(`${ts.url}/admin/auth/logged-out`));
    seen(await admin.browser.go(`${ts.url}/admin/classes/${school.classB.id}`));
    seen(await new Browser().go(`${ts.url}/admin/auth/callback?error=access_denied`));
    // Demo application: home, profile, error.
    const b5 = new Browser();
    seen(await b5.go(`${ts.url}/demo-app`));
    seen(await b5.go(`${ts.url}/demo-app/callback?code=x&state=y`));
    const demoStart = await b5.go(`${ts.url}/demo-app/login`);
    seen(await b5.submit(demoStart, '/login', { identifiant: school.studentsA[0]!.login, mot_de_passe: PASSWORD }));

    const html = pages.filter((p) => p.headers.get('content-type')?.startsWith('text/html'));
    expect(
      pages.filter((p) => !html.includes(p)).map((p) => `${p.status} ${p.url} ${p.headers.get('content-type')}`),
    ).toEqual([]);
    // Every kind of page was reached (statuses include successes and errors).
    expect(new Set(html.map((p) => p.status))).toEqual(new Set([200, 400, 401, 403, 404, 410]));
    expect(html.flatMap(headerProblems)).toEqual([]);
    // No inline script or style anywhere (the CSP would block them anyway).
    for (const p of html)
      expect([p.url, /<script(?![^>]*\ssrc=)[^>]*>|<[^>]+\sstyle=|<[^>]+\son\w+=/.test(p.html)]).toEqual([
        p.url,
        false,
      ]);
  }, 30_000);
});

describe('cookie flags', () => {
  const flagsOf = (line: string) => {
    const [pair, ...attrs] = line.split(';').map((s) => s.trim());
    const lower = attrs.map((a) => a.toLowerCase());
    return {
      name: pair!.split('=')[0]!,
      httpOnly: lower.includes('httponly'),
      secure: lower.includes('secure'),
      sameSite: lower.find((a) => a.startsWith('samesite='))?.slice(9),
    };
  };

  /**
   * CONNEXION with a password (interaction, flow and session cookies), then the admin page and
   * the demo app's first pages (their own sessions), collecting every Set-Cookie. URLs are
   * rewritten from the public issuer to the test server's socket (`rewrite`).
   */
  async function journey(
    target: TestServer,
    base: string,
    headers: Record<string, string>,
    rewrite: (url: string) => string,
  ) {
    await target.server.oidc.clients.save({
      clientId: 'ent-cookies',
      name: 'Cookies',
      type: 'public',
      redirectUris: ['https://app.example.test/callback'],
      postLogoutRedirectUris: [],
      grantTypes: ['authorization_code'],
      scopes: ['openid'],
      firstParty: true,
    });
    const browser = new Browser(headers);
    const cookies: string[] = [];
    const go = async (url: string, form?: Record<string, string>) => {
      let page = await browser.request(rewrite(url), { form });
      cookies.push(...page.headers.getSetCookie());
      for (let i = 0; i < 15 && page.status >= 300 && page.status < 400; i++) {
        const next = new URL(page.headers.get('location')!, url).href;
        if (next.startsWith('https://app.example.test')) return { ...page, url: next };
        page = await browser.request(rewrite(next));
        url = next;
        cookies.push(...page.headers.getSetCookie());
      }
      return { ...page, url };
    };
    const verifier = client.randomPKCECodeVerifier();
    const authorize = new URL(`${base}/auth`);
    for (const [k, v] of Object.entries({
      client_id: 'ent-cookies',
      redirect_uri: 'https://app.example.test/callback',
      response_type: 'code',
      scope: 'openid',
      state: 'etat',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }))
      authorize.searchParams.set(k, v);
    const login = await go(authorize.href);
    const f = formOf(login, '/login');
    const landed = await go(new URL(f.action, base).href, {
      ...f.hidden,
      identifiant: school.teacherA.login,
      mot_de_passe: PASSWORD,
      se_souvenir: 'oui',
    });
    expect(landed.url.startsWith('https://app.example.test/callback?code=')).toBe(true);
    await go(`${base}/admin/`);
    await go(`${base}/demo-app`);
    const flags = cookies.filter((c) => !/^[^=]+=(;|$)|expires=Thu, 01 Jan 1970/i.test(c)).map(flagsOf);
    const names = new Set(flags.map((c) => c.name));
    for (const name of ['_interaction', '_session', 'ent.flow', 'ent.admin', 'ent.demo-app'])
      expect([...names]).toContain(name);
    return flags;
  }

  test('http issuer: every cookie is HttpOnly with SameSite', async () => {
    const flags = await journey(ts, ts.url, {}, (u) => u);
    expect(flags.filter((c) => !c.httpOnly || !c.sameSite)).toEqual([]);
  });

  test('https issuer behind a proxy (TRUST_PROXY, X-Forwarded-Proto): every cookie is also Secure', async () => {
    const issuer = 'https://ent.example.test';
    // An https issuer refuses the public development secrets, whatever NODE_ENV.
    const secrets = {
      COOKIE_KEYS: 'c'.repeat(64),
      CODE_ENCRYPTION_KEY: '33'.repeat(32),
      KEYSTORE_ENCRYPTION_KEY: '44'.repeat(32),
      ADMIN_CLIENT_SECRET: 'd'.repeat(40),
      DEMO_APP_CLIENT_SECRET: 'e'.repeat(40),
    };
    const https = await startTestServer({
      env: { ISSUER: issuer, TRUST_PROXY: 'true', ADMIN_ISSUER: issuer, ...secrets },
    });
    try {
      await seedTeacherInto(https);
      const socket = new URL(https.url).host;
      const flags = await journey(
        https,
        issuer,
        { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'ent.example.test' },
        (u) => u.replace(issuer, https.url).replace(`https://${socket}`, https.url),
      );
      expect(flags.filter((c) => !c.httpOnly || !c.sameSite || !c.secure)).toEqual([]);
      const hsts = await new Browser({ 'x-forwarded-proto': 'https' }).request(`${https.url}/mot-de-passe-oublie`);
      expect(hsts.headers.get('strict-transport-security')).toMatch(/max-age=\d{7,}/);
    } finally {
      await https.stop();
    }
  }, 30_000);

  async function seedTeacherInto(other: TestServer) {
    const { grantRole, createClass } = await import('../../helpers/factories.js');
    const cls = await createClass(other.server.db, { name: 'CM2 A' });
    const t = await createAccount(other.server.db, {
      login: school.teacherA.login,
      firstName: 'Claire',
      lastName: 'Maîtresse',
      profile: 'Teacher',
      password: PASSWORD,
      classIds: [cls.id],
    });
    await grantRole(other.server.db, t.id, 'class-admin', cls.id);
  }
});

describe('hostile names are text, never markup', () => {
  const escaped = (html: string) => {
    expect(html).not.toContain(XSS);
    expect(html).not.toMatch(/<img[^>]*onerror/);
  };

  test('CONNEXION and consent show the application’s name escaped', async () => {
    const browser = new Browser();
    const { page } = await connexion(hostileApp, browser);
    escaped(page.html);
    expect(page.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page.html).toContain('O&#39;Brien-Ñúñez');
    expect(textOf(page)).toContain(HOSTILE_CLIENT);
    const consent = await submitLogin(browser, page, school.relativesA[0]!.login, PASSWORD);
    expect(consent.html).toContain('/consentement');
    escaped(consent.html);
    expect(textOf(consent)).toContain(HOSTILE_CLIENT);
  });

  test('the password page shows a hostile identifiant escaped', async () => {
    const login = `o'brien-ñúñez"><img src=x onerror=alert(1)>`;
    const pupil = await createAccount(ts.server.db, { profile: 'Student', login, classIds: [school.classA.id] });
    const { code } = await issueCode(ts, pupil.id, 'activation');
    const { page } = await openWithCode(app, login, code);
    expect(page.html).toContain('nouveau_mot_de_passe');
    escaped(page.html);
    expect(page.html).toContain('value="o&#39;brien-ñúñez&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"');
  });

  test('admin page rows, confirmation, codes screen; the PDF sheets print the names literally', async () => {
    const hostile = school.studentsA[3]!; // first name XSS
    const irish = school.studentsA[2]!; // last name O'Brien-Ñúñez
    const { browser, page, csrf } = await adminSignIn(ts, school.teacherA.login, PASSWORD);
    escaped(page.html);
    expect(page.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page.html).toContain('O&#39;Brien-Ñúñez');
    const search = await browser.go(`${ts.url}/admin/classes/${school.classA.id}?q=${encodeURIComponent(XSS)}`);
    escaped(search.html);
    const fragment = await browser.request(`${ts.url}/admin/classes/${school.classA.id}?partiel=1&q=zorro`);
    escaped(fragment.html);
    expect(fragment.html).toContain('&lt;img');
    const actions = `${ts.url}/admin/classes/${school.classA.id}/actions`;
    const confirm = await browser.go(actions, { form: { _csrf: csrf, action: 'bloquer', ids: hostile.id } });
    escaped(confirm.html);
    expect(textOf(confirm)).toContain(XSS);
    const codes = await browser.go(actions, {
      form: { _csrf: csrf, action: 'renouveler', ids: [hostile.id, irish.id].join(',') },
    });
    // ids are posted once per row; the Browser sends one value, so post twice through URLSearchParams.
    const both = await fetch(actions, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: browser.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams([
        ['_csrf', csrf],
        ['action', 'renouveler'],
        ['ids', hostile.id],
        ['ids', irish.id],
      ]).toString(),
    });
    expect(both.status).toBe(303);
    const screen = await browser.go(new URL(both.headers.get('location')!, ts.url).href);
    expect(codes.status).toBeLessThan(500);
    escaped(screen.html);
    expect(textOf(screen)).toContain(`${XSS} Zorro`);
    expect(textOf(screen)).toContain(IRISH);

    const pdf = await fetch(actions, {
      method: 'POST',
      headers: { cookie: browser.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams([
        ['_csrf', csrf],
        ['action', 'fiches'],
        ['ids', hostile.id],
        ['ids', irish.id],
      ]).toString(),
    });
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const parser = new PDFParse({ data: new Uint8Array(await pdf.arrayBuffer()) });
    const text = (await parser.getText()).text;
    await parser.destroy();
    expect(text).toContain(XSS);
    expect(text).toContain(IRISH);
    expect(text).not.toContain('&lt;');
    expect(text).not.toContain('&#39;');
    // Handing out sheets is audited, one event per sheet, without the code.
    const printed = await ts.server.db.read((m) =>
      m.find(AuditEvent, { where: { action: 'connection_sheet.print', targetId: In([hostile.id, irish.id]) } }),
    );
    expect(printed.map((e) => e.targetId).sort()).toEqual([hostile.id, irish.id].sort());
    expect(printed.map((e) => JSON.parse(e.detail!).format)).toEqual(['pdf', 'pdf']);
  });
});
