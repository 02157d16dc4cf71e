// GET /connexion?identifiant=… — the QR code of a connection sheet. The provider cannot start
// an authorization by itself (the application that receives the code must have asked for
// it, with its state and PKCE), so this is the « third party initiated login » of OpenID
// Connect Core §4: it sends the browser to the default ENT application's login start with
// `login_hint`, and that application asks the provider for CONNEXION with the identifiant
// filled in. The answer never depends on whether the identifiant exists.
//
// The default application is chosen by the composition root (src/server.ts): the demo ENT
// application outside production. Without one, a page says where to go instead.
import type Router from '@koa/router';
import { firstControlCharacter } from '../domain/control-characters.js';
import { CONNECTION_ENTRY_PARAM, CONNECTION_ENTRY_PATH } from '../domain/login/entry-url.js';
import { ACCESSIBILITY_PATH } from '../http/views.js';
import type { InteractionDeps } from './index.js';

const MAX_LOGIN = 200;

/** `contact` as a link when it is an e-mail address or an https URL. */
function contactHref(contact: string | undefined): string | null {
  if (!contact) return null;
  if (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(contact)) return `mailto:${contact}`;
  return /^https:\/\//.test(contact) && URL.canParse(contact) ? contact : null;
}

export function entryRoutes(router: Router, deps: InteractionDeps): void {
  // « Déclaration d’accessibilité » (RGAA), linked from every page's footer.
  router.get(ACCESSIBILITY_PATH, async (ctx) => {
    ctx.set('Cache-Control', 'public, max-age=3600');
    await ctx.render('accessibility', {
      title: 'Déclaration d’accessibilité',
      contact: deps.config.accessibilityContact ?? null,
      contactHref: contactHref(deps.config.accessibilityContact),
    });
  });

  router.get(CONNECTION_ENTRY_PATH, async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const typed = ctx.query[CONNECTION_ENTRY_PARAM];
    const login =
      typeof typed === 'string' && typed.length <= MAX_LOGIN && !firstControlCharacter(typed) ? typed.trim() : '';
    if (deps.defaultAppLogin) {
      const target = new URL(deps.defaultAppLogin, deps.config.issuer);
      if (login) target.searchParams.set('login_hint', login);
      return ctx.redirect(target.href);
    }
    await ctx.render('info', {
      title: 'Connexion',
      message: login
        ? `Ouvre l’ENT de ton école, puis CONNEXION, et saisis ton identifiant : ${login}`
        : 'Ouvre l’ENT de ton école, puis CONNEXION.',
    });
  });
}
