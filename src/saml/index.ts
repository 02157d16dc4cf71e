// The SAML 2.0 IdP at <ISSUER>/saml, on the provider's one sign-on.
//
//   GET /saml/metadata ─▶ EntityDescriptor (certificate of the current RS256 key)
//   GET|POST /saml/sso (SAMLRequest, RelayState[, SigAlg, Signature])
//     checkAuthnRequest (authn-request.ts) ─ refused ─▶ audited, French error page (400)
//     request id seen before (DB) ─▶ audited, error page
//     remember {SP, ACS, request id, RelayState, PKCE, state, nonce} in the sealed `ent.saml`
//     ─▶ /auth (client ent-saml; ForceAuthn: prompt=login; IsPassive: prompt=none)
//   GET /saml/callback?code&state
//     code → ID token (sub) ─▶ account live? ─▶ signed Response (response.ts) ─▶ a form that
//     POSTs it to the ACS with RelayState (public/saml/autopost.js submits it; CSP: no inline)
//   /saml/slo, /saml/logout/done, /saml/backchannel-logout: single logout (slo.ts)
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import compose from 'koa-compose';
import type { Context, Middleware } from 'koa';
import type { JWK } from 'jose';
import type { Config } from '../config/index.js';
import { nameIdFor, samlAttributes, type SamlDomain } from '../domain/saml/index.js';
import { AppError } from '../http/errors.js';
import type { Logger } from '../logger.js';
import type { SamlMetrics } from './metrics.js';
import { checkAuthnRequest, type RawMessage } from './authn-request.js';
import { samlBrowserStore } from './browser-state.js';
import { idpSigningKey } from './certificate.js';
import { SAML_CALLBACK_PATH, createSamlOidcClient } from './oidc-client.js';
import { idpMetadata, samlId, signedResponse } from './response.js';
import { sloRoutes } from './slo.js';

export { samlClient } from './oidc-client.js';
export { createSamlMetrics } from './metrics.js';

export interface SamlAppDeps {
  config: Config;
  saml: SamlDomain;
  logger: Logger;
  /** The provider's signing keys (private parts included: the IdP signs with the RS256 one). */
  signingKeys(): JWK[];
  metrics?: SamlMetrics;
}

const MAX_RELAY_STATE = 512;

const refused = (detail: string) =>
  new AppError(
    400,
    'invalid_saml_request',
    'La demande de connexion de cette application n’est pas valable : la connexion ne peut pas continuer. Revenez à l’application et recommencez ; si cela se reproduit, prévenez l’administrateur de l’application.',
    detail,
  );
const expired = () =>
  new AppError(
    400,
    'invalid_request',
    'Cette connexion a expiré ou a déjà abouti. Revenez à l’application et recommencez.',
  );

export function samlRoutes(deps: SamlAppDeps): Middleware {
  const { config, saml, logger } = deps;
  const oidcClient = createSamlOidcClient(config);
  const browserState = samlBrowserStore(config, logger);
  const idpEntityId = `${config.issuer}/saml/metadata`;
  const ssoUrl = `${config.issuer}/saml/sso`;
  const router = new Router();

  router.get('/saml/metadata', async (ctx) => {
    ctx.type = 'application/samlmetadata+xml; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = idpMetadata(config.issuer, await idpSigningKey(deps.signingKeys(), config.issuer));
  });

  const sso = async (ctx: Context, msg: RawMessage | null, relayState: unknown) => {
    ctx.set('Cache-Control', 'no-store');
    if (!msg || !msg.samlRequest) {
      await saml.requests.refuse({ reason: 'malformed', detail: 'no SAMLRequest', ip: ctx.ip });
      throw refused('no SAMLRequest');
    }
    if (relayState !== undefined && (typeof relayState !== 'string' || relayState.length > MAX_RELAY_STATE)) {
      await saml.requests.refuse({ reason: 'malformed', detail: 'RelayState', ip: ctx.ip });
      throw refused('RelayState');
    }
    const checked = await checkAuthnRequest(msg, { findSp: (id) => saml.services.byEntityId(id), ssoUrl });
    if (!checked.ok) {
      await saml.requests.refuse({
        reason: checked.reason,
        serviceId: checked.sp?.id,
        detail: checked.detail,
        ip: ctx.ip,
      });
      throw refused(`${checked.reason}: ${checked.detail}`);
    }
    const { request } = checked;
    if (
      !(await saml.requests.admit({
        serviceId: request.sp.id,
        entityId: request.issuer,
        requestId: request.id,
        ip: ctx.ip,
      }))
    )
      throw refused('replayed');
    const { url, pending } = await oidcClient.start(request.forceAuthn ? 'login' : request.isPassive ? 'none' : null);
    browserState.add(ctx, {
      ...pending,
      serviceId: request.sp.id,
      requestId: request.id,
      acs: request.acs,
      relayState: typeof relayState === 'string' ? relayState : null,
      at: Date.now(),
    });
    ctx.redirect(url.href);
  };

  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  router.get('/saml/sso', (ctx) =>
    sso(
      ctx,
      { binding: 'redirect', samlRequest: str(ctx.query.SAMLRequest), rawQuery: ctx.querystring },
      ctx.query.RelayState,
    ),
  );
  router.post('/saml/sso', bodyParser({ enableTypes: ['form'], formLimit: '128kb' }) as never, (ctx) => {
    const body = (ctx.request as unknown as { body?: Record<string, unknown> }).body ?? {};
    return sso(ctx, { binding: 'post', samlRequest: str(body.SAMLRequest) }, body.RelayState);
  });

  router.get(SAML_CALLBACK_PATH, async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const state = typeof ctx.query.state === 'string' ? ctx.query.state : '';
    const pending = state ? browserState.take(ctx, state) : undefined;
    if (!pending) throw expired();
    const sp = await saml.services.byId(pending.serviceId);
    if (!sp) throw refused('SP removed since');
    if (typeof ctx.query.error === 'string') {
      logger.info({ error: ctx.query.error, serviceId: sp.id }, 'SAML sign-in refused by the provider');
      throw new AppError(403, 'access_denied', 'La connexion à l’application n’a pas abouti.');
    }
    const { accountId, sid } = await oidcClient.finish(
      new URL(`${config.issuer}${SAML_CALLBACK_PATH}${ctx.search}`),
      pending,
    );
    const claims = await saml.accounts.claimsFor(accountId);
    if (!claims || claims.account.blockedAt)
      throw new AppError(403, 'forbidden', 'Votre compte ne permet pas d’accéder à cette application.');
    const sessionIndex = samlId();
    const nameId = nameIdFor(saml.nameIdKeys, sp, claims.account);
    const xml = signedResponse(
      {
        idpEntityId,
        spEntityId: sp.entityId,
        acs: pending.acs,
        inResponseTo: pending.requestId,
        nameId,
        attributes: samlAttributes(sp.attributeProfile, claims, {
          keys: saml.nameIdKeys,
          garIdEnt: config.saml.garIdEnt,
        }),
        authnInstant: new Date(),
        sessionIndex,
      },
      await idpSigningKey(deps.signingKeys(), config.issuer),
    );
    // Kept for single logout: the session's end sends this SP a LogoutRequest (single-logout.ts).
    await saml.logout.recordResponse({
      accountId: claims.account.id,
      serviceId: sp.id,
      sid,
      nameId,
      sessionIndex,
      ip: ctx.ip,
    });
    await ctx.render('saml-post', {
      title: `Connexion à ${sp.name}`,
      spName: sp.name,
      acs: pending.acs,
      samlResponse: Buffer.from(xml, 'utf8').toString('base64'),
      relayState: pending.relayState,
    });
  });

  sloRoutes(router, deps);

  const routes = compose([router.routes() as unknown as Middleware, router.allowedMethods() as unknown as Middleware]);
  return (ctx, next) => (ctx.path.startsWith('/saml/') ? routes(ctx, next) : next());
}
