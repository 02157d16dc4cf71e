// `npm run admin`: the admin app alone (« Paramétrage de la classe » and the admin API) on its
// own port, against a provider running elsewhere. It knows that provider only through OIDC
// (discovery, JWKS, tokens) and shares its database (it calls the same domain services).
//
//   ADMIN_ISSUER  the provider (required), e.g. http://localhost:3000
//   ADMIN_PORT    port to listen on (default 3001)
//   ISSUER        this app's own public URL (default http://localhost:<ADMIN_PORT>): its
//                 redirect URIs are <ISSUER>/admin/auth/callback and /admin/auth/logged-out
//   ADMIN_API_AUDIENCE  default <ADMIN_ISSUER>/admin/api (the provider's default)
//   DATABASE_URL, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET, COOKIE_KEYS … as for the server.
import { createServer, type Server } from 'node:http';
import mount from 'koa-mount';
import { ConfigError, loadConfig, type Config } from '../config/index.js';
import { DatabaseUnavailableError, openDatabase } from '../db/index.js';
import { createDomain } from '../domain/index.js';
import { createNunjucks } from '../http/views.js';
import { createBaseApp } from '../http/page-stack.js';
import { createLogger } from '../logger.js';
import { createAdminApp } from './index.js';

/** The settings of the admin app alone: ISSUER is its own URL, ADMIN_ISSUER the provider. */
export function adminAloneConfig(env: NodeJS.ProcessEnv = process.env): { config: Config; port: number } {
  const port = Number(env.ADMIN_PORT ?? 3001);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError('ADMIN_PORT: must be a port number');
  const provider = env.ADMIN_ISSUER?.replace(/\/+$/, '');
  if (!provider)
    throw new ConfigError('ADMIN_ISSUER: required when the admin app runs alone (the provider’s issuer URL)');
  const config = loadConfig({
    env: {
      ...env,
      ISSUER: env.ISSUER || `http://localhost:${port}`,
      ADMIN_API_AUDIENCE: env.ADMIN_API_AUDIENCE || `${provider}/admin/api`,
    },
  });
  return { config, port };
}

export async function startAdminAlone(
  config: Config,
  port: number,
  host = config.host,
): Promise<{ url: string; close(): Promise<void> }> {
  const logger = createLogger(config.logLevel);
  const db = await openDatabase(config.database);
  const domain = createDomain({ config, db, logger });
  const nunjucks = createNunjucks({ accessibilityHref: `${config.admin.issuer}/accessibilite` });
  const app = createBaseApp(config, { logger, db, nunjucks });
  app.use(mount('/admin', createAdminApp({ config, domain, logger, nunjucks })));
  app.use(async (ctx, next) => {
    if (ctx.path === '/') return ctx.redirect('/admin/');
    await next();
  });
  // eslint-disable-next-line @typescript-eslint/no-misused-promises -- Koa's handler never rejects (ctx.onerror)
  const server: Server = createServer(app.callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  logger.info({ port: bound, issuer: config.admin.issuer }, 'admin app listening');
  return {
    url: `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${bound}`,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await db.close();
    },
  };
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  (async () => {
    const { config, port } = adminAloneConfig();
    const running = await startAdminAlone(config, port);
    process.stdout.write(
      `ent-idp admin: ${config.issuer}/admin (listening on ${running.url}, provider ${config.admin.issuer})\n`,
    );
    const stop = () =>
      void running.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  })().catch((err: unknown) => {
    const known = err instanceof ConfigError || err instanceof DatabaseUnavailableError;
    process.stderr.write(
      `ent-idp admin: ${known ? (err as Error).message.split('\n')[0] : `unexpected error: ${(err as Error)?.message ?? String(err)}`}\n`,
    );
    process.exit(1);
  });
}
