// The domain: plain services over the database, no HTTP. The only code that writes
// accounts, codes, passwords, throttling state and audit events.
import type { Config } from '../config/index.js';
import type { Database } from '../db/index.js';
import type { Logger } from '../logger.js';

export interface DomainDeps {
  config: Config;
  db: Database;
  logger: Logger;
}

export interface Domain extends DomainDeps {
  maintenance: { purgeExpired(): Promise<void> };
}

export function createDomain(deps: DomainDeps): Domain {
  return {
    ...deps,
    maintenance: { purgeExpired: async () => undefined },
  };
}
