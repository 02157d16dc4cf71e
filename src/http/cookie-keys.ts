// The signing keys of our cookies (COOKIE_KEYS), for Koa's `app.keys` and oidc-provider's
// `cookies.keys`: keygrip's interface and signatures (HMAC-SHA1, base64url; the first key
// signs, every key verifies), so cookies signed before keep verifying. keygrip compares a
// signature with tsscmp, which computes two more HMACs per comparison to hide timing;
// `timingSafeEqual` does the same job without them. A sign-in checks a dozen cookie
// signatures, so that was ≈ 2 % of its main-thread time (issue #22, BENCHMARKS.md).
import { createHmac, timingSafeEqual } from 'node:crypto';

export class CookieKeys {
  private readonly keys: readonly string[];

  constructor(keys: readonly string[]) {
    if (!keys.length) throw new Error('COOKIE_KEYS: at least one key is needed');
    this.keys = [...keys];
  }

  sign(data: string, key = this.keys[0]!): string {
    return createHmac('sha1', key).update(data).digest('base64url');
  }

  verify(data: string, digest: string): boolean {
    return this.index(data, digest) > -1;
  }

  /** The position of the key that signed `data` with `digest`, -1 for none. */
  index(data: string, digest: string): number {
    const given = Buffer.from(String(digest));
    for (let i = 0; i < this.keys.length; i++) {
      const expected = Buffer.from(this.sign(data, this.keys[i]));
      if (given.length === expected.length && timingSafeEqual(given, expected)) return i;
    }
    return -1;
  }
}
