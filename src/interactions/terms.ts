// « Charte d'utilisation » (issue 20): the page of the `terms` prompt (src/oidc/terms-prompt.ts),
// shown after sign-in while the account has not accepted the version in force.
// « J'accepte » records the acceptance and continues to the application (or consent);
// « Je refuse » signs the user out everywhere and answers access_denied to the application.
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { InteractionDeps } from './index.js';
import { clientIp, clientName, field, finishInteraction, loadInteraction, type InteractionDetails } from './flow.js';
import { renderTermsMarkdown } from './terms-markdown.js';
import { AppError } from '../http/errors.js';
import { TERMS_PROMPT } from '../oidc/terms-prompt.js';
import type { TermsVersion } from '../db/entities/index.js';

const STEP_GONE = 'Cette étape n’est plus valable. Revenez à l’application.';
const CHANGED = 'La charte vient d’être mise à jour : lisez cette nouvelle version avant de l’accepter.';

export const isTermsStep = (details: InteractionDetails): boolean => details.prompt.name === TERMS_PROMPT;

async function renderTermsPage(
  ctx: Context,
  deps: InteractionDeps,
  details: InteractionDetails,
  terms: TermsVersion,
  error?: string,
): Promise<void> {
  await ctx.render('terms', {
    title: 'Charte d’utilisation de l’ENT',
    uid: details.uid,
    client: await clientName(deps.oidc, details),
    version: terms.version,
    html: renderTermsMarkdown(terms.text),
    csrf: ctx.state._csrf,
    error,
  });
}

/** GET /interaction/:uid when the prompt is `terms`. */
export async function renderTerms(ctx: Context, deps: InteractionDeps, details: InteractionDetails): Promise<void> {
  const accountId = details.session?.accountId;
  if (!accountId) throw new AppError(400, 'invalid_request', STEP_GONE);
  const pending = await deps.domain.terms.pendingFor(accountId);
  // Accepted meanwhile (another tab): nothing to ask, carry on.
  if (!pending) return finishInteraction(ctx, deps.oidc, {}, true);
  await renderTermsPage(ctx, deps, details, pending);
}

export function termsRoutes(router: Router, deps: InteractionDeps): void {
  const { domain, oidc } = deps;

  router.post('/interaction/:uid/charte', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const details = await loadInteraction(ctx, oidc);
    const accountId = details.session?.accountId;
    if (!isTermsStep(details) || !accountId) throw new AppError(400, 'invalid_request', STEP_GONE);
    const input = {
      accountId,
      version: field(ctx.request.body, 'version').slice(0, 32),
      ip: clientIp(ctx),
      clientId: String(details.params.client_id),
    };

    if (field(ctx.request.body, 'decision') === 'accepter') {
      const result = await domain.terms.accept(input);
      if (result.ok) return finishInteraction(ctx, oidc, { terms: { version: input.version } }, true);
      const pending = await domain.terms.pendingFor(accountId);
      if (!pending) return finishInteraction(ctx, oidc, {}, true);
      ctx.status = 409;
      return renderTermsPage(ctx, deps, details, pending, CHANGED);
    }

    // « Je refuse » (and any other answer): audited, every session and token of the account
    // ended. The interaction forgets the session it began in, which is gone (oidc-provider
    // does the same when a sign-in replaces a session), so the provider can still answer
    // access_denied to the application instead of « session not found ».
    await domain.terms.decline(input);
    const interaction = await oidc.provider.Interaction.find(details.uid);
    if (interaction?.session) {
      interaction.session = undefined;
      await interaction.persist();
    }
    await finishInteraction(ctx, oidc, {
      error: 'access_denied',
      error_description: 'La charte d’utilisation a été refusée.',
    });
  });
}
