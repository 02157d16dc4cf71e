// The admin API: /api/v1 inside the admin app (so /admin/api/v1 once mounted).
import type { Middleware } from 'koa';
import type { AdminDeps } from '../index.js';

export function apiRoutes(_deps: AdminDeps): Middleware {
  return (_ctx, next) => next();
}
