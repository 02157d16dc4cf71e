// ÉduConnect's side of the federation (issue 19): our SP metadata, and the ACS where
// ÉduConnect POSTs its Response.
//
//   GET  /saml/sp/metadata   the SP EntityDescriptor ÉduConnect registers (signing and encryption key)
//   POST /saml/sp/acs        Response validated (sp.ts) ─ refused ─▶ audited, French error page
//                            └ identity kept for the interaction it answers (once) ─▶ 303
//                              /interaction/<uid>/educonnect/retour, where the browser's own
//                              cookies are sent again (the POST from ÉduConnect is cross-site)
// The rest of the flow is in src/interactions/educonnect.ts.
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import compose from 'koa-compose';
import type { Middleware } from 'koa';
import type { Config } from '../config/index.js';
import { IdentityRejected, readIdentity, type Educonnect } from '../domain/educonnect/index.js';
import { AppError } from '../http/errors.js';
import type { Logger } from '../logger.js';
import type { EduconnectLogout } from './logout.js';
import { SP_ACS_PATH, SP_METADATA_PATH, SP_SLO_PATH, type EduconnectSp } from './sp.js';

export { createEduconnectSp, type EduconnectSp } from './sp.js';
export { createEduconnectLogout, type EduconnectLogout } from './logout.js';

/** The longest Response accepted (a signed, encrypted assertion is a few kB). */
const MAX_RESPONSE = '256kb';
const MAX_RELAY_STATE = 128;

export const refusedResponse = (detail: string) =>
  new AppError(
    400,
    'invalid_educonnect_response',
    'La réponse d’ÉduConnect n’est pas valable : la connexion ne peut pas continuer. Revenez à l’ENT et recommencez la connexion avec ÉduConnect.',
    detail,
  );

/** node-saml's messages, kept short and free of the message itself, for the audit trail. */
const reasonOf = (err: unknown): string => String((err as Error)?.message ?? err).slice(0, 160);

export function educonnectSpRoutes(deps: {
  config: Config;
  educonnect: Educonnect;
  sp: EduconnectSp | null;
  logout: EduconnectLogout | null;
  logger: Logger;
}): Middleware {
  const { config, educonnect, sp, logout, logger } = deps;
  const router = new Router();
  const notConfigured = () =>
    new AppError(404, 'not_found', 'La connexion avec ÉduConnect n’est pas proposée par cet ENT.');

  router.get(SP_METADATA_PATH, async (ctx) => {
    if (!sp) throw notConfigured();
    ctx.type = 'application/samlmetadata+xml; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = await sp.metadata();
  });

  // ÉduConnect's LogoutResponse, after the ENT's logout (logout.ts).
  router.get(SP_SLO_PATH, async (ctx) => {
    if (!logout) throw notConfigured();
    await logout.complete(ctx);
  });

  router.post(SP_ACS_PATH, bodyParser({ enableTypes: ['form'], formLimit: MAX_RESPONSE }) as never, async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    if (!sp) throw notConfigured();
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const refuse = async (reason: string) => {
      await educonnect.recordSignIn(null, null, ctx.ip, 'refused', { reason });
      return refusedResponse(reason);
    };
    const response = body.SAMLResponse;
    const relayState = body.RelayState;
    if (typeof response !== 'string' || !response) throw await refuse('no SAMLResponse');
    if (typeof relayState !== 'string' || !relayState || relayState.length > MAX_RELAY_STATE)
      throw await refuse('RelayState');
    let identity;
    let inResponseTo: string | undefined;
    try {
      const profile = await sp.validate({ SAMLResponse: response, RelayState: relayState });
      inResponseTo = typeof profile.inResponseTo === 'string' ? profile.inResponseTo : undefined;
      identity = readIdentity(profile, config.educonnect!.refIdAttribute);
    } catch (err) {
      if (!(err instanceof IdentityRejected)) logger.info({ err: reasonOf(err) }, 'ÉduConnect Response refused');
      throw await refuse(reasonOf(err));
    }
    if (!inResponseTo) throw await refuse('unsolicited Response');
    // The Response answers the request sent for this very interaction, and only once.
    const uid = await educonnect.requests.interactionOf(inResponseTo);
    if (!uid || uid !== relayState) throw await refuse('RelayState does not match the request');
    if (!(await educonnect.requests.storeResult(inResponseTo, identity))) throw await refuse('Response replayed');
    ctx.status = 303;
    ctx.redirect(`/interaction/${encodeURIComponent(uid)}/educonnect/retour`);
  });

  const routes = compose([router.routes() as unknown as Middleware, router.allowedMethods() as unknown as Middleware]);
  return (ctx, next) => (ctx.path.startsWith('/saml/sp/') ? routes(ctx, next) : next());
}
