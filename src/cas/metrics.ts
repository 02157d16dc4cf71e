// The CAS counters, on the server's Prometheus registry (src/http/metrics.ts serves it).
import { Counter, type Registry } from 'prom-client';

export type ValidationOutcome = 'ok' | 'INVALID_REQUEST' | 'INVALID_TICKET' | 'INVALID_SERVICE';

export interface CasMetrics {
  ticketIssued(): void;
  validation(outcome: ValidationOutcome): void;
  singleLogout(outcome: 'sent' | 'failed'): void;
}

export function createCasMetrics(registry: Registry): CasMetrics {
  const issued = new Counter({
    name: 'entidp_cas_tickets_issued_total',
    help: 'CAS service tickets issued',
    registers: [registry],
  });
  const validations = new Counter({
    name: 'entidp_cas_validations_total',
    help: 'CAS service ticket validations by outcome (ok, or the CAS error code)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const logouts = new Counter({
    name: 'entidp_cas_single_logouts_total',
    help: 'CAS single logout requests POSTed to services, by outcome (failed: refused or unreachable, not retried)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  issued.inc(0);
  for (const outcome of ['ok', 'INVALID_REQUEST', 'INVALID_TICKET', 'INVALID_SERVICE']) validations.inc({ outcome }, 0);
  for (const outcome of ['sent', 'failed']) logouts.inc({ outcome }, 0);
  return {
    ticketIssued: () => issued.inc(),
    validation: (outcome) => validations.inc({ outcome }),
    singleLogout: (outcome) => logouts.inc({ outcome }),
  };
}
