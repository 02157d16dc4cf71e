// IdP-initiated SAML single logout, driven by the provider's own back-channel logout, as CAS
// single logout is (src/cas/single-logout.ts): `ent-saml` is registered with a back-channel
// logout URI on this server, so whenever a provider session that signed in to a SAML SP ends
// — /session/end from any application, /saml/slo, a block, a password change, an expiry —
// the provider's delivery worker (oidc/backchannel.ts, with its retries) POSTs a logout token
// here. We check it, end the session's SP sessions (domain/saml/logout.ts), and send each SP
// that announces a SingleLogoutService a signed LogoutRequest, server to server: there is no
// browser at hand (the session may have ended on another computer, or by expiry).
//
//   logout token valid (signature, iss, aud ent-saml, typ, event)? ─ no ─▶ 400
//   SP sessions of the sid (or of the sub) deleted, audited ─▶ 200
//   then, in the background, each SP, by the first binding it announces of:
//     SOAP          POST text/xml, a SOAP envelope around the signed LogoutRequest (what
//                   mod_auth_mellon, Shibboleth and SimpleSAMLphp answer without a browser)
//     HTTP-Redirect GET of the signed Redirect URL (an SP that finds the session by NameID,
//                   as mellon does, logs it out; one that relies on its cookie cannot)
//     HTTP-POST     POST SAMLRequest=<signed, base64> (the same best effort)
//   2xx ─▶ counted as sent; anything else, or no answer in 5 s ─▶ logged, not retried
//
// Best effort, as in CAS: an SP that is down is not retried (its own session times out).
import type { JWK } from 'jose';
import type { RegisteredSp, SamlDomain, SpSession } from '../domain/saml/index.js';
import { logoutService, type SingleLogoutService } from '../domain/saml/metadata.js';
import { BINDING_POST, BINDING_REDIRECT, BINDING_SOAP } from '../domain/saml/xml.js';
import type { Logger } from '../logger.js';
import { verifyLogoutToken } from '../oidc/logout-token.js';
import { idpSigningKey, type IdpSigningKey } from './certificate.js';
import { logoutRequestXml, signedMessage, signedRedirectUrl, soapEnvelope } from './logout-messages.js';
import type { SamlMetrics } from './metrics.js';
import { SAML_CLIENT_ID } from './oidc-client.js';

const REQUEST_TIMEOUT_MS = 5_000;

export interface SamlSingleLogoutDeps {
  issuer: string;
  saml: SamlDomain;
  /** The provider's signing keys (logout tokens are checked, LogoutRequests signed, with them). */
  signingKeys(): JWK[];
  logger: Logger;
  metrics?: SamlMetrics;
}

/** The SP's single logout endpoint we use without a browser, by binding preference. */
const backChannelService = (sp: RegisteredSp) =>
  [BINDING_SOAP, BINDING_REDIRECT, BINDING_POST].map((b) => logoutService(sp.metadata, b)).find((s) => s !== null) ??
  null;

/** Sends `session`'s LogoutRequest to the SP; throws when it is not delivered. */
async function deliver(
  sp: RegisteredSp,
  service: SingleLogoutService,
  session: SpSession,
  key: IdpSigningKey,
  issuer: string,
): Promise<void> {
  const xml = logoutRequestXml({
    idpEntityId: `${issuer}/saml/metadata`,
    spEntityId: sp.entityId,
    destination: service.location,
    nameId: session.nameId,
    sessionIndex: session.sessionIndex,
  });
  const init: RequestInit = { redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) };
  let res: Response;
  if (service.binding === BINDING_SOAP)
    res = await fetch(service.location, {
      ...init,
      method: 'POST',
      headers: {
        'content-type': 'text/xml; charset=utf-8',
        soapaction: 'http://www.oasis-open.org/committees/security',
      },
      body: soapEnvelope(signedMessage(xml, key)),
    });
  else if (service.binding === BINDING_REDIRECT)
    res = await fetch(signedRedirectUrl(service.location, 'SAMLRequest', xml, null, key), init);
  else
    res = await fetch(service.location, {
      ...init,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ SAMLRequest: Buffer.from(signedMessage(xml, key), 'utf8').toString('base64') }),
    });
  await res.body?.cancel();
  // A Redirect-binding SP answers with a redirect carrying its LogoutResponse: delivered.
  if (res.status >= 400) throw new Error(`answered ${res.status}`);
}

export function createSamlSingleLogout(deps: SamlSingleLogoutDeps) {
  const { logger, saml } = deps;

  const send = async (session: SpSession): Promise<void> => {
    try {
      const sp = await saml.services.byId(session.serviceId);
      const service = sp ? backChannelService(sp) : null;
      // Removed since, or it announces no single logout: nothing to send.
      if (!sp || !service) return;
      const key = await idpSigningKey(deps.signingKeys(), deps.issuer);
      await deliver(sp, service, session, key, deps.issuer);
      deps.metrics?.singleLogout('sent');
    } catch (err) {
      deps.metrics?.singleLogout('failed');
      logger.warn({ serviceId: session.serviceId, error: (err as Error).message }, 'SAML single logout not delivered');
    }
  };

  return {
    /** Handles one logout token; false when it does not validate. */
    async receive(logoutToken: string): Promise<boolean> {
      const checked = await verifyLogoutToken(logoutToken, {
        issuer: deps.issuer,
        audience: SAML_CLIENT_ID,
        signingKeys: deps.signingKeys(),
      });
      if (!checked.ok) {
        logger.warn({ error: checked.reason }, 'SAML: logout token refused');
        return false;
      }
      const sessions = await saml.logout.endSession(checked.ended);
      // Nobody waits for the SPs: the worker that called us has its own deadline.
      void Promise.all(sessions.map(send));
      return true;
    },
  };
}

export type SamlSingleLogout = ReturnType<typeof createSamlSingleLogout>;
