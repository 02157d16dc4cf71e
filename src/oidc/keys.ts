// Signing keys in the database. The first start creates one RS256 and one ES256 key.
// `ent-idp keys rotate` adds the next keys, published at once (JWKS, SAML metadata) but
// signing only SIGNING_KEY_LEAD_HOURS later, so that relying parties and SAML SPs that cache
// keys or metadata learn them before they meet a signature; `keys rotate --now` switches at
// once (a compromised key). A key superseded by a newer active one stays published until
// every token it signed has expired. A key's state follows from its dates (`keyStates`): no
// job switches them, each instance's minute-by-minute key check does. Private parts are
// sealed with KEYSTORE_ENCRYPTION_KEY.
import { randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { In, IsNull, MoreThan } from 'typeorm';
import type { Config } from '../config/index.js';
import type { Database } from '../db/index.js';
import { SigningKey } from '../db/entities/index.js';
import { decrypt, deriveKey, encrypt } from '../domain/crypto.js';

const SIGNING_ALGS = ['RS256', 'ES256'] as const;

const sealingKey = (config: Config) => deriveKey(config.secrets.keystoreEncryptionKey, 'signing-keys');

async function newKey(
  config: Config,
  alg: (typeof SIGNING_ALGS)[number],
  createdAt: Date,
  activatesAt: Date | null,
): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'RS256' ? { modulusLength: 2048 } : {}),
  });
  const jwk = await exportJWK(privateKey);
  const kid = `${(await calculateJwkThumbprint(jwk)).slice(0, 16)}-${randomUUID().slice(0, 8)}`;
  const priv: JWK = { ...jwk, kid, alg, use: 'sig' };
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = priv;
  return {
    kid,
    alg,
    publicJwk: JSON.stringify(pub),
    privateJwkCiphertext: encrypt(sealingKey(config), JSON.stringify(priv), kid),
    createdAt,
    activatesAt,
    retiredAt: null,
    publishedUntil: null,
  };
}

/** How long a retired key must stay published: the longest lifetime of a token it signed. */
function retentionSeconds(config: Config): number {
  const t = config.ttl;
  return Math.max(t.idToken, t.accessToken, t.clientCredentials) + 60;
}

/**
 * Creates the first key of each algorithm when none is current. Instances starting together
 * on an empty database create them once between them: the check and the insert run under a
 * database-wide lock, so the others find the first one's key (and generated theirs for
 * nothing, which only happens on that first start).
 */
export async function ensureSigningKeys(db: Database, config: Config): Promise<void> {
  for (const alg of SIGNING_ALGS) {
    if (await db.read((manager) => manager.countBy(SigningKey, { alg, retiredAt: IsNull() }))) continue;
    const key = await newKey(config, alg, new Date(), null);
    await db.exclusively('signing-keys', async (manager) => {
      if ((await manager.countBy(SigningKey, { alg, retiredAt: IsNull() })) === 0)
        await manager.insert(SigningKey, key);
    });
  }
}

export type KeyStatus = 'current' | 'next' | 'retired';
interface KeyState {
  key: SigningKey;
  status: KeyStatus;
  /** Until when a retired key stays published. */
  publishedUntil: Date | null;
}
const activation = (key: SigningKey) => key.activatesAt ?? key.createdAt;

/**
 * Each stored key's state at `now`, current keys first (oidc-provider signs with the first key
 * of an algorithm), then the next ones, then the retired ones still published. Per algorithm
 * the current key is the one activated last; an older active key was superseded when it was,
 * and stays published `retentionSeconds` after that.
 */
function keyStates(rows: SigningKey[], config: Config, now: Date): KeyState[] {
  const retention = retentionSeconds(config) * 1000;
  const states = rows.map((key): KeyState => {
    if (key.retiredAt) return { key, status: 'retired', publishedUntil: key.publishedUntil };
    if (activation(key) > now) return { key, status: 'next', publishedUntil: null };
    const newer = rows
      .filter((k) => k.alg === key.alg && !k.retiredAt && activation(k) <= now && activation(k) > activation(key))
      .map(activation);
    if (!newer.length) return { key, status: 'current', publishedUntil: null };
    const supersededAt = Math.min(...newer.map((d) => d.getTime()));
    return { key, status: 'retired', publishedUntil: new Date(supersededAt + retention) };
  });
  const rank: Record<KeyStatus, number> = { current: 0, next: 1, retired: 2 };
  return states
    .filter((s) => s.status !== 'retired' || (s.publishedUntil !== null && s.publishedUntil > now))
    .sort(
      (a, b) =>
        rank[a.status] - rank[b.status] ||
        b.key.createdAt.getTime() - a.key.createdAt.getTime() ||
        a.key.kid.localeCompare(b.key.kid),
    );
}

export class RotationPending extends Error {
  override name = 'RotationPending';
}

/**
 * Adds the next keys of each algorithm: signing from `SIGNING_KEY_LEAD_HOURS` on, or at once
 * with `now` (the current keys then retire at once). Keys retired by then are written as such
 * and those no longer published deleted. One pending rotation at a time: a second one before
 * the first has activated is refused unless it is `now`.
 */
export async function rotateSigningKeys(
  db: Database,
  config: Config,
  options: { now?: boolean } = {},
): Promise<SigningKey[]> {
  const now = new Date();
  const activatesAt = options.now ? null : new Date(now.getTime() + config.signingKeyLeadHours * 3600_000);
  const fresh = await Promise.all(SIGNING_ALGS.map((alg) => newKey(config, alg, now, activatesAt)));
  const until = new Date(now.getTime() + retentionSeconds(config) * 1000);
  await db.transaction(async (manager) => {
    const rows = await manager.find(SigningKey);
    const states = keyStates(rows, config, now);
    const pending = states.filter((s) => s.status === 'next');
    if (pending.length && !options.now)
      throw new RotationPending(
        `a rotation is pending: ${pending.map((s) => s.key.kid).join(', ')} sign from ${activation(pending[0]!.key).toISOString()} (keys rotate --now switches at once)`,
      );
    for (const s of states) {
      if (s.key.retiredAt) continue;
      if (s.status === 'retired')
        await manager.update(SigningKey, { kid: s.key.kid }, { retiredAt: now, publishedUntil: s.publishedUntil });
      // At once: the current keys (and any pending ones) stop signing now.
      else if (options.now)
        await manager.update(SigningKey, { kid: s.key.kid }, { retiredAt: now, publishedUntil: until });
    }
    const published = new Set(states.map((s) => s.key.kid));
    const gone = rows.filter((k) => !published.has(k.kid)).map((k) => k.kid);
    if (gone.length) await manager.delete(SigningKey, { kid: In(gone) });
    await manager.insert(SigningKey, fresh);
  });
  return fresh;
}

export interface KeySummary {
  kid: string;
  alg: string;
  createdAt: Date;
  status: KeyStatus;
  /** When a next key starts signing. */
  activatesAt: Date | null;
  publishedUntil: Date | null;
}

export async function listSigningKeys(db: Database, config: Config): Promise<KeySummary[]> {
  return (await publishedKeys(db, config)).map(({ key, status, publishedUntil }) => ({
    kid: key.kid,
    alg: key.alg,
    createdAt: key.createdAt,
    status,
    activatesAt: status === 'next' ? activation(key) : null,
    publishedUntil,
  }));
}

async function publishedKeys(db: Database, config: Config): Promise<KeyState[]> {
  const now = new Date();
  const rows = await db.read((manager) =>
    manager.find(SigningKey, { where: [{ retiredAt: IsNull() }, { publishedUntil: MoreThan(now) }] }),
  );
  return keyStates(rows, config, now);
}

/** The private JWK set for oidc-provider, and a fingerprint to notice rotations. */
export async function loadSigningJwks(db: Database, config: Config): Promise<{ keys: JWK[]; fingerprint: string }> {
  const states = await publishedKeys(db, config);
  const key = sealingKey(config);
  return {
    keys: states.map(({ key: row }) => JSON.parse(decrypt(key, row.privateJwkCiphertext, row.kid)) as JWK),
    // The order is the state: a next key becoming current changes it, and the provider reloads.
    fingerprint: states.map((s) => s.key.kid).join(','),
  };
}
