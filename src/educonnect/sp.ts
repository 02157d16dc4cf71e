// Our SAML service provider toward ÉduConnect, on @node-saml/node-saml ≥ 5.1.0 (earlier
// versions have a signature-bypass CVE; README says why this library). Signed AuthnRequests
// (HTTP-Redirect, RSA-SHA256) with the provider's current RS256 key and its certificate
// (src/saml/certificate.ts), the same key published for encryption; assertions must be
// signed by a certificate of ÉduConnect's metadata, for our audience, in answer to a request
// we sent (InResponseTo, kept in the database) and not older than EDUCONNECT_MAX_AGE.
// An encrypted assertion is opened with whichever of our published keys it was encrypted to:
// ÉduConnect encrypts to the key of our metadata as it last read it, which a key rotation may
// have superseded since (a superseded key stays published for a while: src/oidc/keys.ts).
import { randomBytes } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { SAML, ValidateInResponseTo, type Profile, type SamlConfig } from '@node-saml/node-saml';
import { XMLSerializer, type Document } from '@xmldom/xmldom';
import type { JWK } from 'jose';
import xmlenc from 'xml-encryption';
import type { Config } from '../config/index.js';
import type { FederationRequests, IdpMetadata } from '../domain/educonnect/index.js';
import { MAX_XML_LENGTH, parseXml, SAML as SAML_NS } from '../domain/saml/xml.js';
import { idpCertificates, idpSigningKey } from '../saml/certificate.js';

export const SP_METADATA_PATH = '/saml/sp/metadata';
export const SP_ACS_PATH = '/saml/sp/acs';
export const SP_SLO_PATH = '/saml/sp/slo';

export interface EduconnectSp {
  /** ÉduConnect's metadata as last read. */
  readonly idp: IdpMetadata;
  /** Trusts `next` from now on (a new reading of ÉduConnect's metadata: src/educonnect/metadata-refresh.ts). */
  useIdp(next: IdpMetadata): void;
  entityId: string;
  /** The signed AuthnRequest URL for interaction `uid` (RelayState), the request bound to it. */
  authorizeUrl(uid: string): Promise<string>;
  /** node-saml's checks on a POSTed Response; throws when refused. */
  validate(body: { SAMLResponse: string; RelayState?: string }): Promise<Profile>;
  metadata(): Promise<string>;
  /** A signed LogoutRequest to ÉduConnect for this identity (null when its metadata has no SingleLogoutService). */
  logoutUrl(identity: SessionAtEduconnect, relayState: string): Promise<{ url: string; id: string } | null>;
  /** node-saml's checks on ÉduConnect's LogoutResponse (HTTP-Redirect); its InResponseTo. */
  validateLogoutResponse(query: Record<string, string>, originalQuery: string): Promise<string | null>;
}

/** What a LogoutRequest to ÉduConnect names: the assertion's NameID and SessionIndex. */
export interface SessionAtEduconnect {
  nameId: string | null;
  nameIdFormat: string | null;
  sessionIndex: string | null;
}

/** The Response's EncryptedAssertion, serialized; null when it has none. */
function encryptedAssertionOf(response: Document): string | null {
  for (let node = response.documentElement?.firstChild ?? null; node; node = node.nextSibling)
    if (node.nodeType === node.ELEMENT_NODE && node.namespaceURI === SAML_NS && node.localName === 'EncryptedAssertion')
      return new XMLSerializer().serializeToString(node);
  return null;
}

/** Whether `privateKeyPem` opens `encrypted` (xml-encryption, as node-saml decrypts). */
const opens = (encrypted: string, privateKeyPem: string) =>
  new Promise<boolean>((resolve) => xmlenc.decrypt(encrypted, { key: privateKeyPem }, (err) => resolve(!err)));

export function createEduconnectSp(deps: {
  config: Config;
  idp: IdpMetadata;
  requests: FederationRequests;
  signingKeys(): JWK[];
}): EduconnectSp {
  const { config, requests } = deps;
  let idp = deps.idp;
  const maxAgeMs = (config.educonnect?.maxAgeSeconds ?? 600) * 1000;
  const entityId = `${config.issuer}${SP_METADATA_PATH}`;

  const saml = async (overrides: Partial<SamlConfig> = {}) => {
    const key = await idpSigningKey(deps.signingKeys(), config.issuer);
    return new SAML({
      entryPoint: idp.ssoRedirect,
      issuer: entityId,
      callbackUrl: `${config.issuer}${SP_ACS_PATH}`,
      idpCert: idp.certificates,
      idpIssuer: idp.entityId,
      audience: entityId,
      privateKey: key.privateKeyPem,
      publicCert: key.certificatePem,
      decryptionPvk: key.privateKeyPem,
      signatureAlgorithm: 'sha256',
      digestAlgorithm: 'sha256',
      // The assertion's own signature is what proves the identity; a signed Response
      // around it is accepted, never required in its place.
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: false,
      validateInResponseTo: ValidateInResponseTo.always,
      requestIdExpirationPeriodMs: maxAgeMs,
      maxAssertionAgeMs: maxAgeMs,
      acceptedClockSkewMs: 60_000,
      identifierFormat: null,
      disableRequestedAuthnContext: true,
      cacheProvider: requests.cache,
      ...(idp.sloRedirect ? { logoutUrl: idp.sloRedirect, logoutCallbackUrl: `${config.issuer}${SP_SLO_PATH}` } : {}),
      ...overrides,
    });
  };

  /**
   * The private key an encrypted assertion was encrypted to, among our published RS256 keys
   * (current first); the current key when none opens it or nothing is encrypted.
   */
  const decryptionKeyFor = async (response: Document): Promise<string> => {
    const [current, ...others] = await idpCertificates(deps.signingKeys(), config.issuer);
    if (!current) throw new Error('no RS256 signing key');
    const encrypted = others.length ? encryptedAssertionOf(response) : null;
    if (!encrypted || (await opens(encrypted, current.privateKeyPem))) return current.privateKeyPem;
    for (const key of others) if (await opens(encrypted, key.privateKeyPem)) return key.privateKeyPem;
    return current.privateKeyPem;
  };

  return {
    get idp() {
      return idp;
    },
    useIdp(next) {
      idp = next;
    },
    entityId,
    async authorizeUrl(uid) {
      const id = `_${randomBytes(20).toString('hex')}`;
      const url = await (await saml({ generateUniqueId: () => id })).getAuthorizeUrlAsync(uid, undefined, {});
      await requests.bind(id, uid);
      return url;
    },
    async validate(body) {
      // Read first with our bounded, DTD-free parser (node-saml's accepts a document type
      // declaration, which SAML messages must not carry); it also shows what was encrypted.
      const response = parseXml(Buffer.from(body.SAMLResponse, 'base64').toString('utf8'));
      const { profile } = await (
        await saml({ decryptionPvk: await decryptionKeyFor(response) })
      ).validatePostResponseAsync(body);
      if (!profile) throw new Error('no profile in the Response');
      // node-saml checks the signature against ÉduConnect's certificates; the Issuer it leaves
      // to us, and a Response must name the IdP it claims to come from.
      if (profile.issuer !== idp.entityId) throw new Error(`unexpected Issuer ${String(profile.issuer).slice(0, 100)}`);
      return profile;
    },
    async logoutUrl(session, relayState) {
      if (!idp.sloRedirect || !session.nameId) return null;
      const id = `_${randomBytes(20).toString('hex')}`;
      const profile = {
        issuer: idp.entityId,
        nameID: session.nameId,
        nameIDFormat: session.nameIdFormat ?? 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
        sessionIndex: session.sessionIndex ?? undefined,
      } as Profile;
      const url = await (await saml({ generateUniqueId: () => id })).getLogoutUrlAsync(profile, relayState, {});
      return { url, id };
    },
    async validateLogoutResponse(query, originalQuery) {
      // Read first with our bounded, DTD-free parser (node-saml inflates without a bound).
      const xml = inflateRawSync(Buffer.from(query.SAMLResponse ?? '', 'base64'), {
        maxOutputLength: MAX_XML_LENGTH,
      }).toString('utf8');
      const root = parseXml(xml).documentElement!;
      if (root.localName !== 'LogoutResponse') throw new Error('not a LogoutResponse');
      const { loggedOut } = await (await saml()).validateRedirectAsync(query, originalQuery);
      if (!loggedOut) throw new Error('not a LogoutResponse');
      return root.getAttribute('InResponseTo') || null;
    },
    async metadata() {
      const key = await idpSigningKey(deps.signingKeys(), config.issuer);
      return (await saml()).generateServiceProviderMetadata(key.certificatePem, key.certificatePem);
    },
  };
}
