// The admin page « Paramétrage de la classe »: / inside the admin app (so /admin).
//
//   GET  /                               the teacher's classes (straight to the class when one)
//   GET  /classes/:id?onglet=&q=&page=   a class, one tab (ÉLÈVES, PARENTS, ENSEIGNANTS, PERSONNELS)
//   POST /classes/:id/actions            codes, block/unblock, password resets, connection sheets
//   GET  /classes/:id/codes?ids=         the codes just generated, printable
//   GET  /auth/login, /auth/callback     sign-in through the provider (OIDC client)
//   POST /auth/logout, GET /auth/logged-out
//
// Server-rendered (views/admin/*.njk), usable without JavaScript; public/admin/*.js adds the
// live search, select-all and confirmation dialogs.
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import compose from 'koa-compose';
import CSRF from 'koa-csrf';
import type { Context, Middleware } from 'koa';
import { AppError } from '../../http/errors.js';
import type { AdminDeps } from '../index.js';
import type { AdminSessionState } from '../api/auth.js';
import type { PageOidcClient } from './oidc-client.js';
import { actionRoutes } from './actions.js';
import { authRoutes } from './auth.js';
import { classPageRoutes } from './class-page.js';
import { adminCookieSession, sessionOf } from './session.js';

export { ADMIN_SESSION_COOKIE } from './session.js';

type CsrfOptions = { excludedMethods?: string[]; disableQuery?: boolean; errorHandler?: (ctx: Context) => unknown };
const csrf = (options: CsrfOptions) => new (CSRF as unknown as new (opts: CsrfOptions) => Middleware)(options);

const isApi = (ctx: Context) => ctx.path.startsWith('/api/') || ctx.path === '/api';

/** The admin app's deps, plus the page's own OIDC client (one per app). */
export interface PageDeps extends AdminDeps {
  oidc: PageOidcClient;
}

/**
 * The page's own session, for every request of the admin app. When the cookie names a
 * signed-in session that the database still holds, it sets
 * `ctx.state.adminSession = { accountId, csrfToken }` (the page's teacher, and the API's
 * cookie authentication); a session ended elsewhere (Déconnexion, password change, block)
 * is forgotten here.
 */
export function adminSession(deps: PageDeps): Middleware {
  // koa-csrf here only mints the session's secret and a token (no method is checked); the
  // page's forms are checked in pageRoutes, the API checks X-CSRF-Token itself.
  const mint = csrf({ excludedMethods: ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE'] });
  const state: Middleware = async (ctx, next) => {
    const session = sessionOf(ctx);
    if (!isApi(ctx) || session.csrfToken) {
      await mint(ctx, async () => undefined);
      session.csrfToken ??= ctx.state._csrf as string;
    }
    if (session.sid) {
      const signedIn = await deps.domain.adminSessions.find(session.sid);
      if (!signedIn) delete session.sid;
      else if (session.csrfToken)
        ctx.state.adminSession = {
          accountId: signedIn.accountId,
          csrfToken: session.csrfToken,
        } satisfies AdminSessionState;
    }
    await next();
  };
  return compose([adminCookieSession(deps.config, deps.logger), state]);
}

export function pageRoutes(deps: PageDeps): Middleware {
  const router = new Router();
  authRoutes(router, deps);
  classPageRoutes(router, deps);
  actionRoutes(router, deps);
  const pages = compose([
    bodyParser({ enableTypes: ['form'], formLimit: '64kb' }) as unknown as Middleware,
    csrf({
      disableQuery: true,
      errorHandler() {
        throw new AppError(
          403,
          'invalid_csrf_token',
          'Cette page a expiré. Revenez en arrière, rechargez la page et réessayez.',
        );
      },
    }),
    router.routes() as unknown as Middleware,
    router.allowedMethods() as unknown as Middleware,
  ]);
  return (ctx, next) => (isApi(ctx) ? next() : pages(ctx, next));
}
