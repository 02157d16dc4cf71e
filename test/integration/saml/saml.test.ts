// SAML 2.0 IdP on the provider's one sign-on: metadata, SP-initiated login over both
// bindings with a signed Response checked against the metadata certificate, and every
// crafted request we must refuse (French page, audit event, never a 500).
import { deflateRawSync } from 'node:zlib';
import { DOMParser } from '@xmldom/xmldom';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { Browser, formOf, textOf, type Page } from '../../helpers/browser.js';
import { seedChild, CHILD_PASSWORD } from '../../helpers/school.js';
import {
  authnRequest,
  makeSp,
  redirectUrl,
  requestId,
  responseSignatures,
  signEnveloped,
  type TestSp,
} from '../../helpers/saml.js';
import { AuditEvent } from '../../../src/db/entities/index.js';
import { createAudit } from '../../../src/domain/audit.js';
import { createSamlServices } from '../../../src/domain/saml/services.js';
import { createLogger } from '../../../src/logger.js';

let ts: TestServer;
let sp: TestSp;
let signedSp: TestSp;

const ACS = 'https://sp.example/saml/acs';
const SIGNED_ACS = 'https://signed.example/acs';

beforeAll(async () => {
  ts = await startTestServer();
  await seedChild(ts.server.db);
  sp = await makeSp('https://sp.example/metadata', ACS);
  signedSp = await makeSp('https://signed.example/metadata', SIGNED_ACS);
  await ts.server.domain.saml.services.save({ id: 'sp', name: 'Appli SAML', metadataXml: sp.metadata() });
  await ts.server.domain.saml.services.save({
    id: 'signed',
    name: 'Appli signée',
    metadataXml: signedSp.metadata({ signed: true }),
    nameIdFormat: 'identifiant',
  });
});

afterAll(async () => {
  await ts?.stop();
});

const sso = () => `${ts.url}/saml/sso`;

async function metadataCertificate(): Promise<string> {
  const xml = await (await fetch(`${ts.url}/saml/metadata`)).text();
  const b64 = /<ds:X509Certificate>([^<]+)<\/ds:X509Certificate>/.exec(xml)![1]!;
  return `-----BEGIN CERTIFICATE-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** Signs the child in from `first` (CONNEXION), returns the auto-POST page. */
async function signInFrom(browser: Browser, first: Page): Promise<Page> {
  if (formOf(first, '').action.includes('/login') || first.html.includes('mot_de_passe'))
    return browser.submit(first, '/login', { identifiant: 'enfant.test', mot_de_passe: CHILD_PASSWORD });
  return first;
}

function readResponse(page: Page, acs: string) {
  const form = formOf(page, acs);
  const xml = Buffer.from(form.hidden.SAMLResponse!, 'base64').toString('utf8');
  return { xml, relayState: form.hidden.RelayState, doc: new DOMParser().parseFromString(xml, 'text/xml') };
}

/** Both the Response and its Assertion are signed, each verifying with the metadata's certificate. */
async function verifies(xml: string): Promise<boolean> {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  expect(doc.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'Signature').length).toBe(2);
  const { response, assertion } = responseSignatures(xml, await metadataCertificate());
  return response && assertion === true;
}

const text = (doc: ReturnType<DOMParser['parseFromString']>, local: string) =>
  doc.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:assertion', local)[0];

async function lastRefusal() {
  const rows = await ts.server.db.read((m) =>
    m.find(AuditEvent, { where: { action: 'saml.request' }, order: { createdAt: 'DESC' }, take: 1 }),
  );
  return rows[0] ? (JSON.parse(rows[0].detail ?? '{}') as { reason: string }).reason : null;
}

describe('metadata', () => {
  it('publishes the IdP descriptor with the signing certificate and both bindings', async () => {
    const res = await fetch(`${ts.url}/saml/metadata`);
    expect(res.status).toBe(200);
    const xml = await res.text();
    expect(xml).toContain(`entityID="${ts.url}/saml/metadata"`);
    expect(xml).toContain('<md:IDPSSODescriptor');
    expect(xml).toContain('urn:oasis:names:tc:SAML:2.0:nameid-format:persistent');
    expect(xml).toContain('urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified');
    expect(xml).toContain('bindings:HTTP-Redirect" Location="' + `${ts.url}/saml/sso"`);
    expect(xml).toContain('bindings:HTTP-POST" Location="' + `${ts.url}/saml/sso"`);
    expect(xml).toContain('<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"');
    expect(await metadataCertificate()).toMatch(/BEGIN CERTIFICATE/);
  });
});

describe('SP-initiated sign-in', () => {
  it('HTTP-Redirect: a signed Response with audience, recipient, InResponseTo, pairwise NameID, attributes', async () => {
    const browser = new Browser();
    const id = requestId();
    const first = await browser.go(redirectUrl(sso(), authnRequest(sp, { id }), { relayState: 'page=42&x' }));
    const page = await signInFrom(browser, first);
    expect(page.status).toBe(200);
    expect(page.html).toContain('<script src="/static/saml/autopost.js"></script>');
    const { xml, relayState, doc } = readResponse(page, ACS);
    expect(relayState).toBe('page=42&x');
    expect(await verifies(xml)).toBe(true);
    expect(text(doc, 'Audience')!.textContent).toBe(sp.entityId);
    const confirmation = text(doc, 'SubjectConfirmationData')!;
    expect(confirmation.getAttribute('Recipient')).toBe(ACS);
    expect(confirmation.getAttribute('InResponseTo')).toBe(id);
    expect(Date.parse(confirmation.getAttribute('NotOnOrAfter')!)).toBeGreaterThan(Date.now());
    const nameId = text(doc, 'NameID')!;
    expect(nameId.getAttribute('Format')).toBe('urn:oasis:names:tc:SAML:2.0:nameid-format:persistent');
    expect(nameId.textContent).toMatch(/^[0-9a-f]{64}$/);
    expect(xml).not.toContain('>enfant.test</saml:NameID>');
    const statement = text(doc, 'AuthnStatement')!;
    expect(statement.getAttribute('SessionIndex')).toBeTruthy();
    expect(statement.getAttribute('AuthnInstant')).toBeTruthy();
    for (const fragment of [
      'FriendlyName="identifiant"><saml:AttributeValue xsi:type="xs:string">enfant.test<',
      'Name="urn:oid:2.5.4.4"',
      'FriendlyName="uai"><saml:AttributeValue xsi:type="xs:string">{UAI}0801234A<',
      'FriendlyName="classes"><saml:AttributeValue xsi:type="xs:string">CM2 A<',
    ])
      expect(xml).toContain(fragment);

    // Same SP again, same browser: no CONNEXION (one sign-on), the same pairwise NameID.
    const again = await browser.go(redirectUrl(sso(), authnRequest(sp)));
    expect(readResponse(again, ACS).doc.getElementsByTagName('saml:NameID')[0]!.textContent).toBe(nameId.textContent);
  });

  it('HTTP-POST with an enveloped signature; the identifiant as NameID when registered so', async () => {
    const browser = new Browser();
    const id = requestId();
    const xml = signEnveloped(authnRequest(signedSp, { id }), signedSp);
    const first = await browser.go(sso(), {
      form: { SAMLRequest: Buffer.from(xml).toString('base64'), RelayState: 'rs' },
    });
    const page = await signInFrom(browser, first);
    const response = readResponse(page, SIGNED_ACS);
    expect(await verifies(response.xml)).toBe(true);
    expect(response.relayState).toBe('rs');
    expect(text(response.doc, 'NameID')!.textContent).toBe('enfant.test');
    expect(text(response.doc, 'SubjectConfirmationData')!.getAttribute('InResponseTo')).toBe(id);
  });
});

describe('refused requests: a French page and an audit event', () => {
  async function refusedGet(url: string, reason: string) {
    const page = await new Browser().go(url);
    expect(page.status).toBe(400);
    expect(textOf(page)).toContain('La demande de connexion de cette application n’est pas valable');
    expect(await lastRefusal()).toBe(reason);
  }
  async function refusedPost(xml: string, reason: string) {
    const page = await new Browser().go(sso(), { form: { SAMLRequest: Buffer.from(xml).toString('base64') } });
    expect(page.status).toBe(400);
    expect(textOf(page)).toContain('La demande de connexion de cette application n’est pas valable');
    expect(await lastRefusal()).toBe(reason);
  }

  it('unknown issuer', () =>
    refusedGet(redirectUrl(sso(), authnRequest(sp, { issuer: 'https://pirate.example/' })), 'unknown_issuer'));

  it('an ACS URL not in the metadata', () =>
    refusedGet(redirectUrl(sso(), authnRequest(sp, { acs: 'https://pirate.example/acs' })), 'acs_not_in_metadata'));

  it('an IssueInstant too old or in the future', async () => {
    await refusedGet(
      redirectUrl(sso(), authnRequest(sp, { instant: new Date(Date.now() - 6 * 60_000) })),
      'issue_instant',
    );
    await refusedGet(
      redirectUrl(sso(), authnRequest(sp, { instant: new Date(Date.now() + 6 * 60_000) })),
      'issue_instant',
    );
  });

  it('a replayed request id', async () => {
    const url = redirectUrl(sso(), authnRequest(sp));
    expect((await new Browser().go(url)).status).toBe(200);
    await refusedGet(url, 'replayed');
  });

  it('an unsigned request when the metadata says AuthnRequestsSigned', async () => {
    await refusedGet(redirectUrl(sso(), authnRequest(signedSp)), 'unsigned');
    await refusedPost(authnRequest(signedSp), 'unsigned');
  });

  it('a Redirect signature by another key, or over another query', async () => {
    await refusedGet(redirectUrl(sso(), authnRequest(signedSp), { privateKeyPem: sp.privateKeyPem }), 'bad_signature');
    const good = redirectUrl(sso(), authnRequest(signedSp), { privateKeyPem: signedSp.privateKeyPem, relayState: 'a' });
    await refusedGet(good.replace('RelayState=a', 'RelayState=b'), 'bad_signature');
  });

  it('a signed Redirect request is accepted', async () => {
    const page = await new Browser().go(
      redirectUrl(sso(), authnRequest(signedSp), { privateKeyPem: signedSp.privateKeyPem, relayState: 'a' }),
    );
    expect(page.status).toBe(200);
    expect(page.html).toContain('mot_de_passe');
  });

  it('XXE and billion laughs', async () => {
    const xxe =
      '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>' +
      authnRequest(sp).replace('<samlp:NameIDPolicy', '<samlp:Extensions>&x;</samlp:Extensions><samlp:NameIDPolicy');
    await refusedPost(xxe, 'unsafe_xml');
    const laughs =
      '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">' +
      '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>' +
      authnRequest(sp).replace('</saml:Issuer>', '&d;</saml:Issuer>');
    await refusedGet(redirectUrl(sso(), laughs), 'unsafe_xml');
  });

  it('a deflate bomb (Redirect)', async () => {
    const bomb = deflateRawSync(Buffer.concat([Buffer.from(authnRequest(sp)), Buffer.alloc(10 * 1024 * 1024, 32)]));
    expect(bomb.length).toBeLessThan(20_000);
    await refusedGet(redirectUrl(sso(), '', { deflated: bomb }), 'too_large');
  });

  it('a wrapped signature (POST): a forged request around the signed one', async () => {
    const genuine = signEnveloped(authnRequest(signedSp), signedSp);
    // The attacker's own request (another ACS) carries the genuine signed one inside.
    const forged = authnRequest(signedSp, { acs: 'https://pirate.example/acs' }).replace(
      '<samlp:NameIDPolicy AllowCreate="true"/>',
      `<samlp:Extensions>${genuine}</samlp:Extensions><samlp:NameIDPolicy AllowCreate="true"/>`,
    );
    await refusedPost(forged, 'bad_signature');
    // Or the signature moved onto a forged root that reuses the signed ID.
    const signedId = /ID="([^"]+)"/.exec(genuine)![1]!;
    const signature = /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(genuine)![0];
    const moved = authnRequest(signedSp, { id: signedId, acs: 'https://pirate.example/acs' }).replace(
      '</saml:Issuer>',
      `</saml:Issuer>${signature}`,
    );
    await refusedPost(moved, 'bad_signature');
  });

  it('no SAMLRequest at all', () => refusedGet(sso(), 'malformed'));

  it('a Redirect signature that is not even percent-encoded right', () =>
    refusedGet(`${redirectUrl(sso(), authnRequest(signedSp))}&SigAlg=%E0%A4%A&Signature=%ZZ`, 'bad_signature'));

  it('an SP registered again or removed by another process: its next request reads the new row', async () => {
    // Another process's registry (the CLI's): its own metadata cache, the same database.
    const cli = createSamlServices(ts.server.db, createAudit(ts.server.db, createLogger('silent')));
    const moving = await makeSp('https://moving.example/metadata', 'https://moving.example/acs');
    await cli.save({ id: 'moving', name: 'Appli qui déménage', metadataXml: moving.metadata() });
    expect((await new Browser().go(redirectUrl(sso(), authnRequest(moving)))).status).toBe(200);
    const moved = { ...moving, acs: 'https://moving.example/new-acs' };
    await cli.save({
      id: 'moving',
      name: 'Appli qui déménage',
      metadataXml: moved.metadata().replace(moving.acs, moved.acs),
    });
    await refusedGet(redirectUrl(sso(), authnRequest(moving)), 'acs_not_in_metadata');
    expect((await new Browser().go(redirectUrl(sso(), authnRequest(moved)))).status).toBe(200);
    await cli.remove('moving');
    await refusedGet(redirectUrl(sso(), authnRequest(moved)), 'unknown_issuer');
  });

  it('garbage instead of a message', async () => {
    await refusedPost('not xml at all <<<', 'unsafe_xml');
    await refusedGet(
      `${sso()}?SAMLRequest=${encodeURIComponent(Buffer.from('not deflated').toString('base64'))}`,
      'malformed',
    );
  });
});
