// Options for koa-session cookies whose content is sealed (AES-256-GCM), not only signed:
// nothing in them is readable by the browser. Used by the login pages and the admin page.
//
// COOKIE_KEYS rotates by prepending a key: the first key seals, every key opens, so the
// sessions sealed before a rotation survive it (a code flow in progress, a teacher's page).
import type { Context } from 'koa';
import type { Config } from '../config/index.js';
import { decrypt, deriveKey, encrypt } from '../domain/crypto.js';
import type { Logger } from '../logger.js';

export function sealedSessionOptions(config: Config, cookie: string, purpose: string, logger: Logger) {
  const keys = config.secrets.cookieKeys.map((key) => deriveKey(Buffer.from(key), purpose));
  const [sealing] = keys as [Buffer];
  return {
    key: cookie,
    maxAge: 'session' as const,
    httpOnly: true,
    sameSite: 'lax' as const,
    signed: true,
    secure: config.issuer.startsWith('https://'),
    rolling: false,
    encode: (value: unknown) => encrypt(sealing, JSON.stringify(value)),
    decode: (sealed: string): unknown => {
      for (const key of keys) {
        try {
          return JSON.parse(decrypt(key, sealed)) as unknown;
        } catch {
          // Another key of COOKIE_KEYS may open it.
        }
      }
      // Signed with one of our keys (koa checked the signature) yet sealed with none of them:
      // a key was removed from COOKIE_KEYS too early, or the keys differ between instances.
      logger.warn(
        { cookie },
        'sealed session cookie could not be opened with any COOKIE_KEYS key: starting an empty session',
      );
      return {};
    },
  };
}

/**
 * One sealed cookie of our own (not a koa-session): `read` opens it (null when absent or not
 * ours), `write` seals a value or, given null, removes it. HttpOnly, SameSite=Lax, signed,
 * Secure behind https, on `path`. The CAS, SAML and ÉduConnect browser states use it.
 */
export function sealedCookie(config: Config, name: string, purpose: string, logger: Logger, path: string) {
  const { encode, decode } = sealedSessionOptions(config, name, purpose, logger);
  const options = {
    path,
    httpOnly: true,
    sameSite: 'lax' as const,
    signed: true,
    secure: config.issuer.startsWith('https://'),
    overwrite: true,
  };
  return {
    read(ctx: Context): unknown {
      const raw = ctx.cookies.get(name, { signed: true });
      return raw ? decode(raw) : null;
    },
    write(ctx: Context, value: unknown): void {
      ctx.cookies.set(name, value === null ? null : encode(value), options);
    },
  };
}
