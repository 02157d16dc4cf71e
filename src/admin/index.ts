// The class admin application: admin API (/admin/api/v1) and admin page (/admin). It knows
// the provider only through OIDC and never imports from oidc/ or interactions/.
import Koa from 'koa';
import type nunjucks from 'nunjucks';
import type { Config } from '../config/index.js';
import type { Domain } from '../domain/index.js';
import type { Logger } from '../logger.js';

export interface AdminDeps {
  config: Config;
  domain: Domain;
  logger: Logger;
  nunjucks: nunjucks.Environment;
}

export function createAdminApp(deps: AdminDeps): Koa {
  const app = new Koa();
  app.keys = deps.config.secrets.cookieKeys;
  app.proxy = deps.config.trustProxy;
  return app;
}
