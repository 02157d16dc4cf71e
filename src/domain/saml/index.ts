// SAML in the domain: the service providers registry, the request ids (replay) and the SP
// sessions for single logout. No HTTP here (src/saml).
import type { Config } from '../../config/index.js';
import type { Database } from '../../db/index.js';
import type { Accounts } from '../accounts.js';
import type { Audit } from '../audit.js';
import { nameIdKeys, type NameIdKeys } from './attributes.js';
import { createSamlLogout, type SamlLogout } from './logout.js';
import { createSamlRequests, type SamlRequests } from './requests.js';
import { createSamlServices, type SamlServices } from './services.js';

export type { RegisteredSp, SamlServices, SpInput, NameIdFormat, SamlAttributeProfile } from './services.js';
export type { SamlRequests, RefusalReason } from './requests.js';
export { CLOCK_SKEW_MS } from './requests.js';
export type { SamlLogout, SpSession } from './logout.js';
export { nameIdFor, samlAttributes, NAMEID_PERSISTENT, NAMEID_UNSPECIFIED, type SamlAttribute } from './attributes.js';

export interface SamlDomain {
  services: SamlServices;
  requests: SamlRequests;
  accounts: Accounts;
  audit: Audit;
  nameIdKeys: NameIdKeys;
  /** SP sessions (single logout); `recordResponse` audits a Response sent (`saml.response_issue`). */
  logout: SamlLogout;
}

export function createSamlDomain(deps: { config: Config; db: Database; audit: Audit; accounts: Accounts }): SamlDomain {
  return {
    services: createSamlServices(deps.db, deps.audit),
    requests: createSamlRequests(deps.db, deps.audit),
    accounts: deps.accounts,
    audit: deps.audit,
    nameIdKeys: nameIdKeys(deps.config.secrets.keystoreEncryptionKey),
    logout: createSamlLogout(deps.db, deps.audit, deps.config.ttl.rememberMe),
  };
}
