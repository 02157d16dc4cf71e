// The class admin « Paramétrage de la classe » as plain services: policies (who may see and
// do what), queries (tabs, sheets, audit trail) and commands (codes, block, resets). The
// admin API and the admin page both call `domain.admin`; neither touches the database.
import type { Database } from '../../db/index.js';
import type { Audit } from '../audit.js';
import type { Codes } from '../codes/index.js';
import type { Recovery } from '../recovery.js';
import type { SchoolYearInForce } from '../school-year.js';
import type { Sessions } from '../sessions.js';
import type { Terms } from '../terms.js';
import { createCommands, type Commands } from './commands.js';
import { createPolicies, type Policies } from './policies.js';
import { createQueries, type Queries } from './queries.js';

export * from './errors.js';
export type * from './types.js';
export type { ClassAccess, Place, Policies, Target } from './policies.js';
export { canAct, canViewClass } from './policies.js';
export type { Commands } from './commands.js';
export type { Queries } from './queries.js';
export { maskEmail } from './commands.js';
export { accountState, displayName, MAX_PAGE_SIZE } from './queries.js';

/** At most this many accounts per command (the API refuses more with 400). */
export const MAX_TARGETS = 500;

export interface Admin extends Pick<Policies, 'loadActor' | 'classesOf'>, Queries, Commands {
  policies: Policies;
}

export interface AdminDeps {
  db: Database;
  audit: Audit;
  codes: Codes;
  recovery: Recovery;
  sessions: Sessions;
  terms: Terms;
  yearInForce: SchoolYearInForce;
}

export function createAdmin(deps: AdminDeps): Admin {
  const policies = createPolicies(deps.db, deps.yearInForce);
  const queries = createQueries({ ...deps, policies });
  const commands = createCommands({ ...deps, policies });
  return {
    policies,
    loadActor: policies.loadActor,
    classesOf: policies.classesOf,
    ...queries,
    ...commands,
  };
}
