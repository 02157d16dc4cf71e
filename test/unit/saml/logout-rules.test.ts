// The pure rules of SAML single logout: which SingleLogoutServices are kept from an SP's
// metadata, the LogoutRequest we send (the NameID as released), and a LogoutRequest's checks
// that need a clock (IssueInstant, NotOnOrAfter) or a registry (issuer, certificate).
import { logoutService, parseSpMetadata } from '../../../src/domain/saml/metadata.js';
import type { RegisteredSp } from '../../../src/domain/saml/index.js';
import { checkLogoutRequest } from '../../../src/saml/logout-request.js';
import { logoutRequestXml, soapEnvelope } from '../../../src/saml/logout-messages.js';
import { logoutRequest, makeSp, redirectUrl, type TestSp } from '../../helpers/saml.js';

const SLO = 'https://ent.example/saml/slo';
const binding = (b: string) => `urn:oasis:names:tc:SAML:2.0:bindings:${b}`;

describe('SingleLogoutService in SP metadata', () => {
  const metadata = (
    services: string,
  ) => `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sp.example/">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    ${services}
    <md:AssertionConsumerService Binding="${binding('HTTP-POST')}" Location="https://sp.example/acs" index="0"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>`;

  it('keeps SOAP, HTTP-Redirect and HTTP-POST on http(s), with ResponseLocation; drops the rest', () => {
    const parsed = parseSpMetadata(
      metadata(`
    <md:SingleLogoutService Binding="${binding('SOAP')}" Location="https://sp.example/soap"/>
    <md:SingleLogoutService Binding="${binding('HTTP-Redirect')}" Location="https://sp.example/slo" ResponseLocation="https://sp.example/slo-done"/>
    <md:SingleLogoutService Binding="${binding('HTTP-Artifact')}" Location="https://sp.example/art"/>
    <md:SingleLogoutService Binding="${binding('HTTP-POST')}" Location="javascript:alert(1)"/>
    <md:SingleLogoutService Binding="${binding('HTTP-POST')}" Location="https://sp.example/slo" ResponseLocation="ftp://x"/>`),
    );
    expect(parsed.singleLogout).toEqual([
      { binding: binding('SOAP'), location: 'https://sp.example/soap', responseLocation: null },
      {
        binding: binding('HTTP-Redirect'),
        location: 'https://sp.example/slo',
        responseLocation: 'https://sp.example/slo-done',
      },
    ]);
    expect(logoutService(parsed, binding('HTTP-POST'))).toBeNull();
    expect(logoutService(parsed, binding('SOAP'))!.location).toBe('https://sp.example/soap');
  });
});

describe('the LogoutRequest we send', () => {
  it('carries the NameID with the format and qualifiers of the assertion, escaped, in a SOAP envelope', () => {
    const xml = logoutRequestXml({
      idpEntityId: 'https://ent.example/saml/metadata',
      spEntityId: 'https://sp.example/?a=1&b=2',
      destination: 'https://sp.example/slo',
      nameId: { format: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent', value: 'abc<def' },
      sessionIndex: '_42',
    });
    expect(xml).toContain('SPNameQualifier="https://sp.example/?a=1&amp;b=2"');
    expect(xml).toContain('NameQualifier="https://ent.example/saml/metadata"');
    expect(xml).toContain('>abc&lt;def</saml:NameID>');
    expect(xml).toContain('<samlp:SessionIndex>_42</samlp:SessionIndex>');
    expect(soapEnvelope(xml)).toMatch(/<SOAP-ENV:Body><samlp:LogoutRequest[\s\S]*<\/SOAP-ENV:Body>/);
  });
});

describe('checkLogoutRequest', () => {
  let sp: TestSp;
  let registered: RegisteredSp;
  const now = new Date('2026-11-30T08:00:00Z');
  const check = (xml: string, key?: string, at = now) => {
    const url = new URL(redirectUrl(SLO, xml, key ? { privateKeyPem: key } : {}));
    return checkLogoutRequest(
      { binding: 'redirect', samlRequest: url.searchParams.get('SAMLRequest')!, rawQuery: url.search.slice(1) },
      { findSp: async (id) => (id === sp.entityId ? registered : null), sloUrl: SLO, now: at },
    );
  };

  beforeAll(async () => {
    sp = await makeSp('https://sp.example/metadata', 'https://sp.example/acs');
    registered = {
      id: 'sp',
      name: 'SP',
      protocol: 'saml',
      entityId: sp.entityId,
      metadata: parseSpMetadata(sp.metadata({ slo: [{ binding: 'redirect', location: 'https://sp.example/slo' }] })),
      nameIdFormat: 'persistent',
      attributeProfile: null,
    };
  });

  it('accepts a signed request: its id, NameID and SessionIndexes', async () => {
    const xml = logoutRequest(sp, { destination: SLO, nameId: 'n1', sessionIndex: '_s1', id: '_r1', instant: now });
    expect(await check(xml, sp.privateKeyPem)).toMatchObject({
      ok: true,
      request: { id: '_r1', nameId: 'n1', sessionIndexes: ['_s1'] },
    });
  });

  it.each([
    ['unsigned', () => check(logoutRequest(sp, { destination: SLO, nameId: 'n', instant: now }))],
    [
      'issue_instant',
      () =>
        check(
          logoutRequest(sp, { destination: SLO, nameId: 'n', instant: now }),
          sp.privateKeyPem,
          new Date(now.getTime() + 6 * 60_000),
        ),
    ],
    [
      'not_on_or_after',
      () =>
        check(
          logoutRequest(sp, {
            destination: SLO,
            nameId: 'n',
            instant: now,
            notOnOrAfter: new Date(now.getTime() - 6 * 60_000),
          }),
          sp.privateKeyPem,
        ),
    ],
    [
      'malformed',
      () => check(logoutRequest(sp, { destination: `${SLO}/other`, nameId: 'n', instant: now }), sp.privateKeyPem),
    ],
    ['malformed', () => check(logoutRequest(sp, { destination: SLO, nameId: '', instant: now }), sp.privateKeyPem)],
    [
      'unknown_issuer',
      () => check(logoutRequest({ entityId: 'https://x.example/' }, { destination: SLO, nameId: 'n' })),
    ],
  ])('refuses: %s', async (reason, run) => {
    expect(await run()).toMatchObject({ ok: false, reason });
  });
});
