// Blocking and unblocking one account, inside the caller's transaction: the one place that
// writes `blockedAt`. Blocking ends the account's sessions, grants and tokens at once, even
// when it already was blocked (idempotent), and every change is audited in the same
// transaction. Used by the class admin (for a teacher) and the CLI (for an operator).
import type { EntityManager } from 'typeorm';
import { Account } from '../db/entities/index.js';
import type { Audit } from './audit.js';
import type { Sessions } from './sessions.js';

export interface BlockInput {
  accountId: string;
  block: boolean;
  /** The teacher or admin acting; null for an operator at the command line. */
  actorId: string | null;
  classId?: string | null;
  ip?: string | null;
  /** Extra audit context, e.g. `{ via: 'cli' }`. */
  detail?: Record<string, unknown>;
}

export async function applyBlock(
  manager: EntityManager,
  deps: { audit: Audit; sessions: Sessions },
  input: BlockInput,
): Promise<{ changed: boolean; revoked: number }> {
  const now = new Date();
  const result = await manager
    .createQueryBuilder()
    .update(Account)
    .set(input.block ? { blockedAt: now, updatedAt: now } : { blockedAt: null, updatedAt: now })
    .where(input.block ? 'id = :id AND blockedAt IS NULL' : 'id = :id AND blockedAt IS NOT NULL', {
      id: input.accountId,
    })
    .execute();
  const changed = result.affected === 1;
  const revoked = input.block ? await deps.sessions.revokeAllForAccount(manager, input.accountId, 'block') : 0;
  await deps.audit.record(manager, {
    actorId: input.actorId,
    action: input.block ? 'account.block' : 'account.unblock',
    targetId: input.accountId,
    classId: input.classId ?? null,
    ip: input.ip ?? null,
    outcome: 'success',
    detail: { ...input.detail, changed, ...(input.block ? { revokedArtifacts: revoked } : {}) },
  });
  return { changed, revoked };
}
