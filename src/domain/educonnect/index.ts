// ÉduConnect, the national account of pupils and parents, linked to ENT accounts (issue 19).
//
//   Response validated (src/educonnect) ─▶ identity kept for the interaction (requests.ts)
//        │
//   links by FrEduCtId ── none ─▶ national ids of the roster match (profile and birth date
//        │                       agree) ─▶ links made (method national_id)
//        │                              └ no match ─▶ the person proves an ENT account once
//        │                                            (identifiant + password or code) ─▶ link (proof)
//   one account ─▶ signed in (unless blocked) · several (a parent in two schools) ─▶ picks one
//
// Never linked by name alone. Every link, unlink and federated sign-in is audited.
import { randomUUID } from 'node:crypto';
import { In, IsNull, type EntityManager } from 'typeorm';
import { insertMany } from '../../db/bulk-insert.js';
import { isDuplicateKey } from '../../db/duplicate-key.js';
import type { Config } from '../../config/index.js';
import type { Database } from '../../db/index.js';
import { chunks } from '../../db/chunks.js';
import { Account, FederationLink, NationalId, Structure, type Profile } from '../../db/entities/index.js';
import type { Actor, Policies } from '../admin/index.js';
import type { Audit, AuditOutcome } from '../audit.js';
import { deriveKey } from '../crypto.js';
import type { FederatedIdentity } from './identity.js';
import { createFederationRequests, type FederationRequests } from './requests.js';

export * from './identity.js';
export * from './idp-metadata.js';
export type { FederationRequests } from './requests.js';

export const EDUCONNECT = 'educonnect';

export interface Educonnect {
  requests: FederationRequests;
  /**
   * The ENT accounts this ÉduConnect account reaches: its links, else the accounts whose
   * national id the identity carries (linked now, audited). Departed accounts are left out.
   */
  accountsOf(identity: FederatedIdentity, ip: string): Promise<Account[]>;
  /** Links after the person proved the ENT account (identifiant + password or code). */
  linkByProof(account: Account, identity: FederatedIdentity, ip: string): Promise<void>;
  /** Audits a federated sign-in attempt. */
  recordSignIn(
    account: Account | null,
    identity: FederatedIdentity | null,
    ip: string,
    outcome: AuditOutcome,
    detail?: Record<string, unknown>,
  ): Promise<void>;
  /** `lastUsedAt` of the link used. */
  touch(accountId: string, identity: FederatedIdentity): Promise<void>;
  /** Admin: removes the ÉduConnect links of these accounts (policies apply); returns how many. */
  unlink(actor: Actor, accountIds: readonly string[], context: { classId: string; ip: string | null }): Promise<number>;
  /** The accounts offered on « Choisissez votre compte »: name, identifiant, school. */
  choices(accounts: readonly Account[]): Promise<{ id: string; name: string; login: string; school: string }[]>;
  /** The roster's national ids of accounts (replacing their previous ones), inside an import's transaction. */
  setNationalIds(manager: EntityManager, byAccount: ReadonlyMap<string, readonly string[]>): Promise<void>;
}

const PROFILE_OF: Record<FederatedIdentity['affiliation'], Profile> = {
  eleve1d: 'Student',
  eleve2d: 'Student',
  resp1d: 'Relative',
  resp2d: 'Relative',
};

export function createEduconnect(deps: { config: Config; db: Database; audit: Audit; policies: Policies }): Educonnect {
  const { config, db, audit, policies } = deps;
  const maxAge = config.educonnect?.maxAgeSeconds ?? 600;
  const requests = createFederationRequests(db, deriveKey(config.secrets.codeEncryptionKey, 'educonnect'), maxAge);

  const find = (ids: string[]) =>
    ids.length
      ? db.read((m) => m.find(Account, { where: { id: In(ids), departedAt: IsNull() } }))
      : Promise.resolve([]);

  /** One link and its audit event, in the caller's transaction. */
  const link = async (
    manager: EntityManager,
    account: Account,
    identity: FederatedIdentity,
    method: 'national_id' | 'proof',
    ip: string,
    now: Date,
  ) => {
    await manager.insert(FederationLink, {
      id: randomUUID(),
      accountId: account.id,
      provider: EDUCONNECT,
      subject: identity.subject,
      method,
      createdAt: now,
      lastUsedAt: null,
    });
    await audit.record(manager, {
      actorId: account.id,
      action: 'educonnect.link',
      targetId: account.id,
      ip,
      outcome: 'success',
      detail: { method, affiliation: identity.affiliation },
    });
  };

  return {
    requests,

    async accountsOf(identity, ip) {
      const links = await db.read((m) =>
        m.find(FederationLink, { where: { provider: EDUCONNECT, subject: identity.subject } }),
      );
      if (links.length) return find(links.map((l) => l.accountId));
      if (!identity.nationalIds.length) return [];
      const matches = await db.read((m) => m.find(NationalId, { where: { nationalId: In(identity.nationalIds) } }));
      const candidates = (await find([...new Set(matches.map((n) => n.accountId))])).filter(
        (a) =>
          a.profile === PROFILE_OF[identity.affiliation] &&
          // A pupil's birth date, when both sides know it, must agree: a typo in a roster's
          // national id must not hand a child's account to another child.
          (a.profile !== 'Student' || !identity.birthDate || !a.birthDate || a.birthDate === identity.birthDate),
      );
      if (!candidates.length) return [];
      const now = new Date();
      // The same person signing in twice at once may race to make these links: the loser's
      // transaction (a unique index refuses its rows) is undone, and the links read again.
      const made = await db
        .transaction(async (manager) => {
          for (const account of candidates) {
            await link(manager, account, identity, 'national_id', ip, now);
          }
          return true;
        })
        .catch((err: unknown) => {
          if (!isDuplicateKey(err)) throw err;
          return false;
        });
      if (made) return candidates;
      const raced = await db.read((m) =>
        m.find(FederationLink, { where: { provider: EDUCONNECT, subject: identity.subject } }),
      );
      return find(raced.map((l) => l.accountId));
    },

    async linkByProof(account, identity, ip) {
      await db.transaction(async (manager) => {
        const existing = await manager.findOne(FederationLink, {
          where: { provider: EDUCONNECT, subject: identity.subject, accountId: account.id },
        });
        if (existing) return;
        await link(manager, account, identity, 'proof', ip, new Date());
      });
    },

    async recordSignIn(account, identity, ip, outcome, detail = {}) {
      await db.transaction((manager) =>
        audit.record(manager, {
          actorId: account?.id ?? null,
          action: 'login.educonnect',
          targetId: account?.id ?? null,
          ip,
          outcome,
          detail: { affiliation: identity?.affiliation ?? null, ...detail },
        }),
      );
    },

    async touch(accountId, identity) {
      const now = new Date();
      await db.transaction(async (m) => {
        await m.update(
          FederationLink,
          { provider: EDUCONNECT, subject: identity.subject, accountId },
          { lastUsedAt: now },
        );
        await m.update(Account, { id: accountId }, { lastLoginAt: now });
      });
    },

    async unlink(actor, accountIds, context) {
      const targets = await policies.authorizeTargets(actor, accountIds, context.classId);
      return db.transaction(async (manager) => {
        let removed = 0;
        for (const { account } of targets) {
          const res = await manager.delete(FederationLink, { provider: EDUCONNECT, accountId: account.id });
          if (!res.affected) continue;
          removed++;
          await audit.record(manager, {
            actorId: actor.account.id,
            action: 'educonnect.unlink',
            targetId: account.id,
            classId: context.classId,
            ip: context.ip,
            outcome: 'success',
            detail: { links: res.affected },
          });
        }
        return removed;
      });
    },

    async choices(accounts) {
      const ids = [...new Set(accounts.map((a) => a.structureId).filter((s): s is string => !!s))];
      const structures = ids.length ? await db.read((m) => m.find(Structure, { where: { id: In(ids) } })) : [];
      const names = new Map(structures.map((s) => [s.id, s.name]));
      return accounts.map((a) => ({
        id: a.id,
        name: `${a.firstName} ${a.lastName}`.trim(),
        login: a.login,
        school: (a.structureId && names.get(a.structureId)) || '',
      }));
    },

    async setNationalIds(manager, byAccount) {
      const now = new Date();
      for (const part of chunks([...byAccount.keys()])) await manager.delete(NationalId, { accountId: In(part) });
      const rows = [...byAccount].flatMap(([accountId, ids]) =>
        [...new Set(ids)].map((nationalId) => ({ accountId, nationalId, createdAt: now })),
      );
      await insertMany(manager, NationalId, rows, 500);
    },
  };
}
