// What the page needs from the class admin domain (domain.admin): the same policies,
// queries and commands as the admin API, called in-process with the signed-in teacher as
// actor. Its errors are mapped here to the house's AppError: an account or class the teacher
// may not see is a 404, exactly like one that does not exist.
import type { Domain } from '../../domain/index.js';
import { AdminNotFound, AdminRefused, type Admin } from '../../domain/admin/index.js';
import { AppError } from '../../http/errors.js';

export const adminServices = (domain: Domain): Admin => domain.admin;

export const NOT_FOUND_MESSAGE = 'Ces comptes ou cette classe sont introuvables, ou ne dépendent pas de vos classes. Rien n’a été modifié.';

/** AdminNotFound → 404, AdminRefused → 400 with its French message; anything else unchanged. */
export function toPageError(err: unknown): unknown {
  if (err instanceof AdminNotFound) return new AppError(404, 'not_found', NOT_FOUND_MESSAGE, err.message);
  if (err instanceof AdminRefused) return new AppError(400, err.code, err.publicMessage);
  return err;
}
