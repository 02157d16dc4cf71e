// The IdP's signing certificate: a self-signed X.509 certificate (@peculiar/x509) for the
// provider's current RS256 key, so SAML and OIDC sign with one key and `keys rotate` rotates
// both (the next key's certificate published ahead, like the JWKS). Deterministic (serial
// from the key's thumbprint, fixed validity, PKCS#1 v1.5 signatures are deterministic):
// every instance publishes the same certificate for a key.
import { createHash, createPrivateKey, webcrypto, type KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { JWK } from 'jose';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export interface IdpSigningKey {
  kid: string;
  /** PEM, PKCS#8. */
  privateKeyPem: string;
  /** The same key, parsed once (signing with it skips a PEM parse per signature). */
  privateKeyObject?: KeyObject;
  /** PEM certificate. */
  certificatePem: string;
  /** Base64 DER (metadata and KeyInfo). */
  certificateBase64: string;
}

const ALG = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;
const cache = new Map<string, Promise<IdpSigningKey>>();

async function build(jwk: JWK, issuer: string): Promise<IdpSigningKey> {
  const { kty, n, e } = jwk;
  const subtle = webcrypto.subtle;
  const privateKey = await subtle.importKey('jwk', jwk as webcrypto.JsonWebKey, ALG, false, ['sign']);
  const publicKey = await subtle.importKey('jwk', { kty, n, e } as webcrypto.JsonWebKey, ALG, true, ['verify']);
  const thumb = createHash('sha256').update(`${n}.${e}`).digest('hex');
  const host = new URL(issuer).hostname.replace(/[,+"\\<>;=]/g, '');
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: `01${thumb.slice(0, 30)}`,
    name: `CN=${host}, O=ent-idp SAML`,
    notBefore: new Date('2025-01-01T00:00:00Z'),
    notAfter: new Date('2049-12-31T00:00:00Z'),
    keys: { privateKey, publicKey } as webcrypto.CryptoKeyPair as never,
    signingAlgorithm: ALG,
  });
  const privateKeyObject = createPrivateKey({ key: jwk as Record<string, string>, format: 'jwk' });
  return {
    kid: jwk.kid ?? thumb,
    privateKeyPem: privateKeyObject.export({ type: 'pkcs8', format: 'pem' }).toString(),
    privateKeyObject,
    certificatePem: cert.toString('pem'),
    certificateBase64: cert.toString('base64'),
  };
}

const rsaKeys = (keys: JWK[]) => keys.filter((k) => k.alg === 'RS256' && k.kty === 'RSA' && k.d);

function certified(jwk: JWK, issuer: string): Promise<IdpSigningKey> {
  const id = `${jwk.kid ?? ''}:${jwk.n}`;
  let found = cache.get(id);
  if (!found) {
    found = build(jwk, issuer);
    cache.set(id, found);
    found.catch(() => cache.delete(id));
  }
  return found;
}

/** The signing key and certificate for the provider's current RS256 key (the first: keys.ts). */
export function idpSigningKey(keys: JWK[], issuer: string): Promise<IdpSigningKey> {
  const [jwk] = rsaKeys(keys);
  return jwk ? certified(jwk, issuer) : Promise.reject(new Error('no RS256 signing key'));
}

/**
 * Every published RS256 key's certificate, the current one first: the metadata announces the
 * next key before it signs (and keeps a superseded one while its tokens live), as the JWKS does.
 */
export function idpCertificates(keys: JWK[], issuer: string): Promise<IdpSigningKey[]> {
  return Promise.all(rsaKeys(keys).map((jwk) => certified(jwk, issuer)));
}
