// The interaction pages' own cookie session: it carries the CSRF secret and the state of a
// code flow between CONNEXION and the password page. Its content is sealed (AES-256-GCM),
// not only signed, so nothing in it is readable by the browser.
import session from 'koa-session';
import type Koa from 'koa';
import type { Middleware } from 'koa';
import type { Config } from '../config/index.js';
import { decrypt, deriveKey, encrypt } from '../domain/crypto.js';

export const SESSION_COOKIE = 'ent.flow';

export function flowSession(app: Koa, config: Config): Middleware {
  const key = deriveKey(Buffer.from(config.secrets.cookieKeys[0]!), 'flow-session');
  return session(
    {
      key: SESSION_COOKIE,
      maxAge: 'session',
      httpOnly: true,
      sameSite: 'lax',
      signed: true,
      secure: config.issuer.startsWith('https://'),
      rolling: false,
      encode: (value: unknown) => encrypt(key, JSON.stringify(value)),
      decode: (sealed: string) => {
        try {
          return JSON.parse(decrypt(key, sealed)) as unknown;
        } catch {
          return {};
        }
      },
    },
    app as never,
  ) as unknown as Middleware;
}
