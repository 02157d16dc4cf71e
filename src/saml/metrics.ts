// The SAML counters, on the server's Prometheus registry (src/http/metrics.ts serves it).
import { Counter, type Registry } from 'prom-client';

export interface SamlMetrics {
  singleLogout(outcome: 'sent' | 'failed'): void;
}

export function createSamlMetrics(registry: Registry): SamlMetrics {
  const logouts = new Counter({
    name: 'entidp_saml_single_logouts_total',
    help: 'SAML LogoutRequests sent to SPs when a session ends, by outcome (failed: refused or unreachable, not retried)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  for (const outcome of ['sent', 'failed']) logouts.inc({ outcome }, 0);
  return { singleLogout: (outcome) => logouts.inc({ outcome }) };
}
