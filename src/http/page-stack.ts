// The middleware every ent-idp web app starts with, in order: request id and log line,
// security headers, nunjucks views, the error handler (French page or problem+json),
// health routes and our static assets. The server and the admin app run alone both start
// with `createBaseApp`.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import Koa from 'koa';
import mount from 'koa-mount';
import serve from 'koa-static';
import type nunjucks from 'nunjucks';
import type { Config } from '../config/index.js';
import type { Database } from '../db/index.js';
import type { Logger } from '../logger.js';
import { errorHandler } from './errors.js';
import { healthRoutes } from './health.js';
import { trustProxies } from './proxy.js';
import { requestDeadline } from './deadline.js';
import { requestContext } from './request-id.js';
import { securityHeaders } from './security.js';
import { PUBLIC_DIR, viewsMiddleware } from './views.js';
import { CookieKeys } from './cookie-keys.js';

const JSQR_DIR = dirname(createRequire(import.meta.url).resolve('jsqr/dist/jsQR.js'));

export interface BaseAppDeps {
  logger: Logger;
  db: Database;
  nunjucks: nunjucks.Environment;
  /** Runs right after the request id (e.g. the metrics timer). */
  observe?: Koa.Middleware;
}

/**
 * A Koa app with the house's base stack, as the server and the admin app run alone both start:
 * the cookie keys (the same as the provider's, so cookies set through it verify there), the
 * trusted proxies, no default error output (errorHandler logs), then the middleware below.
 */
export function createBaseApp(config: Config, deps: BaseAppDeps): Koa {
  const app = new Koa();
  app.keys = new CookieKeys(config.secrets.cookieKeys);
  trustProxies(app, config);
  app.silent = true;
  app.use(requestContext(deps.logger));
  if (deps.observe) app.use(deps.observe);
  app.use(securityHeaders(config.issuer.startsWith('https://')));
  app.use(viewsMiddleware(deps.nunjucks));
  app.use(errorHandler(deps.logger));
  app.use(requestDeadline(config.requestTimeoutMs, deps.logger));
  app.use(healthRoutes(deps.db, config.database.timeoutMs));
  // The QR decoder of « Scanner mon badge », served as the package ships it (same origin: strict CSP).
  app.use(mount('/static/vendor/jsqr', serve(JSQR_DIR, { maxage: 86_400_000, gzip: false })));
  app.use(mount('/static', serve(PUBLIC_DIR, { maxage: 86_400_000, gzip: false })));
  return app;
}
