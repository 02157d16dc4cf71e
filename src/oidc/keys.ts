// Signing keys in the database. The first start creates one RS256 and one ES256 key;
// `ent-idp keys rotate` adds new current keys and retires the old ones, which stay
// published in the JWKS until every token they signed has expired. Private parts are
// sealed with KEYSTORE_ENCRYPTION_KEY.
import { randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { IsNull, LessThan, MoreThan } from 'typeorm';
import type { Config } from '../config/index.js';
import type { Database } from '../db/index.js';
import { SigningKey } from '../db/entities/index.js';
import { decrypt, deriveKey, encrypt } from '../domain/crypto.js';

const SIGNING_ALGS = ['RS256', 'ES256'] as const;

const sealingKey = (config: Config) => deriveKey(config.secrets.keystoreEncryptionKey, 'signing-keys');

async function newKey(config: Config, alg: (typeof SIGNING_ALGS)[number], createdAt: Date): Promise<SigningKey> {
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
    const key = await newKey(config, alg, new Date());
    await db.exclusively('signing-keys', async (manager) => {
      if ((await manager.countBy(SigningKey, { alg, retiredAt: IsNull() })) === 0)
        await manager.insert(SigningKey, key);
    });
  }
}

/** Makes new current keys; the previous ones stay published until their tokens expire. */
export async function rotateSigningKeys(db: Database, config: Config): Promise<SigningKey[]> {
  const now = new Date();
  const fresh = await Promise.all(SIGNING_ALGS.map((alg) => newKey(config, alg, now)));
  await db.transaction(async (manager) => {
    await manager.update(
      SigningKey,
      { retiredAt: IsNull() },
      { retiredAt: now, publishedUntil: new Date(now.getTime() + retentionSeconds(config) * 1000) },
    );
    await manager.insert(SigningKey, fresh);
    await manager.delete(SigningKey, { publishedUntil: LessThan(now) });
  });
  return fresh;
}

export interface KeySummary {
  kid: string;
  alg: string;
  createdAt: Date;
  status: 'current' | 'retired';
  publishedUntil: Date | null;
}

export async function listSigningKeys(db: Database): Promise<KeySummary[]> {
  const rows = await publishedKeys(db);
  return rows.map((k) => ({
    kid: k.kid,
    alg: k.alg,
    createdAt: k.createdAt,
    status: k.retiredAt ? 'retired' : 'current',
    publishedUntil: k.publishedUntil,
  }));
}

async function publishedKeys(db: Database): Promise<SigningKey[]> {
  const rows = await db.read((manager) =>
    manager.find(SigningKey, {
      where: [{ retiredAt: IsNull() }, { publishedUntil: MoreThan(new Date()) }],
      order: { createdAt: 'DESC', kid: 'ASC' },
    }),
  );
  // Current keys first: oidc-provider signs with the first key of an algorithm.
  return [...rows.filter((k) => !k.retiredAt), ...rows.filter((k) => k.retiredAt)];
}

/** The private JWK set for oidc-provider, and a fingerprint to notice rotations. */
export async function loadSigningJwks(db: Database, config: Config): Promise<{ keys: JWK[]; fingerprint: string }> {
  const rows = await publishedKeys(db);
  const key = sealingKey(config);
  return {
    keys: rows.map((row) => JSON.parse(decrypt(key, row.privateJwkCiphertext, row.kid)) as JWK),
    fingerprint: rows.map((r) => r.kid).join(','),
  };
}
