// Reading an SP's LogoutRequest (SP-initiated single logout) from either binding. The same
// decoding, XML and signature steps as an AuthnRequest (authn-request.ts), stricter on two
// points: a LogoutRequest must always be signed (an unsigned one would let any page that
// knows an SP's entity id log a child out of the ENT), and it must name us as Destination.
//
//   decode (inflate ≤ 64 KiB / base64) ─▶ parseXml (no DTD) ─▶ samlp:LogoutRequest, 2.0, ID, Issuer
//   ─▶ SP by Issuer ─ none ─▶ unknown_issuer
//   ─▶ signature (Redirect: SigAlg + Signature; POST: enveloped, then read the signed bytes only)
//        absent, or the SP has no certificate ─▶ unsigned; invalid ─▶ bad_signature
//   ─▶ IssueInstant ±5 min ─▶ NotOnOrAfter not past ─▶ Destination = /saml/slo
//   ─▶ saml:NameID present ─▶ the SP has a Redirect or POST SingleLogoutService to answer to ─▶ ok
import type { RegisteredSp } from '../domain/saml/index.js';
import { CLOCK_SKEW_MS, type RefusalReason } from '../domain/saml/index.js';
import { logoutService } from '../domain/saml/metadata.js';
import { BINDING_POST, BINDING_REDIRECT, SAML, SAMLP, children } from '../domain/saml/xml.js';
import {
  Refused,
  decodeMessage,
  readRequest,
  verifyEnvelopedSignature,
  verifyRedirectSignature,
  type RawMessage,
} from './authn-request.js';

export interface LogoutRequest {
  id: string;
  sp: RegisteredSp;
  nameId: string;
  sessionIndexes: string[];
}

export type CheckedLogout =
  { ok: true; request: LogoutRequest } | { ok: false; reason: RefusalReason; detail: string; sp?: RegisteredSp };

export async function checkLogoutRequest(
  msg: RawMessage,
  options: { findSp(entityId: string): Promise<RegisteredSp | null>; sloUrl: string; now?: Date },
): Promise<CheckedLogout> {
  try {
    const xml = decodeMessage(msg);
    let { root, id, issuer } = readRequest(xml, 'LogoutRequest');
    const sp = await options.findSp(issuer);
    if (!sp) throw new Refused('unknown_issuer', issuer.slice(0, 200));
    if (!sp.metadata.certificates.length) throw new Refused('unsigned', 'no signing certificate in the metadata', sp);
    const signed =
      msg.binding === 'redirect'
        ? verifyRedirectSignature(sp, msg.rawQuery ?? '')
        : verifyEnvelopedSignature(sp, xml, root);
    if (signed === 'invalid') throw new Refused('bad_signature', 'signature does not verify', sp);
    if (signed === 'absent') throw new Refused('unsigned', 'signature required', sp);
    if (signed !== 'valid') {
      const again = readRequest(signed, 'LogoutRequest');
      if (again.id !== id || again.issuer !== issuer) throw new Refused('bad_signature', 'signed element differs', sp);
      ({ root, id, issuer } = again);
    }
    const now = (options.now ?? new Date()).getTime();
    const instant = Date.parse(root.getAttribute('IssueInstant') ?? '');
    if (Number.isNaN(instant) || Math.abs(instant - now) > CLOCK_SKEW_MS)
      throw new Refused('issue_instant', root.getAttribute('IssueInstant') ?? 'none', sp);
    const notOnOrAfter = root.getAttribute('NotOnOrAfter');
    if (notOnOrAfter) {
      const until = Date.parse(notOnOrAfter);
      if (Number.isNaN(until) || until + CLOCK_SKEW_MS <= now)
        throw new Refused('not_on_or_after', notOnOrAfter.slice(0, 64), sp);
    }
    if (root.getAttribute('Destination') !== options.sloUrl) throw new Refused('malformed', 'Destination', sp);
    const nameId = (children(root, SAML, 'NameID')[0]?.textContent ?? '').trim();
    if (!nameId || nameId.length > 255) throw new Refused('malformed', 'no NameID', sp);
    const sessionIndexes = children(root, SAMLP, 'SessionIndex')
      .map((e) => (e.textContent ?? '').trim())
      .filter((v) => v && v.length <= 64);
    if (!logoutService(sp.metadata, BINDING_REDIRECT) && !logoutService(sp.metadata, BINDING_POST))
      throw new Refused('no_logout_service', 'no HTTP-Redirect or HTTP-POST SingleLogoutService', sp);
    return { ok: true, request: { id, sp, nameId, sessionIndexes } };
  } catch (err) {
    if (err instanceof Refused) return { ok: false, reason: err.reason, detail: err.message, sp: err.sp };
    throw err;
  }
}
