// « Scanner mon badge » on CONNEXION (issue 21): the page's script reads the badge's QR code
// with the camera and posts what it read here, in the interaction's form (CSRF token
// included). A good badge signs the pupil in like a password; every failure says the same
// words, whatever the cause (unknown, revoked, class off, past year). GET /badge is what a
// phone's own camera app opens from the QR code: the secret is the URL's fragment, which the
// browser never sends, and the page says where to scan it instead.
import type Router from '@koa/router';
import { BADGE_PATH } from '../domain/badges.js';
import type { InteractionDeps } from './index.js';
import { clientIp, field, finishInteraction, loadInteraction } from './flow.js';
import { renderLogin } from './login.js';

const BADGE_REFUSED = 'Ce badge ne marche pas. Montre-le à ton enseignant.';
const ACCOUNT_BLOCKED = 'Ton compte est bloqué. Va voir ton enseignant.';
/** Longer than any badge URL; what a camera reads beyond it is not a badge. */
const MAX_SCANNED = 512;

export function badgeRoutes(router: Router, deps: InteractionDeps): void {
  const { domain, oidc } = deps;

  router.post('/interaction/:uid/badge', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const details = await loadInteraction(ctx, oidc);
    const scanned = field(ctx.request.body, 'badge').slice(0, MAX_SCANNED);
    const result = await domain.badges.signIn({
      scanned,
      ip: clientIp(ctx),
      clientId: String(details.params.client_id),
    });
    switch (result.outcome) {
      case 'success':
        // Never « remembered »: a badge is for a shared classroom device.
        return finishInteraction(ctx, oidc, { login: { accountId: result.account.id, remember: false } });
      case 'blocked':
        ctx.status = 403;
        return renderLogin(ctx, deps, details, { error: ACCOUNT_BLOCKED });
      case 'throttled':
        ctx.status = 429;
        ctx.set('Retry-After', String(result.retryAfterSeconds));
        return renderLogin(ctx, deps, details, {
          error: `Trop d’essais. Réessaie dans ${Math.max(1, Math.ceil(result.retryAfterSeconds / 60))} minute(s).`,
        });
      default:
        ctx.status = 401;
        return renderLogin(ctx, deps, details, { error: BADGE_REFUSED });
    }
  });

  router.get(BADGE_PATH, async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    await ctx.render('info', {
      title: 'Badge de connexion',
      message:
        'Ce badge sert à se connecter à l’ENT. Ouvre l’ENT, touche CONNEXION puis « Scanner mon badge », et montre le badge à la caméra.',
    });
  });
}
