// The admin page's own cookie session (koa-session, sealed with AES-256-GCM like the login
// pages' session): a CSRF secret and token, the login in progress, a one-shot flash message,
// and — once the teacher has signed in — the id of their session in the database
// (domain/admin-sessions.ts), which is what says who is signed in and until when. Nothing in
// the cookie is readable by the browser, and nothing in it signs anyone in on its own.
//
// koa-session attaches `ctx.session` to the Koa app's context prototype. Mounted with
// koa-mount, the admin app runs on the *parent's* ctx (whose `session` is the login pages'
// flow session), so koa-session gets a private context prototype here and runs on a
// per-request view of ctx; `ctx.session` is then pinned to the admin session for the rest
// of the request (koa-csrf reads it there). Alone (src/admin/main.ts) it works the same.
import session from 'koa-session';
import type { Context, Middleware, Next } from 'koa';
import type { Config } from '../../config/index.js';
import { sealedSessionOptions } from '../../http/sealed-session.js';
import type { Logger } from '../../logger.js';
import type { PendingLogin } from './oidc-client.js';

export const ADMIN_SESSION_COOKIE = 'ent.admin';

export interface Flash {
  kind: 'notice' | 'error';
  text: string;
}

export interface AdminSessionData {
  /** koa-csrf's per-session secret. */
  secret?: string;
  /** One token of that secret, stable for the session: forms and the API's X-CSRF-Token. */
  csrfToken?: string;
  /** The signed-in session's id (admin_sessions), once the teacher has signed in. */
  sid?: string;
  pending?: PendingLogin;
  flash?: Flash;
}

export function adminCookieSession(config: Config, logger: Logger): Middleware {
  const holder = { context: {} as object, use: () => holder };
  const middleware = session(
    sealedSessionOptions(config, ADMIN_SESSION_COOKIE, 'admin-session', logger),
    holder as never,
  ) as unknown as (ctx: object, next: Next) => Promise<void>;
  const descriptors = Object.getOwnPropertyDescriptors(holder.context);

  return async function adminCookies(ctx: Context, next: Next) {
    const view = Object.create(ctx, descriptors) as Context & { session: AdminSessionData | null };
    await middleware(view, async () => {
      Object.defineProperty(ctx, 'session', {
        configurable: true,
        get: () => view.session,
        set: (value: AdminSessionData | null) => {
          view.session = value;
        },
      });
      await next();
    });
  };
}

/** The admin session of this request (set by adminCookieSession). */
export const sessionOf = (ctx: Context): AdminSessionData => (ctx as unknown as { session: AdminSessionData }).session;

/** Takes the flash message, if any, out of the session. */
export function takeFlash(ctx: Context): Flash | undefined {
  const s = sessionOf(ctx);
  const flash = s.flash;
  if (flash) delete s.flash;
  return flash;
}
