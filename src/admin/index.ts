// The class admin application: admin API (/admin/api/v1) and admin page (/admin). It knows
// the provider only through OIDC (discovery, JWKS, tokens) and never imports from oidc/ or
// interactions/, so it can also run alone against a remote issuer.
import Koa from 'koa';
import type nunjucks from 'nunjucks';
import type { Config } from '../config/index.js';
import type { Domain } from '../domain/index.js';
import type { Logger } from '../logger.js';
import { trustProxies } from '../http/proxy.js';
import { apiRoutes } from './api/index.js';
import { adminSession, pageRoutes } from './page/index.js';
import { createPageOidcClient } from './page/oidc-client.js';

export interface AdminDeps {
  config: Config;
  domain: Domain;
  logger: Logger;
  nunjucks: nunjucks.Environment;
}

export function createAdminApp(deps: AdminDeps): Koa {
  const app = new Koa();
  app.keys = deps.config.secrets.cookieKeys;
  trustProxies(app, deps.config);
  const page = { ...deps, oidc: createPageOidcClient(deps.config) };
  // The page's session (cookie + CSRF) sets ctx.state.adminSession for the API too.
  app.use(adminSession(page));
  app.use(apiRoutes(deps));
  app.use(pageRoutes(page));
  return app;
}
