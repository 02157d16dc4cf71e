// A deadline on every request. When the database stops answering without closing its
// connections (a network partition that drops packets), queries wait on the TCP stack for
// minutes; the user would see a page that never loads, then the load balancer's English
// 504. Past the deadline the request gets our 503 instead: the French « Service
// indisponible » page, problem+json on the APIs, `temporarily_unavailable` on the OAuth
// JSON endpoints. The work still in flight cannot be cancelled; it ends when the database
// answers or its connection fails, and whatever it tries to write then goes nowhere.
import type { Context, Middleware, Next } from 'koa';
import type { Logger } from '../logger.js';
import { serviceUnavailable } from './errors.js';

/** oidc-provider's endpoints that answer JSON (RFC 6749 §5.2 errors). */
const OAUTH_JSON = /^\/(token|me|jwks|reg|request)(\/|$)|^\/\.well-known\//;

export function requestDeadline(ms: number, logger: Logger): Middleware {
  return async function deadline(ctx: Context, next: Next): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      timer = setTimeout(() => resolve('expired'), ms);
    });
    const work = next();
    try {
      if ((await Promise.race([work, expired])) !== 'expired') return;
    } finally {
      clearTimeout(timer);
    }
    // The abandoned handler may still fail (headers already sent, database gone): logged once it does.
    work.catch((err: unknown) => logger.debug({ err, reqId: ctx.state.reqId }, 'request finished after its deadline'));
    logger.warn({ reqId: ctx.state.reqId, path: ctx.path, deadlineMs: ms }, 'request deadline exceeded');
    ctx.state.deadlineExceeded = true;
    if (OAUTH_JSON.test(ctx.path)) {
      ctx.status = 503;
      ctx.set('Retry-After', '5');
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { error: 'temporarily_unavailable', error_description: 'The service is temporarily unavailable; retry in a few seconds.' };
      return;
    }
    throw serviceUnavailable(`request deadline of ${ms} ms exceeded`);
  };
}
