// Bearer tokens are stored under a digest of their value, never the value itself: whoever
// reads `oidc_artifacts` (a backup, an SQL injection, an operator) cannot replay an
// authorization code, an access token or a refresh token. Opaque token values are 256 random
// bits, so an unkeyed SHA-256 is enough (no key to rotate) and lookups stay one indexed read.
// oidc-provider keeps the value as `jti` in the payload too: it is dropped before storing and
// given back on `find`, which is only ever called with the value itself.
// (Sessions and interactions keep their ids: they are looked up by uid as well; see SECURITY.md.)
import { hash } from 'node:crypto';
import type { Adapter, AdapterPayload } from 'oidc-provider';

const DIGESTED_MODELS = new Set(['AccessToken', 'RefreshToken', 'AuthorizationCode', 'ClientCredentials']);

/** One-shot `crypto.hash` (Node ≥ 20.12): the same digest as createHash(…).update(…).digest(…), without the
 * Hash object. */
const tokenDigest = (value: string): string => hash('sha256', value, 'base64url');

export function withTokenDigests(factory: (model: string) => Adapter): (model: string) => Adapter {
  return (model) => {
    const inner = factory(model);
    if (!DIGESTED_MODELS.has(model)) return inner;
    return {
      upsert: (id, payload, expiresIn) =>
        inner.upsert(tokenDigest(id), { ...payload, jti: undefined } as AdapterPayload, expiresIn),
      async find(id) {
        const payload = await inner.find(tokenDigest(id));
        return payload ? { ...payload, jti: id } : undefined;
      },
      findByUid: (uid) => inner.findByUid(uid),
      findByUserCode: (userCode) => inner.findByUserCode(userCode),
      consume: (id) => inner.consume(tokenDigest(id)),
      destroy: (id) => inner.destroy(tokenDigest(id)),
      revokeByGrantId: (grantId) => inner.revokeByGrantId(grantId),
    };
  };
}
