// Logout toward ÉduConnect (issue 19). A person signed in with ÉduConnect is signed in there
// too; when they log out of the ENT, ÉduConnect should hear of it:
//
//   ÉduConnect sign-in ─▶ sealed cookie `ent.educonnect`: the assertion's NameID, SessionIndex,
//                         FrEduUrlRetour
//   POST /session/end/confirm (« Se déconnecter », any application, CAS and SAML too)
//     the provider ends the session and answers with a redirect; then, if the cookie is there:
//     ÉduConnect has a SingleLogoutService ─▶ a signed LogoutRequest (HTTP-Redirect) instead;
//       the redirect the provider wanted waits in the cookie
//     else FrEduUrlRetour (https) ─▶ the browser goes there (ÉduConnect's own logout page)
//   GET /saml/sp/slo?SAMLResponse ─ ÉduConnect's LogoutResponse, checked (node-saml, InResponseTo
//     the request we sent) ─▶ the redirect the provider wanted; refused ─▶ « Vous êtes
//     déconnecté de l'ENT » saying ÉduConnect did not confirm
import { randomBytes } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import type { Config } from '../config/index.js';
import type { FederatedIdentity } from '../domain/educonnect/index.js';
import { sealedCookie } from '../http/sealed-session.js';
import type { Logger } from '../logger.js';
import type { EduconnectSp, SessionAtEduconnect } from './sp.js';

export const EDUCONNECT_COOKIE = 'ent.educonnect';
const CONFIRM_PATH = '/session/end/confirm';

interface CookieState {
  session: SessionAtEduconnect & { logoutUrl: string | null };
  /** Set while a LogoutRequest is out: where the provider meant to send the browser. */
  pending?: { requestId: string; relayState: string; returnTo: string };
}

export interface EduconnectLogout {
  /** At an ÉduConnect sign-in. */
  remember(ctx: Context, identity: FederatedIdentity): void;
  /** Wraps the provider's logout confirmation (mounted before the provider). */
  hook: Middleware;
  /** GET /saml/sp/slo. */
  complete(ctx: Context): Promise<void>;
}

const httpsUrl = (value: string | null | undefined): string | null =>
  value && URL.canParse(value) && new URL(value).protocol === 'https:' ? value : null;

export function createEduconnectLogout(deps: { config: Config; sp: EduconnectSp; logger: Logger }): EduconnectLogout {
  const { config, sp, logger } = deps;
  const cookie = sealedCookie(config, EDUCONNECT_COOKIE, 'educonnect-logout', logger, '/');
  const read = (ctx: Context): CookieState | null => {
    const value = cookie.read(ctx) as Partial<CookieState> | null;
    return value?.session ? (value as CookieState) : null;
  };
  const write = (ctx: Context, state: CookieState | null) => cookie.write(ctx, state);

  return {
    remember(ctx, identity) {
      write(ctx, {
        session: {
          nameId: identity.nameId,
          nameIdFormat: identity.nameIdFormat,
          sessionIndex: identity.sessionIndex,
          logoutUrl: httpsUrl(identity.logoutUrl),
        },
      });
    },

    async hook(ctx, next) {
      if (ctx.path !== CONFIRM_PATH || ctx.method !== 'POST') return next();
      const state = read(ctx);
      await next();
      const loggedOut = (ctx as { oidc?: { params?: { logout?: unknown } } }).oidc?.params?.logout === 'yes';
      const returnTo = ctx.response.get('Location');
      if (!state || !loggedOut || ctx.status < 300 || ctx.status >= 400 || !returnTo) return;
      const relayState = randomBytes(16).toString('base64url');
      const request = await sp.logoutUrl(state.session, relayState).catch((err: unknown) => {
        logger.warn({ err: String(err) }, 'ÉduConnect LogoutRequest could not be built');
        return null;
      });
      if (request) {
        write(ctx, { ...state, pending: { requestId: request.id, relayState, returnTo } });
        ctx.status = 303;
        ctx.redirect(request.url);
      } else if (state.session.logoutUrl) {
        write(ctx, null);
        ctx.status = 303;
        ctx.redirect(state.session.logoutUrl);
      } else write(ctx, null);
    },

    async complete(ctx) {
      ctx.set('Cache-Control', 'no-store');
      const state = read(ctx);
      write(ctx, null);
      const query = Object.fromEntries(
        Object.entries(ctx.query).filter((e): e is [string, string] => typeof e[1] === 'string'),
      );
      let confirmed = false;
      if (state?.pending && query.SAMLResponse && query.RelayState === state.pending.relayState) {
        try {
          confirmed = (await sp.validateLogoutResponse(query, ctx.querystring)) === state.pending.requestId;
        } catch (err) {
          logger.info({ err: String(err).slice(0, 160) }, 'ÉduConnect LogoutResponse refused');
        }
      }
      if (confirmed) {
        ctx.status = 303;
        return ctx.redirect(state!.pending!.returnTo);
      }
      await ctx.render('info', {
        title: 'Vous êtes déconnecté',
        message:
          'Vous êtes déconnecté de l’ENT. ÉduConnect n’a pas confirmé votre déconnexion : fermez le navigateur si l’ordinateur est partagé.',
      });
    },
  };
}
