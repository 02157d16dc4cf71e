// `npm run demo:app`: the demo ENT application alone, on DEMO_APP_PORT, signing people in
// through the provider at ISSUER (register it first: `npm run cli -- demo` does).
import Koa from 'koa';
import mount from 'koa-mount';
import type { Middleware } from 'koa';
import { loadConfig, ConfigError } from '../config/index.js';
import { createLogger } from '../logger.js';
import { securityHeaders } from '../http/security.js';
import { requestContext } from '../http/request-id.js';
import { trustProxies } from '../http/proxy.js';
import { createNunjucks } from '../http/views.js';
import { createDemoApp } from './index.js';
import { DEMO_APP_PATH } from './registration.js';

try {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const app = new Koa();
  app.keys = config.secrets.cookieKeys;
  trustProxies(app, config);
  app.silent = true;
  app.use(requestContext(logger));
  app.use(securityHeaders(config.demoApp.url.startsWith('https://')));
  app.use((async (ctx, next) => (ctx.path === '/' ? ctx.redirect(DEMO_APP_PATH) : next())) as Middleware);
  app.use(
    mount(
      DEMO_APP_PATH,
      createDemoApp({
        issuer: config.issuer,
        clientId: config.demoApp.clientId,
        clientSecret: config.demoApp.clientSecret,
        baseUrl: config.demoApp.url,
        nunjucks: createNunjucks({ accessibilityHref: `${config.issuer}/accessibilite` }),
        logger,
        keys: config.secrets.cookieKeys,
      }),
    ),
  );
  app.listen(config.demoApp.port, config.host, () => {
    process.stdout.write(`demo ENT application: ${config.demoApp.url}${DEMO_APP_PATH} (provider ${config.issuer})\n`);
  });
} catch (err) {
  process.stderr.write(`ent-idp demo app: ${err instanceof ConfigError ? err.message : (err as Error).message}\n`);
  process.exit(1);
}
