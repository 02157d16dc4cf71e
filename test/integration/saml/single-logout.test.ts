// SAML single logout against a real server: SP-initiated over both bindings (signed
// LogoutRequest in, signed LogoutResponse out, the provider session ended), IdP-initiated
// (the ENT session ends, each other SP's SingleLogoutService receives a signed LogoutRequest
// with the NameID and SessionIndex it was given), and every LogoutRequest we must refuse.
import { createVerify } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { DOMParser } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { Browser, formOf, textOf, type Page } from '../../helpers/browser.js';
import { seedChild, CHILD_PASSWORD } from '../../helpers/school.js';
import {
  authnRequest,
  logoutRequest,
  makeSp,
  redirectUrl,
  requestId,
  signEnveloped,
  startSloReceiver,
  type SloReceiver,
  type TestSp,
} from '../../helpers/saml.js';
import { AuditEvent, OidcArtifact, SamlSession } from '../../../src/db/entities/index.js';

let ts: TestServer;
let receiver: SloReceiver;
/** SOAP and Redirect. */
let soapSp: TestSp;
/** Redirect, and POST answered at a ResponseLocation. */
let webSp: TestSp;
/** No SingleLogoutService. */
let plainSp: TestSp;

const SAMLP = 'urn:oasis:names:tc:SAML:2.0:protocol';
const SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';

beforeAll(async () => {
  ts = await startTestServer();
  receiver = await startSloReceiver();
  await seedChild(ts.server.db);
  soapSp = await makeSp('https://soap.example/metadata', 'https://soap.example/acs');
  webSp = await makeSp('https://web.example/metadata', 'https://web.example/acs');
  plainSp = await makeSp('https://plain.example/metadata', 'https://plain.example/acs');
  const { services } = ts.server.domain.saml;
  await services.save({
    id: 'soap',
    name: 'Appli SOAP',
    metadataXml: soapSp.metadata({
      slo: [
        { binding: 'soap', location: receiver.location('soap') },
        { binding: 'redirect', location: receiver.location('soap') },
      ],
    }),
  });
  await services.save({
    id: 'web',
    name: 'Appli Web',
    metadataXml: webSp.metadata({
      slo: [
        { binding: 'redirect', location: receiver.location('web') },
        { binding: 'post', location: receiver.location('web'), responseLocation: `${receiver.url}/web/slo-response` },
      ],
    }),
  });
  await services.save({ id: 'plain', name: 'Appli sans SLO', metadataXml: plainSp.metadata() });
});

afterAll(async () => {
  await receiver?.close();
  await ts?.stop();
});

const sso = () => `${ts.url}/saml/sso`;
const slo = () => `${ts.url}/saml/slo`;

async function idpCertificate(): Promise<string> {
  const xml = await (await fetch(`${ts.url}/saml/metadata`)).text();
  const b64 = /<ds:X509Certificate>([^<]+)<\/ds:X509Certificate>/.exec(xml)![1]!;
  return `-----BEGIN CERTIFICATE-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** Signs in to `sp` (CONNEXION the first time), returns the assertion's NameID and SessionIndex. */
async function signIn(browser: Browser, sp: TestSp): Promise<{ nameId: string; sessionIndex: string }> {
  let page = await browser.go(redirectUrl(sso(), authnRequest(sp)));
  if (page.html.includes('mot_de_passe'))
    page = await browser.submit(page, '/login', { identifiant: 'enfant.test', mot_de_passe: CHILD_PASSWORD });
  const form = formOf(page, sp.acs);
  const doc = new DOMParser().parseFromString(Buffer.from(form.hidden.SAMLResponse!, 'base64').toString(), 'text/xml');
  return {
    nameId: doc.getElementsByTagNameNS(SAML, 'NameID')[0]!.textContent!,
    sessionIndex: doc.getElementsByTagNameNS(SAML, 'AuthnStatement')[0]!.getAttribute('SessionIndex')!,
  };
}

/** « Se déconnecter » on the provider's logout page; returns where the browser is sent then. */
async function confirmLogout(browser: Browser, confirm: Page): Promise<Page> {
  expect(textOf(confirm)).toContain('Se déconnecter');
  return browser.submit(confirm, '/session/end/confirm', { logout: 'yes' }, receiver.url);
}

/** A signed XML message (enveloped) checked against the IdP's metadata certificate. */
async function verifiesEnveloped(xml: string): Promise<boolean> {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const signatures = doc.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'Signature');
  if (signatures.length !== 1) return false;
  const sig = new SignedXml({ publicCert: await idpCertificate() });
  sig.loadSignature(signatures[0] as never);
  return sig.checkSignature(xml);
}

/** The message of a signed HTTP-Redirect URL, its signature checked against the metadata certificate. */
async function readRedirect(url: string, param: 'SAMLRequest' | 'SAMLResponse') {
  const query = new URL(url).search.slice(1);
  const parts = new Map(query.split('&').map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]));
  const signed = [param, 'RelayState', 'SigAlg']
    .filter((k) => parts.has(k))
    .map((k) => `${k}=${parts.get(k)}`)
    .join('&');
  expect(decodeURIComponent(parts.get('SigAlg')!)).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
  const valid = createVerify('RSA-SHA256')
    .update(signed)
    .verify(await idpCertificate(), Buffer.from(decodeURIComponent(parts.get('Signature')!), 'base64'));
  const xml = inflateRawSync(Buffer.from(decodeURIComponent(parts.get(param)!), 'base64')).toString('utf8');
  const relayState = parts.has('RelayState') ? decodeURIComponent(parts.get('RelayState')!) : null;
  return { valid, xml, relayState, doc: new DOMParser().parseFromString(xml, 'text/xml') };
}

async function sessionsOf(serviceId: string) {
  return ts.server.db.read((m) => m.find(SamlSession, { where: { serviceId } }));
}

async function lastLogoutAudit() {
  const rows = await ts.server.db.read((m) =>
    m.find(AuditEvent, { where: { action: 'saml.logout' }, order: { createdAt: 'DESC' }, take: 1 }),
  );
  return rows[0] ? { outcome: rows[0].outcome, ...(JSON.parse(rows[0].detail ?? '{}') as { reason?: string }) } : null;
}

describe('metadata', () => {
  it('announces /saml/slo for HTTP-Redirect and HTTP-POST', async () => {
    const xml = await (await fetch(`${ts.url}/saml/metadata`)).text();
    expect(xml).toContain(
      `<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${slo()}"/>`,
    );
    expect(xml).toContain(
      `<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${slo()}"/>`,
    );
  });

  it('keeps the SPs’ SingleLogoutService from their metadata', async () => {
    const web = await ts.server.domain.saml.services.byId('web');
    expect(web!.metadata.singleLogout).toEqual([
      {
        binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
        location: receiver.location('web'),
        responseLocation: null,
      },
      {
        binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
        location: receiver.location('web'),
        responseLocation: `${receiver.url}/web/slo-response`,
      },
    ]);
  });
});

describe('SP-initiated', () => {
  it('HTTP-Redirect, signed: the ENT session ends, the other SP is told, a signed LogoutResponse goes back', async () => {
    receiver.received.length = 0;
    const browser = new Browser();
    const soap = await signIn(browser, soapSp);
    const web = await signIn(browser, webSp);
    const id = requestId();
    const request = logoutRequest(webSp, {
      destination: slo(),
      nameId: web.nameId,
      sessionIndex: web.sessionIndex,
      id,
    });
    const confirm = await browser.go(
      redirectUrl(slo(), request, { privateKeyPem: webSp.privateKeyPem, relayState: 'retour=1' }),
    );
    expect(confirm.status).toBe(200);
    // The asking SP's own session is over at once (it is not sent a LogoutRequest back).
    expect(await sessionsOf('web')).toEqual([]);
    expect(await lastLogoutAudit()).toMatchObject({ outcome: 'success', serviceId: 'web', initiatedBy: 'sp' });

    const back = await confirmLogout(browser, confirm);
    expect(back.url.startsWith(`${receiver.location('web')}?SAMLResponse=`)).toBe(true);
    const response = await readRedirect(back.url, 'SAMLResponse');
    expect(response.valid).toBe(true);
    expect(response.relayState).toBe('retour=1');
    const root = response.doc.documentElement!;
    expect([root.namespaceURI, root.localName]).toEqual([SAMLP, 'LogoutResponse']);
    expect(root.getAttribute('InResponseTo')).toBe(id);
    expect(root.getAttribute('Destination')).toBe(receiver.location('web'));
    expect(response.doc.getElementsByTagNameNS(SAMLP, 'StatusCode')[0]!.getAttribute('Value')).toBe(
      'urn:oasis:names:tc:SAML:2.0:status:Success',
    );

    // The other SP of the session hears of it server to server (SOAP, its first binding).
    const [told] = await receiver.waitFor('soap', 1);
    expect(told!.method).toBe('POST');
    expect(told!.contentType).toContain('text/xml');
    const inner = /<samlp:LogoutRequest[\s\S]*<\/samlp:LogoutRequest>/.exec(told!.body)![0];
    expect(await verifiesEnveloped(inner)).toBe(true);
    expect(inner).toContain(`>${soap.nameId}</saml:NameID>`);
    expect(inner).toContain(`<samlp:SessionIndex>${soap.sessionIndex}</samlp:SessionIndex>`);
    expect(inner).toContain(`Destination="${receiver.location('soap')}"`);
    expect(receiver.received.filter((r) => r.sp === 'web')).toEqual([]);

    // Signed out of the ENT: the next sign-in asks for the password again.
    const again = await browser.go(redirectUrl(sso(), authnRequest(soapSp)));
    expect(again.html).toContain('mot_de_passe');
  });

  it('HTTP-POST, signed: the LogoutResponse is POSTed, signed, to the ResponseLocation', async () => {
    const browser = new Browser();
    const web = await signIn(browser, webSp);
    const id = requestId();
    const request = signEnveloped(logoutRequest(webSp, { destination: slo(), nameId: web.nameId, id }), webSp);
    const confirm = await browser.go(slo(), {
      form: { SAMLRequest: Buffer.from(request).toString('base64'), RelayState: 'rs' },
    });
    const page = await confirmLogout(browser, confirm);
    expect(page.status).toBe(200);
    expect(page.html).toContain('<script src="/static/saml/autopost.js"></script>');
    const form = formOf(page, `${receiver.url}/web/slo-response`);
    expect(form.hidden.RelayState).toBe('rs');
    const xml = Buffer.from(form.hidden.SAMLResponse!, 'base64').toString('utf8');
    expect(await verifiesEnveloped(xml)).toBe(true);
    expect(xml).toContain(`InResponseTo="${id}"`);
    expect(await sessionsOf('web')).toEqual([]);
  });

  it('with no provider session left, the SP still gets its LogoutResponse', async () => {
    const browser = new Browser();
    const request = logoutRequest(webSp, { destination: slo(), nameId: 'inconnu' });
    // No session to confirm the end of: oidc-provider's own form goes straight on.
    const next = await browser.go(redirectUrl(slo(), request, { privateKeyPem: webSp.privateKeyPem }));
    const back = await browser.submit(next, '/session/end/confirm', {}, receiver.url);
    expect(back.url.startsWith(`${receiver.location('web')}?SAMLResponse=`)).toBe(true);
    expect((await readRedirect(back.url, 'SAMLResponse')).valid).toBe(true);
  });
});

describe('IdP-initiated', () => {
  it('the ENT session ends: each SP with a SingleLogoutService receives a signed LogoutRequest', async () => {
    receiver.received.length = 0;
    const browser = new Browser();
    const soap = await signIn(browser, soapSp);
    const web = await signIn(browser, webSp);
    await signIn(browser, plainSp);
    expect((await sessionsOf('plain')).length).toBeGreaterThan(0);

    const confirm = await browser.go(`${ts.url}/session/end`);
    await confirmLogout(browser, confirm);

    const [soapGot] = await receiver.waitFor('soap', 1);
    expect(soapGot!.body).toContain(`>${soap.nameId}</saml:NameID>`);
    // Redirect binding, server to server: a signed query, the NameID and SessionIndex in it.
    const [webGot] = await receiver.waitFor('web', 1);
    expect(webGot!.method).toBe('GET');
    const request = await readRedirect(`${receiver.location('web')}?${webGot!.query}`, 'SAMLRequest');
    expect(request.valid).toBe(true);
    const nameId = request.doc.getElementsByTagNameNS(SAML, 'NameID')[0]!;
    expect(nameId.textContent).toBe(web.nameId);
    expect(nameId.getAttribute('SPNameQualifier')).toBe(webSp.entityId);
    expect(request.doc.getElementsByTagNameNS(SAMLP, 'SessionIndex')[0]!.textContent).toBe(web.sessionIndex);
    expect(await sessionsOf('soap')).toEqual([]);
    expect(await sessionsOf('plain')).toEqual([]);
    const metrics = await (await fetch(`${ts.url}/metrics`)).text();
    expect(Number(/entidp_saml_single_logouts_total\{outcome="sent"\} (\d+)/.exec(metrics)![1])).toBeGreaterThanOrEqual(
      2,
    );
  });

  it('a password change (every session of the account revoked) reaches the SPs too', async () => {
    receiver.received.length = 0;
    const browser = new Browser();
    const soap = await signIn(browser, soapSp);
    const account = await ts.server.domain.accounts.findByLogin('enfant.test');
    await ts.server.db.transaction((m) => ts.server.domain.sessions.revokeAllForAccount(m, account!.id, 'password'));
    const [got] = await receiver.waitFor('soap', 1);
    expect(got!.body).toContain(`<samlp:SessionIndex>${soap.sessionIndex}</samlp:SessionIndex>`);
  });

  it('an expired session, when the purge removes it', async () => {
    receiver.received.length = 0;
    const browser = new Browser();
    const soap = await signIn(browser, soapSp);
    const account = await ts.server.domain.accounts.findByLogin('enfant.test');
    await ts.server.db.transaction((m) =>
      m.update(OidcArtifact, { model: 'Session', accountId: account!.id }, { expiresAt: new Date(Date.now() - 1000) }),
    );
    await ts.server.domain.maintenance.purgeExpired();
    const [got] = await receiver.waitFor('soap', 1);
    expect(got!.body).toContain(`<samlp:SessionIndex>${soap.sessionIndex}</samlp:SessionIndex>`);
  });
});

describe('refused LogoutRequests: a French page and an audit event', () => {
  async function refused(page: Promise<Page>, reason: string) {
    const shown = await page;
    expect(shown.status).toBe(400);
    expect(textOf(shown)).toContain('La demande de déconnexion de cette application n’est pas valable');
    expect(await lastLogoutAudit()).toMatchObject({ outcome: 'refused', reason });
  }
  const get = (xml: string, key?: string) =>
    new Browser().go(redirectUrl(slo(), xml, key ? { privateKeyPem: key } : {}));
  const post = (xml: string) => new Browser().go(slo(), { form: { SAMLRequest: Buffer.from(xml).toString('base64') } });
  const request = (options: Partial<Parameters<typeof logoutRequest>[1]> = {}) =>
    logoutRequest(webSp, { destination: slo(), nameId: 'x', ...options });

  it('unknown issuer', () =>
    refused(get(request({ issuer: 'https://pirate.example/' }), webSp.privateKeyPem), 'unknown_issuer'));

  it('unsigned, on either binding', async () => {
    await refused(get(request()), 'unsigned');
    await refused(post(request()), 'unsigned');
  });

  it('signed by another key', async () => {
    await refused(get(request(), soapSp.privateKeyPem), 'bad_signature');
    await refused(post(signEnveloped(request(), soapSp)), 'bad_signature');
  });

  it('replayed', async () => {
    const url = redirectUrl(slo(), request(), { privateKeyPem: webSp.privateKeyPem });
    expect((await new Browser().go(url)).status).toBe(200);
    await refused(new Browser().go(url), 'replayed');
  });

  it('too old, past its NotOnOrAfter, or for another Destination', async () => {
    await refused(get(request({ instant: new Date(Date.now() - 10 * 60_000) }), webSp.privateKeyPem), 'issue_instant');
    await refused(
      get(request({ notOnOrAfter: new Date(Date.now() - 10 * 60_000) }), webSp.privateKeyPem),
      'not_on_or_after',
    );
    await refused(get(request({ destination: 'https://pirate.example/slo' }), webSp.privateKeyPem), 'malformed');
  });

  it('an SP without SingleLogoutService', () =>
    refused(
      get(logoutRequest(plainSp, { destination: slo(), nameId: 'x' }), plainSp.privateKeyPem),
      'no_logout_service',
    ));

  it('XXE, billion laughs, garbage, nothing', async () => {
    const xxe =
      '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>' +
      request().replace('</saml:Issuer>', '&x;</saml:Issuer>');
    await refused(post(xxe), 'unsafe_xml');
    const laughs =
      '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>' +
      request().replace('</saml:Issuer>', '&b;</saml:Issuer>');
    await refused(get(laughs), 'unsafe_xml');
    await refused(post('not xml <<<'), 'unsafe_xml');
    await refused(post(authnRequest(webSp)), 'malformed');
    await refused(new Browser().go(slo()), 'malformed');
    await refused(new Browser().go(`${slo()}?SAMLResponse=abc`), 'malformed');
  });

  it('a wrapped signature (POST): a forged request around the signed one', async () => {
    const genuine = signEnveloped(request(), webSp);
    const forged = request({ nameId: 'victime' }).replace(
      '</saml:Issuer>',
      `</saml:Issuer><samlp:Extensions>${genuine}</samlp:Extensions>`,
    );
    await refused(post(forged), 'bad_signature');
  });
});
