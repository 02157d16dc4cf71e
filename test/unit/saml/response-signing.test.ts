// The Response as an SP checks it: both signatures, the Response's over the final bytes (the
// signed or encrypted Assertion included), error Responses without an assertion, and the
// encryption algorithm an SP's metadata chooses.
import { generateKeyPairSync, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { idpSigningKey, type IdpSigningKey } from '../../../src/saml/certificate.js';
import { signedResponse, statusResponse } from '../../../src/saml/response.js';
import { AES256_CBC, AES256_GCM, contentAlgorithm } from '../../../src/saml/encrypt.js';
import { parseSpMetadata } from '../../../src/domain/saml/metadata.js';
import { decryptAssertion, makeSp, responseSignatures, type TestSp } from '../../helpers/saml.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

let key: IdpSigningKey;
let sp: TestSp;

beforeAll(async () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  key = await idpSigningKey(
    [{ ...privateKey.export({ format: 'jwk' }), alg: 'RS256', kid: 'k' }],
    'https://idp.example',
  );
  sp = await makeSp('https://sp.example/metadata', 'https://sp.example/acs');
});

const input = (over: Partial<Parameters<typeof signedResponse>[0]> = {}) => ({
  idpEntityId: 'https://idp.example/saml/metadata',
  spEntityId: sp.entityId,
  acs: sp.acs,
  inResponseTo: '_request',
  nameId: { format: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified', value: 'enfant.test' },
  attributes: [],
  authnInstant: new Date(),
  sessionIndex: '_s',
  ...over,
});

describe('signatures', () => {
  it('signs the Assertion, then the Response over it: both verify', async () => {
    const xml = await signedResponse(input(), key);
    expect(responseSignatures(xml, key.certificatePem)).toEqual({ response: true, assertion: true });
    // ds:Signature right after the Issuer, in both.
    expect(xml).toMatch(/<samlp:Response [^>]*><saml:Issuer>[^<]*<\/saml:Issuer><ds:Signature/);
    expect(xml).toMatch(/<saml:Assertion [^>]*><saml:Issuer>[^<]*<\/saml:Issuer><ds:Signature/);
  });

  it('the Response signature covers the Assertion: changing it breaks the Response signature', async () => {
    const xml = await signedResponse(input(), key);
    const tampered = xml.replace('>enfant.test<', '>directeur<');
    expect(tampered).not.toBe(xml);
    expect(responseSignatures(tampered, key.certificatePem)).toEqual({ response: false, assertion: false });
    const outside = xml.replace('Destination="https://sp.example/acs"', 'Destination="https://pirate.example/acs"');
    expect(responseSignatures(outside, key.certificatePem)).toEqual({ response: false, assertion: true });
  });

  it('an unsolicited Response carries no InResponseTo anywhere', async () => {
    const xml = await signedResponse(input({ inResponseTo: null }), key);
    expect(xml).not.toContain('InResponseTo');
    expect(responseSignatures(xml, key.certificatePem).response).toBe(true);
  });

  it('an error Response: Responder, the second-level status, signed, no assertion', () => {
    const xml = statusResponse(
      { idpEntityId: 'https://idp.example/saml/metadata', acs: sp.acs, inResponseTo: '_r', status: 'NoPassive' },
      key,
    );
    expect(xml).toContain(
      '<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:NoPassive"/></samlp:StatusCode>',
    );
    expect(xml).toContain('InResponseTo="_r"');
    expect(responseSignatures(xml, key.certificatePem)).toEqual({ response: true, assertion: null });
  });
});

describe('encryption', () => {
  it('encrypts the signed Assertion; the Response signature covers the EncryptedAssertion', async () => {
    const metadata = parseSpMetadata(sp.metadata({ encryption: {} }));
    const xml = await signedResponse(input({ encryptFor: metadata.encryption }), key);
    expect(xml).not.toContain('<saml:Assertion');
    expect(responseSignatures(xml, key.certificatePem).response).toBe(true);
    const cipher = /<xenc:CipherValue>([^<]+)<\/xenc:CipherValue>\s*<\/xenc:CipherData>\s*<\/xenc:EncryptedData>/.exec(
      xml,
    )![1]!;
    expect(responseSignatures(xml.replace(cipher, `A${cipher.slice(1)}`), key.certificatePem).response).toBe(false);
    expect(await decryptAssertion(xml, sp.privateKeyPem)).toContain('>enfant.test<');
  });

  it('chooses GCM unless the SP lists CBC and not GCM', () => {
    expect(contentAlgorithm({ certificate: '', methods: [] })).toBe(AES256_GCM);
    expect(contentAlgorithm({ certificate: '', methods: [AES256_CBC] })).toBe(AES256_CBC);
    expect(contentAlgorithm({ certificate: '', methods: [AES256_CBC, AES256_GCM] })).toBe(AES256_GCM);
  });

  it('reads only an explicit use="encryption"; refuses a certificate that is not RSA X.509', () => {
    expect(parseSpMetadata(sp.metadata()).encryption).toBeNull();
    expect(parseSpMetadata(sp.metadata({ encryption: { methods: [AES256_CBC] } })).encryption).toEqual({
      certificate: sp.certificateBase64,
      methods: [AES256_CBC],
    });
    expect(() => parseSpMetadata(sp.metadata({ encryption: { certificate: 'bm90IGEgY2VydA==' } }))).toThrow(
      /not a valid X.509 certificate/,
    );
  });

  it('refuses an EC encryption certificate (no RSA-OAEP to it)', async () => {
    const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '02',
      name: 'CN=ec.example',
      notBefore: new Date(Date.now() - 86_400_000),
      notAfter: new Date(Date.now() + 86_400_000),
      keys: keys as never,
      signingAlgorithm: alg,
    });
    expect(() => parseSpMetadata(sp.metadata({ encryption: { certificate: cert.toString('base64') } }))).toThrow(
      /must hold an RSA key/,
    );
  });
});
