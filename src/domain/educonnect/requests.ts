// The AuthnRequests sent to ÉduConnect, in the database (any instance may receive the answer):
// node-saml's InResponseTo cache, the interaction each request belongs to, and the identity
// a validated Response carried, sealed, until the browser comes back for it on that
// interaction. Each step is one conditional write, so a Response is used once even when
// posted twice at the same moment.
import { createHash } from 'node:crypto';
import { IsNull, LessThan, MoreThan, Not } from 'typeorm';
import type { CacheItem, CacheProvider } from '@node-saml/node-saml';
import type { Database } from '../../db/index.js';
import { FederationRequest } from '../../db/entities/index.js';
import { decrypt, encrypt } from '../crypto.js';
import type { FederatedIdentity } from './identity.js';

export interface FederationRequests {
  /** node-saml's `cacheProvider` (InResponseTo checks). */
  cache: CacheProvider;
  /** The request `id` was sent for the interaction `uid`. */
  bind(id: string, uid: string): Promise<void>;
  /** The interaction a request was sent for, while the request may still be answered. */
  interactionOf(id: string): Promise<string | null>;
  /** Keeps the identity of the Response to request `id`; false when that request was already answered. */
  storeResult(id: string, identity: FederatedIdentity): Promise<boolean>;
  /** The identity waiting for interaction `uid`, taken once; null when none. */
  takeResult(uid: string): Promise<FederatedIdentity | null>;
  /** Deletes the requests past their lifetime; returns how many. */
  purge(): Promise<number>;
}

const digestOf = (id: string) => createHash('sha256').update(id).digest('hex');

export function createFederationRequests(db: Database, sealKey: Buffer, maxAgeSeconds: number): FederationRequests {
  const live = () => ({ expiresAt: MoreThan(new Date()) });
  return {
    cache: {
      async saveAsync(key, value): Promise<CacheItem | null> {
        const now = new Date();
        await db.transaction((m) =>
          m.insert(FederationRequest, {
            digest: digestOf(key),
            interactionUid: null,
            instant: value,
            createdAt: now,
            expiresAt: new Date(now.getTime() + maxAgeSeconds * 1000),
            consumedAt: null,
            result: null,
            takenAt: null,
          }),
        );
        return { value, createdAt: now.getTime() };
      },
      async getAsync(key) {
        const row = await db.read((m) =>
          m.findOne(FederationRequest, { where: { digest: digestOf(key), consumedAt: IsNull(), ...live() } }),
        );
        return row?.instant ?? null;
      },
      async removeAsync(key) {
        if (!key) return null;
        const res = await db.transaction((m) =>
          m.update(FederationRequest, { digest: digestOf(key), consumedAt: IsNull() }, { consumedAt: new Date() }),
        );
        return res.affected ? key : null;
      },
    },

    async bind(id, uid) {
      await db.transaction((m) => m.update(FederationRequest, { digest: digestOf(id) }, { interactionUid: uid }));
    },

    async interactionOf(id) {
      const row = await db.read((m) => m.findOne(FederationRequest, { where: { digest: digestOf(id), ...live() } }));
      return row?.interactionUid ?? null;
    },

    async storeResult(id, identity) {
      const digest = digestOf(id);
      const res = await db.transaction((m) =>
        m.update(
          FederationRequest,
          { digest, result: IsNull(), ...live() },
          { result: encrypt(sealKey, JSON.stringify(identity), digest) },
        ),
      );
      return res.affected === 1;
    },

    async takeResult(uid) {
      const row = await db.read((m) =>
        m.findOne(FederationRequest, {
          where: { interactionUid: uid, result: Not(IsNull()), takenAt: IsNull(), ...live() },
          order: { createdAt: 'DESC' },
        }),
      );
      if (!row?.result) return null;
      const res = await db.transaction((m) =>
        m.update(FederationRequest, { digest: row.digest, takenAt: IsNull() }, { takenAt: new Date(), result: null }),
      );
      if (res.affected !== 1) return null;
      return JSON.parse(decrypt(sealKey, row.result, row.digest)) as FederatedIdentity;
    },

    async purge() {
      const res = await db.transaction((m) => m.delete(FederationRequest, { expiresAt: LessThan(new Date()) }));
      return res.affected ?? 0;
    },
  };
}
