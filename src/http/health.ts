// Liveness and readiness for load balancers and orchestrators.
import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { Database } from '../db/index.js';
import { within } from './deadline.js';

/** `timeoutMs`: how long the database check may take before the instance is « unavailable ». */
export function healthRoutes(db: Database, timeoutMs: number): Middleware {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    // A database that stopped answering makes the instance unready within the timeout, not
    // when its TCP connections give up.
    const reachable = await within(timeoutMs, db.ping(), false);
    const migrated =
      reachable &&
      !(await within(
        timeoutMs,
        db.pendingMigrations().catch(() => true),
        true,
      ));
    ctx.status = reachable && migrated ? 200 : 503;
    ctx.body = {
      status: ctx.status === 200 ? 'ready' : 'unavailable',
      database: reachable ? 'up' : 'down',
      migrations: migrated ? 'applied' : 'pending',
    };
  });
  const routes = router.routes() as unknown as Middleware;
  // The router's matching is skipped on every other request (all of the provider's).
  return (ctx, next) => (ctx.path === '/healthz' || ctx.path === '/readyz' ? routes(ctx, next) : next());
}
