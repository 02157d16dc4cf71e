// oidc-provider, configured as data and persisted through TypeORM.
import type { Middleware } from 'koa';
import Provider from 'oidc-provider';
import type { Config } from '../config/index.js';
import type { Database } from '../db/index.js';
import type { Domain } from '../domain/index.js';
import type { Logger } from '../logger.js';

export interface OidcDeps {
  config: Config;
  db: Database;
  domain: Domain;
  logger: Logger;
}

export interface Oidc {
  provider: Provider;
  middleware: Middleware;
  close(): Promise<void>;
}

export async function createOidc(deps: OidcDeps): Promise<Oidc> {
  const provider = new Provider(deps.config.issuer, {});
  return { provider, middleware: provider.middleware as unknown as Middleware, close: async () => undefined };
}
