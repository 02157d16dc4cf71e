// SAML from a service provider's point of view, for tests: an SP key pair and certificate,
// its metadata, crafted AuthnRequests and LogoutRequests (signed or not, either binding),
// reading the Response our IdP POSTs back, and an SP's single logout endpoint.
import { createSign, generateKeyPairSync, randomBytes, webcrypto } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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

export const BINDINGS = {
  soap: 'urn:oasis:names:tc:SAML:2.0:bindings:SOAP',
  redirect: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
  post: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
} as const;

export interface SloEndpoint {
  binding: keyof typeof BINDINGS;
  location: string;
  responseLocation?: string;
}

export interface MetadataOptions {
  signed?: boolean;
  slo?: SloEndpoint[];
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
    metadata: ({ signed = false, encryption, slo = [] }: MetadataOptions = {}) =>
      `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${entityId}">
  <md:SPSSODescriptor AuthnRequestsSigned="${signed}" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">${
    encryption
      ? `
    <md:KeyDescriptor use="encryption"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${encryption.certificate ?? certificateBase64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>${(encryption.methods ?? []).map((m) => `<md:EncryptionMethod Algorithm="${m}"/>`).join('')}</md:KeyDescriptor>`
      : ''
  }
    <md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${certificateBase64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    ${slo.map((e) => `<md:SingleLogoutService Binding="${BINDINGS[e.binding]}" Location="${e.location}"${e.responseLocation ? ` ResponseLocation="${e.responseLocation}"` : ''}/>`).join('\n    ')}
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
  const root = /^<samlp:(\w+)/.exec(xml)![1]!;
  const sig = new SignedXml({
    privateKey: sp.privateKeyPem,
    publicCert: sp.certificatePem,
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  sig.addReference({
    xpath: `/*[local-name(.)='${root}']`,
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
  });
  sig.computeSignature(xml, {
    prefix: 'ds',
    location: { reference: `/*[local-name(.)='${root}']/*[local-name(.)='Issuer']`, action: 'after' },
  });
  return sig.getSignedXml();
}

export function logoutRequest(
  sp: { entityId: string },
  options: {
    destination: string;
    nameId: string;
    sessionIndex?: string;
    id?: string;
    instant?: Date;
    notOnOrAfter?: Date;
    issuer?: string;
  },
): string {
  const until = options.notOnOrAfter ? ` NotOnOrAfter="${options.notOnOrAfter.toISOString()}"` : '';
  return (
    `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"` +
    ` ID="${options.id ?? requestId()}" Version="2.0" IssueInstant="${(options.instant ?? new Date()).toISOString()}"` +
    ` Destination="${options.destination}"${until}>` +
    `<saml:Issuer>${options.issuer ?? sp.entityId}</saml:Issuer>` +
    `<saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">${options.nameId}</saml:NameID>` +
    (options.sessionIndex ? `<samlp:SessionIndex>${options.sessionIndex}</samlp:SessionIndex>` : '') +
    `</samlp:LogoutRequest>`
  );
}

export interface ReceivedSlo {
  sp: string;
  method: string;
  /** The raw query string (Redirect binding). */
  query: string;
  contentType: string;
  body: string;
}

export interface SloReceiver {
  url: string;
  received: ReceivedSlo[];
  /** The SP's single logout URL. */
  location(sp: string): string;
  waitFor(sp: string, count: number, ms?: number): Promise<ReceivedSlo[]>;
  close(): Promise<void>;
}

/** SPs' SingleLogoutService endpoints (/<sp>/slo): every request recorded, answered 200. */
export async function startSloReceiver(): Promise<SloReceiver> {
  const received: ReceivedSlo[] = [];
  const server: Server = createServer((req, res) => {
    const [path, query = ''] = (req.url ?? '').split('?');
    const sp = /^\/([\w-]+)\/slo$/.exec(path ?? '')?.[1];
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (!sp) {
        res.writeHead(404).end();
        return;
      }
      received.push({
        sp,
        method: req.method ?? '',
        query,
        contentType: req.headers['content-type'] ?? '',
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    location: (sp) => `${url}/${sp}/slo`,
    async waitFor(sp, count, ms = 10_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const got = received.filter((r) => r.sp === sp);
        if (got.length >= count) return got;
        if (Date.now() > deadline) throw new Error(`${sp}: ${got.length}/${count} logout requests after ${ms} ms`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
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
