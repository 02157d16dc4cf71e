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
  return router.routes() as unknown as Middleware;
}
