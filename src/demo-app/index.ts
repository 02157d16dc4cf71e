// The demo ENT application: what an ENT application (mail, timetable…) does to sign people
// in through ent-idp — authorization code + PKCE with openid-client, the user's claims from
// the ID token and userinfo, and « Déconnexion » through RP-initiated logout. It knows the
// provider only by its issuer URL (discovered lazily: mounted in the provider's own process,
// the issuer is not listening yet when the app is built).
//
// Mounted at /demo-app by server.ts in development; `npm run demo:app` runs it alone
// (src/demo-app/main.ts) on DEMO_APP_PORT against ISSUER.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Koa from 'koa';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Middleware } from 'koa';
import type nunjucks from 'nunjucks';
import * as oidc from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { Logger } from '../logger.js';
import { PUBLIC_DIR } from '../http/views.js';
import { DEMO_APP_PATH } from './registration.js';

const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
import { SessionStore, type DemoSession } from './session.js';

export interface DemoAppOptions {
  /** Where the app is mounted under `baseUrl` (DEMO_APP_PATH, or the second app's path). */
  path?: string;
  /** Its name on its pages (the provider's consent and logout pages use the client's name). */
  title?: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Public URL under which DEMO_APP_PATH is served (the issuer when mounted). */
  baseUrl: string;
  nunjucks: nunjucks.Environment;
  logger: Logger;
  /** Cookie signing keys (the standalone app; mounted, the outer app's keys sign). */
  keys: string[];
}

const PROFILES: Record<string, string> = {
  Student: 'Élève',
  Relative: 'Parent',
  Teacher: 'Enseignant',
  Personnel: 'Personnel',
};
const SCOPE = 'openid profile email ent';

export function createDemoApp(options: DemoAppOptions): Koa {
  const { issuer, clientId, clientSecret, nunjucks: env, logger } = options;
  const path = options.path ?? DEMO_APP_PATH;
  const title = options.title ?? 'Application ENT de démonstration';
  const home = `${options.baseUrl}${path}`;
  const redirectUri = `${home}/callback`;
  const sessions = new SessionStore(path);
  const css = readFileSync(join(PUBLIC_DIR, 'demo-app', 'demo.css'), 'utf8');

  let discovered: Promise<oidc.Configuration> | undefined;
  const configuration = () =>
    (discovered ??= oidc
      .discovery(
        new URL(issuer),
        clientId,
        clientSecret,
        oidc.ClientSecretBasic(clientSecret),
        issuer.startsWith('http://') ? { execute: [oidc.allowInsecureRequests] } : {},
      )
      .catch((err: unknown) => {
        discovered = undefined; // try again on the next request
        throw err;
      }));

  const render = (ctx: Koa.Context, view: string, data: Record<string, unknown>, status = 200) => {
    ctx.status = status;
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = env.render(`demo-app/${view}`, { home, appName: title, ...data });
  };
  const failed = (ctx: Koa.Context, message: string, status = 400) =>
    render(ctx, 'error.njk', { title: 'Erreur', message }, status);

  const router = new Router();

  router.get('/style.css', (ctx) => {
    ctx.type = 'text/css';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = css;
  });

  router.get('/', (ctx) => {
    const session = sessions.load(ctx);
    if (!session.signedIn) return render(ctx, 'home.njk', { title, issuer });
    const { idClaims, userinfo } = session.signedIn;
    const claims = { ...idClaims, ...userinfo } as Record<string, unknown>;
    render(ctx, 'profile.njk', {
      title: 'Mon profil',
      csrf: session.csrf,
      user: {
        name: claims.name ?? claims.preferred_username ?? claims.sub,
        login: claims.preferred_username,
        profile: PROFILES[String(claims.ent_profile)] ?? claims.ent_profile,
        birthdate: claims.birthdate,
        email: claims.email,
        structure: claims.ent_structure as { name?: string; uai?: string } | null,
        classes: (claims.ent_classes as { name: string }[] | undefined) ?? [],
        children: (claims.ent_children as { name: string; preferred_username: string }[] | undefined) ?? [],
      },
      idClaims: JSON.stringify(idClaims, null, 2),
      userinfo: JSON.stringify(userinfo, null, 2),
      scope: session.signedIn.scope,
    });
  });

  router.get('/login', async (ctx) => {
    let config: oidc.Configuration;
    try {
      config = await configuration();
    } catch (err) {
      logger.warn({ err: (err as Error).message, issuer }, 'demo app: discovery failed');
      return failed(ctx, `Le fournisseur d’identité (${issuer}) ne répond pas. Réessayez dans un instant.`, 502);
    }
    const hint = ctx.query.login_hint;
    const loginHint = typeof hint === 'string' && hint.length <= 200 ? hint : '';
    const verifier = oidc.randomPKCECodeVerifier();
    const pending = { state: oidc.randomState(), nonce: oidc.randomNonce(), verifier };
    sessions.renew(ctx, { pending });
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: SCOPE,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
      // Third party initiated login (GET /connexion on the provider): CONNEXION with the identifiant filled in.
      ...(loginHint ? { login_hint: loginHint } : {}),
    });
    ctx.redirect(url.href);
  });

  router.get('/callback', async (ctx) => {
    const session = sessions.load(ctx);
    const pending = session.pending;
    if (ctx.query.error) {
      return failed(ctx, `La connexion a été refusée (${String(ctx.query.error)}).`);
    }
    if (!pending)
      return failed(ctx, 'Cette connexion a expiré ou a déjà été utilisée. Recommencez depuis la page d’accueil.');
    try {
      const config = await configuration();
      // The callback URL as the provider redirected to it (the public address, not the socket's).
      const current = new URL(`${redirectUri}${ctx.querystring ? `?${ctx.querystring}` : ''}`);
      const tokens = await oidc.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims()!;
      const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, idClaims.sub);
      sessions.renew(ctx, {
        signedIn: {
          idToken: tokens.id_token!,
          idClaims: { ...idClaims },
          userinfo: { ...userinfo },
          scope: tokens.scope ?? SCOPE,
          at: Date.now(),
        },
      });
      ctx.redirect(home);
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'demo app: sign-in failed');
      delete session.pending;
      return failed(ctx, 'La connexion n’a pas pu aboutir. Recommencez depuis la page d’accueil.');
    }
  });

  router.post('/logout', async (ctx) => {
    const session: DemoSession = sessions.load(ctx);
    const form = ctx.request.body as Record<string, unknown> | undefined;
    if (!session.signedIn || typeof form?.csrf !== 'string' || form.csrf !== session.csrf) return ctx.redirect(home);
    const idToken = session.signedIn.idToken;
    sessions.renew(ctx);
    try {
      const config = await configuration();
      ctx.redirect(oidc.buildEndSessionUrl(config, { id_token_hint: idToken, post_logout_redirect_uri: home }).href);
    } catch {
      ctx.redirect(home);
    }
  });

  // OpenID Connect Back-Channel Logout 1.0 § 2.6, as every ENT application should do it: the
  // provider POSTs a logout token when the user's session ends anywhere (logout in another
  // application, a block, a new password, an expiry). Validate it — signature by the
  // issuer's keys, iss, aud, iat, the logout event, sid or sub, and no nonce — then end the
  // local sessions it names. Answer 200 once done, 400 for a token that does not validate.
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  router.post('/backchannel-logout', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const token = (ctx.request.body as Record<string, unknown> | undefined)?.logout_token;
    try {
      if (typeof token !== 'string') throw new Error('no logout_token');
      const config = await configuration();
      jwks ??= createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));
      const { payload } = await jwtVerify(token, jwks, {
        issuer,
        audience: clientId,
        requiredClaims: ['iat', 'jti', 'events'],
        maxTokenAge: '5m',
      });
      const events = payload.events as Record<string, unknown> | undefined;
      if (!events || typeof events !== 'object' || !(BACKCHANNEL_LOGOUT_EVENT in events))
        throw new Error('not a logout event');
      if ('nonce' in payload) throw new Error('a logout token has no nonce');
      const sid = typeof payload.sid === 'string' ? payload.sid : undefined;
      if (!sid && !payload.sub) throw new Error('neither sid nor sub');
      const ended = sessions.endFor({ sub: payload.sub, sid });
      logger.info({ clientId, ended }, 'demo app: back-channel logout');
      ctx.status = 200;
      ctx.body = '';
    } catch (err) {
      logger.info({ clientId, err: (err as Error).message }, 'demo app: logout token refused');
      ctx.status = 400;
      ctx.type = 'application/json';
      ctx.body = { error: 'invalid_request' };
    }
  });

  const app = new Koa();
  app.keys = options.keys;
  app.use(bodyParser({ enableTypes: ['form'], formLimit: '4kb' }) as unknown as Middleware);
  app.use(router.routes() as unknown as Middleware);
  app.use(router.allowedMethods() as unknown as Middleware);
  return app;
}
