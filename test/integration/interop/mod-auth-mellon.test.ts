// Interoperability with a real SAML service provider: Apache's mod_auth_mellon (Debian's
// libapache2-mod-auth-mellon, on lasso) protecting a page, driven by the test Browser: sign-in,
// then single logout both ways (mellon's /mellon/logout ends the ENT session; the ENT session's
// end reaches mellon as a SOAP LogoutRequest). Skipped, and shown as skipped, where Apache or
// the module is not installed.
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { Browser, formOf, textOf, type Page } from '../../helpers/browser.js';
import { createAccount } from '../../helpers/factories.js';
import { AuditEvent } from '../../../src/db/entities/index.js';
import { apacheMellonAvailable, startApacheMellon, type ApacheMellon } from '../../helpers/apache-mellon.js';

const PASSWORD = 'une phrase de passe solide';
const withMellon = apacheMellonAvailable() ? describe : describe.skip;

withMellon('mod_auth_mellon (Apache) against /saml', () => {
  let ts: TestServer;
  let apache: ApacheMellon;

  beforeAll(async () => {
    ts = await startTestServer();
    apache = await startApacheMellon(ts.url);
    await ts.server.domain.saml.services.save({ id: 'mellon', name: 'Apache', metadataXml: apache.metadata });
  });

  afterAll(async () => {
    if (apache && process.env.DEBUG_APACHE) console.log(apache.errorLog());
    await apache?.stop();
    await ts?.stop();
  });

  it('a child signs in through CONNEXION and lands on the protected page with a pairwise NameID and attributes', async () => {
    const child = await createAccount(ts.server.db, { profile: 'Student', firstName: 'Léa', password: PASSWORD });
    const browser = new Browser();
    const connexion = await browser.go(apache.page);
    expect(connexion.url.startsWith(ts.url)).toBe(true);
    const post = await browser.submit(connexion, '/login', { identifiant: child.login, mot_de_passe: PASSWORD });
    const form = formOf(post, '/mellon/postResponse');
    const page = await browser.go(form.action, { form: form.hidden });
    if (page.status !== 200) console.log(apache.errorLog());
    expect([page.status, page.url]).toEqual([200, apache.page]);
    expect(page.html).toMatch(/utilisateur=[0-9a-f]{64}\n/);
    expect(page.html).toContain(`identifiant=${child.login}`);
    expect(page.html).toContain('prenom=Léa');
    // Signed in: the page again, no round trip to the IdP.
    expect((await browser.request(apache.page)).status).toBe(200);
  });

  /** Signs a new child in through mellon; returns the browser, on the protected page. */
  async function signedInThroughMellon(): Promise<Browser> {
    const child = await createAccount(ts.server.db, { profile: 'Student', password: PASSWORD });
    const browser = new Browser();
    const connexion = await browser.go(apache.page);
    const post = await browser.submit(connexion, '/login', { identifiant: child.login, mot_de_passe: PASSWORD });
    const form = formOf(post, '/mellon/postResponse');
    const page = await browser.go(form.action, { form: form.hidden });
    expect([page.status, page.url]).toEqual([200, apache.page]);
    return browser;
  }

  /** The protected page asks mellon for a new sign-in, which sends the browser to our /saml/sso. */
  async function expectSignedOutOfMellon(browser: Browser): Promise<void> {
    const again = await browser.request(apache.page);
    if (again.status === 200) console.log(apache.errorLog());
    expect([302, 303]).toContain(again.status);
    const login = new URL(again.headers.get('location')!, apache.page).href;
    expect(login.startsWith(`${apache.base}/mellon/login?`)).toBe(true);
    const toIdp = await browser.request(login);
    expect(toIdp.headers.get('location')).toContain(`${ts.url}/saml/sso?SAMLRequest=`);
  }

  function confirmLogout(browser: Browser, confirm: Page): Promise<Page> {
    expect(textOf(confirm)).toContain('Se déconnecter');
    return browser.submit(confirm, '/session/end/confirm', { logout: 'yes' });
  }

  it('SP-initiated: mellon’s /mellon/logout ends the ENT session and comes back with a LogoutResponse', async () => {
    const browser = await signedInThroughMellon();
    const returnTo = `${apache.base}/au-revoir`;
    // mellon → signed LogoutRequest (Redirect) → /saml/slo → the provider's « Se déconnecter »
    const confirm = await browser.go(`${apache.base}/mellon/logout?ReturnTo=${encodeURIComponent(returnTo)}`);
    if (!confirm.url.startsWith(ts.url)) console.log(apache.errorLog());
    expect(confirm.url.startsWith(`${ts.url}/session/end`)).toBe(true);
    // → /saml/logout/done → signed LogoutResponse (Redirect) → mellon accepts it → ReturnTo
    const done = await confirmLogout(browser, confirm);
    if (done.url !== returnTo) console.log(apache.errorLog());
    expect(done.url).toBe(returnTo);
    await expectSignedOutOfMellon(browser);
    // Signed out of the ENT as well: the next sign-in asks for the password again.
    const connexion = await browser.go(apache.page);
    expect(connexion.url.startsWith(ts.url)).toBe(true);
    expect(connexion.html).toContain('mot_de_passe');
    const audit = await ts.server.db.read((m) =>
      m.find(AuditEvent, { where: { action: 'saml.logout', outcome: 'success' }, order: { createdAt: 'DESC' } }),
    );
    expect(audit.some((e) => (e.detail ?? '').includes('"initiatedBy":"sp"'))).toBe(true);
  });

  it('IdP-initiated: the ENT session’s end reaches mellon (SOAP), whose session is over', async () => {
    const browser = await signedInThroughMellon();
    const confirm = await browser.go(`${ts.url}/session/end`);
    const done = await confirmLogout(browser, confirm);
    expect(textOf(done)).toContain('déconnecté');
    // The LogoutRequest reaches Apache a moment later (back-channel queue, then SOAP).
    const deadline = Date.now() + 10_000;
    while ((await browser.request(apache.page)).status === 200 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    await expectSignedOutOfMellon(browser);
    expect(apache.errorLog()).not.toMatch(/Error (processing|validating) logout request/);
  });

  it('IdP-initiated, with the assertion encrypted (AES-256-GCM, RSA-OAEP): lasso decrypts it', async () => {
    // The same SP, now with its certificate as encryption key too (mellon decrypts with its SP key).
    const cert = /<ds:X509Certificate>([^<]+)</.exec(apache.metadata)![1]!;
    const metadataXml = apache.metadata.replace(
      '<KeyDescriptor use="signing">',
      `<KeyDescriptor use="encryption"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></KeyDescriptor><KeyDescriptor use="signing">`,
    );
    await ts.server.domain.saml.services.save({ id: 'mellon', name: 'Apache', metadataXml });
    try {
      const child = await createAccount(ts.server.db, { profile: 'Student', firstName: 'Noé', password: PASSWORD });
      const browser = new Browser();
      const connexion = await browser.go(`${ts.url}/saml/sso/mellon?RelayState=${encodeURIComponent(apache.page)}`);
      const post = await browser.submit(connexion, '/login', { identifiant: child.login, mot_de_passe: PASSWORD });
      const form = formOf(post, '/mellon/postResponse');
      expect(Buffer.from(form.hidden.SAMLResponse!, 'base64').toString()).toContain('<saml:EncryptedAssertion');
      const page = await browser.go(form.action, { form: form.hidden });
      if (page.status !== 200) console.log(apache.errorLog());
      expect([page.status, page.url]).toEqual([200, apache.page]);
      expect(page.html).toContain(`identifiant=${child.login}`);
      expect(page.html).toContain('prenom=Noé');
    } finally {
      await ts.server.domain.saml.services.save({ id: 'mellon', name: 'Apache', metadataXml: apache.metadata });
    }
  });
});
