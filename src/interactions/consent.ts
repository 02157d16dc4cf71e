// Consent for applications that are not first-party ENT applications: the page lists what
// the application will receive; « Autoriser » records a grant.
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { InteractionDeps } from './index.js';
import { clientName, finishInteraction, loadInteraction, type InteractionDetails } from './flow.js';
import { AppError } from '../http/errors.js';

const SCOPE_LABELS: Record<string, string> = {
  openid: 'Votre identifiant ENT (identifiant technique)',
  profile: 'Vos nom, prénom, identifiant et date de naissance',
  email: 'Votre adresse électronique',
  ent: 'Votre profil (élève, parent…), votre établissement, vos classes et vos enfants',
  offline_access: 'Rester connecté à l’application sans vous redemander votre mot de passe',
  'class-admin': 'Gérer les comptes de vos classes',
};

export async function renderConsent(ctx: Context, deps: InteractionDeps, details: InteractionDetails): Promise<void> {
  const d = details.prompt.details as { missingOIDCScope?: string[]; missingResourceScopes?: Record<string, string[]> };
  const scopes = [...new Set([...(d.missingOIDCScope ?? []), ...Object.values(d.missingResourceScopes ?? {}).flat()])];
  await ctx.render('consent', {
    title: 'Autoriser l’application',
    uid: details.uid,
    client: await clientName(deps.oidc, details),
    items: scopes.map((s) => SCOPE_LABELS[s] ?? s),
    csrf: ctx.state._csrf,
  });
}

export function consentRoutes(router: Router, deps: InteractionDeps): void {
  const { oidc } = deps;
  router.post('/interaction/:uid/consentement', async (ctx) => {
    const details = await loadInteraction(ctx, oidc);
    if (details.prompt.name !== 'consent' || !details.session?.accountId)
      throw new AppError(400, 'invalid_request', 'Cette étape n’est plus valable. Revenez à l’application.');
    if ((ctx.request.body as Record<string, unknown>)?.decision !== 'autoriser') {
      return finishInteraction(ctx, oidc, { error: 'access_denied', error_description: 'L’utilisateur a refusé.' });
    }
    const d = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    const grant = details.grantId
      ? await oidc.provider.Grant.find(details.grantId)
      : new oidc.provider.Grant({ accountId: details.session.accountId, clientId: String(details.params.client_id) });
    if (!grant) throw new AppError(400, 'invalid_request', 'Cette étape n’est plus valable. Revenez à l’application.');
    if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
    if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(d.missingResourceScopes ?? {}))
      grant.addResourceScope(indicator, scopes.join(' '));
    const grantId = await grant.save();
    await finishInteraction(ctx, oidc, { consent: { grantId } }, true);
  });
}
