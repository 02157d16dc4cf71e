// Activation and renewal codes: generated from crypto.randomInt, kept encrypted (the class's
// teachers read them again) and as a keyed digest (typed codes are matched in constant time
// without decrypting). At most one live code per account: a new one revokes the previous one
// in the same transaction. Consuming is one conditional UPDATE, so of N concurrent uses of a
// code exactly one wins.
import { randomUUID } from 'node:crypto';
import { In, IsNull, MoreThan, type EntityManager } from 'typeorm';
import type { Config } from '../../config/index.js';
import type { Database } from '../../db/index.js';
import { OneTimeCode, type CodeKind } from '../../db/entities/index.js';
import type { Audit } from '../audit.js';
import type { WorkMeter } from '../work.js';
import { decrypt, deriveKey, digest, encrypt, safeEqualHex } from '../crypto.js';
import { codeExpiry, generateCode, looksLikeCode, normalizeCode } from './format.js';

export * from './format.js';

export interface GenerateInput {
  accountId: string;
  kind: CodeKind;
  /** The teacher or admin who asked; null for the roster import or the CLI. */
  createdBy: string | null;
  /** For the audit event. */
  ip?: string | null;
  classId?: string | null;
}

export interface LiveCode {
  id: string;
  kind: CodeKind;
  /** In clear: only for callers allowed to show it (the class's teachers, connection sheets). */
  code: string;
  expiresAt: Date;
}

export interface Codes {
  /** Inside the caller's transaction: revokes the live code, stores a new one, audits `code.generate`. */
  generate(manager: EntityManager, input: GenerateInput): Promise<{ id: string; code: string; expiresAt: Date }>;
  /** `generate` in a transaction of its own. */
  issue(input: GenerateInput): Promise<{ id: string; code: string; expiresAt: Date }>;
  liveCode(accountId: string): Promise<LiveCode | null>;
  /** For class listings: one query per 500 accounts; accounts without a live code are absent. */
  liveCodes(accountIds: readonly string[]): Promise<Map<string, LiveCode>>;
  normalize(typed: string): string;
  /** The live code of the account that `typed` is, compared by keyed digest in constant time. */
  matchLive(accountId: string, typed: string): Promise<{ id: string; kind: CodeKind } | null>;
  /** A code row in clear with its state (for the set-password step); null when absent. */
  read(codeId: string): Promise<{ accountId: string; kind: CodeKind; code: string; live: boolean } | null>;
  /** Marks the code consumed if it is still live; true when this call consumed it. */
  consume(manager: EntityManager, codeId: string): Promise<boolean>;
  /** Revokes the account's live code(s), e.g. once a password is set another way. */
  revokeLive(manager: EntityManager, accountId: string): Promise<number>;
}

const liveWhere = (now: Date) => ({ consumedAt: IsNull(), revokedAt: IsNull(), expiresAt: MoreThan(now) });

export function createCodes(deps: { config: Config; db: Database; audit: Audit; work?: WorkMeter }): Codes {
  const { config, db, audit, work } = deps;
  const sealKey = deriveKey(config.secrets.codeEncryptionKey, 'codes');
  const digestKey = deriveKey(config.secrets.codeEncryptionKey, 'code-digest');
  const open = (row: OneTimeCode) => decrypt(sealKey, row.codeCiphertext, row.id);
  const toLive = (row: OneTimeCode): LiveCode => ({
    id: row.id,
    kind: row.kind,
    code: open(row),
    expiresAt: row.expiresAt,
  });

  const revokeLive = async (manager: EntityManager, accountId: string, now = new Date()): Promise<number> => {
    const result = await manager
      .createQueryBuilder()
      .update(OneTimeCode)
      .set({ revokedAt: now })
      .where('accountId = :accountId AND consumedAt IS NULL AND revokedAt IS NULL AND expiresAt > :now', {
        accountId,
        now,
      })
      .execute();
    return result.affected ?? 0;
  };

  const generate: Codes['generate'] = async (manager, input) => {
    const now = new Date();
    const revoked = await revokeLive(manager, input.accountId, now);
    const id = randomUUID();
    const code = generateCode();
    const expiresAt = codeExpiry(input.kind, now, config.codes);
    await manager.insert(OneTimeCode, {
      id,
      accountId: input.accountId,
      kind: input.kind,
      codeCiphertext: encrypt(sealKey, code, id),
      codeDigest: digest(digestKey, code),
      createdBy: input.createdBy,
      createdAt: now,
      expiresAt,
      consumedAt: null,
      revokedAt: null,
    });
    await audit.record(manager, {
      actorId: input.createdBy,
      action: 'code.generate',
      targetId: input.accountId,
      classId: input.classId ?? null,
      ip: input.ip ?? null,
      outcome: 'success',
      detail: { kind: input.kind, codeId: id, expiresAt: expiresAt.toISOString(), revokedPrevious: revoked > 0 },
    });
    return { id, code, expiresAt };
  };

  return {
    generate,
    issue: (input) => db.transaction((manager) => generate(manager, input)),

    async liveCode(accountId) {
      const row = await db.read((manager) =>
        manager.findOne(OneTimeCode, { where: { accountId, ...liveWhere(new Date()) }, order: { createdAt: 'DESC' } }),
      );
      return row ? toLive(row) : null;
    },

    async liveCodes(accountIds) {
      const result = new Map<string, LiveCode>();
      const now = new Date();
      const unique = [...new Set(accountIds)];
      for (let i = 0; i < unique.length; i += 500) {
        const rows = await db.read((manager) =>
          manager.find(OneTimeCode, {
            where: { accountId: In(unique.slice(i, i + 500)), ...liveWhere(now) },
            order: { createdAt: 'ASC' },
          }),
        );
        for (const row of rows) result.set(row.accountId, toLive(row)); // newest wins
      }
      return result;
    },

    normalize: normalizeCode,

    async matchLive(accountId, typed) {
      const normalized = normalizeCode(typed);
      if (!looksLikeCode(normalized)) return null;
      const typedDigest = digest(digestKey, normalized);
      work?.count('code_lookup');
      const rows = await db.read((manager) =>
        manager.find(OneTimeCode, { where: { accountId, ...liveWhere(new Date()) } }),
      );
      let match: OneTimeCode | null = null;
      for (const row of rows) if (safeEqualHex(row.codeDigest, typedDigest) && !match) match = row;
      return match ? { id: match.id, kind: match.kind } : null;
    },

    async read(codeId) {
      const row = await db.read((manager) => manager.findOne(OneTimeCode, { where: { id: codeId } }));
      if (!row) return null;
      const live = !row.consumedAt && !row.revokedAt && row.expiresAt.getTime() > Date.now();
      return { accountId: row.accountId, kind: row.kind, code: open(row), live };
    },

    async consume(manager, codeId) {
      const now = new Date();
      const result = await manager
        .createQueryBuilder()
        .update(OneTimeCode)
        .set({ consumedAt: now })
        .where('id = :id AND consumedAt IS NULL AND revokedAt IS NULL AND expiresAt > :now', { id: codeId, now })
        .execute();
      return result.affected === 1;
    },

    revokeLive: (manager, accountId) => revokeLive(manager, accountId),
  };
}
