// SAML single logout, the domain's side: which SP received which NameID and SessionIndex in
// which provider session (`saml_sessions`), and the three ways those end. Every write is one
// transaction with its audit event (`saml.logout`).
//
//   /saml/callback, Response sent ─▶ record {sid of ent-saml, SP, NameID, SessionIndex}
//                                     (+ audit saml.response_issue; rows older than the
//                                     longest session deleted on the way, as no session lives on)
//   provider session ends (back-channel logout token to ent-saml)
//     ─▶ endSession(sid | account): rows deleted ─▶ returned, to be sent a LogoutRequest
//   SP-initiated (/saml/slo, request verified)
//     ─▶ endForSp(SP, NameID, SessionIndexes): its rows deleted (it asked: it is not sent a
//        LogoutRequest back), audited success ─▶ then the provider session is ended
//   refused /saml/slo ─▶ requests.refuse({ action: 'saml.logout', reason }): audited, nothing else
import { In } from 'typeorm';
import type { Database } from '../../db/index.js';
import { SamlSession } from '../../db/entities/index.js';
import type { Audit } from '../audit.js';
import { rowDeleteBefore, rowInsert } from '../../db/row-writer.js';

/** One SP's part of an ended session: to be sent a LogoutRequest. */
export interface SpSession {
  serviceId: string;
  accountId: string;
  nameId: { format: string; value: string };
  sessionIndex: string;
}

export interface SamlLogout {
  /** Records the assertion sent, with its audit event (`saml.response_issue`). */
  recordResponse(input: {
    accountId: string;
    serviceId: string;
    sid: string | null;
    nameId: { format: string; value: string };
    sessionIndex: string;
    ip: string | null;
  }): Promise<void>;
  /** The provider session ended: its SP sessions, removed (by sid; by account without one). */
  endSession(by: { sid: string } | { accountId: string }): Promise<SpSession[]>;
  /** An SP asked to log out: its sessions for that NameID (and SessionIndexes, if named) removed; audited. */
  endForSp(input: {
    serviceId: string;
    nameId: string;
    sessionIndexes: string[];
    requestId: string;
    ip: string | null;
  }): Promise<number>;
}

const toSpSession = (row: SamlSession): SpSession => ({
  serviceId: row.serviceId,
  accountId: row.accountId,
  nameId: { format: row.nameIdFormat, value: row.nameId },
  sessionIndex: row.sessionIndex,
});

/**
 * @param maxSessionSeconds how long a provider session may live (REMEMBER_ME_TTL): a row older
 *   than that belongs to a session that is over.
 */
export function createSamlLogout(db: Database, audit: Audit, maxSessionSeconds: number): SamlLogout {
  // Every Response sent: statements prepared once, one `atomically` transaction (bench/saml.ts).
  const deleteOld = rowDeleteBefore(db, SamlSession, 'createdAt');
  const insert = rowInsert(db, SamlSession);

  return {
    recordResponse: ({ accountId, serviceId, sid, nameId, sessionIndex, ip }) =>
      db.atomically(async (tx) => {
        await deleteOld(tx, new Date(Date.now() - maxSessionSeconds * 1000));
        await insert(tx, {
          sessionIndex,
          serviceId,
          accountId,
          sid,
          nameIdFormat: nameId.format,
          nameId: nameId.value,
          createdAt: new Date(),
        });
        await audit.recordIn(tx, {
          actorId: accountId,
          action: 'saml.response_issue',
          targetId: accountId,
          ip,
          outcome: 'success',
          detail: { serviceId },
        });
      }),

    endSession: (by) =>
      db.transaction(async (manager) => {
        const rows = await manager.find(SamlSession, { where: by });
        if (!rows.length) return [];
        await manager.delete(SamlSession, { sessionIndex: In(rows.map((r) => r.sessionIndex)) });
        for (const serviceId of new Set(rows.map((r) => r.serviceId)))
          await audit.record(manager, {
            actorId: rows[0]!.accountId,
            action: 'saml.logout',
            targetId: rows[0]!.accountId,
            outcome: 'success',
            detail: { serviceId, initiatedBy: 'idp' },
          });
        return rows.map(toSpSession);
      }),

    endForSp: ({ serviceId, nameId, sessionIndexes, requestId, ip }) =>
      db.transaction(async (manager) => {
        const rows = await manager.find(SamlSession, {
          where: sessionIndexes.length
            ? { serviceId, nameId, sessionIndex: In(sessionIndexes) }
            : { serviceId, nameId },
        });
        if (rows.length) await manager.delete(SamlSession, { sessionIndex: In(rows.map((r) => r.sessionIndex)) });
        await audit.record(manager, {
          actorId: rows[0]?.accountId ?? null,
          action: 'saml.logout',
          targetId: rows[0]?.accountId ?? null,
          ip,
          outcome: 'success',
          detail: { serviceId, initiatedBy: 'sp', requestId: requestId.slice(0, 100), sessions: rows.length },
        });
        return rows.length;
      }),
  };
}
