// CAS service tickets: issued after a sign-in through the provider, validated once by the
// service they were issued for.
//
// issue:     account live (not blocked)? ─ no ─▶ refused (audited), no ticket
//            ST- + 32 random bytes in hex (CAS 3 § 3.1.1 allows only letters, digits and `-`:
//            mod_auth_cas refuses a base64url `_`); stored as its keyed digest (+ sealed for single logout);
//            one transaction: insert, audit cas.ticket_issue ─▶ ticket
//
// validate:  ticket and service well formed? ─ no ─▶ INVALID_REQUEST
//            one transaction: spend the ticket (conditional UPDATE … WHERE consumedAt IS NULL
//                             AND expiresAt > now) ─ 0 rows ─▶ INVALID_TICKET (unknown, spent, expired)
//            service ≠ the ticket's exact URL ─▶ INVALID_SERVICE (the ticket is spent anyway, CAS 3 § 2.5)
//            renew asked, ticket not from a new sign-in ─▶ INVALID_TICKET
//            account gone or blocked since ─▶ INVALID_TICKET
//            ─▶ ok (the account); each failure is audited in the same transaction
//
// Of N concurrent validations of one ticket exactly one spends it.
import { randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Config } from '../../config/index.js';
import type { Database } from '../../db/index.js';
import { Account, CasTicket } from '../../db/entities/index.js';
import type { Audit } from '../audit.js';
import { decrypt, deriveKey, digest, encrypt } from '../crypto.js';
import type { RegisteredService } from './services.js';
import { MAX_SERVICE_URL_LENGTH } from './service-url.js';

/** `ST-` + 256 bits in hex (64 characters). */
const TICKET_SHAPE = /^ST-[0-9a-f]{64}$/;

export type ValidationFailure = 'INVALID_REQUEST' | 'INVALID_TICKET' | 'INVALID_SERVICE';

export interface ValidateInput {
  ticket: unknown;
  service: unknown;
  renew: boolean;
  ip: string | null;
}

export type ValidateResult =
  | { ok: true; account: Account; serviceId: string; renewed: boolean }
  | { ok: false; code: ValidationFailure; message: string };

export interface IssueInput {
  accountId: string;
  /** The provider session's sid for the internal client (single logout). */
  sid: string | null;
  service: RegisteredService;
  serviceUrl: string;
  renewed: boolean;
  ip: string | null;
}

export type IssueResult = { ok: true; ticket: string } | { ok: false; reason: 'blocked' };

/** A service the session used, and the ticket it was given (the LogoutRequest's SessionIndex). */
export interface ServiceSession {
  serviceId: string;
  service: string;
  ticket: string;
}

export interface CasTickets {
  issue(input: IssueInput): Promise<IssueResult>;
  validate(input: ValidateInput): Promise<ValidateResult>;
  /**
   * Ends the CAS side of a provider session: removes its tickets and returns the services that
   * validated one (to be sent a LogoutRequest). By sid; by account when the sid is unknown.
   */
  endSession(by: { sid: string } | { accountId: string }): Promise<ServiceSession[]>;
  /** Deletes tickets older than `maxAgeSeconds` (their sessions are over); returns how many. */
  purge(maxAgeSeconds: number): Promise<number>;
}

const MESSAGES: Record<ValidationFailure, string> = {
  INVALID_REQUEST: 'ticket and service are required',
  INVALID_TICKET: 'ticket not recognized',
  INVALID_SERVICE: 'ticket was not issued for this service',
};

export function createCasTickets(deps: { config: Config; db: Database; audit: Audit }): CasTickets {
  const { config, db, audit } = deps;
  const digestKey = deriveKey(config.secrets.keystoreEncryptionKey, 'cas-ticket-digest');
  const sealKey = deriveKey(config.secrets.keystoreEncryptionKey, 'cas-ticket-seal');
  const fail = (code: ValidationFailure): ValidateResult => ({ ok: false, code, message: MESSAGES[code] });

  const refuse = async (
    manager: EntityManager,
    code: ValidationFailure,
    reason: string,
    input: ValidateInput,
    row?: CasTicket,
  ): Promise<ValidateResult> => {
    await audit.record(manager, {
      action: 'cas.ticket_validate',
      targetId: row?.accountId ?? null,
      ip: input.ip,
      outcome: 'refused',
      detail: { reason, serviceId: row?.serviceId ?? null },
    });
    return fail(code);
  };

  return {
    async issue(input) {
      const account = await db.read((manager) => manager.findOneBy(Account, { id: input.accountId }));
      const ticket = `ST-${randomBytes(32).toString('hex')}`;
      const key = digest(digestKey, ticket);
      return db.transaction(async (manager): Promise<IssueResult> => {
        if (!account || account.blockedAt) {
          await audit.record(manager, {
            action: 'cas.ticket_issue',
            targetId: input.accountId,
            ip: input.ip,
            outcome: 'blocked',
            detail: { serviceId: input.service.id },
          });
          return { ok: false, reason: 'blocked' };
        }
        const now = new Date();
        await manager.insert(CasTicket, {
          digest: key,
          sealed: encrypt(sealKey, ticket, key),
          serviceId: input.service.id,
          service: input.serviceUrl,
          accountId: account.id,
          sid: input.sid,
          renewed: input.renewed,
          expiresAt: new Date(now.getTime() + config.cas.ticketTtl * 1000),
          consumedAt: null,
          createdAt: now,
        });
        await audit.record(manager, {
          actorId: account.id,
          action: 'cas.ticket_issue',
          targetId: account.id,
          ip: input.ip,
          outcome: 'success',
          detail: { serviceId: input.service.id, renewed: input.renewed },
        });
        return { ok: true, ticket };
      });
    },

    async validate(input) {
      const { ticket, service } = input;
      if (typeof ticket !== 'string' || typeof service !== 'string' || !ticket || !service)
        return fail('INVALID_REQUEST');
      if (service.length > MAX_SERVICE_URL_LENGTH || ticket.length > 256) return fail('INVALID_REQUEST');
      if (!TICKET_SHAPE.test(ticket)) {
        return db.transaction((manager) => refuse(manager, 'INVALID_TICKET', 'malformed', input));
      }
      const key = digest(digestKey, ticket);
      return db.transaction(async (manager): Promise<ValidateResult> => {
        const now = new Date();
        const spent = await manager
          .createQueryBuilder()
          .update(CasTicket)
          .set({ consumedAt: now })
          .where('digest = :key AND consumedAt IS NULL AND expiresAt > :now', { key, now })
          .execute();
        const row = await manager.findOneBy(CasTicket, { digest: key });
        if (spent.affected !== 1 || !row) {
          const reason = !row ? 'unknown' : row.expiresAt <= now && !row.consumedAt ? 'expired' : 'replayed';
          return refuse(manager, 'INVALID_TICKET', reason, input, row ?? undefined);
        }
        if (row.service !== service) return refuse(manager, 'INVALID_SERVICE', 'other_service', input, row);
        if (input.renew && !row.renewed) return refuse(manager, 'INVALID_TICKET', 'not_renewed', input, row);
        const account = await manager.findOneBy(Account, { id: row.accountId });
        if (!account || account.blockedAt) return refuse(manager, 'INVALID_TICKET', 'account_blocked', input, row);
        return { ok: true, account, serviceId: row.serviceId, renewed: row.renewed };
      });
    },

    endSession: (by) =>
      db.transaction(async (manager) => {
        const rows = await manager.find(CasTicket, { where: by });
        if (rows.length)
          await manager.delete(
            CasTicket,
            rows.map((r) => r.digest),
          );
        return rows
          .filter((r) => r.consumedAt)
          .map((r) => ({ serviceId: r.serviceId, service: r.service, ticket: decrypt(sealKey, r.sealed, r.digest) }));
      }),

    purge: (maxAgeSeconds) =>
      db.transaction(async (manager) => {
        const result = await manager
          .createQueryBuilder()
          .delete()
          .from(CasTicket)
          .where('createdAt < :before', { before: new Date(Date.now() - maxAgeSeconds * 1000) })
          .execute();
        return result.affected ?? 0;
      }),
  };
}
