// The composition root: config → database → domain services → provider → Koa apps.
// The only place that wires them together.
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import mount from 'koa-mount';
import { ConfigError, type Config } from './config/index.js';
import { openDatabase, type Database } from './db/index.js';
import { createLogger, type Logger } from './logger.js';
import { createNunjucks } from './http/views.js';
import { createBaseApp } from './http/page-stack.js';
import { createDomain, type Domain } from './domain/index.js';
import { createOidc, type Oidc } from './oidc/index.js';
import { ClientRejected } from './oidc/clients.js';
import { startLogoutDeliveries, type LogoutDeliveries } from './oidc/backchannel.js';
import { interactionRoutes } from './interactions/index.js';
import { createAdminApp } from './admin/index.js';
import { CALLBACK_PATH, LOGGED_OUT_PATH } from './admin/page/oidc-client.js';
import { createMetrics, type Metrics } from './http/metrics.js';
import { createDemoApp } from './demo-app/index.js';
import { demoAppClient, demoAppMounts } from './demo-app/registration.js';
import { ADMIN_SCOPE } from './scopes.js';
import { casClient, casRoutes, createCasMetrics } from './cas/index.js';
import { createEduconnectLogout, createEduconnectSp, educonnectSpRoutes } from './educonnect/index.js';
import { loadIdpMetadata } from './domain/educonnect/index.js';
import { startIdpMetadataRefresh } from './educonnect/metadata-refresh.js';
import { createSamlMetrics, samlClient, samlRoutes } from './saml/index.js';
import { reusableSession } from './saml/session-reuse.js';
import type { CasDomain } from './domain/cas/index.js';

export interface EntIdpServer {
  config: Config;
  db: Database;
  domain: Domain;
  oidc: Oidc;
  logger: Logger;
  app: Koa;
  /** Prometheus registry and counters (served at /metrics when METRICS is on). */
  metrics: Metrics;
  /** The back-channel logout worker of this instance. */
  logoutDeliveries: LogoutDeliveries;
  /** The CAS services registry and service tickets (src/cas serves them). */
  cas: CasDomain;
  /** Starts listening; resolves with the base URL actually bound. */
  listen(port?: number, host?: string): Promise<string>;
  /** Stops accepting, lets in-flight requests finish, closes the database. */
  close(): Promise<void>;
}

export interface ServerOptions {
  logger?: Logger;
  /** An already opened database (tests); otherwise one is opened and migrated from config. */
  db?: Database;
}

/**
 * The admin page is mounted here, so its client is registered here, idempotently, from
 * ADMIN_CLIENT_ID / ADMIN_CLIENT_SECRET. (Run alone, the admin app is registered with
 * `ent-idp client add` like any ENT application.)
 */
async function registerAdminClient(oidc: Oidc, config: Config): Promise<void> {
  await oidc.clients.save({
    clientId: config.admin.clientId,
    name: 'Paramétrage de la classe',
    type: 'confidential',
    secret: config.admin.clientSecret,
    redirectUris: [`${config.issuer}${CALLBACK_PATH}`],
    postLogoutRedirectUris: [`${config.issuer}${LOGGED_OUT_PATH}`],
    grantTypes: ['authorization_code', 'refresh_token'],
    scopes: ['openid', 'profile', ADMIN_SCOPE],
    firstParty: true,
  });
}

/** Clients declared in CLIENTS_FILE; a bad file stops the start with one line naming it. */
async function applyClientsFile(oidc: Oidc, path: string): Promise<void> {
  try {
    await oidc.clients.applyFile(path);
  } catch (err) {
    if (err instanceof ClientRejected) throw new ConfigError(`CLIENTS_FILE: ${err.publicMessage}`);
    throw err;
  }
}

export async function createServer(config: Config, options: ServerOptions = {}): Promise<EntIdpServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const db = options.db ?? (await openDatabase(config.database));
  try {
    return await compose(config, db, logger, !options.db);
  } catch (err) {
    // A start that fails half-way (bad clients file, …) leaves no connection behind.
    if (!options.db) await db.close();
    throw err;
  }
}

async function compose(config: Config, db: Database, logger: Logger, ownsDatabase: boolean): Promise<EntIdpServer> {
  const domain = createDomain({ config, db, logger });
  const nunjucks = createNunjucks();
  const metrics = createMetrics({ db, poolSize: config.database.poolSize, token: config.metrics.token });
  metrics.instrumentDomain(domain);
  const oidc = await createOidc({ config, db, domain, logger, nunjucks });
  oidc.onProvider((provider) => metrics.instrumentProvider(provider));
  const logoutDeliveries = startLogoutDeliveries({
    db,
    issuer: config.issuer,
    clients: oidc.clients,
    signingKeys: oidc.signingKeys,
    logger,
    retryForSeconds: config.backchannelLogoutRetry,
    onOutcome: (outcome) => metrics.countLogoutDelivery(outcome),
  });
  domain.logoutQueue.onQueued(() => logoutDeliveries.kick());
  await registerAdminClient(oidc, config);
  // CAS sign-ins go through the provider as this internal client (src/cas/oidc-client.ts).
  await oidc.clients.save(casClient(config));
  // SAML sign-ins ride the same way, as `ent-saml` (src/saml/oidc-client.ts).
  await oidc.clients.save(samlClient(config));
  const { cas } = domain;
  if (config.clientsFile) await applyClientsFile(oidc, config.clientsFile);
  // The demo ENT applications, outside production only; their clients are registered like the admin's.
  const demoApps = config.env !== 'production' ? demoAppMounts(config) : [];
  for (const demo of demoApps) await oidc.clients.save(demoAppClient(config, demo));

  // The provider's cookie keys: interaction cookies set through the outer app must verify there.
  const app = createBaseApp(config, {
    logger,
    db,
    nunjucks,
    observe: config.metrics.enabled ? metrics.middleware : undefined,
  });
  app.use(mount('/admin', createAdminApp({ config, domain, logger, nunjucks })));
  for (const { path, clientId, title } of demoApps) {
    const demo = createDemoApp({
      path,
      title,
      issuer: config.issuer,
      clientId,
      clientSecret: config.demoApp.clientSecret,
      baseUrl: config.issuer,
      nunjucks,
      logger,
      keys: config.secrets.cookieKeys,
    });
    app.use(mount(path, demo));
  }
  app.use(
    casRoutes({
      config,
      cas,
      logger,
      signingKeys: oidc.signingKeys,
      metrics: createCasMetrics(metrics.registry),
    }),
  );
  app.use(
    samlRoutes({
      config,
      saml: domain.saml,
      logger,
      signingKeys: oidc.signingKeys,
      metrics: createSamlMetrics(metrics.registry),
      reusableSession: reusableSession(oidc, domain.terms),
    }),
  );
  // ÉduConnect (our SP side), when configured: its metadata is read at start, then again every
  // EDUCONNECT_METADATA_REFRESH seconds (educonnect/metadata-refresh.ts).
  const educonnect = config.educonnect
    ? createEduconnectSp({
        config,
        idp: await loadIdpMetadata(config.educonnect.metadata),
        requests: domain.educonnect.requests,
        signingKeys: oidc.signingKeys,
      })
    : null;
  const educonnectMetadata =
    educonnect && config.educonnect
      ? startIdpMetadataRefresh({
          source: config.educonnect.metadata,
          sp: educonnect,
          intervalSeconds: config.educonnect.metadataRefreshSeconds,
          logger,
        })
      : null;
  const educonnectLogout = educonnect ? createEduconnectLogout({ config, sp: educonnect, logger }) : null;
  app.use(
    educonnectSpRoutes({ config, educonnect: domain.educonnect, sp: educonnect, logout: educonnectLogout, logger }),
  );
  // The QR code of connection sheets (GET /connexion) opens the ENT portal's sign-in
  // (ENT_LOGIN_URL), else the first demo application, when there is one.
  const defaultAppLogin = config.entLoginUrl ?? (demoApps[0] ? `${demoApps[0].path}/login` : undefined);
  app.use(interactionRoutes(app, { config, domain, oidc, logger, defaultAppLogin, educonnect, educonnectLogout }));
  // After the provider's logout, ÉduConnect's too for who signed in with it (educonnect/logout.ts).
  if (educonnectLogout) app.use(educonnectLogout.hook);
  // Last: oidc-provider answers its own routes and ends the request there.
  app.use(oidc.middleware);

  let server: Server | undefined;
  let purgeTimer: NodeJS.Timeout | undefined;
  return {
    config,
    db,
    domain,
    oidc,
    logger,
    app,
    metrics,
    logoutDeliveries,
    cas,
    async listen(port = config.port, host = config.host) {
      // eslint-disable-next-line @typescript-eslint/no-misused-promises -- Koa's handler never rejects (ctx.onerror)
      server = createHttpServer(app.callback());
      server.keepAliveTimeout = 5_000;
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, host, () => resolve());
      });
      if (config.purgeInterval > 0) {
        purgeTimer = setInterval(() => {
          void domain.maintenance.purgeExpired().catch((err) => logger.warn({ err }, 'purge failed'));
        }, config.purgeInterval * 1000);
        purgeTimer.unref();
      }
      const { port: bound } = server.address() as AddressInfo;
      return `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${bound}`;
    },
    async close() {
      if (purgeTimer) clearInterval(purgeTimer);
      educonnectMetadata?.stop();
      if (server) {
        const closing = new Promise<void>((resolve) => server!.close(() => resolve()));
        server.closeIdleConnections();
        // In-flight requests get a moment to finish; then the remaining sockets are cut.
        const force = setTimeout(() => server!.closeAllConnections(), 3_000);
        force.unref();
        await closing;
        clearTimeout(force);
      }
      await logoutDeliveries.stop();
      await oidc.close();
      if (ownsDatabase) await db.close();
    },
  };
}
