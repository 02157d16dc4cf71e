// The SAML counters, on the server's Prometheus registry (src/http/metrics.ts serves it),
// beside the CAS ones (src/cas/metrics.ts).
import { Counter, type Registry } from 'prom-client';
import type { RefusalReason } from '../domain/saml/index.js';

export type ResponseOutcome = 'success' | 'no_passive' | 'request_denied' | 'authn_failed';

export interface SamlMetrics {
  response(outcome: ResponseOutcome): void;
  refused(reason: RefusalReason): void;
  singleLogout(outcome: 'sent' | 'failed'): void;
}

const OUTCOMES: ResponseOutcome[] = ['success', 'no_passive', 'request_denied', 'authn_failed'];
const REASONS: RefusalReason[] = [
  'malformed',
  'unsafe_xml',
  'too_large',
  'unknown_issuer',
  'unknown_service',
  'acs_not_in_metadata',
  'unsupported_binding',
  'issue_instant',
  'replayed',
  'unsigned',
  'bad_signature',
  'not_on_or_after',
  'no_logout_service',
];

export function createSamlMetrics(registry: Registry): SamlMetrics {
  const responses = new Counter({
    name: 'entidp_saml_responses_total',
    help: 'SAML Responses POSTed to service providers, by outcome (success, or the error status sent)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const refusals = new Counter({
    name: 'entidp_saml_requests_refused_total',
    help: 'SAML requests refused with an error page (nothing POSTed to the SP), by reason',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const logouts = new Counter({
    name: 'entidp_saml_single_logouts_total',
    help: 'SAML LogoutRequests sent to SPs when a session ends, by outcome (failed: refused or unreachable, not retried)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  for (const outcome of OUTCOMES) responses.inc({ outcome }, 0);
  for (const reason of REASONS) refusals.inc({ reason }, 0);
  for (const outcome of ['sent', 'failed']) logouts.inc({ outcome }, 0);
  return {
    response: (outcome) => responses.inc({ outcome }),
    refused: (reason) => refusals.inc({ reason }),
    singleLogout: (outcome) => logouts.inc({ outcome }),
  };
}
