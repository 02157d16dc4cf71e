// Who may see and do what on the class admin page and API, in one place.
//
// - A teacher with `class-admin` on a class acts on that class's Students and on the
//   Relatives of its students; they view (never act on) its Teachers and Personnel.
// - A teacher who is a member of a class without the role sees it, read-only.
// - A school admin (`school-admin` on a structure) acts on every account of the structure.
// - For a list of targets, every target must be allowed or nothing happens, and an unknown
//   account or class looks exactly like a forbidden one (AdminNotFound → 404).
import { In } from 'typeorm';
import type { Database } from '../../db/index.js';
import { findOneBy } from '../../db/row-reader.js';
import { Account, Membership, RelativeLink, RoleAssignment, SchoolClass, Structure, type Profile } from '../../db/entities/index.js';
import { AdminNotFound } from './errors.js';
import type { Actor, ClassSummary } from './types.js';

export interface ClassAccess {
  cls: SchoolClass;
  structure: Structure;
  canAct: boolean;
}

/** An account the actor may act on, with the class through which they may (null: structure-wide). */
export interface Target {
  account: Account;
  classId: string | null;
}

export interface Policies {
  /** The actor behind a token's `sub`; null when unknown or blocked. */
  loadActor(accountId: string): Promise<Actor | null>;
  /** Classes the actor sees, by name. */
  classesOf(actor: Actor): Promise<ClassSummary[]>;
  canViewClass(actor: Actor, classId: string): Promise<boolean>;
  /** The class and whether the actor may act in it; throws AdminNotFound when not visible (or `act` and not allowed). */
  requireClass(actor: Actor, classId: string, mode: 'view' | 'act'): Promise<ClassAccess>;
  /** True when the actor may act on an account of this profile met in a class they can act in. */
  mayActOnProfile(access: Pick<ClassAccess, 'canAct'>, profile: Profile): boolean;
  /**
   * All-or-nothing: every id must name an account the actor may act on, or AdminNotFound is
   * thrown. `preferClassId` picks the class reported for audit and sheets when several fit.
   */
  authorizeTargets(actor: Actor, accountIds: readonly string[], preferClassId?: string | null): Promise<Target[]>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string): boolean => UUID.test(s);

/** Splits for `IN (…)` lists. */
export function chunks<T>(items: readonly T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export const isSchoolAdmin = (actor: Actor): boolean => actor.schoolAdminOf.size > 0;

export function createPolicies(db: Database): Policies {
  const accountById = findOneBy(db, Account, 'id');
  const isMemberTeacher = async (actor: Actor, classId: string) =>
    actor.account.profile === 'Teacher' && (await db.manager.count(Membership, { where: { accountId: actor.account.id, classId } })) > 0;

  const classAccess = async (actor: Actor, classId: string): Promise<ClassAccess | null> => {
    if (!isUuid(classId)) return null;
    const cls = await db.manager.findOne(SchoolClass, { where: { id: classId } });
    if (!cls) return null;
    const canAct = actor.classAdminOf.has(cls.id) || actor.schoolAdminOf.has(cls.structureId);
    // Independent reads side by side (one round trip instead of two on MySQL).
    const [member, structure] = await Promise.all([
      canAct ? Promise.resolve(true) : isMemberTeacher(actor, cls.id),
      db.manager.findOneOrFail(Structure, { where: { id: cls.structureId } }),
    ]);
    if (!member) return null;
    return { cls, structure, canAct };
  };

  return {
    async loadActor(accountId) {
      if (!isUuid(accountId)) return null;
      const [account, roles] = await Promise.all([accountById(accountId), db.manager.find(RoleAssignment, { where: { accountId } })]);
      if (!account || account.blockedAt) return null;
      return {
        account,
        classAdminOf: new Set(roles.filter((r) => r.role === 'class-admin').map((r) => r.scopeId)),
        schoolAdminOf: new Set(roles.filter((r) => r.role === 'school-admin').map((r) => r.scopeId)),
      };
    },

    async classesOf(actor) {
      const query = db.manager
        .createQueryBuilder(SchoolClass, 'c')
        .innerJoin(Structure, 's', 's.id = c.structureId')
        .select(['c.id AS id', 'c.name AS name', 'c.schoolYear AS schoolYear', 'c.structureId AS structureId', 's.name AS structureName'])
        .where('1 = 0');
      if (actor.classAdminOf.size) query.orWhere('c.id IN (:...adminOf)', { adminOf: [...actor.classAdminOf] });
      if (actor.schoolAdminOf.size) query.orWhere('c.structureId IN (:...structures)', { structures: [...actor.schoolAdminOf] });
      if (actor.account.profile === 'Teacher') {
        query.orWhere('c.id IN (SELECT m.classId FROM memberships m WHERE m.accountId = :me)', { me: actor.account.id });
      }
      const rows = await query.orderBy('c.name', 'ASC').addOrderBy('c.id', 'ASC').getRawMany<Omit<ClassSummary, 'canAct'>>();
      return rows.map((r) => ({
        id: r.id,
        name: r.name,
        schoolYear: r.schoolYear,
        structureId: r.structureId,
        structureName: r.structureName,
        canAct: actor.classAdminOf.has(r.id) || actor.schoolAdminOf.has(r.structureId),
      }));
    },

    canViewClass: async (actor, classId) => (await classAccess(actor, classId)) !== null,

    async requireClass(actor, classId, mode) {
      const access = await classAccess(actor, classId);
      if (!access || (mode === 'act' && !access.canAct)) throw new AdminNotFound(`class ${classId}`);
      return access;
    },

    mayActOnProfile: (access, profile) => access.canAct && (profile === 'Student' || profile === 'Relative'),

    async authorizeTargets(actor, accountIds, preferClassId) {
      const ids = [...new Set(accountIds)];
      if (!ids.length) return [];
      if (!ids.every(isUuid)) throw new AdminNotFound('malformed account id');
      const accounts: Account[] = [];
      const placed: { accountId: string; classId: string; structureId: string; via: 'member' | 'relative' }[] = [];
      for (const part of chunks(ids)) {
        accounts.push(...(await db.manager.find(Account, { where: { id: In(part) } })));
        const members = await db.manager
          .createQueryBuilder(Membership, 'm')
          .innerJoin(SchoolClass, 'c', 'c.id = m.classId')
          .select(['m.accountId AS accountId', 'm.classId AS classId', 'c.structureId AS structureId'])
          .where('m.accountId IN (:...part)', { part })
          .getRawMany<{ accountId: string; classId: string; structureId: string }>();
        const relatives = await db.manager
          .createQueryBuilder(RelativeLink, 'r')
          .innerJoin(Membership, 'm', 'm.accountId = r.studentId')
          .innerJoin(SchoolClass, 'c', 'c.id = m.classId')
          .select(['r.relativeId AS accountId', 'm.classId AS classId', 'c.structureId AS structureId'])
          .where('r.relativeId IN (:...part)', { part })
          .getRawMany<{ accountId: string; classId: string; structureId: string }>();
        placed.push(...members.map((p) => ({ ...p, via: 'member' as const })), ...relatives.map((p) => ({ ...p, via: 'relative' as const })));
      }
      if (accounts.length !== ids.length) throw new AdminNotFound('unknown account');
      const byId = new Map(accounts.map((a) => [a.id, a]));

      return ids.map((id) => {
        const account = byId.get(id)!;
        const places = placed.filter((p) => p.accountId === id && p.via === (account.profile === 'Relative' ? 'relative' : 'member'));
        const allowed = places.filter((p) =>
          actor.schoolAdminOf.has(p.structureId) ||
          (actor.classAdminOf.has(p.classId) && (account.profile === 'Student' || account.profile === 'Relative')),
        );
        const structureWide = account.structureId !== null && actor.schoolAdminOf.has(account.structureId);
        if (!allowed.length && !structureWide) throw new AdminNotFound(`account ${id}`);
        const classId = allowed.find((p) => p.classId === preferClassId)?.classId ?? allowed[0]?.classId ?? null;
        return { account, classId };
      });
    },
  };
}
