// « Se connecter avec ÉduConnect » on CONNEXION (issue 19), the steps that need the
// interaction's cookies (src/educonnect handles the SAML side):
//
//   GET  /interaction/:uid/educonnect           ─▶ signed AuthnRequest to ÉduConnect (RelayState = uid)
//   GET  /interaction/:uid/educonnect/retour    the identity the ACS kept for this interaction (once)
//        linked to one live account ─▶ signed in · several ─▶ « Choisissez votre compte »
//        linked only to blocked accounts ─▶ refused · none ─▶ « Reliez votre compte »
//   POST /interaction/:uid/educonnect/lier      identifiant + password or code proves the ENT account:
//        link stored, then signed in (a code goes on to the password page as on CONNEXION)
//   POST /interaction/:uid/educonnect/choisir   one of the accounts offered
// The identity waiting for a link or a choice lives in the sealed flow session, bound to the uid.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { Account } from '../db/entities/index.js';
import type { FederatedIdentity } from '../domain/educonnect/index.js';
import { AppError } from '../http/errors.js';
import type { InteractionDeps } from './index.js';
import { clientIp, clientName, field, finishInteraction, loadInteraction, type InteractionDetails } from './flow.js';
import { isChild } from './login.js';

interface PendingFederation {
  uid: string;
  identity: FederatedIdentity;
  /** Accounts offered on « Choisissez votre compte ». */
  choices?: string[];
}

const LOGIN_FAILED = 'Identifiant ou mot de passe incorrect.';
const ACCOUNT_BLOCKED = 'Ce compte ENT est bloqué. Adressez-vous à l’enseignant ou à l’établissement.';

const notOffered = () => new AppError(404, 'not_found', 'La connexion avec ÉduConnect n’est pas proposée par cet ENT.');
const expired = () =>
  new AppError(
    400,
    'interaction_expired',
    'Cette connexion avec ÉduConnect a expiré ou a déjà abouti. Revenez à l’application et reconnectez-vous.',
  );

export function educonnectRoutes(router: Router, deps: InteractionDeps): void {
  const { domain, oidc } = deps;
  const sp = () => {
    if (!deps.educonnect) throw notOffered();
    return deps.educonnect;
  };

  const pendingOf = (ctx: Context, uid: string): PendingFederation => {
    const pending = ctx.session?.educonnect as PendingFederation | undefined;
    if (!pending || pending.uid !== uid) throw expired();
    return pending;
  };

  const renderLink = async (
    ctx: Context,
    details: InteractionDetails,
    pending: PendingFederation,
    error?: string,
    login = '',
  ) =>
    ctx.render('educonnect-link', {
      title: 'Relier votre compte ÉduConnect',
      uid: details.uid,
      client: await clientName(oidc, details),
      csrf: ctx.state._csrf,
      who: `${pending.identity.firstName} ${pending.identity.lastName}`,
      parent: pending.identity.affiliation.startsWith('resp'),
      login,
      error,
    });

  /** Signs in one account reached through ÉduConnect (the link made or used). */
  const signIn = async (ctx: Context, account: Account, identity: FederatedIdentity) => {
    await domain.educonnect.touch(account.id, identity);
    await domain.educonnect.recordSignIn(account, identity, clientIp(ctx), 'success');
    ctx.session!.educonnect = null;
    deps.educonnectLogout?.remember(ctx, identity);
    return finishInteraction(ctx, oidc, { login: { accountId: account.id, remember: false } });
  };

  router.get('/interaction/:uid/educonnect', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const details = await loadInteraction(ctx, oidc);
    ctx.redirect(await sp().authorizeUrl(details.uid));
  });

  router.get('/interaction/:uid/educonnect/retour', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    sp();
    const details = await loadInteraction(ctx, oidc);
    const identity = await domain.educonnect.requests.takeResult(details.uid);
    if (!identity) throw expired();
    const ip = clientIp(ctx);
    const accounts = await domain.educonnect.accountsOf(identity, ip);
    if (!accounts.length) {
      const pending: PendingFederation = { uid: details.uid, identity };
      ctx.session!.educonnect = pending;
      return renderLink(ctx, details, pending);
    }
    const live = accounts.filter((a) => !a.blockedAt);
    if (!live.length) {
      await domain.educonnect.recordSignIn(accounts[0]!, identity, ip, 'blocked');
      throw new AppError(403, 'account_blocked', ACCOUNT_BLOCKED);
    }
    if (live.length === 1) return signIn(ctx, live[0]!, identity);
    ctx.session!.educonnect = {
      uid: details.uid,
      identity,
      choices: live.map((a) => a.id),
    } satisfies PendingFederation;
    await ctx.render('educonnect-choose', {
      title: 'Choisissez votre compte',
      uid: details.uid,
      client: await clientName(oidc, details),
      csrf: ctx.state._csrf,
      accounts: await domain.educonnect.choices(live),
    });
  });

  router.post('/interaction/:uid/educonnect/choisir', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    sp();
    const details = await loadInteraction(ctx, oidc);
    const pending = pendingOf(ctx, details.uid);
    const chosen = field(ctx.request.body, 'compte');
    if (!pending.choices?.includes(chosen)) throw expired();
    const account = await domain.accounts.findById(chosen);
    if (!account || account.departedAt) throw expired();
    if (account.blockedAt) {
      await domain.educonnect.recordSignIn(account, pending.identity, clientIp(ctx), 'blocked');
      throw new AppError(403, 'account_blocked', ACCOUNT_BLOCKED);
    }
    return signIn(ctx, account, pending.identity);
  });

  router.post('/interaction/:uid/educonnect/lier', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    sp();
    const details = await loadInteraction(ctx, oidc);
    const pending = pendingOf(ctx, details.uid);
    const login = field(ctx.request.body, 'identifiant').trim().slice(0, 200);
    const secret = field(ctx.request.body, 'mot_de_passe').slice(0, 512);
    if (!login || !secret) {
      ctx.status = 400;
      return renderLink(ctx, details, pending, 'Saisissez votre identifiant et votre mot de passe.', login);
    }
    const ip = clientIp(ctx);
    const result = await domain.login.authenticate({ login, secret, ip, clientId: String(details.params.client_id) });
    switch (result.outcome) {
      case 'password':
        await domain.educonnect.linkByProof(result.account, pending.identity, ip);
        return signIn(ctx, result.account, pending.identity);
      case 'code':
        // The code proved the account: the link is stored, and the password is chosen next
        // exactly as after CONNEXION (the code is consumed there).
        await domain.educonnect.linkByProof(result.account, pending.identity, ip);
        ctx.session!.educonnect = null;
        deps.educonnectLogout?.remember(ctx, pending.identity);
        ctx.session!.codeFlow = {
          uid: details.uid,
          accountId: result.account.id,
          codeId: result.codeId,
          kind: result.codeKind,
          login: result.account.login,
          remember: false,
          child: isChild(result.account),
        };
        ctx.status = 303;
        return ctx.redirect(`/interaction/${details.uid}/mot-de-passe`);
      case 'blocked':
        ctx.status = 403;
        return renderLink(ctx, details, pending, ACCOUNT_BLOCKED, login);
      case 'throttled':
        ctx.status = 429;
        ctx.set('Retry-After', String(result.retryAfterSeconds));
        return renderLink(
          ctx,
          details,
          pending,
          `Trop de tentatives. Réessayez dans ${Math.max(1, Math.ceil(result.retryAfterSeconds / 60))} minute(s).`,
          login,
        );
      default:
        ctx.status = 401;
        return renderLink(ctx, details, pending, LOGIN_FAILED, login);
    }
  });
}
