// Ending an account's access at once: its provider sessions, grants, authorization codes,
// access and refresh tokens live in oidc_artifacts with their accountId (the TypeORM adapter
// stores it on every row it can), so one DELETE removes them; its admin page sessions live in
// admin_sessions, another DELETE. Called by blocking and by every password change. Before the
// provider sessions go, the applications they signed in to are queued a back-channel logout
// (logout-queue.ts), in the same transaction.
import type { EntityManager } from 'typeorm';
import { AdminSession, OidcArtifact, type LogoutReason } from '../db/entities/index.js';
import { sessionTargetsOfAccount, type LogoutQueue } from './logout-queue.js';

/**
 * Interactions are kept: they are short-lived login pages, and the one in progress (the user
 * who just chose a password) must survive so its login can complete. Blocked accounts cannot
 * finish one anyway, since every login step checks the account.
 */
const KEPT_MODELS = ['Interaction'];

export interface Sessions {
  /**
   * Queues the back-channel logouts of the account's provider sessions, then deletes its
   * provider artifacts and admin page sessions; returns how many rows went.
   */
  revokeAllForAccount(
    manager: EntityManager,
    accountId: string,
    reason: Exclude<LogoutReason, 'logout' | 'expired'>,
  ): Promise<number>;
}

export function createSessions(logouts: LogoutQueue): Sessions {
  return {
    async revokeAllForAccount(manager, accountId, reason) {
      await logouts.queue(manager, await sessionTargetsOfAccount(manager, accountId), reason);
      const artifacts = await manager
        .createQueryBuilder()
        .delete()
        .from(OidcArtifact)
        .where('accountId = :accountId AND model NOT IN (:...kept)', { accountId, kept: KEPT_MODELS })
        .execute();
      const adminSessions = await manager.delete(AdminSession, { accountId });
      return (artifacts.affected ?? 0) + (adminSessions.affected ?? 0);
    },
  };
}
