// Interoperability with a real CAS client: Apache's mod_auth_cas (Debian's
// libapache2-mod-auth-cas) protecting a page, driven by the test Browser. Skipped, and shown
// as skipped, where Apache or the module is not installed (.ci/run installs both).
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { Browser, textOf } from '../../helpers/browser.js';
import { client, registerClient, signIn, type RegisteredClient } from '../../helpers/oidc.js';
import { createAccount } from '../../helpers/factories.js';
import { apacheCasAvailable, startApacheCas, type ApacheCas } from '../../helpers/apache-cas.js';

const PASSWORD = 'une phrase de passe solide';
const withApache = apacheCasAvailable() ? describe : describe.skip;

withApache('mod_auth_cas (Apache) against /cas', () => {
  let ts: TestServer;
  let apache: ApacheCas;
  let app: RegisteredClient;

  beforeAll(async () => {
    ts = await startTestServer();
    apache = await startApacheCas(ts.url);
    await ts.server.cas.services.save({ id: 'apache', name: 'Apache', protocol: 'cas', serviceUrls: [apache.prefix] });
    app = await registerClient(ts, { clientId: 'ent-mail' });
  });

  afterAll(async () => {
    if (apache && process.env.DEBUG_APACHE) console.log(apache.errorLog());
    await apache?.stop();
    await ts?.stop();
  });

  it('a child signs in with a one-time code and lands on the protected page, which shows their identifiant', async () => {
    const child = await createAccount(ts.server.db, { profile: 'Student', firstName: 'Léa' });
    const { code } = await ts.server.domain.codes.issue({ accountId: child.id, kind: 'activation', createdBy: null });
    const browser = new Browser();
    const connexion = await browser.go(apache.page);
    expect(connexion.url.startsWith(ts.url)).toBe(true);
    const passwordPage = await browser.submit(connexion, '/login', { identifiant: child.login, mot_de_passe: code });
    const page = await browser.submit(passwordPage, '/mot-de-passe', {
      nouveau_mot_de_passe: 'ma cabane au fond du jardin',
      confirmation: 'ma cabane au fond du jardin',
    });
    // mod_auth_cas validated the ticket, then sent the browser back to the page without it.
    expect([page.status, page.url]).toEqual([200, apache.page]);
    expect(page.html).toContain(`utilisateur=${child.login}`);
    expect(page.html).toContain('prenom=Léa');
    expect(page.html).toContain('profil=Student');
  });

  it('signed in to an OIDC application, the child reaches the CAS page without a second sign-in; the CAS logout ends both', async () => {
    const child = await createAccount(ts.server.db, { profile: 'Student', password: PASSWORD });
    const { browser, tokens } = await signIn(app, child.login, PASSWORD);
    const page = await browser.go(apache.page);
    expect([page.status, page.url]).toEqual([200, apache.page]);
    expect(page.html).toContain(`utilisateur=${child.login}`);

    const confirm = await browser.go(`${ts.url}/cas/logout`);
    const action = /action="([^"]+)"/.exec(confirm.html)![1]!;
    const hidden = Object.fromEntries(
      [...confirm.html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    const done = await browser.go(new URL(action, ts.url).href, { form: { ...hidden, logout: 'yes' } });
    expect(textOf(done)).toContain('déconnecté');
    await expect(client.refreshTokenGrant(app.config, tokens.refresh_token!)).rejects.toThrow();

    // The single logout request reaches Apache a moment later: its session for the child ends.
    const deadline = Date.now() + 10_000;
    let again = await browser.request(apache.page);
    while (again.status === 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      again = await browser.request(apache.page);
    }
    expect(again.status).toBe(302);
    expect(again.headers.get('location')).toContain(`${ts.url}/cas/login`);
    const connexion = await browser.go(apache.page);
    expect(connexion.url.startsWith(ts.url)).toBe(true);
    expect(connexion.html).toContain('Identifiant');
  });
});
