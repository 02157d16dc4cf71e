// Retention of departed accounts: a pupil or relative who left at a rollover
// (accounts.departedAt) is deleted DEPARTED_RETENTION_DAYS later, by the periodic purge, in
// its transaction. Their data are mostly minors' personal data, kept only as long as a
// school may need to answer for last year (GDPR art. 5(1)(e): storage limitation).
//
// Deleted: the account and its personal fields, codes, reset links, provider artifacts,
// CAS tickets, pending back-channel logouts, admin page sessions, memberships, roles,
// relative links and terms of use acceptances. The audit trail keeps its events (what happened, when, in which class)
// but loses who: actor and target ids become null, the IP goes, and the detail (which may
// hold a typed identifiant) is replaced by the marker below.
//
// An account dated but placed again in a class of its school's year in force (a pupil who
// came back) is never deleted.
import { In, LessThan, type EntityManager } from 'typeorm';
import {
  Account,
  AdminSession,
  AuditEvent,
  Badge,
  CasTicket,
  FederationLink,
  LogoutDelivery,
  Membership,
  NationalId,
  OidcArtifact,
  OneTimeCode,
  PasswordResetToken,
  RelativeLink,
  RoleAssignment,
  SamlSession,
  TermsAcceptance,
} from '../db/entities/index.js';
import { chunks } from '../db/chunks.js';
import type { SchoolYearInForce } from './school-year.js';

/** What an anonymised audit event's detail says instead. */
export const DELETED_ACCOUNT_DETAIL = JSON.stringify({ account: 'compte supprimé' });

/** Deletes the accounts departed before `cutoff`; returns how many. */
export async function purgeDeparted(
  manager: EntityManager,
  cutoff: Date,
  yearInForce: SchoolYearInForce,
): Promise<number> {
  const inForce = yearInForce.classInForce('c');
  const rows = await manager
    .createQueryBuilder(Account, 'a')
    .select('a.id', 'id')
    .where({ departedAt: LessThan(cutoff) })
    .andWhere(
      `NOT EXISTS (SELECT 1 FROM memberships m INNER JOIN classes c ON c.id = m.classId
        WHERE m.accountId = a.id AND ${inForce.where})`,
      inForce.params,
    )
    .getRawMany<{ id: string }>();
  let deleted = 0;
  for (const ids of chunks(rows.map((r) => r.id))) {
    const mine = In(ids);
    await manager.update(AuditEvent, { actorId: mine }, { detail: DELETED_ACCOUNT_DETAIL, ip: null, actorId: null });
    await manager.update(AuditEvent, { targetId: mine }, { detail: DELETED_ACCOUNT_DETAIL, ip: null, targetId: null });
    for (const entity of [
      OneTimeCode,
      PasswordResetToken,
      OidcArtifact,
      CasTicket,
      LogoutDelivery,
      AdminSession,
      Membership,
      RoleAssignment,
      TermsAcceptance,
      Badge,
      FederationLink,
      NationalId,
      SamlSession,
    ] as const)
      await manager.delete(entity, { accountId: mine });
    await manager.delete(RelativeLink, { relativeId: mine });
    await manager.delete(RelativeLink, { studentId: mine });
    deleted += (await manager.delete(Account, { id: mine })).affected ?? 0;
  }
  return deleted;
}
