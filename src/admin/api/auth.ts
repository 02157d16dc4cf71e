// Authentication of the admin API, as any resource server of the provider would do it:
// the issuer's discovery document gives its jwks_uri; access tokens are JWTs (RFC 9068,
// typ at+jwt) signed ES256/RS256 for our audience with the `class-admin` scope. The key set
// is fetched lazily (in-process the server is not listening yet when the app is built) and
// cached by jose (refetched on an unknown kid, with a cooldown).
//
// Two ways in:
// - `Authorization: Bearer <jwt>` (ENT applications, scripts, tests);
// - the admin page's signed-in session (`ctx.state.adminSession`, set by the page's session
//   middleware from the database): the teacher is its account; every non-GET request must
//   then carry `X-CSRF-Token` equal to `ctx.state.adminSession.csrfToken`.
// The actor is the token's `sub`. Client-credentials tokens name no user (oidc-provider
// sets `sub` = `client_id`): they are refused with 403 (no service-account policy yet). An unknown
// or blocked account is refused with 401.
import { timingSafeEqual } from 'node:crypto';
import type { Context, Middleware, Next } from 'koa';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Config } from '../../config/index.js';
import type { Domain } from '../../domain/index.js';
import { AppError, serviceUnavailable } from '../../http/errors.js';
import type { ApiState } from './http.js';
import { ADMIN_SCOPE } from '../../scopes.js';

const CSRF_HEADER = 'x-csrf-token';

/** What the admin page's session middleware leaves on ctx.state for a signed-in teacher. */
export interface AdminSessionState {
  accountId: string;
  csrfToken: string;
}

const invalidToken = (
  ctx: Context,
  detail: string,
  message = 'Votre session a expiré ou le jeton d’accès n’est pas valable. Reconnectez-vous.',
) => {
  ctx.set('WWW-Authenticate', 'Bearer realm="ent-admin", error="invalid_token"');
  return new AppError(401, 'invalid_token', message, detail);
};

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The issuer's key set, from its discovery document, fetched on first use. */
function issuerKeys(issuer: string): () => Promise<JWTVerifyGetKey> {
  let keys: Promise<JWTVerifyGetKey> | undefined;
  return () =>
    (keys ??= (async () => {
      const res = await fetch(`${issuer}/.well-known/openid-configuration`, {
        signal: AbortSignal.timeout(5_000),
        headers: { accept: 'application/json' },
      });
      if (!res.ok) throw new Error(`discovery answered ${res.status}`);
      const doc = (await res.json()) as { issuer?: string; jwks_uri?: string };
      if (doc.issuer !== issuer || !doc.jwks_uri) throw new Error('discovery document does not match the issuer');
      return createRemoteJWKSet(new URL(doc.jwks_uri), {
        timeoutDuration: 5_000,
        cooldownDuration: 30_000,
        cacheMaxAge: 10 * 60_000,
      });
    })().catch((err: unknown) => {
      keys = undefined; // retry on the next request
      throw err;
    }));
}

export interface VerifiedToken {
  payload: JWTPayload & { scope?: string; client_id?: string };
}

export function authenticate(deps: { config: Config; domain: Domain }): Middleware {
  const { config, domain } = deps;
  const keys = issuerKeys(config.admin.issuer);

  const verify = async (ctx: Context, token: string): Promise<VerifiedToken> => {
    let getKey: JWTVerifyGetKey;
    try {
      getKey = await keys();
    } catch (err) {
      throw serviceUnavailable(`issuer discovery failed: ${(err as Error).message}`);
    }
    try {
      const { payload } = await jwtVerify(token, getKey, {
        issuer: config.admin.issuer,
        audience: config.admin.audience,
        algorithms: ['ES256', 'RS256'],
        typ: 'at+jwt',
        requiredClaims: ['exp', 'iat'],
      });
      const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
      if (!scopes.includes(ADMIN_SCOPE)) throw invalidToken(ctx, `${ADMIN_SCOPE} scope missing`);
      return { payload: payload as VerifiedToken['payload'] };
    } catch (err) {
      if (err instanceof AppError) throw err;
      if (err instanceof joseErrors.JWKSTimeout) throw serviceUnavailable('JWKS timeout');
      if (err instanceof joseErrors.JOSEError || err instanceof TypeError)
        throw invalidToken(ctx, `${(err as Error).name}: ${(err as Error).message}`);
      throw err;
    }
  };

  return async function authenticateAdmin(ctx: Context, next: Next) {
    const header = ctx.get('authorization');
    const session = (ctx.state as { adminSession?: AdminSessionState }).adminSession;
    let sub: string;
    let via: ApiState['via'];
    if (header) {
      const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header.trim());
      if (!match) throw invalidToken(ctx, 'malformed Authorization header');
      const { payload } = await verify(ctx, match[1]!);
      // RFC 9068: a client_credentials token's `sub` is the client itself.
      if (!payload.sub || payload.sub === payload.client_id) {
        throw new AppError(
          403,
          'forbidden',
          'Ce jeton d’application ne représente aucun enseignant : il ne donne pas accès à cette API.',
          `client_credentials token of ${payload.client_id ?? '?'}`,
        );
      }
      sub = payload.sub;
      via = 'bearer';
    } else if (session) {
      if (!['GET', 'HEAD', 'OPTIONS'].includes(ctx.method)) {
        const sent = ctx.get(CSRF_HEADER);
        if (!sent || !sameSecret(sent, session.csrfToken)) {
          throw new AppError(
            403,
            'csrf',
            'La page a expiré : rechargez-la puis recommencez.',
            'missing or wrong X-CSRF-Token',
          );
        }
      }
      sub = session.accountId;
      via = 'cookie';
    } else {
      ctx.set('WWW-Authenticate', 'Bearer realm="ent-admin"');
      throw new AppError(
        401,
        'invalid_token',
        'Authentification requise : connectez-vous à « Paramétrage de la classe ».',
        'no credentials',
      );
    }

    const actor = await domain.admin.loadActor(sub);
    if (!actor)
      throw invalidToken(ctx, 'unknown or blocked account', 'Ce compte n’a pas (ou plus) accès à cette application.');
    const state = ctx.state as ApiState;
    state.actor = actor;
    state.via = via;
    await next();
  };
}
