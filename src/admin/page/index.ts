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
import type Koa from 'koa';
import type { Context, Middleware } from 'koa';
import { AppError } from '../../http/errors.js';
import type { AdminDeps } from '../index.js';
import { actionRoutes } from './actions.js';
import { authRoutes } from './auth.js';
import { classPageRoutes } from './class-page.js';
import { pageContext } from './context.js';
import { adminCookieSession, sessionOf } from './session.js';

export { ADMIN_SESSION_COOKIE } from './session.js';

type CsrfOptions = { excludedMethods?: string[]; disableQuery?: boolean; errorHandler?: (ctx: Context) => unknown };
const csrf = (options: CsrfOptions) => new (CSRF as unknown as new (opts: CsrfOptions) => Middleware)(options);

const isApi = (ctx: Context) => ctx.path.startsWith('/api/') || ctx.path === '/api';

/** What the admin page's session leaves for the admin API's cookie authentication. */
export interface AdminSessionState {
  accessToken: string;
  csrfToken: string;
  accountId: string;
}

/**
 * The page's own session, for every request of the admin app. When the teacher is signed in
 * it refreshes an expired access token and sets
 * `ctx.state.adminSession = { accessToken, csrfToken, accountId }` (the API's cookie auth).
 */
export function adminSession(_app: Koa, deps: AdminDeps): Middleware {
  const page = pageContext(deps);
  // koa-csrf here only mints the session's secret and a token (no method is checked); the
  // page's forms are checked in pageRoutes, the API checks X-CSRF-Token itself.
  const mint = csrf({ excludedMethods: ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE'] });
  const state: Middleware = async (ctx, next) => {
    const session = sessionOf(ctx);
    if (!isApi(ctx) || session.csrfToken) {
      await mint(ctx, async () => undefined);
      session.csrfToken ??= ctx.state._csrf as string;
    }
    if (session.tokens && Date.now() >= session.tokens.expiresAt) {
      try {
        session.tokens = await page.refresh(session.tokens);
      } catch (err) {
        deps.logger.info({ err, reqId: ctx.state.reqId }, 'admin page: refresh failed, signing out');
        delete session.tokens;
      }
    }
    if (session.tokens && session.csrfToken) {
      ctx.state.adminSession = { accessToken: session.tokens.accessToken, csrfToken: session.csrfToken, accountId: session.tokens.accountId } satisfies AdminSessionState;
    }
    await next();
  };
  return compose([adminCookieSession(deps.config), state]);
}

export function pageRoutes(deps: AdminDeps): Middleware {
  const router = new Router();
  authRoutes(router, deps);
  classPageRoutes(router, deps);
  actionRoutes(router, deps);
  const pages = compose([
    bodyParser({ enableTypes: ['form'], formLimit: '64kb' }) as unknown as Middleware,
    csrf({
      disableQuery: true,
      errorHandler() {
        throw new AppError(403, 'invalid_csrf_token', 'Cette page a expiré. Revenez en arrière, rechargez la page et réessayez.');
      },
    }),
    router.routes() as unknown as Middleware,
    router.allowedMethods() as unknown as Middleware,
  ]);
  return (ctx, next) => (isApi(ctx) ? next() : pages(ctx, next));
}
