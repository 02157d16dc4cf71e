// A deadline on every request. When the database stops answering without closing its
// connections (a network partition that drops packets), queries wait on the TCP stack for
// minutes; the user would see a page that never loads, then the load balancer's English
// 504. Past the deadline the request gets our 503 instead: the French « Service
// indisponible » page, problem+json on the APIs, `temporarily_unavailable` on the OAuth
// JSON endpoints. The work still in flight cannot be cancelled; it ends when the database
// answers or its connection fails, and whatever it tries to write then goes nowhere.
import type { Context, Middleware, Next } from 'koa';
import type { Logger } from '../logger.js';
import { answerTemporarilyUnavailable, serviceUnavailable } from './errors.js';
import { requestLogFields } from './request-id.js';

/** oidc-provider's endpoints that answer JSON (RFC 6749 §5.2 errors). */
const OAUTH_JSON = /^\/(token|me|jwks|reg|request)(\/|$)|^\/\.well-known\//;

/** `work`'s answer, or `fallback` once `ms` have passed (the work is left to finish on its own). */
export function within<T>(ms: number, work: Promise<T>, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

export function requestDeadline(ms: number, logger: Logger): Middleware {
  return async function deadline(ctx: Context, next: Next): Promise<void> {
    const work = next();
    if (
      (await within(
        ms,
        work.then(() => 'answered' as const),
        'expired' as const,
      )) === 'answered'
    )
      return;
    // The abandoned handler may still fail (headers already sent, database gone): logged once it does.
    work.catch((err: unknown) =>
      logger.debug({ err, ...requestLogFields(ctx) }, 'request finished after its deadline'),
    );
    logger.warn({ ...requestLogFields(ctx), deadlineMs: ms }, 'request deadline exceeded');
    if (OAUTH_JSON.test(ctx.path)) return answerTemporarilyUnavailable(ctx);
    throw serviceUnavailable(`request deadline of ${ms} ms exceeded`);
  };
}
