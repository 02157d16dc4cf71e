// Signing the teacher in and out through the provider (see oidc-client.ts), and finding the
// signed-in teacher on every page request.
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Actor } from '../../domain/admin/index.js';
import { CALLBACK_PATH } from './oidc-client.js';
import { AppError, renderErrorPage } from '../../http/errors.js';
import type { AdminDeps } from '../index.js';
import type { AdminSessionState } from '../api/auth.js';
import type { PageDeps } from './index.js';
import { adminServices } from './services.js';
import { sessionOf } from './session.js';

/** Only our own pages are return addresses (no open redirect). */
export function safeReturn(value: unknown): string {
  return typeof value === 'string' &&
    /^\/admin(\/|$|\?)/.test(value) &&
    !value.startsWith('//') &&
    !value.includes('\\')
    ? value
    : '/admin/';
}

export interface Teacher {
  actor: Actor;
  displayName: string;
}

/**
 * The signed-in teacher, or null after answering: a GET goes to the provider's CONNEXION
 * and comes back here; a live-search fragment gets 401 (the script reloads the page); a
 * POST whose session ended goes to CONNEXION too (the action is not replayed).
 */
export async function requireTeacher(ctx: Context, deps: AdminDeps): Promise<Teacher | null> {
  const signedIn = (ctx.state as { adminSession?: AdminSessionState }).adminSession;
  if (signedIn) {
    const actor = await adminServices(deps.domain).loadActor(signedIn.accountId);
    if (actor) return { actor, displayName: `${actor.account.firstName} ${actor.account.lastName}`.trim() };
    // Blocked (its sessions are gone already) or deleted since sign-in: the session ends here.
    const session = sessionOf(ctx);
    if (session.sid) await deps.domain.adminSessions.close(session.sid);
    delete session.sid;
    throw new AppError(403, 'forbidden', 'Votre compte ne permet plus d’accéder à cette page.');
  }
  if (ctx.query.partiel) {
    ctx.status = 401;
    ctx.body = '';
    return null;
  }
  const back = ctx.method === 'GET' ? ctx.originalUrl : '/admin/';
  ctx.status = 303;
  ctx.redirect(`/admin/auth/login?retour=${encodeURIComponent(back)}`);
  return null;
}

export function authRoutes(router: Router, deps: PageDeps): void {
  const { oidc, domain } = deps;

  router.get('/auth/login', async (ctx) => {
    const session = sessionOf(ctx);
    const returnTo = safeReturn(ctx.query.retour);
    if (ctx.state.adminSession) return ctx.redirect(returnTo);
    const { url, pending } = await oidc.start(returnTo);
    session.pending = pending;
    ctx.redirect(url.href);
  });

  router.get('/auth/callback', async (ctx) => {
    const session = sessionOf(ctx);
    const pending = session.pending;
    delete session.pending;
    if (typeof ctx.query.error === 'string') {
      deps.logger.info({ error: ctx.query.error }, 'admin sign-in refused by the provider');
      ctx.set('Cache-Control', 'no-store');
      return renderErrorPage(
        ctx,
        403,
        'Connexion refusée',
        'La connexion à « Paramétrage de la classe » n’a pas abouti.',
      );
    }
    if (!pending) return ctx.redirect('/admin/');
    try {
      const signedIn = await oidc.finish(new URL(`${oidc.baseUrl}${CALLBACK_PATH}${ctx.search}`), pending);
      if (session.sid) await domain.adminSessions.close(session.sid);
      session.sid = await domain.adminSessions.open(signedIn);
      // A new CSRF secret with the new session: a token seen before signing in is worth nothing after.
      delete session.secret;
      delete session.csrfToken;
    } catch (err) {
      deps.logger.info({ err }, 'admin sign-in callback failed');
      ctx.set('Cache-Control', 'no-store');
      return renderErrorPage(
        ctx,
        400,
        'Connexion interrompue',
        'La connexion n’a pas pu être vérifiée. Recommencez depuis « Paramétrage de la classe ».',
      );
    }
    ctx.redirect(safeReturn(pending.returnTo));
  });

  // Déconnexion: forget the page's session, then RP-initiated logout at the provider, which
  // comes back to /admin/auth/logged-out.
  router.post('/auth/logout', async (ctx) => {
    const { sid } = sessionOf(ctx);
    const signedIn = sid ? await domain.adminSessions.find(sid) : null;
    // Ended in the database first: a copy of the cookie is worth nothing from now on.
    if (sid) await domain.adminSessions.close(sid);
    (ctx as unknown as { session: null }).session = null;
    const url = await oidc.endSessionUrl(signedIn?.idToken);
    ctx.status = 303;
    ctx.redirect(url.href);
  });

  router.get('/auth/logged-out', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    await ctx.render('admin/logged-out', { title: 'Vous êtes déconnecté' });
  });
}
