// An SP's encryption key, from its metadata: the certificate of the first KeyDescriptor
// use="encryption", and the content encryption algorithms listed there (EncryptionMethod).
// Only an explicit use="encryption" turns encryption on: a KeyDescriptor without `use` is read
// as a signing key, so an SP that never asked for encrypted assertions keeps them clear. The
// certificate must parse and hold an RSA key (RSA-OAEP key transport, src/saml/encrypt.ts).
import { X509Certificate } from 'node:crypto';
import type { Element } from '@xmldom/xmldom';
import { DS, MD, children, descendants } from './xml.js';

export interface SpEncryption {
  /** Base64 DER. */
  certificate: string;
  /** EncryptionMethod algorithms, in metadata order (may be empty). */
  methods: string[];
}

/** Thrown as the metadata's refusal (metadata.ts turns it into a MetadataRejected). */
export class EncryptionKeyRejected extends Error {
  override name = 'EncryptionKeyRejected';
}

export function encryptionOf(sp: Element): SpEncryption | null {
  const descriptor = children(sp, MD, 'KeyDescriptor').find((k) => k.getAttribute('use') === 'encryption');
  if (!descriptor) return null;
  const certificate = (descendants(descriptor, DS, 'X509Certificate')[0]?.textContent ?? '').replace(/\s+/g, '');
  if (!certificate) throw new EncryptionKeyRejected('metadata: KeyDescriptor use="encryption" without a certificate');
  let keyType: string | undefined;
  try {
    keyType = new X509Certificate(Buffer.from(certificate, 'base64')).publicKey.asymmetricKeyType;
  } catch {
    throw new EncryptionKeyRejected('metadata: the encryption certificate is not a valid X.509 certificate');
  }
  if (keyType !== 'rsa') throw new EncryptionKeyRejected('metadata: the encryption certificate must hold an RSA key');
  const methods = children(descriptor, MD, 'EncryptionMethod')
    .map((m) => m.getAttribute('Algorithm') ?? '')
    .filter(Boolean);
  return { certificate, methods };
}
