// Options for koa-session cookies whose content is sealed (AES-256-GCM), not only signed:
// nothing in them is readable by the browser. Used by the login pages and the admin page.
import type { Config } from '../config/index.js';
import { decrypt, deriveKey, encrypt } from '../domain/crypto.js';

export function sealedSessionOptions(config: Config, cookie: string, purpose: string) {
  const key = deriveKey(Buffer.from(config.secrets.cookieKeys[0]!), purpose);
  return {
    key: cookie,
    maxAge: 'session' as const,
    httpOnly: true,
    sameSite: 'lax' as const,
    signed: true,
    secure: config.issuer.startsWith('https://'),
    rolling: false,
    encode: (value: unknown) => encrypt(key, JSON.stringify(value)),
    decode: (sealed: string): unknown => {
      try {
        return JSON.parse(decrypt(key, sealed)) as unknown;
      } catch {
        return {};
      }
    },
  };
}
