// Security headers: a strict CSP (no inline script or style, nothing from another origin), no
// framing, no referrer leaks, HSTS behind TLS, on every page. The provider's JSON endpoints
// (token, introspection, revocation, userinfo, JWKS) are called by applications, not rendered
// by browsers: they get only what applies to an API answer — X-Content-Type-Options and HSTS
// (the provider sets Cache-Control: no-store itself) — which spares helmet's dozen headers on
// the busiest endpoint. Should one of them ever answer HTML (an error page), it gets them all.
//
// The policy has no per-request part (no nonce), so helmet computes the header set once, at
// start, and each page answer sets it in one call instead of through helmet's dozen
// middlewares per request (a sign-in shows four pages and redirects; BENCHMARKS.md).
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';
import type { Context, Middleware, Next } from 'koa';

/** oidc-provider's default routes that only ever answer JSON (or a JWT) to an application. */
const JSON_API_PATHS = new Set(['/token', '/token/introspection', '/token/revocation', '/me', '/jwks']);

const HSTS = 'max-age=31536000; includeSubDomains';

/** The headers helmet sets for `options` (it removes none that Koa sets). */
function helmetHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: unknown) => void (headers[name] = String(value)),
    removeHeader: (name: string) => void delete headers[name],
  };
  let done = false;
  helmet(options)({} as IncomingMessage, res as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err;
    done = true;
  });
  // helmet sets its headers synchronously; anything else would be a change of helmet's to look at.
  if (!done) throw new Error('helmet did not set its headers synchronously');
  return headers;
}

export function securityHeaders(https: boolean): Middleware {
  const pageHeaders = helmetHeaders({
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
  });

  return async function securityHeadersMiddleware(ctx: Context, next: Next): Promise<void> {
    if (!JSON_API_PATHS.has(ctx.path)) {
      ctx.set(pageHeaders);
      return next();
    }
    ctx.set('X-Content-Type-Options', 'nosniff');
    if (https) ctx.set('Strict-Transport-Security', HSTS);
    await next();
    if (ctx.response.is('html')) ctx.set(pageHeaders);
  };
}
