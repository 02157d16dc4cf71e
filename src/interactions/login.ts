// CONNEXION: identifiant + password (or an activation/renewal code typed in the password
// field). Every failure renders the same page with the same words, whatever the cause, but
// for a dead code of the account (the secret was once right: « Ce code n'est plus valable »).
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { InteractionDeps } from './index.js';
import { clientIp, clientName, field, finishInteraction, loadInteraction, type InteractionDetails } from './flow.js';
import { renderConsent } from './consent.js';
import { isTermsStep, renderTerms } from './terms.js';

const LOGIN_FAILED = 'Identifiant ou mot de passe incorrect.';
/**
 * Issue 21: the secret is a code of this account that was used, replaced or has expired. Said
 * to a pupil with « tu », to an adult with « vous » (the code proved whose account it is).
 */
const DEAD_CODE = {
  child: "Ce code n'est plus valable : demande un nouveau code à ton enseignant.",
  adult: "Ce code n'est plus valable : demandez un nouveau code à l'enseignant ou à l'établissement.",
};
/** Pupils are spoken to with « tu », everyone else with « vous », once the account is known. */
export const isChild = (account: { profile: string }): boolean => account.profile === 'Student';
const ACCOUNT_BLOCKED = 'Votre compte est bloqué. Adressez-vous à votre enseignant ou à l’établissement.';

export async function renderLogin(
  ctx: Context,
  deps: InteractionDeps,
  details: InteractionDetails,
  extra: Record<string, unknown> = {},
): Promise<void> {
  await ctx.render('login', {
    title: 'Connexion',
    uid: details.uid,
    client: await clientName(deps.oidc, details),
    csrf: ctx.state._csrf,
    login: typeof details.params.login_hint === 'string' ? details.params.login_hint : '',
    badges: await deps.domain.badges.anyEnabled(),
    educonnect: !!deps.educonnect,
    ...extra,
  });
}

export function loginRoutes(router: Router, deps: InteractionDeps): void {
  const { domain, oidc } = deps;

  router.get('/interaction/:uid', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const details = await loadInteraction(ctx, oidc);
    if (details.prompt.name === 'consent') return renderConsent(ctx, deps, details);
    if (isTermsStep(details)) return renderTerms(ctx, deps, details);
    await renderLogin(ctx, deps, details);
  });

  router.post('/interaction/:uid/login', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const details = await loadInteraction(ctx, oidc);
    const login = field(ctx.request.body, 'identifiant').trim().slice(0, 200);
    const secret = field(ctx.request.body, 'mot_de_passe').slice(0, 512);
    const remember = field(ctx.request.body, 'se_souvenir') === 'oui';
    const clientId = String(details.params.client_id);

    if (!login || !secret) {
      ctx.status = 400;
      return renderLogin(ctx, deps, details, { login, error: 'Saisissez votre identifiant et votre mot de passe.' });
    }
    const result = await domain.login.authenticate({ login, secret, ip: clientIp(ctx), clientId });
    switch (result.outcome) {
      case 'password':
        return finishInteraction(ctx, oidc, { login: { accountId: result.account.id, remember } });
      case 'code':
        // The code proved who this is, but does not sign in: it opens the password page for
        // this interaction only. The code itself stays out of URLs and cookies.
        ctx.session!.codeFlow = {
          uid: details.uid,
          accountId: result.account.id,
          codeId: result.codeId,
          kind: result.codeKind,
          login: result.account.login,
          remember,
          child: isChild(result.account),
        };
        ctx.status = 303;
        return ctx.redirect(`/interaction/${details.uid}/mot-de-passe`);
      case 'blocked':
        ctx.status = 403;
        return renderLogin(ctx, deps, details, { login, error: ACCOUNT_BLOCKED });
      case 'dead_code':
        ctx.status = 401;
        return renderLogin(ctx, deps, details, {
          login,
          error: isChild(result.account) ? DEAD_CODE.child : DEAD_CODE.adult,
        });
      case 'throttled':
        ctx.status = 429;
        ctx.set('Retry-After', String(result.retryAfterSeconds));
        return renderLogin(ctx, deps, details, {
          login,
          error: `Trop de tentatives. Réessayez dans ${Math.max(1, Math.ceil(result.retryAfterSeconds / 60))} minute(s).`,
        });
      default:
        ctx.status = 401;
        return renderLogin(ctx, deps, details, { login, error: LOGIN_FAILED });
    }
  });

  router.get('/interaction/:uid/abandon', async (ctx) => {
    await loadInteraction(ctx, oidc);
    await finishInteraction(ctx, oidc, { error: 'access_denied', error_description: 'La connexion a été annulée.' });
  });
}
