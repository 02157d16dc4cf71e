// Checking a logout token as any application must (Back-Channel Logout 1.0 § 2.6), for our
// own internal clients (`ent-cas`, `ent-saml`) that hear of ended sessions this way:
// signature with the provider's keys, iss, aud, typ logout+jwt, at most 5 minutes old, the
// logout event, no nonce, and a sid or a sub to end.
import { createLocalJWKSet, jwtVerify, type JWK } from 'jose';
import { BACKCHANNEL_LOGOUT_EVENT } from './backchannel.js';

const PUBLIC_PARTS = ['kty', 'kid', 'alg', 'use', 'crv', 'x', 'y', 'n', 'e'] as const;

const publicKey = (key: JWK): JWK =>
  Object.fromEntries(PUBLIC_PARTS.filter((p) => key[p] !== undefined).map((p) => [p, key[p]])) as JWK;

export type EndedSession = { sid: string } | { accountId: string };

/** The session a logout token ends, or the reason it is refused. */
export async function verifyLogoutToken(
  token: string,
  options: { issuer: string; audience: string; signingKeys: JWK[] },
): Promise<{ ok: true; ended: EndedSession } | { ok: false; reason: string }> {
  let claims: { sub?: string; sid?: unknown; events?: unknown; nonce?: unknown };
  try {
    const jwks = createLocalJWKSet({ keys: options.signingKeys.map(publicKey) });
    ({ payload: claims } = await jwtVerify(token, jwks, {
      issuer: options.issuer,
      audience: options.audience,
      typ: 'logout+jwt',
      maxTokenAge: '5m',
    }));
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
  const events = claims.events as Record<string, unknown> | undefined;
  if (!events || !(BACKCHANNEL_LOGOUT_EVENT in events)) return { ok: false, reason: 'no logout event' };
  if ('nonce' in claims) return { ok: false, reason: 'a nonce' };
  if (typeof claims.sid === 'string') return { ok: true, ended: { sid: claims.sid } };
  if (claims.sub) return { ok: true, ended: { accountId: claims.sub } };
  return { ok: false, reason: 'neither sid nor sub' };
}
