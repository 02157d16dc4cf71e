// Terms of use (issue 20): once a version is published, every sign-in passes « Charte
// d'utilisation de l'ENT » until the account accepts the version in force; « J'accepte »
// continues to the application, « Je refuse » answers access_denied and leaves no session.
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { Browser, textOf, type Page } from '../../helpers/browser.js';
import {
  authorizationRequest,
  exchange,
  REDIRECT_URI,
  registerClient,
  submitLogin,
  type RegisteredClient,
} from '../../helpers/oidc.js';
import { createAccount, createClass } from '../../helpers/factories.js';
import { seedChild, CHILD_PASSWORD } from '../../helpers/school.js';
import { AuditEvent, OidcArtifact, TermsAcceptance } from '../../../src/db/entities/index.js';
import { exportAccount } from '../../../src/domain/account-export.js';

let ts: TestServer;
let app: RegisteredClient;
let childId: string;

beforeAll(async () => {
  ts = await startTestServer();
  childId = (await seedChild(ts.server.db)).child.id;
  app = await registerClient(ts, { clientId: 'ent-cahier' });
});
afterAll(async () => ts?.stop());

const publish = (version: string, text: string) =>
  ts.server.domain.terms.publish({ version, content: Buffer.from(text, 'utf8'), publishedBy: 'test' });

/** authorize → CONNEXION (or straight through with a session) → the next page. */
async function signInUntil(browser: Browser, login = 'enfant.test', password = CHILD_PASSWORD) {
  const request = await authorizationRequest(app);
  const first = await browser.go(request.url.toString(), { stopAt: REDIRECT_URI });
  const page =
    first.url.startsWith(REDIRECT_URI) || first.html.includes('/charte')
      ? first
      : await submitLogin(browser, first, login, password);
  return { request, page };
}

const answer = (browser: Browser, page: Page, decision: 'accepter' | 'refuser') =>
  browser.submit(page, '/charte', { decision }, REDIRECT_URI);

const events = (action: string, targetId = childId) =>
  ts.server.db.read((m) => m.find(AuditEvent, { where: { action, targetId }, order: { createdAt: 'ASC' } }));

it('no terms published: no step', async () => {
  const { page } = await signInUntil(new Browser());
  expect(page.url.startsWith(REDIRECT_URI)).toBe(true);
});

describe('once published', () => {
  beforeAll(async () => {
    await publish('v1', '# Charte de l’ENT\n\nJe respecte les autres.\n\n<script>alert(1)</script>\n');
  });

  it("sign-in shows the terms in French, rendered safely; « J'accepte » continues with tokens", async () => {
    const browser = new Browser();
    const { request, page } = await signInUntil(browser);
    expect(page.status).toBe(200);
    const text = textOf(page);
    expect(text).toContain('Charte d’utilisation de l’ENT');
    expect(text).toContain('version v1');
    expect(text).toContain('Je respecte les autres.');
    expect(page.html).toContain('<h2>Charte de l’ENT</h2>');
    expect(page.html).not.toContain('<script>alert(1)</script>');
    expect(page.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page.html).toMatch(/<button type="submit" name="decision" value="accepter">J'accepte<\/button>/);
    expect(page.html).toMatch(/value="refuser"[^>]*>Je refuse</);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");

    const callback = await answer(browser, page, 'accepter');
    expect(callback.url.startsWith(REDIRECT_URI)).toBe(true);
    const tokens = await exchange(app, callback.url, request);
    expect(tokens.claims()!.sub).toBe(childId);

    const stored = await ts.server.db.read((m) => m.find(TermsAcceptance, { where: { accountId: childId } }));
    expect(stored.map((s) => s.version)).toEqual(['v1']);
    const accepted = await events('terms.accepted');
    expect(accepted).toHaveLength(1);
    expect(JSON.parse(accepted[0]!.detail!)).toMatchObject({ version: 'v1', clientId: 'ent-cahier' });

    // The same browser (session) and a new sign-in are not asked again.
    expect((await signInUntil(browser)).page.url.startsWith(REDIRECT_URI)).toBe(true);
    expect((await signInUntil(new Browser())).page.url.startsWith(REDIRECT_URI)).toBe(true);
  });

  it('a new version asks again, even in an open session', async () => {
    const browser = new Browser();
    expect((await signInUntil(browser)).page.url.startsWith(REDIRECT_URI)).toBe(true);
    await publish('v2', 'Version **deux** de la charte.');
    const { request, page } = await signInUntil(browser);
    expect(textOf(page)).toContain('version v2');
    expect(page.html).toContain('<strong>deux</strong>');
    const callback = await answer(browser, page, 'accepter');
    await exchange(app, callback.url, request);
    const list = await ts.server.domain.terms.latestAcceptances([childId]);
    expect(list.get(childId)?.version).toBe('v2');
    // The right of access (GDPR art. 15) lists every version accepted.
    const exported = await exportAccount(ts.server.db, 'enfant.test');
    expect(exported.termsOfUseAccepted.map((a) => a.version)).toEqual(['v1', 'v2']);
  });

  it('a stale page (a newer version published meanwhile) is shown again with the new text', async () => {
    const other = await createAccount(ts.server.db, {
      login: 'autre.eleve',
      firstName: 'Autre',
      lastName: 'Élève',
      profile: 'Student',
      password: CHILD_PASSWORD,
    });
    const browser = new Browser();
    const { page } = await signInUntil(browser, 'autre.eleve');
    expect(textOf(page)).toContain('version v2');
    await publish('v3', 'Version trois.');
    const again = await answer(browser, page, 'accepter');
    expect(again.status).toBe(409);
    expect(textOf(again)).toContain('Version trois.');
    expect(await ts.server.domain.terms.latestAcceptances([other.id])).toEqual(new Map());
  });

  it('« Je refuse » → access_denied to the application, audited, and no session left', async () => {
    const teacher = await createAccount(ts.server.db, {
      login: 'prof.refus',
      firstName: 'Prof',
      lastName: 'Refus',
      profile: 'Teacher',
      password: CHILD_PASSWORD,
      classIds: [(await createClass(ts.server.db, { name: 'CE1' })).id],
    });
    const browser = new Browser();
    const { page } = await signInUntil(browser, 'prof.refus');
    expect(textOf(page)).toContain('Charte d’utilisation');
    const back = await answer(browser, page, 'refuser');
    expect(back.url.startsWith(REDIRECT_URI)).toBe(true);
    expect(new URL(back.url).searchParams.get('error')).toBe('access_denied');
    const declined = await events('terms.declined', teacher.id);
    expect(declined).toHaveLength(1);
    expect(declined[0]!.outcome).toBe('refused');
    expect(JSON.parse(declined[0]!.detail!)).toMatchObject({ version: 'v3' });
    const sessions = await ts.server.db.read((m) =>
      m.count(OidcArtifact, { where: { model: 'Session', accountId: teacher.id } }),
    );
    expect(sessions).toBe(0);
    // The same browser is asked to sign in again.
    const next = await browser.go((await authorizationRequest(app)).url.toString(), { stopAt: REDIRECT_URI });
    expect(textOf(next)).toContain('Identifiant');
    expect(next.html).toContain('/login');
  });

  it('a missing CSRF token is refused, and nothing is stored', async () => {
    const student = await createAccount(ts.server.db, {
      login: 'sans.jeton',
      firstName: 'Sans',
      lastName: 'Jeton',
      profile: 'Student',
      password: CHILD_PASSWORD,
    });
    const browser = new Browser();
    const { page } = await signInUntil(browser, 'sans.jeton');
    const action = new URL(/action="([^"]*\/charte)"/.exec(page.html)![1]!, page.url).toString();
    const refused = await browser.request(action, { form: { decision: 'accepter', version: 'v3' } });
    expect(refused.status).toBe(403);
    expect(textOf(refused)).toContain('Cette page a expiré');
    expect(await ts.server.domain.terms.latestAcceptances([student.id])).toEqual(new Map());
  });

  it('prompt=none with terms pending answers interaction_required', async () => {
    const browser = new Browser();
    const { page } = await signInUntil(browser, 'sans.jeton');
    expect(textOf(page)).toContain('Charte');
    const silent = await browser.go((await authorizationRequest(app, { prompt: 'none' })).url.toString(), {
      stopAt: REDIRECT_URI,
    });
    expect(new URL(silent.url).searchParams.get('error')).toBe('interaction_required');
  });

  it('after choosing a password from an activation code, the terms come before the application', async () => {
    const pupil = await createAccount(ts.server.db, {
      login: 'nouveau.eleve',
      firstName: 'Nouveau',
      lastName: 'Élève',
      profile: 'Student',
    });
    const { code } = await ts.server.domain.codes.issue({ accountId: pupil.id, kind: 'activation', createdBy: null });
    const browser = new Browser();
    const { request, page } = await signInUntil(browser, 'nouveau.eleve', code);
    expect(textOf(page)).toContain('Activation de votre compte');
    const terms = await browser.submit(page, '/mot-de-passe', {
      nouveau_mot_de_passe: 'ma nouvelle phrase secrète',
      confirmation: 'ma nouvelle phrase secrète',
    });
    expect(textOf(terms)).toContain('Charte d’utilisation de l’ENT');
    const callback = await answer(browser, terms, 'accepter');
    expect((await exchange(app, callback.url, request)).claims()!.sub).toBe(pupil.id);
  });
});
