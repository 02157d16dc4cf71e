// Errors of the class admin services, for the admin API and the admin page alike: both show
// the same French words (src/http/errors.ts maps them once).
import { DomainError } from '../errors.js';

/**
 * What a 404 says, on the page and on the API: one account of a list, or the class, is
 * unknown or out of the actor's reach, and the command is all-or-nothing.
 */
export const NOT_FOUND_MESSAGE =
  'Ces comptes ou cette classe sont introuvables, ou vous n’y avez pas accès. Rien n’a été modifié.';

/** An account or class that does not exist or that the actor may not see: the same answer. */
export class AdminNotFound extends DomainError {
  override name = 'AdminNotFound';
  constructor(detail = 'unknown or forbidden target') {
    super('not_found', 'not_found', NOT_FOUND_MESSAGE, { detail });
  }
}

/** A request that is understood and allowed but cannot be carried out (e.g. blocking oneself). */
export class AdminRefused extends DomainError {
  override name = 'AdminRefused';
  constructor(code: string, /** French, safe to show. */ publicMessage: string) {
    super('refused', code, publicMessage);
  }
}
