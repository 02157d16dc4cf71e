// The SAML 2.0 IdP at <ISSUER>/saml, on the provider's one sign-on.
//
//   GET /saml/metadata ─▶ EntityDescriptor (certificate of the current RS256 key)
//   GET|POST /saml/sso (SAMLRequest, RelayState[, SigAlg, Signature])
//     checkAuthnRequest (authn-request.ts) ─ refused ─▶ audited, French error page (400)
//     request id seen before (DB) ─▶ audited, error page
//     remember {SP, ACS, request id, RelayState, PKCE, state, nonce} in the sealed `ent.saml`
//     ─▶ /auth (client ent-saml; ForceAuthn: prompt=login; IsPassive: prompt=none)
//   GET /saml/sso/<service id>[?RelayState] (IdP-initiated, the Médiacentre's links)
//     unknown id ─▶ audited, French 404 page; RelayState > 512 ─▶ audited, 400 page
//     remember {SP, its default ACS, no request id, RelayState, …} ─▶ /auth, as above
//   GET /saml/callback?code&state
//     code → ID token (sub) ─▶ account live? ─▶ signed Response (response.ts) ─▶ a form that
//     POSTs it to the ACS with RelayState (public/saml/autopost.js submits it; CSP: no inline)
//     error=login_required… (IsPassive) ─▶ a signed Response, status Responder/NoPassive
//     error=access_denied, or a blocked account ─▶ Responder/RequestDenied; a code that does
//     not redeem (account blocked meanwhile), other errors ─▶ Responder/AuthnFailed
//   An error Response goes only to an ACS taken from a checked request (or the metadata):
//   a request we cannot trust (unknown issuer, bad ACS, bad signature) gets a French page.
//   /saml/slo, /saml/logout/done, /saml/backchannel-logout: single logout (slo.ts)
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import compose from 'koa-compose';
import type { Context, Middleware } from 'koa';
import type { JWK } from 'jose';
import type { Config } from '../config/index.js';
import { nameIdFor, samlAttributes, type RefusalReason, type SamlDomain } from '../domain/saml/index.js';
import type { RegisteredSp } from '../domain/saml/services.js';
import { chooseAcs } from '../domain/saml/metadata.js';
import { AppError } from '../http/errors.js';
import type { Logger } from '../logger.js';
import { checkAuthnRequest, type RawMessage } from './authn-request.js';
import { samlBrowserStore } from './browser-state.js';
import { idpCertificates, idpSigningKey } from './certificate.js';
import { SAML_CALLBACK_PATH, createSamlOidcClient } from './oidc-client.js';
import type { ResponseOutcome, SamlMetrics } from './metrics.js';
import { idpMetadata, samlId, signedResponse, statusResponse, type ErrorStatus } from './response.js';
import { sloRoutes } from './slo.js';

export { samlClient } from './oidc-client.js';
export { createSamlMetrics, type SamlMetrics } from './metrics.js';

export interface SamlAppDeps {
  config: Config;
  saml: SamlDomain;
  logger: Logger;
  /** The provider's signing keys (private parts included: the IdP signs with the RS256 one). */
  signingKeys(): JWK[];
  metrics?: SamlMetrics;
  /**
   * The provider session this browser already has, when `ent-saml` was authorized in it and
   * nothing is pending (terms of use): its account and `ent-saml`'s sid. A request that may
   * reuse it (no ForceAuthn) is answered at once, without the OIDC round trip underneath.
   */
  reusableSession?(ctx: Context): Promise<{ accountId: string; sid: string } | null>;
}

/** Where a Response goes: the SP, its ACS, the request it answers (null: unsolicited), RelayState. */
interface ResponseTarget {
  sp: RegisteredSp;
  acs: string;
  requestId: string | null;
  relayState: string | null;
}

const MAX_RELAY_STATE = 512;

const refused = (detail: string) =>
  new AppError(
    400,
    'invalid_saml_request',
    'La demande de connexion de cette application n’est pas valable : la connexion ne peut pas continuer. Revenez à l’application et recommencez ; si cela se reproduit, prévenez l’administrateur de l’application.',
    detail,
  );
const unknownService = (id: string) =>
  new AppError(
    404,
    'not_found',
    'Cette application n’est pas connue de CONNEXION : le lien qui vous a mené ici n’est pas valable. Revenez à la page précédente ; si cela se reproduit, prévenez l’administrateur de l’ENT.',
    `unknown SAML service ${id}`,
  );
/** The error status for the provider's answer to a sign-in that did not happen. */
function statusForOidcError(error: string): ErrorStatus {
  if (['login_required', 'interaction_required', 'consent_required', 'account_selection_required'].includes(error))
    return 'NoPassive';
  return error === 'access_denied' ? 'RequestDenied' : 'AuthnFailed';
}
const OUTCOME_OF: Record<ErrorStatus, ResponseOutcome> = {
  NoPassive: 'no_passive',
  RequestDenied: 'request_denied',
  AuthnFailed: 'authn_failed',
};
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
  const refuse = async (ctx: Context, reason: RefusalReason, detail: string, serviceId?: string) => {
    deps.metrics?.refused(reason);
    await saml.requests.refuse({ reason, serviceId, detail, ip: ctx.ip });
  };
  const relayStateOk = (relayState: unknown) =>
    relayState === undefined || (typeof relayState === 'string' && relayState.length <= MAX_RELAY_STATE);

  router.get('/saml/metadata', async (ctx) => {
    ctx.type = 'application/samlmetadata+xml; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = idpMetadata(config.issuer, await idpCertificates(deps.signingKeys(), config.issuer));
  });

  const sso = async (ctx: Context, msg: RawMessage | null, relayState: unknown) => {
    ctx.set('Cache-Control', 'no-store');
    if (!msg || !msg.samlRequest) {
      await refuse(ctx, 'malformed', 'no SAMLRequest');
      throw refused('no SAMLRequest');
    }
    if (!relayStateOk(relayState)) {
      await refuse(ctx, 'malformed', 'RelayState');
      throw refused('RelayState');
    }
    const checked = await checkAuthnRequest(msg, { findSp: (id) => saml.services.byEntityId(id), ssoUrl });
    if (!checked.ok) {
      await refuse(ctx, checked.reason, checked.detail, checked.sp?.id);
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
    ) {
      deps.metrics?.refused('replayed');
      throw refused('replayed');
    }
    const target: ResponseTarget = {
      sp: request.sp,
      acs: request.acs,
      requestId: request.id,
      relayState: typeof relayState === 'string' ? relayState : null,
    };
    if (!request.forceAuthn && (await answeredFromSession(ctx, target))) return;
    const { url, pending } = await oidcClient.start(request.forceAuthn ? 'login' : request.isPassive ? 'none' : null);
    browserState.add(ctx, {
      ...pending,
      serviceId: request.sp.id,
      requestId: target.requestId,
      acs: target.acs,
      relayState: target.relayState,
      at: Date.now(),
    });
    ctx.redirect(url.href);
  };

  /** Posts a Response to the target's ACS: an error status, or the signed assertion for the account. */
  const answer = (ctx: Context, target: ResponseTarget) => {
    const { sp } = target;
    const post = (samlResponse: string, failed: boolean) =>
      ctx.render('saml-post', {
        title: `Connexion à ${sp.name}`,
        spName: sp.name,
        acs: target.acs,
        samlResponse: Buffer.from(samlResponse, 'utf8').toString('base64'),
        relayState: target.relayState,
        failed,
      });
    // The ACS and request id come from a checked request: the SP hears why there is no assertion.
    const fail = async (status: ErrorStatus, accountId: string | null) => {
      const key = await idpSigningKey(deps.signingKeys(), config.issuer);
      await saml.requests.recordErrorResponse({ accountId, serviceId: sp.id, status, ip: ctx.ip });
      deps.metrics?.response(OUTCOME_OF[status]);
      const xml = statusResponse({ idpEntityId, acs: target.acs, inResponseTo: target.requestId, status }, key);
      await post(xml, true);
    };
    const succeed = async (accountId: string, sid: string | null) => {
      const claims = await saml.accounts.claimsFor(accountId);
      if (!claims || claims.account.blockedAt) return fail('RequestDenied', accountId);
      const sessionIndex = samlId();
      const nameId = nameIdFor(saml.nameIdKeys, sp, claims.account);
      const xml = await signedResponse(
        {
          idpEntityId,
          spEntityId: sp.entityId,
          acs: target.acs,
          inResponseTo: target.requestId,
          nameId,
          attributes: samlAttributes(sp.attributeProfile, claims, {
            keys: saml.nameIdKeys,
            garIdEnt: config.saml.garIdEnt,
          }),
          authnInstant: new Date(),
          sessionIndex,
          encryptFor: sp.metadata.encryption,
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
      deps.metrics?.response('success');
      await post(xml, false);
    };
    return { fail, succeed };
  };

  /** The browser's provider session, when it may answer `target` at once; then answered. */
  const answeredFromSession = async (ctx: Context, target: ResponseTarget): Promise<boolean> => {
    const session = deps.reusableSession ? await deps.reusableSession(ctx) : null;
    if (!session) return false;
    await answer(ctx, target).succeed(session.accountId, session.sid);
    return true;
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

  // IdP-initiated: the same sign-on, then an unsolicited Response to the SP's default ACS.
  router.get('/saml/sso/:serviceId', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const id = ctx.params.serviceId ?? '';
    const sp = await saml.services.byId(id);
    if (!sp) {
      await refuse(ctx, 'unknown_service', id.slice(0, 200));
      throw unknownService(id.slice(0, 200));
    }
    const relayState = ctx.query.RelayState;
    if (!relayStateOk(relayState)) {
      await refuse(ctx, 'malformed', 'RelayState', sp.id);
      throw refused('RelayState');
    }
    const target: ResponseTarget = {
      sp,
      acs: chooseAcs(sp.metadata, { url: null, index: null })!,
      requestId: null,
      relayState: typeof relayState === 'string' && relayState ? relayState : null,
    };
    if (await answeredFromSession(ctx, target)) return;
    const { url, pending } = await oidcClient.start(null);
    browserState.add(ctx, {
      ...pending,
      serviceId: sp.id,
      requestId: null,
      acs: target.acs,
      relayState: target.relayState,
      at: Date.now(),
    });
    ctx.redirect(url.href);
  });

  router.get(SAML_CALLBACK_PATH, async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const state = typeof ctx.query.state === 'string' ? ctx.query.state : '';
    const pending = state ? browserState.take(ctx, state) : undefined;
    if (!pending) throw expired();
    const sp = await saml.services.byId(pending.serviceId);
    if (!sp) throw refused('SP removed since');
    const { fail, succeed } = answer(ctx, {
      sp,
      acs: pending.acs,
      requestId: pending.requestId,
      relayState: pending.relayState,
    });
    if (typeof ctx.query.error === 'string') {
      logger.info({ error: ctx.query.error, serviceId: sp.id }, 'SAML sign-in refused by the provider');
      return fail(statusForOidcError(ctx.query.error), null);
    }
    let accountId: string;
    let sid: string | null;
    try {
      ({ accountId, sid } = await oidcClient.finish(
        new URL(`${config.issuer}${SAML_CALLBACK_PATH}${ctx.search}`),
        pending,
      ));
    } catch (err) {
      // The code did not redeem (an account blocked since, an expired code): the SP hears it.
      if (!(err instanceof AppError) || err.status !== 400) throw err;
      logger.info({ serviceId: sp.id, reason: err.detail }, 'SAML sign-in: the code did not redeem');
      return fail('AuthnFailed', null);
    }
    await succeed(accountId, sid);
  });

  sloRoutes(router, deps);

  const routes = compose([router.routes() as unknown as Middleware, router.allowedMethods() as unknown as Middleware]);
  return (ctx, next) => (ctx.path.startsWith('/saml/') ? routes(ctx, next) : next());
}
