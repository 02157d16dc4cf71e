// CAS 3.0 on the provider's one sign-on: login → ticket → validation, every bad input, SSO
// both ways with OIDC applications, logout and single logout, a child's one-time code.
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { Browser, textOf } from '../../helpers/browser.js';
import { client, registerClient, signIn, type RegisteredClient } from '../../helpers/oidc.js';
import { createAccount } from '../../helpers/factories.js';
import { seedChild, CHILD_PASSWORD } from '../../helpers/school.js';
import {
  casLoginUrl,
  casSignIn,
  startCasService,
  ticketOf,
  validate,
  type CasServiceReceiver,
} from '../../helpers/cas.js';
import { AuditEvent, CasTicket } from '../../../src/db/entities/index.js';
import { setBlocked } from '../../../src/domain/accounts-admin.js';

let ts: TestServer;
let app: RegisteredClient;
let service: CasServiceReceiver;
let other: CasServiceReceiver;
let school: Awaited<ReturnType<typeof seedChild>>;

beforeAll(async () => {
  ts = await startTestServer();
  service = await startCasService();
  other = await startCasService();
  school = await seedChild(ts.server.db);
  app = await registerClient(ts, { clientId: 'ent-mail' });
  await ts.server.cas.services.save({ id: 'moodle', name: 'Moodle', protocol: 'cas', serviceUrls: [service.url] });
  await ts.server.cas.services.save({
    id: 'pronote',
    name: 'PRONOTE',
    protocol: 'cas',
    serviceUrls: [other.url],
    attributeProfile: 'pronote',
  });
});

afterAll(async () => {
  await service?.close();
  await other?.close();
  await ts?.stop();
});

const PASSWORD = 'une phrase de passe solide';
const target = (path = 'cours?id=3') => `${service.url}${path}`;

async function pupil(fields: { lastName?: string } = {}) {
  return createAccount(ts.server.db, {
    profile: 'Student',
    password: PASSWORD,
    structureId: school.structure.id,
    classIds: [school.cls.id],
    ...fields,
  });
}

/** Signs the child in at the service (CONNEXION), returns the ticket. */
async function ticketFor(login: string, at = target(), secret = PASSWORD) {
  const { page, browser } = await casSignIn(ts, at, login, secret);
  const ticket = ticketOf(page.url);
  if (!ticket) throw new Error(`no ticket: ${page.status} ${page.url} ${textOf(page).slice(0, 300)}`);
  return { ticket, browser, page };
}

describe('sign-in and validation', () => {
  it('CONNEXION, then the service gets a ticket that each protocol version validates', async () => {
    const { ticket, page } = await ticketFor('enfant.test', target(), CHILD_PASSWORD);
    expect(page.url.startsWith(`${target()}&ticket=ST-`)).toBe(true);
    expect(ticket).toMatch(/^ST-[0-9a-f]{64}$/);
    const v3 = await validate(ts, '/cas/p3/serviceValidate', ticket, target());
    expect(v3.type).toContain('xml');
    expect(v3.body).toContain('<cas:user>enfant.test</cas:user>');
    for (const line of [
      '<cas:identifiant>enfant.test</cas:identifiant>',
      '<cas:nom>enfant</cas:nom>',
      '<cas:prenom>test</cas:prenom>',
      '<cas:profil>Student</cas:profil>',
      '<cas:uai>0801234A</cas:uai>',
      '<cas:classes>CM2 A</cas:classes>',
    ])
      expect(v3.body).toContain(line);

    const second = await ticketFor('enfant.test', target(), CHILD_PASSWORD);
    const v2 = await validate(ts, '/cas/serviceValidate', second.ticket, target());
    expect(v2.body).toContain('<cas:user>enfant.test</cas:user>');
    expect(v2.body).not.toContain('<cas:attributes>');

    const third = await ticketFor('enfant.test', target(), CHILD_PASSWORD);
    expect((await validate(ts, '/cas/validate', third.ticket, target())).body).toBe('yes\nenfant.test\n');
  });

  it('the pronote profile: nom, prenom, dateNaissance dd/mm/yyyy, codePostal, categories', async () => {
    const { ticket } = await ticketFor('enfant.test', `${other.url}eleve.html`, CHILD_PASSWORD);
    const body = (await validate(ts, '/cas/p3/serviceValidate', ticket, `${other.url}eleve.html`)).body;
    expect(body).toContain('<cas:dateNaissance>01/08/2010</cas:dateNaissance>');
    expect(body).toContain('<cas:categories>National_1</cas:categories>');
    expect(body).toContain('<cas:codePostal></cas:codePostal>');
    expect(body).not.toContain('<cas:classes>');
  });

  it('escapes every value in the XML', async () => {
    const child = await pupil({ lastName: `<b>O'Brien & "Cie"</b>` });
    const { ticket } = await ticketFor(child.login);
    const body = (await validate(ts, '/cas/p3/serviceValidate', ticket, target())).body;
    expect(body).toContain('<cas:nom>&lt;b&gt;O&apos;Brien &amp; &quot;Cie&quot;&lt;/b&gt;</cas:nom>');
  });

  it('a child signs in with a one-time code, chooses a password, and lands on the service with a ticket', async () => {
    const child = await createAccount(ts.server.db, { profile: 'Student', classIds: [school.cls.id] });
    const { code } = await ts.server.domain.codes.issue({ accountId: child.id, kind: 'activation', createdBy: null });
    const browser = new Browser();
    const connexion = await browser.go(casLoginUrl(ts, target()), { stopAt: target() });
    const passwordPage = await browser.submit(connexion, '/login', { identifiant: child.login, mot_de_passe: code });
    expect(textOf(passwordPage)).toContain('Activation de votre compte');
    const done = await browser.submit(
      passwordPage,
      '/mot-de-passe',
      { nouveau_mot_de_passe: 'ma cabane au fond du jardin', confirmation: 'ma cabane au fond du jardin' },
      target(),
    );
    const ticket = ticketOf(done.url)!;
    expect((await validate(ts, '/cas/serviceValidate', ticket, target())).body).toContain(
      `<cas:user>${child.login}</cas:user>`,
    );
  });

  it('keeps only a digest of the ticket, and audits its issue', async () => {
    const child = await pupil();
    const { ticket } = await ticketFor(child.login);
    const rows = await ts.server.db.read((m) => m.findBy(CasTicket, { accountId: child.id }));
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(ticket.slice(3));
    const events = await ts.server.db.read((m) =>
      m.findBy(AuditEvent, { targetId: child.id, action: 'cas.ticket_issue' }),
    );
    expect(events.map((e) => e.outcome)).toEqual(['success']);
    expect(JSON.stringify(events)).not.toContain(ticket.slice(3));
  });
});

describe('bad input', () => {
  it('an unknown, unregistered or look-alike service gets a French error page, never a redirect', async () => {
    const base = new URL(service.url);
    for (const bad of [
      'https://pirate.example/app/',
      `${base.protocol}//${base.host}/app-pirate/`,
      `${base.protocol}//${base.host}/`,
      `https://${base.host}/app/`,
      `${base.protocol}//user@${base.host}/app/`,
      'javascript:alert(1)',
      '',
    ]) {
      const res = await new Browser().request(casLoginUrl(ts, bad));
      expect([bad, res.status]).toEqual([bad, 400]);
      expect(res.headers.get('location')).toBeNull();
      expect(textOf(res)).toContain('n’est pas enregistrée');
    }
    const none = await new Browser().request(`${ts.url}/cas/login`);
    expect(none.status).toBe(400);
    expect(none.headers.get('location')).toBeNull();
  });

  it('a ticket is used once: the replay is INVALID_TICKET', async () => {
    const child = await pupil();
    const { ticket } = await ticketFor(child.login);
    expect((await validate(ts, '/cas/serviceValidate', ticket, target())).body).toContain('authenticationSuccess');
    const again = await validate(ts, '/cas/serviceValidate', ticket, target());
    expect(again.body).toContain('<cas:authenticationFailure code="INVALID_TICKET">');
  });

  it('a ticket presented by another service is refused, and spent', async () => {
    const child = await pupil();
    const { ticket } = await ticketFor(child.login);
    const elsewhere = await validate(ts, '/cas/serviceValidate', ticket, `${other.url}eleve.html`);
    expect(elsewhere.body).toContain('code="INVALID_SERVICE"');
    expect((await validate(ts, '/cas/serviceValidate', ticket, target())).body).toContain('code="INVALID_TICKET"');
    // Another URL of the same service is another service for the ticket too.
    const second = await ticketFor(child.login);
    expect((await validate(ts, '/cas/serviceValidate', second.ticket, target('autre'))).body).toContain(
      'code="INVALID_SERVICE"',
    );
  });

  it('an account blocked after the ticket was issued: INVALID_TICKET; blocked, no ticket at all', async () => {
    const child = await pupil();
    const { ticket } = await ticketFor(child.login);
    await setBlocked(ts.server.domain, child.login, true);
    expect((await validate(ts, '/cas/p3/serviceValidate', ticket, target())).body).toContain('code="INVALID_TICKET"');
    const { page } = await casSignIn(ts, target(), child.login, PASSWORD);
    expect(ticketOf(page.url.startsWith('http') ? page.url : `${ts.url}/`)).toBeNull();
  });

  it('malformed parameters: INVALID_REQUEST; a ticket of the wrong shape: INVALID_TICKET; audited', async () => {
    const missing = await fetch(`${ts.url}/cas/serviceValidate?service=${encodeURIComponent(target())}`);
    expect(await missing.text()).toContain('code="INVALID_REQUEST"');
    const twice = await fetch(`${ts.url}/cas/serviceValidate?ticket=ST-a&ticket=ST-b&service=x`);
    expect(await twice.text()).toContain('code="INVALID_REQUEST"');
    const shape = await validate(ts, '/cas/serviceValidate', 'ST-<nope>', target());
    expect(shape.body).toContain('code="INVALID_TICKET"');
    expect(shape.body).not.toContain('<nope>');
    expect((await validate(ts, '/cas/validate', 'ST-x', target())).body).toBe('no\n\n');
    const refused = await ts.server.db.read((m) =>
      m.findBy(AuditEvent, { action: 'cas.ticket_validate', outcome: 'refused' }),
    );
    expect(refused.length).toBeGreaterThan(0);
  });

  it('renew=true at validation accepts only a ticket from a new sign-in', async () => {
    const child = await pupil();
    const { ticket, browser } = await ticketFor(child.login);
    await validate(ts, '/cas/serviceValidate', ticket, target());
    const silent = await casSignIn(ts, target(), child.login, PASSWORD, { browser });
    expect(silent.connexionShown).toBe(false);
    expect(
      (await validate(ts, '/cas/serviceValidate', ticketOf(silent.page.url)!, target(), '&renew=true')).body,
    ).toContain('code="INVALID_TICKET"');
    const renewed = await casSignIn(ts, target(), child.login, PASSWORD, { browser, extra: '&renew=true' });
    expect(renewed.connexionShown).toBe(true);
    expect(
      (await validate(ts, '/cas/serviceValidate', ticketOf(renewed.page.url)!, target(), '&renew=true')).body,
    ).toContain('authenticationSuccess');
  });

  it('gateway=true without a session: back to the service without a ticket', async () => {
    const browser = new Browser();
    const page = await browser.go(casLoginUrl(ts, target(), '&gateway=true'), { stopAt: target() });
    expect(page.url).toBe(target());
  });
});

describe('expiry', () => {
  it('a ticket validated after its lifetime (CAS_TICKET_TTL=1) is INVALID_TICKET', async () => {
    const short = await startTestServer({ env: { CAS_TICKET_TTL: '1' } });
    try {
      await short.server.cas.services.save({
        id: 'moodle',
        name: 'Moodle',
        protocol: 'cas',
        serviceUrls: [service.url],
      });
      const child = await createAccount(short.server.db, { profile: 'Student', password: PASSWORD });
      const { page } = await casSignIn(short, target(), child.login, PASSWORD);
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      const late = await validate(short, '/cas/serviceValidate', ticketOf(page.url)!, target());
      expect(late.body).toContain('code="INVALID_TICKET"');
    } finally {
      await short.stop();
    }
  });
});

describe('one sign-on with the OIDC applications', () => {
  it('signed in to an OIDC application: CAS needs no second CONNEXION; and back', async () => {
    const child = await pupil();
    const { browser } = await signIn(app, child.login, PASSWORD);
    const cas = await casSignIn(ts, target(), child.login, PASSWORD, { browser });
    expect(cas.connexionShown).toBe(false);
    expect((await validate(ts, '/cas/serviceValidate', ticketOf(cas.page.url)!, target())).body).toContain(child.login);

    const other = await pupil();
    const first = await casSignIn(ts, target(), other.login, PASSWORD);
    expect(first.connexionShown).toBe(true);
    // signIn fails if it has to fill CONNEXION with a wrong password: it must not show it at all.
    const oidc = await signIn(app, other.login, 'pas le mot de passe', { browser: first.browser });
    expect(oidc.tokens.claims()!.sub).toBe(other.id);
  });

  it('/cas/logout ends the provider session: the OIDC application’s refresh fails, the CAS service gets a LogoutRequest, the browser returns to the service', async () => {
    const child = await pupil();
    const { browser, tokens } = await signIn(app, child.login, PASSWORD);
    const cas = await casSignIn(ts, target(), child.login, PASSWORD, { browser });
    const ticket = ticketOf(cas.page.url)!;
    await validate(ts, '/cas/serviceValidate', ticket, target());
    const before = service.logoutRequests.length;

    const confirm = await browser.go(`${ts.url}/cas/logout?service=${encodeURIComponent(service.url)}`);
    expect(textOf(confirm)).toContain('Déconnexion');
    const action = /action="([^"]+)"/.exec(confirm.html)![1]!;
    const hidden = Object.fromEntries(
      [...confirm.html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    const out = await browser.go(new URL(action, ts.url).href, {
      form: { ...hidden, logout: 'yes' },
      stopAt: service.url,
    });
    expect(out.url).toBe(service.url);

    const received = await service.waitForLogouts(before + 1);
    const request = received.slice(before).find((r) => r.includes(ticket));
    expect(request).toContain('<samlp:LogoutRequest');
    expect(request).toContain(`<samlp:SessionIndex>${ticket}</samlp:SessionIndex>`);
    await expect(client.refreshTokenGrant(app.config, tokens.refresh_token!)).rejects.toThrow();
    const again = await casSignIn(ts, target(), child.login, PASSWORD, { browser });
    expect(again.connexionShown).toBe(true);
  });

  it('a logout from the OIDC application or a block ends the CAS sessions too', async () => {
    const child = await pupil();
    const { browser } = await signIn(app, child.login, PASSWORD);
    const cas = await casSignIn(ts, target(), child.login, PASSWORD, { browser });
    const ticket = ticketOf(cas.page.url)!;
    await validate(ts, '/cas/serviceValidate', ticket, target());
    const before = service.logoutRequests.length;
    await setBlocked(ts.server.domain, child.login, true);
    const received = await service.waitForLogouts(before + 1);
    expect(received.slice(before).some((r) => r.includes(ticket))).toBe(true);
  });
});
