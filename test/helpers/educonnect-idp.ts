// A stand-in ÉduConnect for tests: its own key and certificate, its metadata, the
// AuthnRequest our SP sends it (read from the redirect), and signed Responses carrying the
// real ÉduConnect attribute names — or hostile ones (unsigned, another key, wrapped, expired,
// another audience, attributes missing) for the refusal tests.
import { createSign, generateKeyPairSync, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import * as x509 from '@peculiar/x509';
import { SignedXml } from 'xml-crypto';
import xmlenc from 'xml-encryption';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export const IDP_ENTITY = 'https://educonnect.test/idp';
export const IDP_SSO = 'https://educonnect.test/idp/profile/SAML2/Redirect/SSO';
export const IDP_SLO = 'https://educonnect.test/idp/profile/SAML2/Redirect/SLO';

const OID = (n: number) => `urn:oid:1.3.6.1.4.1.20326.10.999.1.${n}`;

export interface EduconnectPerson {
  FrEduCtId?: string;
  FrEduCtPersonAffiliation?: string;
  sn?: string;
  givenName?: string;
  FrEduCtDateNaissance?: string;
  FrEduCtEleveUAI?: string;
  FrEduCtRefId?: string[];
  FrEduUrlRetour?: string;
}

interface Key {
  privateKeyPem: string;
  certificatePem: string;
  certificateBase64: string;
}

async function makeKey(cn: string): Promise<Key> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const jwk = privateKey.export({ format: 'jwk' });
  const keys = {
    privateKey: await webcrypto.subtle.importKey('jwk', jwk, alg, false, ['sign']),
    publicKey: await webcrypto.subtle.importKey('jwk', { kty: jwk.kty, n: jwk.n, e: jwk.e }, alg, true, ['verify']),
  };
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${cn}`,
    notBefore: new Date(Date.now() - 86_400_000),
    notAfter: new Date(Date.now() + 365 * 86_400_000),
    keys: keys as never,
    signingAlgorithm: alg,
  });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certificatePem: cert.toString('pem'),
    certificateBase64: cert.toString('base64'),
  };
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const iso = (ms: number) => new Date(ms).toISOString();
const newId = () => `_${randomBytes(16).toString('hex')}`;

function sign(xml: string, key: Key, local: 'Assertion' | 'Response', id: string): string {
  const sig = new SignedXml({
    privateKey: key.privateKeyPem,
    publicCert: key.certificatePem,
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  sig.addReference({
    xpath: `//*[local-name(.)='${local}' and @ID='${id}']`,
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
  });
  sig.computeSignature(xml, {
    prefix: 'ds',
    location: { reference: `//*[local-name(.)='${local}' and @ID='${id}']/*[local-name(.)='Issuer']`, action: 'after' },
  });
  return sig.getSignedXml();
}

export interface ResponseOptions {
  inResponseTo: string;
  acs: string;
  audience: string;
  person: EduconnectPerson;
  signAssertion?: boolean;
  signResponse?: boolean;
  /** Sign with a key that is not in the metadata. */
  foreignKey?: boolean;
  /** Shift every instant (negative: in the past). */
  skewMs?: number;
  issuer?: string;
}

export interface StandInIdp {
  metadata(): string;
  /** ID, ACS and RelayState of the AuthnRequest in our SP's redirect, and whether it was signed. */
  readRequest(location: string): { id: string; acs: string; issuer: string; relayState: string; signed: boolean };
  /** A base64 SAMLResponse. */
  response(options: ResponseOptions): string;
  /**
   * The same, its signed assertion encrypted (RSA-OAEP + AES-256-GCM, xml-encryption) to
   * `certificate` (base64 DER), as ÉduConnect encrypts to the SP's metadata key.
   */
  encryptedResponse(options: ResponseOptions, certificate: string): Promise<string>;
  /** The certificate of a key that is not ours (base64 DER), to encrypt to. */
  foreignCertificate: string;
  /** The LogoutRequest in our SP's redirect: its ID, NameID, SessionIndex, RelayState, whether signed. */
  readLogoutRequest(location: string): {
    id: string;
    nameId: string;
    sessionIndex: string;
    relayState: string;
    signed: boolean;
  };
  /** The query string of ÉduConnect's signed LogoutResponse (HTTP-Redirect) to `destination`. */
  logoutResponse(o: { inResponseTo: string; destination: string; relayState: string; foreignKey?: boolean }): string;
  /** A Response whose signed assertion is moved aside and replaced by an unsigned one (XML signature wrapping). */
  wrapped(options: ResponseOptions, evil: EduconnectPerson): string;
}

export async function makeEduconnectIdp(): Promise<StandInIdp> {
  const key = await makeKey('educonnect.test');
  const foreign = await makeKey('attacker.test');

  const assertionXml = (o: ResponseOptions, id: string, person: EduconnectPerson) => {
    const now = Date.now() + (o.skewMs ?? 0);
    const attr = (name: string, friendly: string, values: (string | undefined)[] | undefined) => {
      const list = (values ?? []).filter((v): v is string => v !== undefined);
      if (!list.length) return '';
      return `<saml:Attribute Name="${name}" FriendlyName="${friendly}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">${list
        .map((v) => `<saml:AttributeValue>${esc(v)}</saml:AttributeValue>`)
        .join('')}</saml:Attribute>`;
    };
    const p = person;
    return (
      `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${id}" Version="2.0" IssueInstant="${iso(now)}">` +
      `<saml:Issuer>${esc(o.issuer ?? IDP_ENTITY)}</saml:Issuer>` +
      `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient">${newId()}</saml:NameID>` +
      `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData InResponseTo="${esc(o.inResponseTo)}" NotOnOrAfter="${iso(now + 300_000)}" Recipient="${esc(o.acs)}"/></saml:SubjectConfirmation></saml:Subject>` +
      `<saml:Conditions NotBefore="${iso(now - 60_000)}" NotOnOrAfter="${iso(now + 300_000)}"><saml:AudienceRestriction><saml:Audience>${esc(o.audience)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
      `<saml:AuthnStatement AuthnInstant="${iso(now)}" SessionIndex="${newId()}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
      `<saml:AttributeStatement>` +
      attr(OID(57), 'FrEduCtId', [p.FrEduCtId]) +
      attr(OID(7), 'FrEduCtPersonAffiliation', [p.FrEduCtPersonAffiliation]) +
      attr('urn:oid:2.5.4.4', 'sn', [p.sn]) +
      attr('urn:oid:2.5.4.42', 'givenName', [p.givenName]) +
      attr(OID(67), 'FrEduCtDateNaissance', [p.FrEduCtDateNaissance]) +
      attr(OID(72), 'FrEduCtEleveUAI', [p.FrEduCtEleveUAI]) +
      attr('urn:oid:1.3.6.1.4.1.20326.10.999.1.999', 'FrEduCtRefId', p.FrEduCtRefId) +
      attr(OID(5), 'FrEduUrlRetour', [p.FrEduUrlRetour]) +
      `</saml:AttributeStatement></saml:Assertion>`
    );
  };

  /** A Response around the assertion (signed as asked), `place` deciding what goes in its place. */
  const signedResponse = (o: ResponseOptions, place: (assertion: string) => string): string => {
    const signer = o.foreignKey ? foreign : key;
    const assertionId = newId();
    const responseId = newId();
    let assertion = assertionXml(o, assertionId, o.person);
    if (o.signAssertion ?? true) assertion = sign(assertion, signer, 'Assertion', assertionId);
    let xml = wrap(o, responseId, place(assertion));
    if (o.signResponse ?? true) xml = sign(xml, signer, 'Response', responseId);
    return Buffer.from(xml, 'utf8').toString('base64');
  };

  const wrap = (o: ResponseOptions, responseId: string, assertion: string) => {
    const now = Date.now() + (o.skewMs ?? 0);
    return (
      `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${responseId}" Version="2.0" IssueInstant="${iso(now)}" Destination="${esc(o.acs)}" InResponseTo="${esc(o.inResponseTo)}">` +
      `<saml:Issuer>${esc(o.issuer ?? IDP_ENTITY)}</saml:Issuer>` +
      `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
      assertion +
      `</samlp:Response>`
    );
  };

  return {
    metadata: () =>
      `<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${IDP_ENTITY}">` +
      `<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" WantAuthnRequestsSigned="true">` +
      `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${key.certificateBase64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
      `<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${IDP_SLO}"/>` +
      `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${IDP_SSO}"/>` +
      `</md:IDPSSODescriptor></md:EntityDescriptor>`,

    readRequest(location) {
      const url = new URL(location);
      const xml = inflateRawSync(Buffer.from(url.searchParams.get('SAMLRequest')!, 'base64')).toString('utf8');
      const attr = (name: string) => new RegExp(`${name}="([^"]+)"`).exec(xml)?.[1] ?? '';
      return {
        id: attr('ID'),
        acs: attr('AssertionConsumerServiceURL'),
        issuer: /<saml:Issuer[^>]*>([^<]+)</.exec(xml)?.[1] ?? '',
        relayState: url.searchParams.get('RelayState') ?? '',
        signed: url.searchParams.has('Signature') && url.searchParams.get('SigAlg')?.endsWith('rsa-sha256') === true,
      };
    },

    readLogoutRequest(location) {
      const url = new URL(location);
      const xml = inflateRawSync(Buffer.from(url.searchParams.get('SAMLRequest')!, 'base64')).toString('utf8');
      return {
        id: /ID="([^"]+)"/.exec(xml)?.[1] ?? '',
        nameId: /<saml:NameID[^>]*>([^<]+)</.exec(xml)?.[1] ?? '',
        sessionIndex: /SessionIndex[^>]*>([^<]+)</.exec(xml)?.[1] ?? '',
        relayState: url.searchParams.get('RelayState') ?? '',
        signed: url.searchParams.has('Signature'),
      };
    },

    logoutResponse(o) {
      const xml =
        `<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${newId()}" Version="2.0" IssueInstant="${iso(Date.now())}" Destination="${esc(o.destination)}" InResponseTo="${esc(o.inResponseTo)}">` +
        `<saml:Issuer>${IDP_ENTITY}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status></samlp:LogoutResponse>`;
      const params = new URLSearchParams({
        SAMLResponse: deflateRawSync(Buffer.from(xml)).toString('base64'),
        RelayState: o.relayState,
        SigAlg: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
      });
      const signer = createSign('RSA-SHA256');
      signer.update(params.toString());
      params.set('Signature', signer.sign((o.foreignKey ? foreign : key).privateKeyPem, 'base64'));
      return params.toString();
    },

    response(o) {
      return signedResponse(o, (assertion) => assertion);
    },

    async encryptedResponse(o, certificate) {
      const certificatePem = `-----BEGIN CERTIFICATE-----\n${certificate.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
      let encrypted = '';
      const assertion = (signed: string) => {
        encrypted = signed;
        return '<!--encrypted-->';
      };
      const placeholder = Buffer.from(signedResponse({ ...o, signResponse: false }, assertion), 'base64').toString(
        'utf8',
      );
      const encryptedData = await new Promise<string>((resolve, reject) =>
        xmlenc.encrypt(
          encrypted,
          {
            rsa_pub: new X509Certificate(certificatePem).publicKey.export({ type: 'spki', format: 'pem' }),
            pem: certificatePem,
            encryptionAlgorithm: 'http://www.w3.org/2009/xmlenc11#aes256-gcm',
            keyEncryptionAlgorithm: 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
            keyEncryptionDigest: 'sha1',
          },
          (err, result) => (err ? reject(err) : resolve(result)),
        ),
      );
      let xml = placeholder.replace(
        '<!--encrypted-->',
        `<saml:EncryptedAssertion>${encryptedData}</saml:EncryptedAssertion>`,
      );
      const responseId = /<samlp:Response [^>]*ID="([^"]+)"/.exec(xml)![1]!;
      if (o.signResponse ?? true) xml = sign(xml, o.foreignKey ? foreign : key, 'Response', responseId);
      return Buffer.from(xml, 'utf8').toString('base64');
    },

    foreignCertificate: foreign.certificateBase64,

    wrapped(o, evil) {
      const goodId = newId();
      const signed = sign(assertionXml(o, goodId, o.person), key, 'Assertion', goodId);
      // The signed assertion hidden in an Extensions-like wrapper; an unsigned one with the
      // attacker's attributes and the same ID in its place.
      const forged = assertionXml(o, goodId, evil);
      const xml = wrap(o, newId(), `<samlp:Extensions>${signed}</samlp:Extensions>${forged}`);
      return Buffer.from(xml, 'utf8').toString('base64');
    },
  };
}
