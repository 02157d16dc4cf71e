// Read side of the class admin: account listings by tab, connection sheet rows, the audit
// trail. Named queries, no writes. Paging and sorting happen in SQL over indexed joins
// (memberships by class, relative links by student), and live codes are read in bulk.
import { In, type EntityManager } from 'typeorm';
import type { Database } from '../../db/index.js';
import { Account, FederationLink, Membership, RelativeLink, SchoolClass, Structure } from '../../db/entities/index.js';
import type { Audit, AuditListOptions } from '../audit.js';
import type { Codes, LiveCode } from '../codes/index.js';
import type { Terms } from '../terms.js';
import { chunks } from '../../db/chunks.js';
import { canAct, type Policies } from './policies.js';
import { applySearch } from './search.js';
import type {
  AccountRow,
  AccountState,
  Actor,
  AuditTrailEntry,
  ConnectionSheetRow,
  ListAccountsOptions,
  Page,
} from './types.js';

export const MAX_PAGE_SIZE = 200;
const DEFAULT_PAGE_SIZE = 50;

/** Which of these accounts are linked to an ÉduConnect account (issue 19). */
async function educonnectLinked(db: Database, ids: readonly string[]): Promise<Set<string>> {
  const linked = new Set<string>();
  for (const part of chunks([...ids])) {
    const rows = await db.read((m) =>
      m.find(FederationLink, { where: { provider: 'educonnect', accountId: In(part) }, select: { accountId: true } }),
    );
    for (const row of rows) linked.add(row.accountId);
  }
  return linked;
}

export const displayName = (a: Pick<Account, 'firstName' | 'lastName'>): string =>
  `${a.firstName} ${a.lastName}`.trim();

/**
 * What the teacher sees on the row: blocked wins; a live renewal code; never activated with
 * a live activation code; otherwise activated.
 */
export function accountState(
  account: Pick<Account, 'blockedAt' | 'passwordHash'>,
  live: LiveCode | undefined | null,
): AccountState {
  if (account.blockedAt) return 'blocked';
  if (live?.kind === 'renewal') return 'renewal_code';
  if (!account.passwordHash && live?.kind === 'activation') return 'activation_code';
  return 'activated';
}

/** The relatives' children who are members of the class, by relative id, in name order. */
async function childrenInClassOf(
  db: Database,
  classId: string,
  relativeIds: readonly string[],
): Promise<Map<string, { id: string; displayName: string }[]>> {
  const children = new Map<string, { id: string; displayName: string }[]>();
  for (const part of chunks([...relativeIds])) {
    const links = await db.read((manager) =>
      manager
        .createQueryBuilder(RelativeLink, 'r')
        .innerJoin(Membership, 'm', 'm.accountId = r.studentId AND m.classId = :classId', { classId })
        .innerJoin(Account, 's', 's.id = r.studentId')
        .select(['r.relativeId AS relativeId', 's.id AS id', 's.firstName AS firstName', 's.lastName AS lastName'])
        .where('r.relativeId IN (:...ids)', { ids: part })
        .orderBy('s.searchLastName', 'ASC')
        .addOrderBy('s.searchFirstName', 'ASC')
        .getRawMany<{ relativeId: string; id: string; firstName: string; lastName: string }>(),
    );
    for (const link of links) {
      const list = children.get(link.relativeId) ?? [];
      list.push({ id: link.id, displayName: displayName(link) });
      children.set(link.relativeId, list);
    }
  }
  return children;
}

export interface Queries {
  listAccounts(actor: Actor, classId: string, options: ListAccountsOptions): Promise<Page<AccountRow>>;
  connectionSheets(
    actor: Actor,
    accountIds: readonly string[],
    options?: { classId?: string | null },
  ): Promise<ConnectionSheetRow[]>;
  auditTrail(actor: Actor, classId: string, options?: AuditListOptions): Promise<AuditTrailEntry[]>;
}

export function createQueries(deps: {
  db: Database;
  codes: Codes;
  audit: Audit;
  policies: Policies;
  terms: Pick<Terms, 'latestAcceptances'>;
}): Queries {
  const { db, codes, audit, policies, terms } = deps;

  const namesOf = async (ids: string[]): Promise<Map<string, string>> => {
    const names = new Map<string, string>();
    for (const part of chunks([...new Set(ids)])) {
      const rows = await db.read((manager) =>
        manager.find(Account, { where: { id: In(part) }, select: { id: true, firstName: true, lastName: true } }),
      );
      for (const row of rows) names.set(row.id, displayName(row));
    }
    return names;
  };

  return {
    async listAccounts(actor, classId, options) {
      const access = await policies.requireClass(actor, classId, 'view');
      const page = Math.max(1, Math.floor(options.page ?? 1));
      const pageSize = Math.min(Math.max(1, Math.floor(options.pageSize ?? DEFAULT_PAGE_SIZE)), MAX_PAGE_SIZE);
      const { profile } = options;

      const base = (manager: EntityManager) => {
        const query = manager.createQueryBuilder(Account, 'a');
        if (profile === 'Relative') {
          query.where(
            'a.id IN (SELECT r.relativeId FROM relative_links r INNER JOIN memberships rm ON rm.accountId = r.studentId WHERE rm.classId = :classId)',
            { classId },
          );
        } else {
          query.innerJoin(Membership, 'm', 'm.accountId = a.id AND m.classId = :classId', { classId });
        }
        query.andWhere('a.profile = :profile', { profile });
        return applySearch(query, options.q);
      };

      const direction = options.order === 'desc' ? 'DESC' : 'ASC';
      const [total, accounts] = await db.read((manager) => {
        const query = base(manager);
        if (options.sort === 'birthDate')
          query
            .orderBy('a.birthDate', direction)
            .addOrderBy('a.searchLastName', direction)
            .addOrderBy('a.searchFirstName', direction);
        else if (options.sort === 'login') query.orderBy('a.login', direction);
        else query.orderBy('a.searchLastName', direction).addOrderBy('a.searchFirstName', direction);
        // Independent reads side by side: one round trip each instead of one after the other on MySQL.
        return Promise.all([
          base(manager).getCount(),
          query
            .addOrderBy('a.id', direction)
            .offset((page - 1) * pageSize)
            .limit(pageSize)
            .getMany(),
        ]);
      });

      const ids = accounts.map((a) => a.id);
      const children = new Map<string, { id: string; displayName: string }[]>();
      const readLinks = async () => {
        if (profile !== 'Relative' || !ids.length) return;
        for (const [id, list] of await childrenInClassOf(db, classId, ids)) children.set(id, list);
      };
      const [live, accepted, federated] = await Promise.all([
        ids.length ? codes.liveCodes(ids) : Promise.resolve(new Map<string, LiveCode>()),
        terms.latestAcceptances(ids),
        educonnectLinked(db, ids),
        readLinks(),
      ]);
      const mayAct = canAct(actor, access.place, profile);

      const items = accounts.map((a): AccountRow => {
        const code = live.get(a.id);
        const state = accountState(a, code);
        const row: AccountRow = {
          id: a.id,
          firstName: a.firstName,
          lastName: a.lastName,
          displayName: displayName(a),
          birthDate: a.birthDate,
          login: a.login,
          profile: a.profile,
          state,
          lastLoginAt: a.lastLoginAt,
          termsAccepted: accepted.get(a.id) ?? null,
          educonnect: federated.has(a.id),
        };
        if (mayAct && code && (state === 'renewal_code' || state === 'activation_code')) {
          row.code = code.code;
          row.codeExpiresAt = code.expiresAt;
        }
        if (profile === 'Relative') row.children = children.get(a.id) ?? [];
        return row;
      });
      return { items, total, page, pageSize };
    },

    async connectionSheets(actor, accountIds, options = {}) {
      const targets = await policies.authorizeTargets(actor, accountIds, options.classId);
      if (!targets.length) return [];
      const live = await codes.liveCodes(targets.map((t) => t.account.id));
      const classIds = [...new Set(targets.map((t) => t.classId).filter((id): id is string => id !== null))];
      const classes = new Map<string, SchoolClass>();
      for (const part of chunks(classIds))
        for (const c of await db.read((manager) => manager.find(SchoolClass, { where: { id: In(part) } })))
          classes.set(c.id, c);
      const structureIds = [
        ...new Set(
          [...classes.values()]
            .map((c) => c.structureId)
            .concat(targets.map((t) => t.account.structureId).filter((id): id is string => id !== null)),
        ),
      ];
      const structures = new Map<string, Structure>();
      for (const part of chunks(structureIds))
        for (const s of await db.read((manager) => manager.find(Structure, { where: { id: In(part) } })))
          structures.set(s.id, s);

      // A relative's sheet names their children in the class it is printed for.
      const relativesByClass = new Map<string, string[]>();
      for (const { account, classId } of targets)
        if (account.profile === 'Relative' && classId)
          relativesByClass.set(classId, [...(relativesByClass.get(classId) ?? []), account.id]);
      const childrenOf = new Map<string, { id: string; displayName: string }[]>();
      for (const [classId, relativeIds] of relativesByClass)
        for (const [id, list] of await childrenInClassOf(db, classId, relativeIds))
          childrenOf.set(`${classId}/${id}`, list);

      return targets.map(({ account, classId }): ConnectionSheetRow => {
        const cls = classId ? classes.get(classId) : undefined;
        const structure = structures.get(cls?.structureId ?? account.structureId ?? '');
        const code = live.get(account.id);
        const state = accountState(account, code);
        const shown = code && (state === 'renewal_code' || state === 'activation_code') ? code : undefined;
        return {
          accountId: account.id,
          classId,
          firstName: account.firstName,
          lastName: account.lastName,
          displayName: displayName(account),
          birthDate: account.birthDate,
          login: account.login,
          profile: account.profile,
          kind: shown?.kind ?? null,
          code: shown?.code ?? null,
          codeExpiresAt: shown?.expiresAt ?? null,
          state,
          entAddress: structure?.entAddress ?? '',
          structureName: structure?.name ?? '',
          className: cls?.name ?? '',
          ...(account.profile === 'Relative' ? { children: childrenOf.get(`${classId}/${account.id}`) ?? [] } : {}),
        };
      });
    },

    async auditTrail(actor, classId, options = {}) {
      await policies.requireClass(actor, classId, 'act');
      const entries = await audit.listForClass(classId, options);
      const names = await namesOf(
        entries.flatMap((e) => [e.actorId, e.targetId]).filter((id): id is string => id !== null),
      );
      const who = (id: string | null) => (id ? { id, displayName: names.get(id) ?? '' } : null);
      return entries.map((e) => ({
        id: e.id,
        at: e.createdAt,
        action: e.action,
        outcome: e.outcome,
        actor: who(e.actorId),
        target: who(e.targetId),
        ip: e.ip,
        detail: e.detail,
      }));
    },
  };
}
