// The CAS 3.0 server at <ISSUER>/cas, on the provider's one sign-on (see login.ts for the
// flow, validate.ts for validation, single-logout.ts for single logout).
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import compose from 'koa-compose';
import type { Middleware } from 'koa';
import type { JWK } from 'jose';
import type { Config } from '../config/index.js';
import type { CasDomain } from '../domain/cas/index.js';
import type { Logger } from '../logger.js';
import { casBrowserStore, type CasBrowserStore } from './browser-state.js';
import { loginRoutes } from './login.js';
import type { CasMetrics } from './metrics.js';
import { BACKCHANNEL_LOGOUT_PATH, createCasOidcClient, type CasOidcClient } from './oidc-client.js';
import { createSingleLogout } from './single-logout.js';
import { validateRoutes } from './validate.js';

export { casClient } from './oidc-client.js';
export { createCasMetrics } from './metrics.js';

export interface CasAppDeps {
  config: Config;
  cas: CasDomain;
  logger: Logger;
  /** The provider's signing keys (single logout checks logout tokens with them). */
  signingKeys(): JWK[];
  metrics?: CasMetrics;
}

export interface CasDeps extends CasAppDeps {
  oidcClient: CasOidcClient;
  browserState: CasBrowserStore;
}

export function casRoutes(app: CasAppDeps): Middleware {
  const deps: CasDeps = {
    ...app,
    oidcClient: createCasOidcClient(app.config),
    browserState: casBrowserStore(app.config, app.logger),
  };
  const singleLogout = createSingleLogout({
    issuer: app.config.issuer,
    tickets: app.cas.tickets,
    signingKeys: app.signingKeys,
    logger: app.logger,
    metrics: app.metrics,
  });
  const router = new Router();
  loginRoutes(router, deps);
  validateRoutes(router, deps);
  router.post(
    BACKCHANNEL_LOGOUT_PATH,
    bodyParser({ enableTypes: ['form'], formLimit: '16kb' }) as never,
    async (ctx) => {
      const token = (ctx.request as unknown as { body?: Record<string, unknown> }).body?.logout_token;
      ctx.set('Cache-Control', 'no-store');
      ctx.status = typeof token === 'string' && (await singleLogout.receive(token)) ? 200 : 400;
      ctx.body = '';
    },
  );
  const routes = compose([router.routes() as unknown as Middleware, router.allowedMethods() as unknown as Middleware]);
  return (ctx, next) => (ctx.path === '/cas' || ctx.path.startsWith('/cas/') ? routes(ctx, next) : next());
}
