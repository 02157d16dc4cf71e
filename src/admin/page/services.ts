// What the page needs from the class admin domain (domain.admin): the same policies,
// queries and commands as the admin API, called in-process with the signed-in teacher as
// actor. Their errors need no mapping here: the page's error handler (src/http/errors.ts)
// shows an AdminNotFound as the same 404, in the same words, as the API.
import type { Domain } from '../../domain/index.js';
import type { Admin } from '../../domain/admin/index.js';

export const adminServices = (domain: Domain): Admin => domain.admin;
