// The admin page « Paramétrage de la classe »: / inside the admin app (so /admin).
import type Koa from 'koa';
import type { Middleware } from 'koa';
import type { AdminDeps } from '../index.js';

/**
 * The page's own session. When the teacher is signed in it sets
 * `ctx.state.adminSession = { accessToken, csrfToken, ... }` for the API's cookie auth.
 */
export function adminSession(_app: Koa, _deps: AdminDeps): Middleware {
  return (_ctx, next) => next();
}

export function pageRoutes(_deps: AdminDeps): Middleware {
  return (_ctx, next) => next();
}
