// Interoperability with a real SAML service provider: Apache's mod_auth_mellon (Debian's
// libapache2-mod-auth-mellon, on lasso) protecting a page, driven by the test Browser.
// Skipped, and shown as skipped, where Apache or the module is not installed.
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { Browser, formOf } from '../../helpers/browser.js';
import { createAccount } from '../../helpers/factories.js';
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
