// Who may see and do what on the class admin page and API, in one place.
//
// The rules are two pure functions, `canViewClass` and `canAct`; everything else here loads
// what they need (the actor's roles, the class, where an account is placed) and applies them.
//
// - A teacher with `class-admin` on a class acts on that class's Students and on the
//   Relatives of its students; they view (never act on) its Teachers and Personnel.
// - A teacher who is a member of a class without the role sees it, read-only.
// - A school admin (`school-admin` on a structure) acts on every account of the structure.
// - Only the classes of their school's year in force count (school-year.ts): last year's
//   classes, memberships and class-admin roles grant nothing, so a teacher whose pupil moved
//   to another class at the new year's import can no longer see, unblock or print for them.
//   Past classes are not listed and answer like unknown ones.
// - For a list of targets, every target must be allowed or nothing happens, and an unknown
//   account or class looks exactly like a forbidden one (AdminNotFound → 404).
import { In, type EntityManager } from 'typeorm';
import type { Database } from '../../db/index.js';
import { chunks } from '../../db/chunks.js';
import { findOneBy } from '../../db/row-reader.js';
import {
  Account,
  Membership,
  RelativeLink,
  RoleAssignment,
  SchoolClass,
  Structure,
  type Profile,
} from '../../db/entities/index.js';
import type { SchoolYearInForce } from '../school-year.js';
import { AdminNotFound } from './errors.js';
import type { Actor, ClassSummary } from './types.js';

/** Where an account is met: a class of a structure, or the structure alone (no class). */
export interface Place {
  classId: string | null;
  structureId: string;
}

/** Profiles a class admin acts on in their class. */
const CLASS_ADMIN_ACTS_ON: ReadonlySet<Profile> = new Set(['Student', 'Relative']);

/** May the actor act (codes, block, resets, sheets) on an account of `profile` met at `place`? */
export function canAct(actor: Actor, place: Place, profile: Profile): boolean {
  if (actor.schoolAdminOf.has(place.structureId)) return true;
  return place.classId !== null && actor.classAdminOf.has(place.classId) && CLASS_ADMIN_ACTS_ON.has(profile);
}

/**
 * May the actor open the class page? Its class admins and school admins, and the teachers
 * who are members of it. `cls` must be a class of the year in force (see `classAccess`).
 */
export function canViewClass(
  actor: Actor,
  cls: Pick<SchoolClass, 'id' | 'structureId'>,
  isMemberTeacher: boolean,
): boolean {
  return actor.classAdminOf.has(cls.id) || actor.schoolAdminOf.has(cls.structureId) || isMemberTeacher;
}

export interface ClassAccess {
  cls: SchoolClass;
  structure: Structure;
  /** The class as a place, for `canAct` on the accounts listed in it. */
  place: Place;
  /** True when the actor may act on some accounts of the class (its students, at least). */
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
  /** The class and what the actor may do in it; throws AdminNotFound when not visible (or `act` and not allowed). */
  requireClass(actor: Actor, classId: string, mode: 'view' | 'act'): Promise<ClassAccess>;
  /**
   * All-or-nothing: every id must name an account the actor may act on, or AdminNotFound is
   * thrown. `preferClassId` picks the class reported for audit and sheets when several fit
   * (only among the classes that allow it: it is never taken on trust).
   */
  authorizeTargets(actor: Actor, accountIds: readonly string[], preferClassId?: string | null): Promise<Target[]>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isUuid = (s: string): boolean => UUID.test(s);

interface Placement extends Place {
  accountId: string;
  classId: string;
  /** A member of the class, or a relative of one of its students. */
  via: 'member' | 'relative';
}

export function createPolicies(db: Database, yearInForce: SchoolYearInForce): Policies {
  const accountById = findOneBy(db, Account, 'id');
  const isMemberTeacher = async (actor: Actor, classId: string) =>
    actor.account.profile === 'Teacher' &&
    (await db.read((manager) => manager.count(Membership, { where: { accountId: actor.account.id, classId } }))) > 0;

  /** The class of the year in force and the actor's access to it; null when they may not view it. */
  const classAccess = async (actor: Actor, classId: string): Promise<ClassAccess | null> => {
    if (!isUuid(classId)) return null;
    const inForce = yearInForce.classInForce('c');
    const cls = await db.read((manager) =>
      manager
        .createQueryBuilder(SchoolClass, 'c')
        .where('c.id = :classId', { classId })
        .andWhere(inForce.where, inForce.params)
        .getOne(),
    );
    if (!cls) return null;
    const acts = actor.classAdminOf.has(cls.id) || actor.schoolAdminOf.has(cls.structureId);
    // Independent reads side by side (one round trip instead of two on MySQL).
    const [member, structure] = await Promise.all([
      acts ? Promise.resolve(false) : isMemberTeacher(actor, cls.id),
      db.read((manager) => manager.findOneOrFail(Structure, { where: { id: cls.structureId } })),
    ]);
    if (!canViewClass(actor, cls, member)) return null;
    return { cls, structure, place: { classId: cls.id, structureId: cls.structureId }, canAct: acts };
  };

  /** Where each account is placed in a class of the year in force: as member, or as relative of a member. */
  const placementsOf = async (ids: readonly string[]): Promise<Placement[]> => {
    const inForce = yearInForce.classInForce('c');
    const placed: Placement[] = [];
    for (const part of chunks(ids)) {
      const [members, relatives] = await Promise.all([
        db.read((manager) =>
          manager
            .createQueryBuilder(Membership, 'm')
            .innerJoin(SchoolClass, 'c', `c.id = m.classId AND ${inForce.where}`, inForce.params)
            .select(['m.accountId AS accountId', 'm.classId AS classId', 'c.structureId AS structureId'])
            .where('m.accountId IN (:...part)', { part })
            .getRawMany<Omit<Placement, 'via'>>(),
        ),
        db.read((manager) =>
          manager
            .createQueryBuilder(RelativeLink, 'r')
            .innerJoin(Membership, 'm', 'm.accountId = r.studentId')
            .innerJoin(SchoolClass, 'c', `c.id = m.classId AND ${inForce.where}`, inForce.params)
            .select(['r.relativeId AS accountId', 'm.classId AS classId', 'c.structureId AS structureId'])
            .where('r.relativeId IN (:...part)', { part })
            .getRawMany<Omit<Placement, 'via'>>(),
        ),
      ]);
      placed.push(
        ...members.map((p) => ({ ...p, via: 'member' as const })),
        ...relatives.map((p) => ({ ...p, via: 'relative' as const })),
      );
    }
    return placed;
  };

  return {
    async loadActor(accountId) {
      if (!isUuid(accountId)) return null;
      const inForce = yearInForce.classInForce('c');
      const [account, roles] = await Promise.all([
        accountById(accountId),
        db.read((manager) =>
          manager
            .createQueryBuilder(RoleAssignment, 'r')
            // The class joins only when it is of its school's year in force.
            .leftJoin(SchoolClass, 'c', `r.role = 'class-admin' AND c.id = r.scopeId AND ${inForce.where}`)
            .select(['r.role AS role', 'r.scopeId AS scopeId', 'c.id AS classInForce'])
            .where('r.accountId = :accountId', { accountId, ...inForce.params })
            .getRawMany<{ role: string; scopeId: string; classInForce: string | null }>(),
        ),
      ]);
      if (!account || account.blockedAt) return null;
      return {
        account,
        // class-admin of a past year's class grants nothing.
        classAdminOf: new Set(
          roles.filter((r) => r.role === 'class-admin' && r.classInForce !== null).map((r) => r.scopeId),
        ),
        schoolAdminOf: new Set(roles.filter((r) => r.role === 'school-admin').map((r) => r.scopeId)),
      };
    },

    async classesOf(actor) {
      const inForce = yearInForce.classInForce('c');
      const classes = (manager: EntityManager) =>
        manager
          .createQueryBuilder(SchoolClass, 'c')
          .innerJoin(Structure, 's', 's.id = c.structureId')
          .select([
            'c.id AS id',
            'c.name AS name',
            'c.schoolYear AS schoolYear',
            'c.structureId AS structureId',
            's.name AS structureName',
          ])
          .where(inForce.where, inForce.params);
      const visible: string[] = ['1 = 0'];
      const params: Record<string, unknown> = {};
      if (actor.classAdminOf.size) {
        visible.push('c.id IN (:...adminOf)');
        params.adminOf = [...actor.classAdminOf];
      }
      if (actor.schoolAdminOf.size) {
        visible.push('c.structureId IN (:...structures)');
        params.structures = [...actor.schoolAdminOf];
      }
      if (actor.account.profile === 'Teacher') {
        visible.push('c.id IN (SELECT m.classId FROM memberships m WHERE m.accountId = :me)');
        params.me = actor.account.id;
      }
      const rows = await db.read((manager) =>
        classes(manager)
          .andWhere(`(${visible.join(' OR ')})`, params)
          .orderBy('c.name', 'ASC')
          .addOrderBy('c.id', 'ASC')
          .getRawMany<Omit<ClassSummary, 'canAct'>>(),
      );
      return rows.map((r) => ({
        id: r.id,
        name: r.name,
        schoolYear: r.schoolYear,
        structureId: r.structureId,
        structureName: r.structureName,
        canAct: actor.classAdminOf.has(r.id) || actor.schoolAdminOf.has(r.structureId),
      }));
    },

    async requireClass(actor, classId, mode) {
      const access = await classAccess(actor, classId);
      if (!access || (mode === 'act' && !access.canAct)) throw new AdminNotFound(`class ${classId}`);
      return access;
    },

    async authorizeTargets(actor, accountIds, preferClassId) {
      const ids = [...new Set(accountIds)];
      if (!ids.length) return [];
      if (!ids.every(isUuid)) throw new AdminNotFound('malformed account id');
      const accounts: Account[] = [];
      for (const part of chunks(ids))
        accounts.push(...(await db.read((manager) => manager.find(Account, { where: { id: In(part) } }))));
      if (accounts.length !== ids.length) throw new AdminNotFound('unknown account');
      const placed = await placementsOf(ids);
      const byId = new Map(accounts.map((a) => [a.id, a]));

      return ids.map((id) => {
        const account = byId.get(id)!;
        const via = account.profile === 'Relative' ? 'relative' : 'member';
        const allowed = placed.filter((p) => p.accountId === id && p.via === via && canAct(actor, p, account.profile));
        const structureWide =
          account.structureId !== null &&
          canAct(actor, { classId: null, structureId: account.structureId }, account.profile);
        if (!allowed.length && !structureWide) throw new AdminNotFound(`account ${id}`);
        const classId = allowed.find((p) => p.classId === preferClassId)?.classId ?? allowed[0]?.classId ?? null;
        return { account, classId };
      });
    },
  };
}
