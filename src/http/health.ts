// Liveness and readiness for load balancers and orchestrators.
import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { Database } from '../db/index.js';

export function healthRoutes(db: Database): Middleware {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const reachable = await db.ping();
    const migrated = reachable && !(await db.pendingMigrations().catch(() => true));
    ctx.status = reachable && migrated ? 200 : 503;
    ctx.body = { status: ctx.status === 200 ? 'ready' : 'unavailable', database: reachable ? 'up' : 'down', migrations: migrated ? 'applied' : 'pending' };
  });
  const routes = router.routes() as unknown as Middleware;
  // The router's matching is skipped on every other request (all of the provider's).
  return (ctx, next) => (ctx.path === '/healthz' || ctx.path === '/readyz' ? routes(ctx, next) : next());
}
