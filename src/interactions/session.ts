// The interaction pages' own cookie session: it carries the CSRF secret and the state of a
// code flow between CONNEXION and the password page. Its content is sealed (AES-256-GCM),
// not only signed, so nothing in it is readable by the browser.
import session from 'koa-session';
import type Koa from 'koa';
import type { Middleware } from 'koa';
import type { Config } from '../config/index.js';
import type { Logger } from '../logger.js';
import { sealedSessionOptions } from '../http/sealed-session.js';

const SESSION_COOKIE = 'ent.flow';

export function flowSession(app: Koa, config: Config, logger: Logger): Middleware {
  return session(
    sealedSessionOptions(config, SESSION_COOKIE, 'flow-session', logger),
    app as never,
  ) as unknown as Middleware;
}
