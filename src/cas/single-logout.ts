// CAS single logout, driven by the provider's own back-channel logout: `ent-cas` is
// registered with a back-channel logout URI on this server, so whenever a provider session
// that signed in to a CAS service ends — /cas/logout, RP-initiated logout from any OIDC
// application, a block, a password change, an expiry — the provider's delivery worker
// (oidc/backchannel.ts, with its retries) POSTs a logout token here. We check it like any
// application must, end the session's tickets, and POST a SAML LogoutRequest to each service
// that validated one (CAS 3 § 2.3.3), its SessionIndex the ticket.
//
//   logout token valid (signature, iss, aud ent-cas, typ, event)? ─ no ─▶ 400
//   tickets of the sid (or of the sub) deleted ─▶ 200
//   then, in the background, each service: POST logoutRequest=… (5 s) ─▶ counted, failures logged
//
// Best effort, as in CAS: a service that is down is not retried (its own session times out).
import type { JWK } from 'jose';
import type { CasTickets, ServiceSession } from '../domain/cas/index.js';
import type { Logger } from '../logger.js';
import { verifyLogoutToken } from '../oidc/logout-token.js';
import type { CasMetrics } from './metrics.js';
import { CAS_CLIENT_ID } from './oidc-client.js';
import { logoutRequest } from './xml.js';

const REQUEST_TIMEOUT_MS = 5_000;

export interface SingleLogoutDeps {
  issuer: string;
  tickets: CasTickets;
  /** The provider's signing keys (their public parts verify logout tokens). */
  signingKeys(): JWK[];
  logger: Logger;
  metrics?: CasMetrics;
}

export function createSingleLogout(deps: SingleLogoutDeps) {
  const { logger } = deps;

  const post = async (session: ServiceSession): Promise<void> => {
    try {
      const res = await fetch(session.service, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ logoutRequest: logoutRequest(session.ticket) }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      await res.body?.cancel();
      if (res.status >= 400) throw new Error(`answered ${res.status}`);
      deps.metrics?.singleLogout('sent');
    } catch (err) {
      deps.metrics?.singleLogout('failed');
      logger.warn({ serviceId: session.serviceId, error: (err as Error).message }, 'CAS single logout not delivered');
    }
  };

  return {
    /** Handles one logout token; false when it does not validate. */
    async receive(logoutToken: string): Promise<boolean> {
      const checked = await verifyLogoutToken(logoutToken, {
        issuer: deps.issuer,
        audience: CAS_CLIENT_ID,
        signingKeys: deps.signingKeys(),
      });
      if (!checked.ok) {
        logger.warn({ error: checked.reason }, 'CAS: logout token refused');
        return false;
      }
      const sessions = await deps.tickets.endSession(checked.ended);
      // Nobody waits for the services: the worker that called us has its own deadline.
      void Promise.all(sessions.map(post));
      return true;
    },
  };
}

export type SingleLogout = ReturnType<typeof createSingleLogout>;
