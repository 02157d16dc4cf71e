// SAML from a service provider's point of view, for tests: an SP key pair and certificate,
// its metadata, crafted AuthnRequests (signed or not, either binding), and reading the
// Response our IdP POSTs back.
import { createSign, generateKeyPairSync, randomBytes, webcrypto } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import * as x509 from '@peculiar/x509';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import xmlenc from 'xml-encryption';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export interface TestSp {
  entityId: string;
  acs: string;
  privateKeyPem: string;
  certificatePem: string;
  certificateBase64: string;
  metadata(options?: MetadataOptions): string;
}

export interface MetadataOptions {
  signed?: boolean;
  /** A KeyDescriptor use="encryption" with this SP's certificate (or `garbage`), and EncryptionMethods. */
  encryption?: { certificate?: string; methods?: string[] };
}

export async function makeSp(entityId: string, acs: string): Promise<TestSp> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const jwk = privateKey.export({ format: 'jwk' });
  const keys = {
    privateKey: await webcrypto.subtle.importKey('jwk', jwk, alg, false, ['sign']),
    publicKey: await webcrypto.subtle.importKey('jwk', { kty: jwk.kty, n: jwk.n, e: jwk.e }, alg, true, ['verify']),
  };
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=sp.test',
    notBefore: new Date(Date.now() - 86_400_000),
    notAfter: new Date(Date.now() + 86_400_000),
    keys: keys as never,
    signingAlgorithm: alg,
  });
  const certificateBase64 = cert.toString('base64');
  return {
    entityId,
    acs,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certificatePem: cert.toString('pem'),
    certificateBase64,
    metadata: ({ signed = false, encryption }: MetadataOptions = {}) =>
      `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${entityId}">
  <md:SPSSODescriptor AuthnRequestsSigned="${signed}" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">${
    encryption
      ? `
    <md:KeyDescriptor use="encryption"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${encryption.certificate ?? certificateBase64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>${(encryption.methods ?? []).map((m) => `<md:EncryptionMethod Algorithm="${m}"/>`).join('')}</md:KeyDescriptor>`
      : ''
  }
    <md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${certificateBase64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${acs}" index="0" isDefault="true"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>`,
  };
}

export const requestId = () => `_${randomBytes(16).toString('hex')}`;

export function authnRequest(
  sp: { entityId: string; acs: string },
  options: { id?: string; instant?: Date; acs?: string | null; issuer?: string; isPassive?: boolean } = {},
): string {
  const acs = options.acs === null ? '' : ` AssertionConsumerServiceURL="${options.acs ?? sp.acs}"`;
  return (
    `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"` +
    ` ID="${options.id ?? requestId()}" Version="2.0" IssueInstant="${(options.instant ?? new Date()).toISOString()}"` +
    ` ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"${acs}${options.isPassive ? ' IsPassive="true"' : ''}>` +
    `<saml:Issuer>${options.issuer ?? sp.entityId}</saml:Issuer>` +
    `<samlp:NameIDPolicy AllowCreate="true"/>` +
    `</samlp:AuthnRequest>`
  );
}

/** The HTTP-Redirect URL for `xml`; signed with `privateKeyPem` when given. */
export function redirectUrl(
  sso: string,
  xml: string,
  options: { relayState?: string; privateKeyPem?: string; deflated?: Buffer } = {},
): string {
  const deflated = options.deflated ?? deflateRawSync(Buffer.from(xml, 'utf8'));
  let query = `SAMLRequest=${encodeURIComponent(deflated.toString('base64'))}`;
  if (options.relayState) query += `&RelayState=${encodeURIComponent(options.relayState)}`;
  if (options.privateKeyPem) {
    query += `&SigAlg=${encodeURIComponent('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256')}`;
    const signature = createSign('RSA-SHA256').update(query).sign(options.privateKeyPem, 'base64');
    query += `&Signature=${encodeURIComponent(signature)}`;
  }
  return `${sso}?${query}`;
}

/** `xml` with an enveloped signature of its root (HTTP-POST binding). */
export function signEnveloped(xml: string, sp: TestSp): string {
  const sig = new SignedXml({
    privateKey: sp.privateKeyPem,
    publicCert: sp.certificatePem,
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  sig.addReference({
    xpath: "/*[local-name(.)='AuthnRequest']",
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
  });
  sig.computeSignature(xml, {
    prefix: 'ds',
    location: { reference: "/*[local-name(.)='AuthnRequest']/*[local-name(.)='Issuer']", action: 'after' },
  });
  return sig.getSignedXml();
}

const DS = 'http://www.w3.org/2000/09/xmldsig#';

/** Whether the ds:Signature child of `element` verifies with `certificatePem` and references it. */
function signatureOf(xml: string, element: Element, certificatePem: string): boolean {
  let signature: Element | undefined;
  for (let n = element.firstChild; n; n = n.nextSibling)
    if (n.nodeType === 1 && (n as Element).namespaceURI === DS && (n as Element).localName === 'Signature')
      signature = n as Element;
  if (!signature) return false;
  const sig = new SignedXml({ publicCert: certificatePem });
  sig.loadSignature(signature as never);
  const refs = sig.getReferences();
  if (refs.length !== 1 || refs[0]!.uri !== `#${element.getAttribute('ID')}`) return false;
  return sig.checkSignature(xml);
}

/**
 * The signatures of a Response as an SP checks them: the Response's own (over the whole
 * Response), and the Assertion's (null when there is no clear Assertion).
 */
export function responseSignatures(
  xml: string,
  certificatePem: string,
): { response: boolean; assertion: boolean | null } {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const root = doc.documentElement!;
  const assertion = doc.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:assertion', 'Assertion')[0];
  return {
    response: signatureOf(xml, root, certificatePem),
    assertion: assertion ? signatureOf(xml, assertion, certificatePem) : null,
  };
}

/** The Assertion inside a Response's EncryptedAssertion, decrypted with the SP's key. */
export function decryptAssertion(responseXml: string, privateKeyPem: string): Promise<string> {
  const encrypted = /<xenc:EncryptedData[\s\S]*<\/xenc:EncryptedData>/.exec(responseXml)?.[0];
  if (!encrypted) return Promise.reject(new Error('no EncryptedData'));
  return new Promise((resolve, reject) =>
    xmlenc.decrypt(
      encrypted,
      { key: privateKeyPem, disallowDecryptionWithInsecureAlgorithm: false, warnInsecureAlgorithm: false },
      (err, out) => (err ? reject(err) : resolve(out)),
    ),
  );
}
