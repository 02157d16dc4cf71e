// The middleware every ent-idp web app starts with, in order: request id and log line,
// security headers, nunjucks views, the error handler (French page or problem+json),
// health routes and our static assets. The server and the admin app run alone both use it.
import type Koa from 'koa';
import mount from 'koa-mount';
import serve from 'koa-static';
import type nunjucks from 'nunjucks';
import type { Database } from '../db/index.js';
import type { Logger } from '../logger.js';
import { errorHandler } from './errors.js';
import { healthRoutes } from './health.js';
import { requestDeadline } from './deadline.js';
import { requestContext } from './request-id.js';
import { securityHeaders } from './security.js';
import { PUBLIC_DIR, viewsMiddleware } from './views.js';

export interface StackOptions {
  logger: Logger;
  db: Database;
  nunjucks: nunjucks.Environment;
  https: boolean;
  /** Runs right after the request id (e.g. the metrics timer). */
  observe?: Koa.Middleware;
  /** Deadline of a request in ms, past which it answers 503 (deadline.ts). */
  requestTimeoutMs: number;
  /** How long `/readyz` waits for the database. */
  databaseTimeoutMs: number;
}

export function useBaseStack(app: Koa, options: StackOptions): void {
  app.use(requestContext(options.logger));
  if (options.observe) app.use(options.observe);
  app.use(securityHeaders(options.https));
  app.use(viewsMiddleware(options.nunjucks));
  app.use(errorHandler(options.logger));
  app.use(requestDeadline(options.requestTimeoutMs, options.logger));
  app.use(healthRoutes(options.db, options.databaseTimeoutMs));
  app.use(mount('/static', serve(PUBLIC_DIR, { maxage: 86_400_000, gzip: false })));
}
