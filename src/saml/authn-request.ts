// Reading an AuthnRequest from either binding, and everything checked before anyone is asked
// to sign in. Pure functions; the route (sso.ts) audits the refusal they return. The decoding,
// signature and envelope steps serve LogoutRequests too (logout-request.ts).
//
//   Redirect: SAMLRequest base64 ─▶ inflate (raw, at most 64 KiB out: deflate bombs stop there)
//   POST:     SAMLRequest base64 (at most 64 KiB)
//   ─▶ parseXml (no DTD, no entity) ─▶ samlp:AuthnRequest, Version 2.0, ID, IssueInstant, Issuer
//   ─▶ the SP by Issuer ─ none ─▶ unknown_issuer
//   ─▶ signature: Redirect: SigAlg (RSA-SHA256) + Signature over the query as received;
//                 POST: one enveloped ds:Signature, child of the root, referencing the root's ID,
//                 verified by xml-crypto, and the request then read again from the signed bytes
//                 (a wrapped signature leaves nothing else to read);
//      absent while the metadata says AuthnRequestsSigned ─▶ unsigned; invalid ─▶ bad_signature
//   ─▶ IssueInstant within ±5 min ─▶ ACS named (URL or index) in the metadata ─▶ ok
import { createPublicKey, verify } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import type { Element } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { CLOCK_SKEW_MS, type RefusalReason, type RegisteredSp } from '../domain/saml/index.js';
import { chooseAcs } from '../domain/saml/metadata.js';
import { BINDING_POST, DS, SAML, SAMLP, UnsafeXml, children, descendants, parseXml } from '../domain/saml/xml.js';

export const MAX_MESSAGE_BYTES = 64 * 1024;
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const ID_SHAPE = /^[A-Za-z_][A-Za-z0-9._-]{0,255}$/;

export interface AuthnRequest {
  id: string;
  issuer: string;
  acs: string;
  forceAuthn: boolean;
  isPassive: boolean;
  sp: RegisteredSp;
}

export type Checked =
  { ok: true; request: AuthnRequest } | { ok: false; reason: RefusalReason; detail: string; sp?: RegisteredSp };

export class Refused extends Error {
  constructor(
    readonly reason: RefusalReason,
    detail: string,
    readonly sp?: RegisteredSp,
  ) {
    super(detail);
  }
}

export interface RawMessage {
  binding: 'redirect' | 'post';
  samlRequest: string;
  /** Redirect binding: the raw query string (the signature covers its encoded parts). */
  rawQuery?: string;
}

export function decodeMessage(msg: RawMessage): string {
  if (msg.samlRequest.length > (MAX_MESSAGE_BYTES * 4) / 3 + 4) throw new Refused('too_large', 'message too long');
  const bytes = Buffer.from(msg.samlRequest, 'base64');
  if (msg.binding === 'post') return bytes.toString('utf8');
  try {
    return inflateRawSync(bytes, { maxOutputLength: MAX_MESSAGE_BYTES }).toString('utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || /too large|maxOutputLength/i.test((err as Error).message))
      throw new Refused('too_large', 'inflated message too large');
    throw new Refused('malformed', 'not deflated');
  }
}

export const pem = (base64: string) =>
  `-----BEGIN CERTIFICATE-----\n${base64.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;

/** The raw (still percent-encoded) value of each query parameter, as the signature covers them. */
function rawParams(query: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    if (eq > 0 && !out.has(part.slice(0, eq))) out.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return out;
}

export function verifyRedirectSignature(sp: RegisteredSp, rawQuery: string): 'absent' | 'valid' | 'invalid' {
  const params = rawParams(rawQuery);
  const signature = params.get('Signature');
  if (!signature) return 'absent';
  // No `+` → space: a base64 signature sent unencoded keeps its `+` (a space is never valid there).
  const decoded = (v: string) => {
    try {
      return decodeURIComponent(v);
    } catch {
      return null;
    }
  };
  if (decoded(params.get('SigAlg') ?? '') !== RSA_SHA256) return 'invalid';
  const signed = ['SAMLRequest', 'RelayState', 'SigAlg']
    .filter((k) => params.has(k))
    .map((k) => `${k}=${params.get(k)}`)
    .join('&');
  const sig = Buffer.from(decoded(signature) ?? '', 'base64');
  return sp.metadata.certificates.some((c) => {
    try {
      return verify('sha256', Buffer.from(signed), createPublicKey(pem(c)), sig);
    } catch {
      return false;
    }
  })
    ? 'valid'
    : 'invalid';
}

/** The signed bytes of the root element, or 'absent' / 'invalid'. */
export function verifyEnvelopedSignature(sp: RegisteredSp, xml: string, root: Element): string | 'absent' | 'invalid' {
  const signatures = descendants(root, DS, 'Signature');
  if (!signatures.length) return 'absent';
  const signature = signatures[0]!;
  if (signatures.length !== 1 || signature.parentNode !== root) return 'invalid';
  const rootId = root.getAttribute('ID') ?? '';
  for (const cert of sp.metadata.certificates) {
    try {
      const sig = new SignedXml({ publicCert: pem(cert) });
      sig.loadSignature(signature as never);
      const refs = sig.getReferences();
      if (refs.length !== 1 || refs[0]!.uri !== `#${rootId}`) return 'invalid';
      if (!sig.checkSignature(xml)) continue;
      const signed = sig.getSignedReferences();
      if (signed.length === 1) return signed[0]!;
    } catch {
      // try the next certificate
    }
  }
  return 'invalid';
}

/** The root `samlp:<local>` of a request: Version 2.0, an ID, an Issuer. */
export function readRequest(
  xml: string,
  local: 'AuthnRequest' | 'LogoutRequest' = 'AuthnRequest',
): { root: Element; id: string; issuer: string } {
  let doc;
  try {
    doc = parseXml(xml);
  } catch (err) {
    if (err instanceof UnsafeXml) throw new Refused('unsafe_xml', err.message);
    throw err;
  }
  const root = doc.documentElement!;
  if (root.namespaceURI !== SAMLP || root.localName !== local) throw new Refused('malformed', `not a ${local}`);
  const id = root.getAttribute('ID') ?? '';
  if (root.getAttribute('Version') !== '2.0' || !ID_SHAPE.test(id)) throw new Refused('malformed', 'version or ID');
  const issuer = (children(root, SAML, 'Issuer')[0]?.textContent ?? '').trim();
  if (!issuer) throw new Refused('malformed', 'no Issuer');
  return { root, id, issuer };
}

export async function checkAuthnRequest(
  msg: RawMessage,
  options: { findSp(entityId: string): Promise<RegisteredSp | null>; ssoUrl: string; now?: Date },
): Promise<Checked> {
  try {
    const xml = decodeMessage(msg);
    let { root, id, issuer } = readRequest(xml);
    const sp = await options.findSp(issuer);
    if (!sp) throw new Refused('unknown_issuer', issuer.slice(0, 200));
    const signed =
      msg.binding === 'redirect'
        ? verifyRedirectSignature(sp, msg.rawQuery ?? '')
        : verifyEnvelopedSignature(sp, xml, root);
    if (signed === 'invalid') throw new Refused('bad_signature', 'signature does not verify', sp);
    if (signed === 'absent' && sp.metadata.authnRequestsSigned) throw new Refused('unsigned', 'signature required', sp);
    if (signed !== 'absent' && signed !== 'valid') {
      // POST: from here on, read only what was signed.
      const again = readRequest(signed);
      if (again.id !== id || again.issuer !== issuer) throw new Refused('bad_signature', 'signed element differs', sp);
      ({ root, id, issuer } = again);
    }
    const instant = Date.parse(root.getAttribute('IssueInstant') ?? '');
    const now = (options.now ?? new Date()).getTime();
    if (Number.isNaN(instant) || Math.abs(instant - now) > CLOCK_SKEW_MS)
      throw new Refused('issue_instant', root.getAttribute('IssueInstant') ?? 'none', sp);
    const destination = root.getAttribute('Destination');
    if (destination && destination !== options.ssoUrl) throw new Refused('malformed', 'Destination', sp);
    const binding = root.getAttribute('ProtocolBinding');
    if (binding && binding !== BINDING_POST) throw new Refused('unsupported_binding', binding.slice(0, 200), sp);
    const index = root.getAttribute('AssertionConsumerServiceIndex');
    const acs = chooseAcs(sp.metadata, {
      url: root.getAttribute('AssertionConsumerServiceURL') || null,
      index: index ? Number(index) : null,
    });
    if (!acs)
      throw new Refused(
        'acs_not_in_metadata',
        (root.getAttribute('AssertionConsumerServiceURL') ?? index ?? '').slice(0, 200),
        sp,
      );
    return {
      ok: true,
      request: {
        id,
        issuer,
        acs,
        forceAuthn: root.getAttribute('ForceAuthn') === 'true',
        isPassive: root.getAttribute('IsPassive') === 'true',
        sp,
      },
    };
  } catch (err) {
    if (err instanceof Refused) return { ok: false, reason: err.reason, detail: err.message, sp: err.sp };
    throw err;
  }
}
