// What ent-idp keeps from a service provider's metadata: its entity id, its assertion
// consumer services (HTTP-POST only: the Response is POSTed by the browser), its signing
// certificates, whether it signs its AuthnRequests, and where it hears single logout. Read
// once, at `service add`.
import type { Element } from '@xmldom/xmldom';
import { EncryptionKeyRejected, encryptionOf, type SpEncryption } from './encryption-key.js';
import { BINDING_POST, BINDING_REDIRECT, BINDING_SOAP, DS, MD, children, descendants, parseXml } from './xml.js';

export interface AssertionConsumer {
  location: string;
  index: number | null;
  isDefault: boolean;
}

export interface SpMetadata {
  entityId: string;
  acs: AssertionConsumer[];
  /** Its encryption certificate (encryption-key.ts); null: assertions in clear. */
  encryption: SpEncryption | null;
  /** Base64 DER of each signing certificate. */
  certificates: string[];
  authnRequestsSigned: boolean;
  /**
   * SingleLogoutService endpoints (SOAP, HTTP-Redirect, HTTP-POST), in metadata order;
   * others, and those not on http(s), are left out.
   */
  singleLogout: SingleLogoutService[];
}

export interface SingleLogoutService {
  binding: string;
  location: string;
  /** Where LogoutResponses go, when not to `location`. */
  responseLocation: string | null;
}

const SLO_BINDINGS = [BINDING_SOAP, BINDING_REDIRECT, BINDING_POST];

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
  const encryption = readEncryption(sp);
  const certificates = children(sp, MD, 'KeyDescriptor')
    .filter((k) => (k.getAttribute('use') ?? 'signing') === 'signing')
    .flatMap((k) => descendants(k, DS, 'X509Certificate'))
    .map((c) => (c.textContent ?? '').replace(/\s+/g, ''))
    .filter(Boolean);
  const authnRequestsSigned = sp.getAttribute('AuthnRequestsSigned') === 'true';
  if (authnRequestsSigned && !certificates.length)
    throw new MetadataRejected('metadata: AuthnRequestsSigned="true" but no signing certificate');
  const singleLogout = children(sp, MD, 'SingleLogoutService')
    .map((e) => ({
      binding: e.getAttribute('Binding') ?? '',
      location: e.getAttribute('Location') ?? '',
      responseLocation: e.getAttribute('ResponseLocation') || null,
    }))
    .filter(
      (s) =>
        SLO_BINDINGS.includes(s.binding) &&
        https(s.location) &&
        (s.responseLocation === null || https(s.responseLocation)),
    );
  return { entityId, acs, certificates, authnRequestsSigned, encryption, singleLogout };
}

/** The SP's SingleLogoutService for `binding`, if it has one. */
export function logoutService(metadata: SpMetadata, binding: string): SingleLogoutService | null {
  return metadata.singleLogout.find((s) => s.binding === binding) ?? null;
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

function readEncryption(sp: Element): SpEncryption | null {
  try {
    return encryptionOf(sp);
  } catch (err) {
    if (err instanceof EncryptionKeyRejected) throw new MetadataRejected(err.message);
    throw err;
  }
}
