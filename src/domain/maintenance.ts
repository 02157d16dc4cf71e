// Periodic purge (PURGE_INTERVAL): expired provider artifacts (an expired session's applications
// get their back-channel logout), admin page sessions and
// throttle rows at once;
// reset links and one-time codes 30 days after they expired (kept a while so the audit trail
// and the teacher's view can still explain what happened); audit events once older than
// AUDIT_RETENTION_DAYS (a trail kept for ever is personal data kept for ever); accounts
// departed at a rollover once DEPARTED_RETENTION_DAYS have passed (departed-retention.ts).
import { LessThan } from 'typeorm';
import { purgeDeparted } from './departed-retention.js';
import type { SchoolYearInForce } from './school-year.js';
import type { Database } from '../db/index.js';
import { logoutTargetsOf, type LogoutQueue } from './logout-queue.js';
import {
  AdminSession,
  AuditEvent,
  FederationRequest,
  OidcArtifact,
  OneTimeCode,
  PasswordResetToken,
} from '../db/entities/index.js';

const KEEP_EXPIRED_DAYS = 30;

export interface PurgeCounts {
  artifacts: number;
  adminSessions: number;
  /** ÉduConnect AuthnRequests past EDUCONNECT_MAX_AGE. */
  federationRequests: number;
  rateLimits: number;
  resetTokens: number;
  codes: number;
  auditEvents: number;
  casTickets: number;
  /** Accounts departed longer than DEPARTED_RETENTION_DAYS ago, deleted. */
  departedAccounts: number;
}

export interface Maintenance {
  purgeExpired(): Promise<PurgeCounts>;
}

export function createMaintenance(
  db: Database,
  options: {
    auditRetentionDays: number;
    departedRetentionDays: number;
    yearInForce: SchoolYearInForce;
    logouts: LogoutQueue;
    purgeCasTickets(): Promise<number>;
  },
): Maintenance {
  const purgeOwnTables = () =>
    db.transaction(async (manager) => {
      const now = new Date();
      const longAgo = new Date(now.getTime() - KEEP_EXPIRED_DAYS * 86400_000);
      // Expired sessions end like a logout: their applications hear of it first.
      const expiredSessions = await manager.find(OidcArtifact, {
        where: { model: 'Session', expiresAt: LessThan(now) },
        select: { payload: true },
      });
      await options.logouts.queue(manager, logoutTargetsOf(expiredSessions.map((s) => s.payload)), 'expired');
      const artifacts = await manager.delete(OidcArtifact, { expiresAt: LessThan(now) });
      const adminSessions = await manager.delete(AdminSession, { expiresAt: LessThan(now) });
      const federationRequests = await manager.delete(FederationRequest, { expiresAt: LessThan(now) });
      const rateLimits = await manager
        .createQueryBuilder()
        .delete()
        .from('rate_limits')
        .where('expire < :nowMs', { nowMs: now.getTime() })
        .execute();
      const resetTokens = await manager.delete(PasswordResetToken, { expiresAt: LessThan(longAgo) });
      const codes = await manager.delete(OneTimeCode, { expiresAt: LessThan(longAgo) });
      const auditEvents = await manager.delete(AuditEvent, {
        createdAt: LessThan(new Date(now.getTime() - options.auditRetentionDays * 86400_000)),
      });
      const departedAccounts = await purgeDeparted(
        manager,
        new Date(now.getTime() - options.departedRetentionDays * 86400_000),
        options.yearInForce,
      );
      return {
        departedAccounts,
        artifacts: artifacts.affected ?? 0,
        adminSessions: adminSessions.affected ?? 0,
        federationRequests: federationRequests.affected ?? 0,
        rateLimits: rateLimits.affected ?? 0,
        resetTokens: resetTokens.affected ?? 0,
        codes: codes.affected ?? 0,
        auditEvents: auditEvents.affected ?? 0,
      };
    });
  return {
    async purgeExpired() {
      const counts = await purgeOwnTables();
      // The CAS tickets' own transaction, after this one (transactions do not nest on SQLite).
      return { ...counts, casTickets: await options.purgeCasTickets() };
    },
  };
}
