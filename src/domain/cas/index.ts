// CAS in the domain: the services registry and the service tickets. No HTTP here (src/cas).
import type { Config } from '../../config/index.js';
import type { Database } from '../../db/index.js';
import type { Accounts } from '../accounts.js';
import type { Audit } from '../audit.js';
import { createCasServices, type CasServices } from './services.js';
import { createCasTickets, type CasTickets } from './tickets.js';

export type { CasServices, RegisteredService, ServiceInput } from './services.js';
export type { CasTickets, ServiceSession, ValidateResult, ValidationFailure } from './tickets.js';
export { ServiceRejected } from './services.js';
export { releasedAttributes, DEFAULT_ATTRIBUTES, ATTRIBUTE_PROFILES, type Attribute } from './attributes.js';

export interface CasDomain {
  services: CasServices;
  tickets: CasTickets;
  accounts: Accounts;
}

export function createCasDomain(deps: { config: Config; db: Database; audit: Audit; accounts: Accounts }): CasDomain {
  return {
    services: createCasServices(deps.db, deps.audit),
    tickets: createCasTickets(deps),
    accounts: deps.accounts,
  };
}
