// Login, first password / renewal and recovery pages (the provider's interactions).
import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { Config } from '../config/index.js';
import type { Domain } from '../domain/index.js';
import type { Logger } from '../logger.js';
import type { Oidc } from '../oidc/index.js';

export interface InteractionDeps {
  config: Config;
  domain: Domain;
  oidc: Oidc;
  logger: Logger;
}

export function interactionRoutes(_deps: InteractionDeps): Middleware {
  const router = new Router();
  return router.routes() as unknown as Middleware;
}
