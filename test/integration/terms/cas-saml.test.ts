// The terms of use step on CAS and SAML sign-ins: both go through the provider's interactions
// (internal clients ent-cas and ent-saml), so the `terms` prompt applies to them as well.
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { Browser, formOf, textOf } from '../../helpers/browser.js';
import { seedChild, CHILD_PASSWORD } from '../../helpers/school.js';
import { casSignIn, startCasService, ticketOf, type CasServiceReceiver } from '../../helpers/cas.js';
import { authnRequest, makeSp, redirectUrl, requestId, type TestSp } from '../../helpers/saml.js';
import { createAccount } from '../../helpers/factories.js';

let ts: TestServer;
let service: CasServiceReceiver;
let sp: TestSp;
const ACS = 'https://sp.example/saml/acs';

beforeAll(async () => {
  ts = await startTestServer();
  await seedChild(ts.server.db);
  service = await startCasService();
  await ts.server.cas.services.save({ id: 'moodle', name: 'Moodle', protocol: 'cas', serviceUrls: [service.url] });
  sp = await makeSp('https://sp.example/metadata', ACS);
  await ts.server.domain.saml.services.save({ id: 'sp', name: 'Appli SAML', metadataXml: sp.metadata() });
  await ts.server.domain.terms.publish({
    version: '2026-1',
    content: Buffer.from('Règles de vie numérique.'),
    publishedBy: 'test',
  });
});
afterAll(async () => {
  await service?.close();
  await ts?.stop();
});

it("CAS: the terms page, then « J'accepte » reaches the service with a ticket", async () => {
  const target = `${service.url}cours`;
  const { browser, page } = await casSignIn(ts, target, 'enfant.test', CHILD_PASSWORD);
  expect(textOf(page)).toContain('Charte d’utilisation de l’ENT');
  expect(textOf(page)).toContain('Règles de vie numérique.');
  const back = await browser.submit(page, '/charte', { decision: 'accepter' }, target);
  expect(ticketOf(back.url)).toMatch(/^ST-/);
});

it('CAS: « Je refuse » ends on the French refusal page, with no ticket', async () => {
  await createAccount(ts.server.db, {
    login: 'refus.cas',
    firstName: 'Refus',
    lastName: 'Cas',
    profile: 'Relative',
    password: CHILD_PASSWORD,
  });
  const target = `${service.url}cours`;
  const { browser, page } = await casSignIn(ts, target, 'refus.cas', CHILD_PASSWORD);
  expect(textOf(page)).toContain('Charte d’utilisation');
  const back = await browser.submit(page, '/charte', { decision: 'refuser' }, target);
  expect(back.status).toBe(403);
  expect(textOf(back)).toContain('La connexion à l’application n’a pas abouti.');
});

it('SAML: the terms page comes before the Response', async () => {
  await createAccount(ts.server.db, {
    login: 'prof.saml',
    firstName: 'Prof',
    lastName: 'Saml',
    profile: 'Teacher',
    password: CHILD_PASSWORD,
  });
  const browser = new Browser();
  const first = await browser.go(redirectUrl(`${ts.url}/saml/sso`, authnRequest(sp, { id: requestId() })));
  const terms = await browser.submit(first, '/login', { identifiant: 'prof.saml', mot_de_passe: CHILD_PASSWORD });
  expect(textOf(terms)).toContain('Charte d’utilisation de l’ENT');
  const page = await browser.submit(terms, '/charte', { decision: 'accepter' });
  expect(formOf(page, ACS).hidden.SAMLResponse).toBeTruthy();
});
