// What ent-idp keeps from ÉduConnect's IdP metadata: its entity id, where to send the
// AuthnRequest (HTTP-Redirect) and the LogoutRequest, and its signing certificates. Read at
// start from a file or an https URL (bounded in size and time), with the hardened parser.
import { readFile } from 'node:fs/promises';
import { BINDING_REDIRECT, DS, MD, children, descendants, parseXml } from '../saml/xml.js';

export interface IdpMetadata {
  entityId: string;
  ssoRedirect: string;
  sloRedirect: string | null;
  /** PEM certificates the IdP signs with. */
  certificates: string[];
}

export class IdpMetadataRejected extends Error {
  override name = 'IdpMetadataRejected';
}

const MAX_BYTES = 1024 * 1024;
const FETCH_TIMEOUT_MS = 10_000;

const pem = (base64: string) =>
  `-----BEGIN CERTIFICATE-----\n${base64.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;

export function parseIdpMetadata(xml: string): IdpMetadata {
  let doc;
  try {
    doc = parseXml(xml);
  } catch (err) {
    throw new IdpMetadataRejected(`ÉduConnect metadata: ${(err as Error).message}`);
  }
  const root = doc.documentElement!;
  const entity =
    root.namespaceURI === MD && root.localName === 'EntityDescriptor'
      ? root
      : children(root, MD, 'EntityDescriptor')[0];
  if (!entity) throw new IdpMetadataRejected('ÉduConnect metadata: no md:EntityDescriptor');
  const entityId = entity.getAttribute('entityID') ?? '';
  if (!entityId) throw new IdpMetadataRejected('ÉduConnect metadata: no entityID');
  const idp = children(entity, MD, 'IDPSSODescriptor')[0];
  if (!idp) throw new IdpMetadataRejected('ÉduConnect metadata: no md:IDPSSODescriptor');
  const location = (name: string) =>
    children(idp, MD, name)
      .find((e) => e.getAttribute('Binding') === BINDING_REDIRECT)
      ?.getAttribute('Location') ?? null;
  const ssoRedirect = location('SingleSignOnService');
  if (!ssoRedirect || !/^https?:\/\//.test(ssoRedirect))
    throw new IdpMetadataRejected('ÉduConnect metadata: no SingleSignOnService with the HTTP-Redirect binding');
  const certificates = children(idp, MD, 'KeyDescriptor')
    .filter((k) => (k.getAttribute('use') ?? 'signing') === 'signing')
    .flatMap((k) => descendants(k, DS, 'X509Certificate'))
    .map((c) => (c.textContent ?? '').replace(/\s+/g, ''))
    .filter(Boolean)
    .map(pem);
  if (!certificates.length) throw new IdpMetadataRejected('ÉduConnect metadata: no signing certificate');
  return { entityId, ssoRedirect, sloRedirect: location('SingleLogoutService'), certificates };
}

/** The metadata text from a file path, or from an https URL (http only for 127.0.0.1, in tests). */
export async function loadIdpMetadata(source: string): Promise<IdpMetadata> {
  if (!/^https?:\/\//.test(source)) return parseIdpMetadata(await readFile(source, 'utf8'));
  const url = new URL(source);
  if (url.protocol !== 'https:' && url.hostname !== '127.0.0.1')
    throw new IdpMetadataRejected('ÉduConnect metadata: the URL must be https');
  const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'error' });
  if (!res.ok) throw new IdpMetadataRejected(`ÉduConnect metadata: ${url.href} answered ${res.status}`);
  const body = Buffer.from(await res.arrayBuffer());
  if (body.length > MAX_BYTES) throw new IdpMetadataRejected('ÉduConnect metadata: larger than 1 MB');
  return parseIdpMetadata(body.toString('utf8'));
}
