// Security headers: a strict CSP (no inline script or style, nothing from another origin), no
// framing, no referrer leaks, HSTS behind TLS, on every page. The provider's JSON endpoints
// (token, introspection, revocation, userinfo, JWKS) are called by applications, not rendered
// by browsers: they get only what applies to an API answer — X-Content-Type-Options and HSTS
// (the provider sets Cache-Control: no-store itself) — which spares helmet's dozen headers on
// the busiest endpoint. Should one of them ever answer HTML (an error page), it gets them all.
import helmet from 'koa-helmet';
import type { Context, Middleware, Next } from 'koa';

/** oidc-provider's default routes that only ever answer JSON (or a JWT) to an application. */
const JSON_API_PATHS = new Set(['/token', '/token/introspection', '/token/revocation', '/me', '/jwks']);

const HSTS = 'max-age=31536000; includeSubDomains';

export function securityHeaders(https: boolean): Middleware {
  const pageHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
        // No form-action: Chromium applies it to the redirect that follows a login POST,
        // which must reach the client's redirect_uri on another origin.
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: https ? { maxAge: 31536000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
    crossOriginOpenerPolicy: { policy: 'same-origin' },
  }) as unknown as Middleware;
  const noop = async () => {};

  return async function securityHeadersMiddleware(ctx: Context, next: Next): Promise<void> {
    if (!JSON_API_PATHS.has(ctx.path)) return pageHeaders(ctx, next);
    ctx.set('X-Content-Type-Options', 'nosniff');
    if (https) ctx.set('Strict-Transport-Security', HSTS);
    await next();
    if (ctx.response.is('html')) await pageHeaders(ctx, noop);
  };
}
