// After a code matched on CONNEXION: choose a password. « Activation de votre compte » for
// an activation code, « RÉINITIALISATION DU MOT DE PASSE » for a renewal code. ENREGISTRER
// consumes the code and stores the password in one transaction, then the login finishes.
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { InteractionDeps } from './index.js';
import { clientIp, clientName, field, interactionReturnTo, loadInteraction, type InteractionDetails } from './flow.js';
import { renderLogin } from './login.js';

interface CodeFlow {
  uid: string;
  accountId: string;
  codeId: string;
  kind: 'activation' | 'renewal';
  login: string;
  remember: boolean;
  /** A pupil: the page says « tu ». */
  child?: boolean;
}

const TITLES = { activation: 'Activation de votre compte', renewal: 'Réinitialisation du mot de passe' } as const;

/** The interaction and its code flow; without a flow (expired, other tab) back to CONNEXION. */
async function loadFlow(
  ctx: Context,
  deps: InteractionDeps,
): Promise<{ details: InteractionDetails; flow: CodeFlow } | undefined> {
  ctx.set('Cache-Control', 'no-store');
  const details = await loadInteraction(ctx, deps.oidc);
  const flow = ctx.session?.codeFlow as CodeFlow | undefined;
  if (flow && flow.uid === details.uid) return { details, flow };
  ctx.status = 303;
  ctx.redirect(`/interaction/${details.uid}`);
  return undefined;
}

async function renderSetPassword(
  ctx: Context,
  deps: InteractionDeps,
  details: InteractionDetails,
  flow: CodeFlow,
  error?: string,
) {
  await ctx.render('set-password', {
    title: TITLES[flow.kind],
    kind: flow.kind,
    child: flow.child === true,
    uid: details.uid,
    login: flow.login,
    client: await clientName(deps.oidc, details),
    minLength: deps.config.passwords.minLength,
    csrf: ctx.state._csrf,
    error,
  });
}

export function setPasswordRoutes(router: Router, deps: InteractionDeps): void {
  const { domain, oidc } = deps;

  router.get('/interaction/:uid/mot-de-passe', async (ctx) => {
    const loaded = await loadFlow(ctx, deps);
    if (loaded) await renderSetPassword(ctx, deps, loaded.details, loaded.flow);
  });

  router.post('/interaction/:uid/mot-de-passe', async (ctx) => {
    const loaded = await loadFlow(ctx, deps);
    if (!loaded) return;
    const { details, flow } = loaded;
    const result = await domain.login.completeCode({
      accountId: flow.accountId,
      codeId: flow.codeId,
      newPassword: field(ctx.request.body, 'nouveau_mot_de_passe').slice(0, 1024),
      confirmation: field(ctx.request.body, 'confirmation').slice(0, 1024),
      ip: clientIp(ctx),
      clientId: String(details.params.client_id),
    });
    if (result.ok) {
      ctx.session!.codeFlow = null;
      // Issue 21: « Mot de passe enregistré » on the provider, then on to the application (its
      // script continues after a moment; without script, the button).
      const returnTo = await interactionReturnTo(ctx, oidc, {
        login: { accountId: flow.accountId, remember: flow.remember },
      });
      return ctx.render('password-saved', {
        title: 'Mot de passe enregistré',
        child: flow.child === true,
        client: await clientName(oidc, details),
        returnTo,
      });
    }
    if (result.error === 'code_used') {
      ctx.session!.codeFlow = null;
      ctx.status = 409;
      return renderLogin(ctx, deps, details, { login: flow.login, error: result.message });
    }
    ctx.status = 400;
    await renderSetPassword(ctx, deps, details, flow, result.message);
  });
}
