// CAS sign-in and sign-out, riding on the provider's OIDC flow (one sign-on, one logout).
//
//   GET /cas/login?service=S[&renew][&gateway]
//     S missing, malformed or not registered ─▶ French error page (never a redirect)
//     remember {S, PKCE, state, nonce} in the sealed `ent.cas` cookie
//     ─▶ /auth (client ent-cas; prompt=login for renew, prompt=none for gateway)
//          provider session? ─ yes ─▶ silent │ no ─▶ CONNEXION (password or one-time code)
//   GET /cas/callback?code&state
//     unknown state ─▶ error page; gateway and login_required ─▶ S without a ticket
//     code → ID token (sub, sid) ─▶ ticket (domain/cas/tickets.ts) ─▶ S?ticket=ST-…
//
//   GET /cas/logout[?service=S] ─▶ /session/end (client ent-cas) ─ « Se déconnecter » ─▶
//     every application of the session hears of it (back-channel logout; CAS services through
//     single-logout.ts) ─▶ GET /cas/logout/done ─▶ S if registered, else « Vous êtes déconnecté »
import type Router from '@koa/router';
import type { Context } from 'koa';
import { AppError } from '../http/errors.js';
import type { RegisteredService } from '../domain/cas/index.js';
import type { CasDeps } from './index.js';
import { CALLBACK_PATH } from './oidc-client.js';

const unknownService = () =>
  new AppError(
    400,
    'invalid_service',
    'Cette application n’est pas enregistrée auprès de l’ENT : la connexion ne peut pas continuer. Prévenez l’administrateur de l’application.',
  );
const expired = () =>
  new AppError(
    400,
    'invalid_request',
    'Cette connexion a expiré ou a déjà abouti. Revenez à l’application et recommencez.',
  );

/** A CAS boolean parameter (`renew`, `gateway`): set unless absent, empty or "false". */
const flag = (value: unknown) => typeof value === 'string' && value !== '' && value !== 'false';

/** S with `ticket` added to its query (before any fragment). */
export function withTicket(service: string, ticket: string): string {
  const hash = service.indexOf('#');
  const base = hash === -1 ? service : service.slice(0, hash);
  const fragment = hash === -1 ? '' : service.slice(hash);
  return `${base}${base.includes('?') ? '&' : '?'}ticket=${encodeURIComponent(ticket)}${fragment}`;
}

async function admittedService(deps: CasDeps, value: unknown): Promise<RegisteredService> {
  if (typeof value !== 'string' || !value) throw unknownService();
  const service = await deps.cas.services.admitting(value);
  if (!service) throw unknownService();
  return service;
}

export function loginRoutes(router: Router, deps: CasDeps): void {
  const { cas, oidcClient, browserState, logger } = deps;

  router.get('/cas/login', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const service = await admittedService(deps, ctx.query.service);
    const renew = flag(ctx.query.renew);
    // CAS 3 § 2.1.1: with renew, gateway is ignored.
    const gateway = !renew && flag(ctx.query.gateway);
    const { url, pending } = await oidcClient.start(renew ? 'login' : gateway ? 'none' : null);
    browserState.addSignIn(ctx, {
      ...pending,
      service: ctx.query.service as string,
      serviceId: service.id,
      renew,
      gateway,
      at: Date.now(),
    });
    ctx.redirect(url.href);
  });

  router.get(CALLBACK_PATH, async (ctx: Context) => {
    ctx.set('Cache-Control', 'no-store');
    const state = typeof ctx.query.state === 'string' ? ctx.query.state : '';
    const pending = state ? browserState.takeSignIn(ctx, state) : undefined;
    if (!pending) throw expired();
    // The service may have been removed or changed since /cas/login.
    const service = await admittedService(deps, pending.service);
    if (typeof ctx.query.error === 'string') {
      if (pending.gateway) return ctx.redirect(pending.service);
      logger.info({ error: ctx.query.error, serviceId: service.id }, 'CAS sign-in refused by the provider');
      throw new AppError(403, 'access_denied', 'La connexion à l’application n’a pas abouti.');
    }
    const signedIn = await oidcClient.finish(new URL(`${deps.config.issuer}${CALLBACK_PATH}${ctx.search}`), pending);
    const issued = await cas.tickets.issue({
      ...signedIn,
      service,
      serviceUrl: pending.service,
      renewed: pending.renew,
      ip: ctx.ip,
    });
    if (!issued.ok) throw new AppError(403, 'forbidden', 'Votre compte ne permet pas d’accéder à cette application.');
    deps.metrics?.ticketIssued();
    ctx.redirect(withTicket(pending.service, issued.ticket));
  });

  router.get('/cas/logout', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const requested = typeof ctx.query.service === 'string' ? ctx.query.service : undefined;
    const service = requested ? await cas.services.admitting(requested) : null;
    if (requested && !service) logger.info({}, 'CAS logout: unregistered service ignored');
    browserState.setLogoutService(ctx, service ? requested : undefined);
    ctx.redirect(oidcClient.endSessionUrl());
  });

  router.get('/cas/logout/done', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const requested = browserState.takeLogoutService(ctx);
    if (requested && (await cas.services.admitting(requested))) return ctx.redirect(requested);
    await ctx.render('logged-out', { title: 'Vous êtes déconnecté' });
  });
}
