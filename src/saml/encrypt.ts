// Assertion encryption for an SP whose metadata has a KeyDescriptor use="encryption"
// (domain/saml/metadata.ts): the signed Assertion becomes an EncryptedAssertion, by
// xml-encryption (what node-saml and samlify use). Content: AES-256-GCM, unless the SP's
// EncryptionMethod list names aes256-cbc and not GCM (older SPs: Shibboleth SP < 3, lasso);
// key transport: RSA-OAEP (mgf1p, the one every SAML stack reads) to the SP's certificate.
import { X509Certificate } from 'node:crypto';
import xmlenc from 'xml-encryption';
import type { SpEncryption } from '../domain/saml/encryption-key.js';

export const AES256_GCM = 'http://www.w3.org/2009/xmlenc11#aes256-gcm';
export const AES256_CBC = 'http://www.w3.org/2001/04/xmlenc#aes256-cbc';
export const RSA_OAEP_MGF1P = 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p';

export type EncryptionTarget = SpEncryption;

/** The content encryption algorithm for this SP. */
export function contentAlgorithm(target: EncryptionTarget): string {
  return target.methods.includes(AES256_CBC) && !target.methods.includes(AES256_GCM) ? AES256_CBC : AES256_GCM;
}

const pem = (base64: string) =>
  `-----BEGIN CERTIFICATE-----\n${base64.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;

/** `<saml:EncryptedAssertion>` holding `assertionXml` encrypted for the SP. */
export function encryptAssertion(assertionXml: string, target: EncryptionTarget): Promise<string> {
  const certificatePem = pem(target.certificate);
  const algorithm = contentAlgorithm(target);
  return new Promise((resolve, reject) => {
    xmlenc.encrypt(
      assertionXml,
      {
        rsa_pub: new X509Certificate(certificatePem).publicKey.export({ type: 'spki', format: 'pem' }),
        pem: certificatePem,
        encryptionAlgorithm: algorithm,
        keyEncryptionAlgorithm: RSA_OAEP_MGF1P,
        keyEncryptionDigest: 'sha1',
        // CBC only when the SP asks for it (xml-encryption would refuse it, and warn, otherwise).
        disallowEncryptionWithInsecureAlgorithm: algorithm !== AES256_CBC,
        warnInsecureAlgorithm: false,
      },
      (err, encrypted) =>
        err
          ? reject(err)
          : resolve(
              `<saml:EncryptedAssertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">${encrypted.trim()}</saml:EncryptedAssertion>`,
            ),
    );
  });
}
