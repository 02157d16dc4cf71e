// The demo school (seed's CM2 class with enfant.test). Filled in by the operations work.
import type { Config } from '../config/index.js';
import type { Domain } from '../domain/index.js';

/** Seeds the demo school when the database has no account; returns what to print, or null. */
export async function seedDemoIfEmpty(_domain: Domain, _config: Config): Promise<string | null> {
  return null;
}
