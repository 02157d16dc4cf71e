// The AuthnRequests answered, and those refused: each admitted request id is stored (a digest
// of the SP's entity id and the id) until its validity window is over, so a replayed request
// is refused on every instance; each refusal is audited (`saml.request`, outcome refused).
import { createHash } from 'node:crypto';
import type { Database, SqlTransaction } from '../../db/index.js';
import { SamlRequest } from '../../db/entities/index.js';
import type { Audit } from '../audit.js';
import { isDuplicateKey } from '../../db/duplicate-key.js';
import { rowDeleteBefore, rowInsert } from '../../db/row-writer.js';

/** How far an AuthnRequest's IssueInstant may be from our clock, either way. */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;

export type RefusalReason =
  | 'malformed'
  | 'unsafe_xml'
  | 'too_large'
  | 'unknown_issuer'
  /** IdP-initiated: no SP by that id. */
  | 'unknown_service'
  | 'acs_not_in_metadata'
  | 'unsupported_binding'
  | 'issue_instant'
  | 'replayed'
  | 'unsigned'
  | 'bad_signature'
  // LogoutRequest only:
  | 'not_on_or_after'
  | 'no_logout_service';

export interface SamlRequests {
  /**
   * Records the request id; false when it was already seen (replay), audited then (as
   * `saml.request`, or `saml.logout` for a LogoutRequest: one table for both kinds of id).
   */
  admit(input: {
    serviceId: string;
    entityId: string;
    requestId: string;
    ip: string | null;
    action?: 'saml.request' | 'saml.logout';
  }): Promise<boolean>;
  refuse(input: {
    reason: RefusalReason;
    serviceId?: string | null;
    detail?: string;
    ip: string | null;
    action?: 'saml.request' | 'saml.logout';
  }): Promise<void>;
  /**
   * Audits an error Response sent to an SP in answer to a checked request (`saml.response_issue`,
   * outcome refused, its status).
   */
  recordErrorResponse(input: {
    accountId: string | null;
    serviceId: string;
    status: string;
    ip: string | null;
  }): Promise<void>;
  /** Deletes request ids whose window is over; returns how many. */
  purge(): Promise<number>;
}

export function createSamlRequests(db: Database, audit: Audit): SamlRequests {
  const refuse: SamlRequests['refuse'] = ({ reason, serviceId, detail, ip, action }) =>
    db.transaction((manager) =>
      audit.record(manager, {
        action: action ?? 'saml.request',
        ip,
        outcome: 'refused',
        detail: { reason, serviceId: serviceId ?? null, ...(detail ? { detail: detail.slice(0, 200) } : {}) },
      }),
    );
  // Two statements prepared once, each its own write through `Database.execute`: nothing ties
  // them (no audit event on admission), so on SQLite they join the group commit of the
  // concurrent requests' writes (a duplicate id fails alone), and on MySQL each autocommits
  // (every AuthnRequest; bench/saml.ts).
  const autocommit: SqlTransaction = { run: (sql, params) => db.execute(sql, params) };
  const deleteExpired = rowDeleteBefore(db, SamlRequest, 'expiresAt');
  const insert = rowInsert(db, SamlRequest);
  return {
    async admit({ serviceId, entityId, requestId, ip, action }) {
      const digest = createHash('sha256').update(`${entityId}\u0000${requestId}`).digest('hex');
      try {
        // Ids past their window can no longer be replayed (IssueInstant is checked first): the
        // table holds only the last 10 minutes' requests, without a purge job.
        await Promise.all([
          deleteExpired(autocommit, new Date()),
          insert(autocommit, { digest, serviceId, expiresAt: new Date(Date.now() + 2 * CLOCK_SKEW_MS) }),
        ]);
        return true;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        await refuse({ reason: 'replayed', serviceId, ip, action });
        return false;
      }
    },
    refuse,
    recordErrorResponse: ({ accountId, serviceId, status, ip }) =>
      db.transaction((manager) =>
        audit.record(manager, {
          actorId: accountId,
          action: 'saml.response_issue',
          targetId: accountId,
          ip,
          outcome: 'refused',
          detail: { serviceId, status },
        }),
      ),
    purge: () =>
      db.transaction(async (manager) => {
        const result = await manager
          .createQueryBuilder()
          .delete()
          .from(SamlRequest)
          .where('expiresAt < :now', { now: new Date() })
          .execute();
        return result.affected ?? 0;
      }),
  };
}
