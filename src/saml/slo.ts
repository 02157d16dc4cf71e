// SAML single logout's routes.
//
//   GET|POST /saml/slo (SAMLRequest = LogoutRequest, RelayState[, SigAlg, Signature])
//     checkLogoutRequest (logout-request.ts) ─ refused ─▶ audited `saml.logout`, French page (400)
//     request id seen before (saml_requests) ─▶ audited, page
//     the SP's own sessions for that NameID removed (it asked: no LogoutRequest goes back to it)
//     remember {SP, request id, binding, RelayState} in the sealed `ent.saml.slo` (path /saml)
//     ─▶ /session/end (client ent-saml), as /cas/logout does: « Se déconnecter » ends the
//        provider session, so every OIDC application, CAS service and other SAML SP of it hears
//        of it through the back-channel (and ent-saml's own: single-logout.ts)
//   GET /saml/logout/done (ent-saml's post_logout_redirect_uri)
//     nothing remembered ─▶ « Vous êtes déconnecté »
//     else a signed LogoutResponse (Success, InResponseTo) to the SP's SingleLogoutService
//     (ResponseLocation if given), by the request's binding if the SP has it, else the other:
//     Redirect: a signed query; POST: a form public/saml/autopost.js submits
//   POST /saml/backchannel-logout (logout_token) ─▶ single-logout.ts ─▶ 200 | 400
import type Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import { logoutService } from '../domain/saml/metadata.js';
import { BINDING_POST, BINDING_REDIRECT } from '../domain/saml/xml.js';
import { AppError } from '../http/errors.js';
import { sealedCookie } from '../http/sealed-session.js';
import type { RawMessage } from './authn-request.js';
import { idpSigningKey } from './certificate.js';
import type { SamlAppDeps } from './index.js';
import { checkLogoutRequest } from './logout-request.js';
import { logoutResponseXml, signedMessage, signedRedirectUrl } from './logout-messages.js';
import { SAML_BACKCHANNEL_LOGOUT_PATH, SAML_LOGGED_OUT_PATH, createSamlOidcClient } from './oidc-client.js';
import { createSamlSingleLogout } from './single-logout.js';

const SLO_COOKIE = 'ent.saml.slo';
const MAX_RELAY_STATE = 512;

interface PendingLogout {
  serviceId: string;
  requestId: string;
  binding: 'redirect' | 'post';
  relayState: string | null;
  /** ms since epoch; older than INTERACTION_TTL is dropped. */
  at: number;
}

const refused = (detail: string) =>
  new AppError(
    400,
    'invalid_saml_request',
    'La demande de déconnexion de cette application n’est pas valable : elle n’a pas été prise en compte. Pour vous déconnecter de l’ENT, utilisez le bouton « Se déconnecter » de l’ENT ; si cela se reproduit, prévenez l’administrateur de l’application.',
    detail,
  );

function pendingLogoutStore(deps: SamlAppDeps) {
  const cookie = sealedCookie(deps.config, SLO_COOKIE, 'saml-logout-state', deps.logger, '/saml');
  return {
    set: (ctx: Context, pending: PendingLogout) => cookie.write(ctx, pending),
    take(ctx: Context): PendingLogout | null {
      const value = cookie.read(ctx) as PendingLogout | null;
      if (value === null) return null;
      cookie.write(ctx, null);
      if (!value || typeof value !== 'object' || typeof value.serviceId !== 'string') return null;
      return Date.now() - value.at < deps.config.ttl.interaction * 1000 ? value : null;
    },
  };
}

export function sloRoutes(router: Router, deps: SamlAppDeps): void {
  const { config, saml, logger } = deps;
  const idpEntityId = `${config.issuer}/saml/metadata`;
  const sloUrl = `${config.issuer}/saml/slo`;
  const oidcClient = createSamlOidcClient(config);
  const pendingLogouts = pendingLogoutStore(deps);
  const singleLogout = createSamlSingleLogout({
    issuer: config.issuer,
    saml,
    signingKeys: deps.signingKeys,
    logger,
    metrics: deps.metrics,
  });

  const refuse = async (ctx: Context, reason: 'malformed', detail: string) => {
    await saml.requests.refuse({ action: 'saml.logout', reason, detail, ip: ctx.ip });
    return refused(detail);
  };

  const slo = async (ctx: Context, msg: RawMessage, relayState: unknown, samlResponse: unknown) => {
    ctx.set('Cache-Control', 'no-store');
    if (!msg.samlRequest)
      // We never send a LogoutRequest through the browser: no LogoutResponse is expected here.
      throw await refuse(ctx, 'malformed', samlResponse ? 'unexpected SAMLResponse' : 'no SAMLRequest');
    if (relayState !== undefined && (typeof relayState !== 'string' || relayState.length > MAX_RELAY_STATE))
      throw await refuse(ctx, 'malformed', 'RelayState');
    const checked = await checkLogoutRequest(msg, { findSp: (id) => saml.services.byEntityId(id), sloUrl });
    if (!checked.ok) {
      await saml.requests.refuse({
        action: 'saml.logout',
        reason: checked.reason,
        serviceId: checked.sp?.id,
        detail: checked.detail,
        ip: ctx.ip,
      });
      throw refused(`${checked.reason}: ${checked.detail}`);
    }
    const { request } = checked;
    const admitted = await saml.requests.admit({
      action: 'saml.logout',
      serviceId: request.sp.id,
      entityId: request.sp.entityId,
      requestId: request.id,
      ip: ctx.ip,
    });
    if (!admitted) throw refused('replayed');
    await saml.logout.endForSp({
      serviceId: request.sp.id,
      nameId: request.nameId,
      sessionIndexes: request.sessionIndexes,
      requestId: request.id,
      ip: ctx.ip,
    });
    pendingLogouts.set(ctx, {
      serviceId: request.sp.id,
      requestId: request.id,
      binding: msg.binding,
      relayState: typeof relayState === 'string' ? relayState : null,
      at: Date.now(),
    });
    ctx.redirect(oidcClient.endSessionUrl());
  };

  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  router.get('/saml/slo', (ctx) =>
    slo(
      ctx,
      { binding: 'redirect', samlRequest: str(ctx.query.SAMLRequest), rawQuery: ctx.querystring },
      ctx.query.RelayState,
      ctx.query.SAMLResponse,
    ),
  );
  router.post('/saml/slo', bodyParser({ enableTypes: ['form'], formLimit: '128kb' }) as never, (ctx) => {
    const body = (ctx.request as unknown as { body?: Record<string, unknown> }).body ?? {};
    return slo(ctx, { binding: 'post', samlRequest: str(body.SAMLRequest) }, body.RelayState, body.SAMLResponse);
  });

  router.get(SAML_LOGGED_OUT_PATH, async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const pending = pendingLogouts.take(ctx);
    const sp = pending ? await saml.services.byId(pending.serviceId) : null;
    const preferred = pending?.binding === 'post' ? [BINDING_POST, BINDING_REDIRECT] : [BINDING_REDIRECT, BINDING_POST];
    const service = sp ? preferred.map((b) => logoutService(sp.metadata, b)).find((s) => s !== null) : undefined;
    if (!pending || !sp || !service) return ctx.render('logged-out', { title: 'Vous êtes déconnecté' });
    const destination = service.responseLocation ?? service.location;
    const xml = logoutResponseXml({ idpEntityId, destination, inResponseTo: pending.requestId });
    const key = await idpSigningKey(deps.signingKeys(), config.issuer);
    if (service.binding === BINDING_REDIRECT)
      return ctx.redirect(signedRedirectUrl(destination, 'SAMLResponse', xml, pending.relayState, key));
    await ctx.render('saml-logout-post', {
      title: `Déconnexion de ${sp.name}`,
      spName: sp.name,
      action: destination,
      samlResponse: Buffer.from(signedMessage(xml, key), 'utf8').toString('base64'),
      relayState: pending.relayState,
    });
  });

  router.post(
    SAML_BACKCHANNEL_LOGOUT_PATH,
    bodyParser({ enableTypes: ['form'], formLimit: '16kb' }) as never,
    async (ctx) => {
      const token = (ctx.request as unknown as { body?: Record<string, unknown> }).body?.logout_token;
      ctx.set('Cache-Control', 'no-store');
      ctx.status = typeof token === 'string' && (await singleLogout.receive(token)) ? 200 : 400;
      ctx.body = '';
    },
  );
}
