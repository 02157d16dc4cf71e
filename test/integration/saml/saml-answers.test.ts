// The SAML IdP's answers beyond a plain sign-in: error Responses the spec wants POSTed to the
// SP (NoPassive, RequestDenied), IdP-initiated SSO, encrypted assertions, the counters, and
// one sign-on from an OIDC application to a SAML SP. Hostile input: a French page, an audit
// event, never a 500.
import { DOMParser } from '@xmldom/xmldom';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { Browser, formOf, textOf, type Page } from '../../helpers/browser.js';
import { seedChild, CHILD_PASSWORD } from '../../helpers/school.js';
import { registerClient, signIn } from '../../helpers/oidc.js';
import {
  authnRequest,
  decryptAssertion,
  makeSp,
  redirectUrl,
  requestId,
  responseSignatures,
  type TestSp,
} from '../../helpers/saml.js';
import { Account, AuditEvent, SamlService, SamlSession } from '../../../src/db/entities/index.js';
import { AES256_CBC, AES256_GCM } from '../../../src/saml/encrypt.js';

let ts: TestServer;
let sp: TestSp;
let encSp: TestSp;
let cbcSp: TestSp;
let childId: string;

const ACS = 'https://sp.example/saml/acs';
const STATUS = 'urn:oasis:names:tc:SAML:2.0:status:';

beforeAll(async () => {
  ts = await startTestServer();
  ({
    child: { id: childId },
  } = await seedChild(ts.server.db));
  sp = await makeSp('https://sp.example/metadata', ACS);
  encSp = await makeSp('https://enc.example/metadata', 'https://enc.example/acs');
  cbcSp = await makeSp('https://cbc.example/metadata', 'https://cbc.example/acs');
  const saml = ts.server.domain.saml.services;
  await saml.save({ id: 'sp', name: 'Appli SAML', metadataXml: sp.metadata() });
  await saml.save({ id: 'enc', name: 'Appli chiffrée', metadataXml: encSp.metadata({ encryption: {} }) });
  await saml.save({
    id: 'cbc',
    name: 'Appli CBC',
    metadataXml: cbcSp.metadata({ encryption: { methods: [AES256_CBC] } }),
  });
});

afterAll(async () => {
  await ts?.stop();
});

const sso = () => `${ts.url}/saml/sso`;

async function certificate(): Promise<string> {
  const xml = await (await fetch(`${ts.url}/saml/metadata`)).text();
  const b64 = /<ds:X509Certificate>([^<]+)<\/ds:X509Certificate>/.exec(xml)![1]!;
  return `-----BEGIN CERTIFICATE-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
}

const isLogin = (page: Page) => page.html.includes('mot_de_passe');
const login = (browser: Browser, page: Page) =>
  browser.submit(page, '/login', { identifiant: 'enfant.test', mot_de_passe: CHILD_PASSWORD });

function responseOf(page: Page, acs: string) {
  expect(page.status).toBe(200);
  const form = formOf(page, acs);
  const xml = Buffer.from(form.hidden.SAMLResponse!, 'base64').toString('utf8');
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const codes = Array.from(doc.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:protocol', 'StatusCode')).map((c) =>
    c.getAttribute('Value'),
  );
  return { xml, doc, codes, relayState: form.hidden.RelayState, root: doc.documentElement! };
}

async function lastAudit(action: string) {
  const rows = await ts.server.db.read((m) =>
    m.find(AuditEvent, { where: { action }, order: { createdAt: 'DESC' }, take: 1 }),
  );
  const row = rows[0]!;
  return { outcome: row.outcome, detail: JSON.parse(row.detail ?? '{}') as Record<string, unknown> };
}

async function metric(name: string, label: string): Promise<number> {
  const text = await ts.server.metrics.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${label}}`));
  return Number(line?.split(' ').pop() ?? NaN);
}

describe('error Responses POSTed to the ACS', () => {
  it('IsPassive without a session: Responder/NoPassive, signed, no assertion, audited and counted', async () => {
    const before = await metric('entidp_saml_responses_total', 'outcome="no_passive"');
    const id = requestId();
    const page = await new Browser().go(
      redirectUrl(sso(), authnRequest(sp, { id, isPassive: true }), { relayState: 'back' }),
    );
    expect(isLogin(page)).toBe(false);
    const { xml, codes, root, relayState } = responseOf(page, ACS);
    expect(codes).toEqual([`${STATUS}Responder`, `${STATUS}NoPassive`]);
    expect(root.getAttribute('InResponseTo')).toBe(id);
    expect(root.getAttribute('Destination')).toBe(ACS);
    expect(relayState).toBe('back');
    expect(xml).not.toContain('Assertion');
    expect(responseSignatures(xml, await certificate())).toEqual({ response: true, assertion: null });
    expect(page.html).toContain('La connexion n’a pas abouti');
    expect(await lastAudit('saml.response_issue')).toEqual({
      outcome: 'refused',
      detail: { serviceId: 'sp', status: 'NoPassive' },
    });
    expect(await metric('entidp_saml_responses_total', 'outcome="no_passive"')).toBe(before + 1);
  });

  it('IsPassive with a session: the assertion, with no CONNEXION', async () => {
    const browser = new Browser();
    expect(responseOf(await login(browser, await browser.go(redirectUrl(sso(), authnRequest(sp)))), ACS).codes).toEqual(
      [`${STATUS}Success`],
    );
    const { codes, xml } = responseOf(await browser.go(redirectUrl(sso(), authnRequest(sp, { isPassive: true }))), ACS);
    expect(codes).toEqual([`${STATUS}Success`]);
    expect(responseSignatures(xml, await certificate())).toEqual({ response: true, assertion: true });
  });

  it('a sign-in abandoned on CONNEXION: Responder/RequestDenied', async () => {
    const browser = new Browser();
    const first = await browser.go(redirectUrl(sso(), authnRequest(sp)));
    expect(isLogin(first)).toBe(true);
    const uid = /\/interaction\/([^/?]+)/.exec(first.url)![1]!;
    const { codes } = responseOf(await browser.go(`${ts.url}/interaction/${uid}/abandon`), ACS);
    expect(codes).toEqual([`${STATUS}Responder`, `${STATUS}RequestDenied`]);
  });

  it('an account blocked during the sign-in: the code does not redeem, Responder/AuthnFailed', async () => {
    const browser = new Browser();
    const first = await browser.go(redirectUrl(sso(), authnRequest(sp)));
    const callback = await browser.submit(
      first,
      '/login',
      { identifiant: 'enfant.test', mot_de_passe: CHILD_PASSWORD },
      `${ts.url}/saml/callback`,
    );
    expect(callback.url).toContain('/saml/callback?');
    await ts.server.db.transaction((m) => m.update(Account, { id: childId }, { blockedAt: new Date() }));
    try {
      const { codes, xml } = responseOf(await browser.go(callback.url), ACS);
      expect(codes).toEqual([`${STATUS}Responder`, `${STATUS}AuthnFailed`]);
      expect(xml).not.toContain('enfant.test');
      expect(await lastAudit('saml.response_issue')).toMatchObject({
        outcome: 'refused',
        detail: { status: 'AuthnFailed' },
      });
    } finally {
      await ts.server.db.transaction((m) => m.update(Account, { id: childId }, { blockedAt: null }));
    }
  });

  it('IsPassive from an unknown issuer or to a foreign ACS: still the French page, nothing POSTed', async () => {
    for (const xml of [
      authnRequest(sp, { isPassive: true, issuer: 'https://pirate.example/' }),
      authnRequest(sp, { isPassive: true, acs: 'https://pirate.example/acs' }),
    ]) {
      const page = await new Browser().go(redirectUrl(sso(), xml));
      expect(page.status).toBe(400);
      expect(page.html).not.toContain('SAMLResponse');
    }
  });
});

describe('IdP-initiated SSO: /saml/sso/<service id>', () => {
  it('after CONNEXION, an unsolicited signed Response to the default ACS with the RelayState', async () => {
    const browser = new Browser();
    const first = await browser.go(`${ts.url}/saml/sso/sp?RelayState=${encodeURIComponent('/ressource/42')}`);
    expect(isLogin(first)).toBe(true);
    const { xml, root, codes, relayState } = responseOf(await login(browser, first), ACS);
    expect(codes).toEqual([`${STATUS}Success`]);
    expect(root.hasAttribute('InResponseTo')).toBe(false);
    expect(xml).not.toContain('InResponseTo');
    expect(relayState).toBe('/ressource/42');
    expect(responseSignatures(xml, await certificate())).toEqual({ response: true, assertion: true });
    // A session exists: the next link goes straight through.
    const again = await browser.go(`${ts.url}/saml/sso/sp`);
    expect(isLogin(again)).toBe(false);
    expect(responseOf(again, ACS).relayState).toBeUndefined();
  });

  it('an unknown service id: the French 404 page and an audit event', async () => {
    for (const id of ['inconnu', '%E0%A4%A', 'a'.repeat(300)]) {
      const page = await new Browser().go(`${ts.url}/saml/sso/${id}`);
      expect(page.status).toBe(404);
      expect(textOf(page)).toContain('Cette application n’est pas connue de CONNEXION');
    }
    const audit = await lastAudit('saml.request');
    expect(audit).toMatchObject({ outcome: 'refused', detail: { reason: 'unknown_service' } });
  });

  it('a RelayState longer than 512 characters: the French page, audited', async () => {
    const page = await new Browser().go(`${ts.url}/saml/sso/sp?RelayState=${'r'.repeat(513)}`);
    expect(page.status).toBe(400);
    expect(textOf(page)).toContain('La demande de connexion de cette application n’est pas valable');
    expect(await lastAudit('saml.request')).toMatchObject({
      outcome: 'refused',
      detail: { reason: 'malformed', serviceId: 'sp', detail: 'RelayState' },
    });
    const twice = await new Browser().go(`${ts.url}/saml/sso/sp?RelayState=a&RelayState=b`);
    expect(twice.status).toBe(400);
  });
});

describe('encrypted assertions', () => {
  async function encryptedFor(target: TestSp, serviceId: string) {
    const browser = new Browser();
    const page = await login(browser, await browser.go(`${ts.url}/saml/sso/${serviceId}`));
    return responseOf(page, target.acs);
  }

  it('AES-256-GCM with RSA-OAEP to the certificate of KeyDescriptor use="encryption"', async () => {
    const { xml } = await encryptedFor(encSp, 'enc');
    expect(xml).toContain('<saml:EncryptedAssertion');
    expect(xml).toContain(`Algorithm="${AES256_GCM}"`);
    expect(xml).toContain('Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"');
    expect(xml).not.toContain('enfant.test');
    // The Response signature covers the encrypted assertion.
    expect(responseSignatures(xml, await certificate())).toEqual({ response: true, assertion: null });
    const assertion = await decryptAssertion(xml, encSp.privateKeyPem);
    expect(assertion).toContain('>enfant.test<');
    expect(assertion).toContain(`<saml:Audience>${encSp.entityId}</saml:Audience>`);
    // Decrypted, the assertion's own signature verifies.
    const wrapped = `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_w">${assertion}</samlp:Response>`;
    expect(responseSignatures(wrapped, await certificate()).assertion).toBe(true);
    // Another key cannot read it.
    await expect(decryptAssertion(xml, sp.privateKeyPem)).rejects.toThrow();
  });

  it('aes256-cbc when the SP lists it and not GCM', async () => {
    const { xml } = await encryptedFor(cbcSp, 'cbc');
    expect(xml).toContain(`Algorithm="${AES256_CBC}"`);
    expect(await decryptAssertion(xml, cbcSp.privateKeyPem)).toContain('>enfant.test<');
  });

  it('metadata with a garbage or non-RSA encryption certificate is refused at registration', async () => {
    const saml = ts.server.domain.saml.services;
    await expect(
      saml.save({ id: 'bad', name: 'x', metadataXml: sp.metadata({ encryption: { certificate: 'AAAAgarbage' } }) }),
    ).rejects.toThrow(/encryption certificate is not a valid X.509 certificate/);
    await expect(
      saml.save({ id: 'bad', name: 'x', metadataXml: sp.metadata({ encryption: { certificate: ' ' } }) }),
    ).rejects.toThrow(/without a certificate/);
    expect(await saml.byId('bad')).toBeNull();
  });

  it('metadata stored before the rule, now refused: a French page, never a 500', async () => {
    const broken = await makeSp('https://old.example/metadata', 'https://old.example/acs');
    await ts.server.db.transaction((m) =>
      m.insert(SamlService, {
        id: 'ancien',
        name: 'Ancien',
        entityId: broken.entityId,
        metadata: broken.metadata({ encryption: { certificate: 'Z2FyYmFnZQ==' } }),
        nameIdFormat: 'persistent',
        attributeProfile: null,
        createdAt: new Date(),
      }),
    );
    for (const url of [`${ts.url}/saml/sso/ancien`, redirectUrl(sso(), authnRequest(broken))]) {
      const page = await new Browser().go(url);
      expect(page.status).toBe(400);
      expect(textOf(page)).toContain('Cette application est mal enregistrée dans CONNEXION');
    }
  });
});

describe('counters', () => {
  it('counts Responses by outcome and refused requests by reason', async () => {
    const success = await metric('entidp_saml_responses_total', 'outcome="success"');
    const unknown = await metric('entidp_saml_requests_refused_total', 'reason="unknown_issuer"');
    const browser = new Browser();
    await login(browser, await browser.go(redirectUrl(sso(), authnRequest(sp))));
    await new Browser().go(redirectUrl(sso(), authnRequest(sp, { issuer: 'https://pirate.example/' })));
    expect(await metric('entidp_saml_responses_total', 'outcome="success"')).toBe(success + 1);
    expect(await metric('entidp_saml_requests_refused_total', 'reason="unknown_issuer"')).toBe(unknown + 1);
  });
});

describe('one sign-on from an OIDC application to a SAML SP', () => {
  it('signed in through openid-client, the AuthnRequest in the same browser gets a Response, no CONNEXION', async () => {
    const rc = await registerClient(ts);
    const { browser, tokens } = await signIn(rc, 'enfant.test', CHILD_PASSWORD);
    expect(tokens.claims()?.sub).toBe(childId);
    const id = requestId();
    const page = await browser.go(redirectUrl(sso(), authnRequest(sp, { id })));
    expect(isLogin(page)).toBe(false);
    const { codes, root, xml } = responseOf(page, ACS);
    expect(codes).toEqual([`${STATUS}Success`]);
    expect(root.getAttribute('InResponseTo')).toBe(id);
    expect(xml).toContain('FriendlyName="identifiant"><saml:AttributeValue xsi:type="xs:string">enfant.test<');
  });
});

describe('a browser already signed in to the SAML SP’s sign-on: answered at once', () => {
  it('the second AuthnRequest is answered by /saml/sso itself; ForceAuthn, terms pending or another browser go the long way', async () => {
    const browser = new Browser();
    const first = await browser.go(redirectUrl(sso(), authnRequest(sp)));
    expect(isLogin(first)).toBe(true);
    expect(responseOf(await login(browser, first), ACS).codes).toEqual([`${STATUS}Success`]);

    // Same browser, ent-saml authorized in its session: no redirect to /auth, the Response at once.
    const id = requestId();
    const direct = await browser.request(redirectUrl(sso(), authnRequest(sp, { id })));
    const { codes, root } = responseOf(direct, ACS);
    expect(codes).toEqual([`${STATUS}Success`]);
    expect(root.getAttribute('InResponseTo')).toBe(id);
    // Kept for single logout like any other Response, under ent-saml's sid in that session.
    const [latest, before] = await ts.server.db.read((m) =>
      m.find(SamlSession, { where: { accountId: childId }, order: { createdAt: 'DESC' }, take: 2 }),
    );
    expect(latest!.sessionIndex).toBe(
      root
        .getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:assertion', 'AuthnStatement')[0]!
        .getAttribute('SessionIndex'),
    );
    expect(latest!.sid).toBeTruthy();
    expect(latest!.sid).toBe(before!.sid);

    // ForceAuthn: the provider asks for the password again.
    const forced = authnRequest(sp).replace('<samlp:AuthnRequest ', '<samlp:AuthnRequest ForceAuthn="true" ');
    const again = await browser.request(redirectUrl(sso(), forced));
    expect(again.status).toBe(302);
    expect(again.headers.get('location')).toContain('/auth?');

    // An account blocked behind the session's back: the SP hears RequestDenied, nothing more.
    await ts.server.db.transaction((m) => m.update(Account, { id: childId }, { blockedAt: new Date() }));
    try {
      const denied = await browser.request(redirectUrl(sso(), authnRequest(sp)));
      expect(responseOf(denied, ACS).codes).toEqual([`${STATUS}Responder`, `${STATUS}RequestDenied`]);
    } finally {
      await ts.server.db.transaction((m) => m.update(Account, { id: childId }, { blockedAt: null }));
    }

    // Terms of use published since: the long way, where the terms prompt is.
    await ts.server.domain.terms.publish({
      version: 'v-reuse',
      content: new TextEncoder().encode('# Charte'),
      publishedBy: 'test',
    });
    const withTerms = await browser.request(redirectUrl(sso(), authnRequest(sp)));
    expect(withTerms.status).toBe(302);
    expect(withTerms.headers.get('location')).toContain('/auth?');

    // Another browser, signed in nowhere: CONNEXION.
    const stranger = await new Browser().go(redirectUrl(sso(), authnRequest(sp)));
    expect(isLogin(stranger)).toBe(true);
  });
});
