// Activation and renewal codes: generated from crypto.randomInt, kept encrypted (the class's
// teachers read them again) and as a keyed digest (typed codes are matched in constant time
// without decrypting). At most one live code per account: a new one revokes the previous one
// in the same transaction. Consuming is one conditional UPDATE, so of N concurrent uses of a
// code exactly one wins.
import { randomUUID } from 'node:crypto';
import { In, IsNull, MoreThan, type EntityManager } from 'typeorm';
import type { Config } from '../../config/index.js';
import type { Database } from '../../db/index.js';
import { insertMany } from '../../db/bulk-insert.js';
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
  /**
   * Activation codes for accounts created in the caller's transaction (an import): they have
   * no code to revoke, so the codes and their `code.generate` events go in multi-row INSERTs.
   * Returns each account's code in clear, for the import's report.
   */
  generateForNewAccounts(
    manager: EntityManager,
    inputs: readonly Omit<GenerateInput, 'kind' | 'ip'>[],
  ): Promise<Map<string, string>>;
  /** `generate` in a transaction of its own. */
  issue(input: GenerateInput): Promise<{ id: string; code: string; expiresAt: Date }>;
  liveCode(accountId: string): Promise<LiveCode | null>;
  /** For class listings: one query per 500 accounts; accounts without a live code are absent. */
  liveCodes(accountIds: readonly string[]): Promise<Map<string, LiveCode>>;
  normalize(typed: string): string;
  /** The live code of the account that `typed` is, compared by keyed digest in constant time. */
  matchLive(accountId: string, typed: string): Promise<{ id: string; kind: CodeKind } | null>;
  /**
   * What `typed` is among the account's recent codes, in one lookup: its live code, a dead
   * one (used, replaced or expired: « ce code n'est plus valable »), or nothing. Every recent
   * code is compared, so the work does not depend on which one matches.
   */
  match(accountId: string, typed: string): Promise<CodeMatch | null>;
  /** A code row in clear with its state (for the set-password step); null when absent. */
  read(codeId: string): Promise<{ accountId: string; kind: CodeKind; code: string; live: boolean } | null>;
  /** Marks the code consumed if it is still live; true when this call consumed it. */
  consume(manager: EntityManager, codeId: string): Promise<boolean>;
  /** Revokes the account's live code(s), e.g. once a password is set another way. */
  revokeLive(manager: EntityManager, accountId: string): Promise<number>;
}

export type CodeMatch = { state: 'live'; id: string; kind: CodeKind } | { state: 'dead'; id: string; kind: CodeKind };

/** How many of an account's latest codes a typed code is compared with (live and dead). */
export const RECENT_CODES = 10;

const isLive = (row: OneTimeCode, now: Date) =>
  !row.consumedAt && !row.revokedAt && row.expiresAt.getTime() > now.getTime();

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

  const generateForNewAccounts: Codes['generateForNewAccounts'] = async (manager, inputs) => {
    const now = new Date();
    const expiresAt = codeExpiry('activation', now, config.codes);
    const issued = new Map<string, string>();
    for (let i = 0; i < inputs.length; i += 200) {
      const part = inputs.slice(i, i + 200);
      const rows = part.map((input) => {
        const id = randomUUID();
        const code = generateCode();
        issued.set(input.accountId, code);
        return {
          id,
          accountId: input.accountId,
          kind: 'activation' as const,
          codeCiphertext: encrypt(sealKey, code, id),
          codeDigest: digest(digestKey, code),
          createdBy: input.createdBy,
          createdAt: now,
          expiresAt,
          consumedAt: null,
          revokedAt: null,
        };
      });
      await insertMany(manager, OneTimeCode, rows);
      await audit.recordMany(
        manager,
        rows.map((row, k) => ({
          actorId: row.createdBy,
          action: 'code.generate',
          targetId: row.accountId,
          classId: part[k]!.classId ?? null,
          outcome: 'success' as const,
          detail: { kind: 'activation', codeId: row.id, expiresAt: expiresAt.toISOString(), revokedPrevious: false },
        })),
      );
    }
    return issued;
  };

  // One lookup per code-shaped secret, the account's latest codes live or not: the same query
  // and the same comparisons whether the typed code is live, dead or unknown.
  const match: Codes['match'] = async (accountId, typed) => {
    const normalized = normalizeCode(typed);
    if (!looksLikeCode(normalized)) return null;
    const typedDigest = digest(digestKey, normalized);
    work?.count('code_lookup');
    const rows = await db.read((manager) =>
      manager.find(OneTimeCode, { where: { accountId }, order: { createdAt: 'DESC' }, take: RECENT_CODES }),
    );
    const now = new Date();
    let live: OneTimeCode | null = null;
    let dead: OneTimeCode | null = null;
    for (const row of rows) {
      if (!safeEqualHex(row.codeDigest, typedDigest)) continue;
      if (isLive(row, now)) live ??= row;
      else dead ??= row;
    }
    if (live) return { state: 'live', id: live.id, kind: live.kind };
    return dead ? { state: 'dead', id: dead.id, kind: dead.kind } : null;
  };

  return {
    generate,
    generateForNewAccounts,
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
      const found = await match(accountId, typed);
      return found?.state === 'live' ? { id: found.id, kind: found.kind } : null;
    },

    match,

    async read(codeId) {
      const row = await db.read((manager) => manager.findOne(OneTimeCode, { where: { id: codeId } }));
      if (!row) return null;
      return { accountId: row.accountId, kind: row.kind, code: open(row), live: isLive(row, new Date()) };
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
