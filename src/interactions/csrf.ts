// CSRF protection for every form of the login pages (koa-csrf: a per-session secret, a
// fresh token per page). A missing or wrong token answers a French error page.
import CSRF from 'koa-csrf';
import type { Context, Middleware } from 'koa';
import { AppError } from '../http/errors.js';

export function csrfProtection(): Middleware {
  return new (CSRF as unknown as new (opts: object) => Middleware)({
    errorHandler(_ctx: Context) {
      throw new AppError(
        403,
        'invalid_csrf_token',
        'Cette page a expiré. Revenez en arrière, rechargez la page et réessayez.',
      );
    },
    disableQuery: true,
  });
}
