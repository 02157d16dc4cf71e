// SAML in the domain: the service providers registry and the AuthnRequest ids (replay). No
// HTTP here (src/saml).
import type { Config } from '../../config/index.js';
import type { Database } from '../../db/index.js';
import type { Accounts } from '../accounts.js';
import type { Audit } from '../audit.js';
import { nameIdKeys, type NameIdKeys } from './attributes.js';
import { createSamlRequests, type SamlRequests } from './requests.js';
import { createSamlServices, type SamlServices } from './services.js';

export type { RegisteredSp, SamlServices, SpInput, NameIdFormat, SamlAttributeProfile } from './services.js';
export type { SamlRequests, RefusalReason } from './requests.js';
export { CLOCK_SKEW_MS } from './requests.js';
export { nameIdFor, samlAttributes, NAMEID_PERSISTENT, NAMEID_UNSPECIFIED, type SamlAttribute } from './attributes.js';

export interface SamlDomain {
  services: SamlServices;
  requests: SamlRequests;
  accounts: Accounts;
  audit: Audit;
  nameIdKeys: NameIdKeys;
  /** Audits a Response sent to an SP (`saml.response_issue`). */
  recordResponse(input: { accountId: string; serviceId: string; ip: string | null }): Promise<void>;
}

export function createSamlDomain(deps: { config: Config; db: Database; audit: Audit; accounts: Accounts }): SamlDomain {
  return {
    services: createSamlServices(deps.db, deps.audit),
    requests: createSamlRequests(deps.db, deps.audit),
    accounts: deps.accounts,
    audit: deps.audit,
    nameIdKeys: nameIdKeys(deps.config.secrets.keystoreEncryptionKey),
    recordResponse: ({ accountId, serviceId, ip }) =>
      deps.db.transaction((manager) =>
        deps.audit.record(manager, {
          actorId: accountId,
          action: 'saml.response_issue',
          targetId: accountId,
          ip,
          outcome: 'success',
          detail: { serviceId },
        }),
      ),
  };
}
