// The pages people see while signing in: CONNEXION, the password page opened by an
// activation or renewal code, consent, and recovery. See FLOWS.md for the states.
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import compose from 'koa-compose';
import type Koa from 'koa';
import type { Middleware } from 'koa';
import type { Config } from '../config/index.js';
import type { EduconnectLogout, EduconnectSp } from '../educonnect/index.js';
import type { Domain } from '../domain/index.js';
import type { Logger } from '../logger.js';
import type { Oidc } from '../oidc/index.js';
import { badgeRoutes } from './badge.js';
import { educonnectRoutes } from './educonnect.js';
import { consentRoutes } from './consent.js';
import { csrfProtection } from './csrf.js';
import { entryRoutes } from './entry.js';
import { loginRoutes } from './login.js';
import { recoveryRoutes } from './recovery.js';
import { flowSession } from './session.js';
import { setPasswordRoutes } from './set-password.js';
import { termsRoutes } from './terms.js';

export interface InteractionDeps {
  config: Config;
  domain: Domain;
  oidc: Oidc;
  logger: Logger;
  /** Where GET /connexion sends the browser: the default ENT application's login start (it forwards `login_hint`). */
  defaultAppLogin?: string;
  /** « Se connecter avec ÉduConnect », when configured. */
  educonnect?: EduconnectSp | null;
  /** Remembers an ÉduConnect sign-in for the logout toward ÉduConnect. */
  educonnectLogout?: EduconnectLogout | null;
}

const PAGE_PATHS = /^\/(interaction\/|mot-de-passe|identifiant-oublie|connexion$|badge$|accessibilite$)/;

export function interactionRoutes(app: Koa, deps: InteractionDeps): Middleware {
  const router = new Router();
  loginRoutes(router, deps);
  badgeRoutes(router, deps);
  educonnectRoutes(router, deps);
  setPasswordRoutes(router, deps);
  consentRoutes(router, deps);
  termsRoutes(router, deps);
  recoveryRoutes(router, deps);
  entryRoutes(router, deps);
  const pages = compose([
    flowSession(app, deps.config, deps.logger),
    bodyParser({ enableTypes: ['form'], formLimit: '32kb' }) as unknown as Middleware,
    csrfProtection(),
    router.routes() as unknown as Middleware,
    router.allowedMethods() as unknown as Middleware,
  ]);
  // Only our own paths get sessions and body parsing: oidc-provider reads its own bodies.
  return (ctx, next) => (PAGE_PATHS.test(ctx.path) ? pages(ctx, next) : next());
}
