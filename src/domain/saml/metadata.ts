// What ent-idp keeps from a service provider's metadata: its entity id, its assertion
// consumer services (HTTP-POST only: the Response is POSTed by the browser), its signing
// certificates and whether it signs its AuthnRequests, and its encryption certificate (a
// KeyDescriptor use="encryption": then its assertions are encrypted). Read once, at `service add`.
import { X509Certificate } from 'node:crypto';
import type { Element } from '@xmldom/xmldom';
import { BINDING_POST, DS, MD, children, descendants, parseXml } from './xml.js';

export interface AssertionConsumer {
  location: string;
  index: number | null;
  isDefault: boolean;
}

export interface SpMetadata {
  entityId: string;
  acs: AssertionConsumer[];
  /** Base64 DER of each signing certificate. */
  certificates: string[];
  authnRequestsSigned: boolean;
  /**
   * The certificate (base64 DER, RSA) of the first KeyDescriptor use="encryption", and the
   * content encryption algorithms listed there (EncryptionMethod); null: assertions in clear.
   */
  encryption: { certificate: string; methods: string[] } | null;
  /** SingleLogoutService locations (HTTP-POST or HTTP-Redirect), kept for single logout. */
  singleLogout: { location: string; binding: string }[];
}

export class MetadataRejected extends Error {
  override name = 'MetadataRejected';
}

const https = (value: string) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol);

export function parseSpMetadata(xml: string): SpMetadata {
  let doc;
  try {
    doc = parseXml(xml);
  } catch (err) {
    throw new MetadataRejected(`metadata: ${(err as Error).message}`);
  }
  const root = doc.documentElement!;
  const entity: Element | undefined =
    root.namespaceURI === MD && root.localName === 'EntityDescriptor'
      ? root
      : children(root, MD, 'EntityDescriptor')[0];
  if (!entity) throw new MetadataRejected('metadata: no md:EntityDescriptor');
  const entityId = entity.getAttribute('entityID') ?? '';
  if (!entityId || entityId.length > 1024) throw new MetadataRejected('metadata: no entityID');
  const sp = children(entity, MD, 'SPSSODescriptor')[0];
  if (!sp) throw new MetadataRejected('metadata: no md:SPSSODescriptor');
  const acs = children(sp, MD, 'AssertionConsumerService')
    .filter((e) => e.getAttribute('Binding') === BINDING_POST)
    .map((e) => ({
      location: e.getAttribute('Location') ?? '',
      index: e.hasAttribute('index') ? Number(e.getAttribute('index')) : null,
      isDefault: e.getAttribute('isDefault') === 'true',
    }));
  if (!acs.length) throw new MetadataRejected('metadata: no AssertionConsumerService with the HTTP-POST binding');
  for (const a of acs) if (!https(a.location)) throw new MetadataRejected(`metadata: bad ACS URL "${a.location}"`);
  const certificates = children(sp, MD, 'KeyDescriptor')
    .filter((k) => (k.getAttribute('use') ?? 'signing') === 'signing')
    .flatMap((k) => descendants(k, DS, 'X509Certificate'))
    .map((c) => (c.textContent ?? '').replace(/\s+/g, ''))
    .filter(Boolean);
  const authnRequestsSigned = sp.getAttribute('AuthnRequestsSigned') === 'true';
  if (authnRequestsSigned && !certificates.length)
    throw new MetadataRejected('metadata: AuthnRequestsSigned="true" but no signing certificate');
  const encryption = encryptionOf(sp);
  const singleLogout = children(sp, MD, 'SingleLogoutService').map((e) => ({
    location: e.getAttribute('Location') ?? '',
    binding: e.getAttribute('Binding') ?? '',
  }));
  return { entityId, acs, certificates, authnRequestsSigned, encryption, singleLogout };
}

/**
 * Only an explicit use="encryption" turns encryption on: a KeyDescriptor without `use` is
 * read as a signing key, so an SP that never asked for encrypted assertions keeps them clear.
 * The certificate must parse and hold an RSA key (RSA-OAEP key transport).
 */
function encryptionOf(sp: Element): SpMetadata['encryption'] {
  const descriptor = children(sp, MD, 'KeyDescriptor').find((k) => k.getAttribute('use') === 'encryption');
  if (!descriptor) return null;
  const certificate = (descendants(descriptor, DS, 'X509Certificate')[0]?.textContent ?? '').replace(/\s+/g, '');
  if (!certificate) throw new MetadataRejected('metadata: KeyDescriptor use="encryption" without a certificate');
  let keyType: string | undefined;
  try {
    keyType = new X509Certificate(Buffer.from(certificate, 'base64')).publicKey.asymmetricKeyType;
  } catch {
    throw new MetadataRejected('metadata: the encryption certificate is not a valid X.509 certificate');
  }
  if (keyType !== 'rsa') throw new MetadataRejected('metadata: the encryption certificate must hold an RSA key');
  const methods = children(descriptor, MD, 'EncryptionMethod')
    .map((m) => m.getAttribute('Algorithm') ?? '')
    .filter(Boolean);
  return { certificate, methods };
}

/** The ACS a request names (by URL or index), else the default one; null when not in the metadata. */
export function chooseAcs(
  metadata: SpMetadata,
  requested: { url: string | null; index: number | null },
): string | null {
  if (requested.url !== null) return metadata.acs.some((a) => a.location === requested.url) ? requested.url : null;
  if (requested.index !== null) return metadata.acs.find((a) => a.index === requested.index)?.location ?? null;
  return (metadata.acs.find((a) => a.isDefault) ?? metadata.acs[0])!.location;
}
