// A request id on every request (taken from X-Request-Id when a proxy set one), echoed in
// the response and carried by every log line of the request.
import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { Logger } from '../logger.js';

/**
 * Path segments that are secrets (password reset links carry their token in the path).
 * Case-insensitive like the router: /MOT-DE-PASSE/… reaches the same page with the same token.
 */
const SECRET_PATHS = /^(\/mot-de-passe\/reinitialiser\/)[^/]+/i;

/** The path as logged: no query string (it may hold codes or tokens), secret segments masked. */
export function loggablePath(path: string): string {
  return path.replace(SECRET_PATHS, '$1[redacted]');
}

/**
 * The fields every log line about a request carries: its id and its path as logged. Log
 * calls take these rather than `ctx.path`, so no line can carry a secret path segment.
 */
export function requestLogFields(ctx: Context): { reqId: string | undefined; path: string } {
  return { reqId: ctx.state.reqId as string | undefined, path: loggablePath(ctx.path) };
}

export function requestContext(logger: Logger) {
  return async function requestId(ctx: Context, next: Next): Promise<void> {
    const given = ctx.get('x-request-id');
    const reqId = /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    ctx.state.reqId = reqId;
    ctx.set('X-Request-Id', reqId);
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.info(
        { ...requestLogFields(ctx), method: ctx.method, status: ctx.status, ms: Math.round(ms * 10) / 10 },
        'request',
      );
    }
  };
}
