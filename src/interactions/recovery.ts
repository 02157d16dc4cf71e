// « Mot de passe oublié », « Identifiant oublié » and the emailed reset link. The pages
// always give the same answer, whether or not an account matched; past the per-IP limit they
// answer 429, which no account changes (src/domain/recovery-throttle.ts).
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { InteractionDeps } from './index.js';
import { clientIp, field } from './flow.js';

const RESET_SENT =
  'Si ce compte possède une adresse électronique, un lien pour choisir un nouveau mot de passe vient d’y être envoyé (il est valable une heure). Sinon, demandez à votre enseignant un code de renouvellement : vous le saisirez à la place du mot de passe.';
const LOGIN_SENT =
  'Si cette adresse électronique est connue de l’ENT, vos identifiants viennent d’y être envoyés. Sinon, demandez votre identifiant à votre enseignant ou à l’établissement.';

/** Resolves once the response has been sent (or the connection has gone), a turn of the loop later. */
const afterReply = (ctx: Context) =>
  new Promise<void>((resolve) => {
    const later = () => setImmediate(resolve);
    if (ctx.res.writableFinished || ctx.res.destroyed) later();
    else ctx.res.once('close', later);
  });

/** Counts the request from its IP; false once the 429 page has been rendered. */
async function admitted(ctx: Context, deps: InteractionDeps, title: string): Promise<boolean> {
  const check = await deps.domain.recovery.admit(clientIp(ctx));
  if (check.allowed) return true;
  ctx.status = 429;
  ctx.set('Retry-After', String(check.retryAfterSeconds));
  await ctx.render('info', {
    title,
    message: `Trop de demandes depuis votre connexion. Réessayez dans ${Math.ceil(check.retryAfterSeconds / 60)} minute(s).`,
    back: backTo(ctx),
  });
  return false;
}

/** Where « Revenir à la connexion » leads: the login page of the interaction the user came from. */
function backTo(ctx: Context): string | undefined {
  const uid = typeof ctx.query.retour === 'string' ? ctx.query.retour : field(ctx.request.body, 'retour');
  return /^[\w-]{10,64}$/.test(uid) ? `/interaction/${uid}` : undefined;
}

export function recoveryRoutes(router: Router, deps: InteractionDeps): void {
  const { domain } = deps;

  router.get('/mot-de-passe-oublie', async (ctx) => {
    await ctx.render('forgot-password', { title: 'Mot de passe oublié', csrf: ctx.state._csrf, back: backTo(ctx) });
  });
  router.post('/mot-de-passe-oublie', async (ctx) => {
    if (!(await admitted(ctx, deps, 'Mot de passe oublié'))) return;
    const login = field(ctx.request.body, 'identifiant').trim().slice(0, 200);
    // Looked up once the answer is sent: neither its words nor its time depend on the account.
    const ip = clientIp(ctx);
    if (login)
      domain.mail.background('password reset request', () =>
        afterReply(ctx).then(() => domain.recovery.requestPasswordReset({ login, ip })),
      );
    await ctx.render('info', { title: 'Mot de passe oublié', message: RESET_SENT, back: backTo(ctx) });
  });

  router.get('/identifiant-oublie', async (ctx) => {
    await ctx.render('forgot-login', { title: 'Identifiant oublié', csrf: ctx.state._csrf, back: backTo(ctx) });
  });
  router.post('/identifiant-oublie', async (ctx) => {
    if (!(await admitted(ctx, deps, 'Identifiant oublié'))) return;
    const email = field(ctx.request.body, 'courriel').trim().slice(0, 320);
    const ip = clientIp(ctx);
    if (email)
      domain.mail.background('forgotten login request', () =>
        afterReply(ctx).then(() => domain.recovery.forgotLogin({ email, ip })),
      );
    await ctx.render('info', { title: 'Identifiant oublié', message: LOGIN_SENT, back: backTo(ctx) });
  });

  router.get('/mot-de-passe/reinitialiser/:token', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const account = await domain.recovery.findResetToken(ctx.params.token!);
    if (!account) {
      ctx.status = 410;
      return ctx.render('info', {
        title: 'Lien expiré',
        message:
          'Ce lien n’est plus valable : il a déjà servi ou a expiré. Faites une nouvelle demande, ou demandez un code de renouvellement à votre enseignant.',
      });
    }
    await ctx.render('reset-password', {
      title: 'Réinitialisation du mot de passe',
      login: account.login,
      csrf: ctx.state._csrf,
      minLength: deps.config.passwords.minLength,
    });
  });
  router.post('/mot-de-passe/reinitialiser/:token', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const result = await domain.recovery.completeReset({
      token: ctx.params.token!,
      newPassword: field(ctx.request.body, 'nouveau_mot_de_passe').slice(0, 1024),
      confirmation: field(ctx.request.body, 'confirmation').slice(0, 1024),
      ip: clientIp(ctx),
    });
    if (result.ok) {
      return ctx.render('info', {
        title: 'Mot de passe modifié',
        message:
          'Votre mot de passe a été modifié. Vous pouvez maintenant vous connecter à l’ENT avec votre identifiant et ce nouveau mot de passe.',
        success: true,
      });
    }
    if (result.error === 'code_used') {
      ctx.status = 410;
      return ctx.render('info', { title: 'Lien expiré', message: result.message });
    }
    ctx.status = 400;
    const account = await domain.recovery.findResetToken(ctx.params.token!);
    await ctx.render('reset-password', {
      title: 'Réinitialisation du mot de passe',
      login: account?.login ?? '',
      csrf: ctx.state._csrf,
      minLength: deps.config.passwords.minLength,
      error: result.message,
    });
  });
}
