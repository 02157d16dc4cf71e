// The school year's rollover (`ent-idp rollover --to 2027-2028`), run after the new year's
// roster (CSV `--school-year 2027-2028` or AAF) has been imported:
//
//   check every school named (--uai, default: every school with classes)
//     ─ unknown UAI, target not after the year in force, no class imported for it ─▶ RolloverRefused, nothing written
//   plan (in a read for --dry-run, else in the transaction):
//     the new year's classes, counted per profile;
//     departing pupils: a class of the structure in the year left, none in the new year;
//     their relatives, when none of their children has a class in the new year
//   one transaction: structures.schoolYear = the new year (the classes of the year left stop
//     granting anything), each departing account dated (departedAt) and blocked through
//     applyBlock (sessions, tokens, admin sessions end, back-channel logouts queued, audited),
//     one `school_year.rollover` audit event (counts only, no names)
//
// Staying accounts are not touched: their password, activation state and codes are kept.
// A departed account is deleted by the purge DEPARTED_RETENTION_DAYS later (maintenance.ts).
import { In, type EntityManager } from 'typeorm';
import { Account, Membership, RelativeLink, SchoolClass, Structure, type Profile } from '../db/entities/index.js';
import { applyBlock } from './blocking.js';
import { DomainError } from './errors.js';
import type { Domain } from './index.js';
import { schoolYearStartYear, yearInForceOf } from './school-year.js';

export interface RolloverOptions {
  /** The new year, e.g. 2027-2028. */
  to: string;
  /** The schools to switch (UAIs); default: every school that has classes. */
  uais?: readonly string[];
  dryRun?: boolean;
}

export interface DepartedAccount {
  id: string;
  login: string;
  name: string;
  profile: Profile;
  uai: string;
  /** The class left (a pupil's), null for a relative. */
  className: string | null;
}

export interface RolloverReport {
  dryRun: boolean;
  to: string;
  structures: { uai: string; name: string; from: string }[];
  /** The new year's classes and their members per profile (relatives: of the class's pupils). */
  classes: { uai: string; name: string; counts: Record<Profile, number> }[];
  departed: DepartedAccount[];
}

/** The rollover cannot be carried out; nothing was written. Each reason names its school. */
export class RolloverRefused extends DomainError {
  override name = 'RolloverRefused';
  constructor(readonly reasons: readonly string[]) {
    super('refused', 'rollover_refused', reasons.join('; '));
  }
}

const emptyCounts = (): Record<Profile, number> => ({ Student: 0, Relative: 0, Teacher: 0, Personnel: 0 });
const nameOf = (a: { firstName: string; lastName: string }) => `${a.firstName} ${a.lastName}`.trim();

async function structuresToRoll(
  manager: EntityManager,
  uais: readonly string[] | undefined,
  reasons: string[],
): Promise<Structure[]> {
  if (uais?.length) {
    const wanted = [...new Set(uais.map((u) => u.toUpperCase()))];
    const found = await manager.find(Structure, { where: { uai: In(wanted) } });
    for (const uai of wanted) if (!found.some((s) => s.uai === uai)) reasons.push(`${uai}: no such school`);
    return found;
  }
  const withClasses = await manager
    .createQueryBuilder(SchoolClass, 'c')
    .select('DISTINCT c.structureId', 'structureId')
    .getRawMany<{ structureId: string }>();
  if (!withClasses.length) return [];
  return manager.find(Structure, { where: { id: In(withClasses.map((r) => r.structureId)) } });
}

/** The pupils of `structure` with a class in `from` and none in `to` (in any school), not yet departed. */
async function departingPupils(
  manager: EntityManager,
  structure: Structure,
  from: string,
  to: string,
): Promise<DepartedAccount[]> {
  const rows = await manager
    .createQueryBuilder(Membership, 'm')
    .innerJoin(SchoolClass, 'c', 'c.id = m.classId')
    .innerJoin(Account, 'a', 'a.id = m.accountId')
    .select(['a.id AS id', 'a.login AS login', 'a.firstName AS firstName', 'a.lastName AS lastName'])
    .addSelect('c.name', 'className')
    .where('c.structureId = :structureId AND c.schoolYear = :from', { structureId: structure.id, from })
    .andWhere("a.profile = 'Student' AND a.departedAt IS NULL")
    .andWhere(
      'NOT EXISTS (SELECT 1 FROM memberships m2 INNER JOIN classes c2 ON c2.id = m2.classId WHERE m2.accountId = a.id AND c2.schoolYear = :to)',
      { to },
    )
    .orderBy('c.name', 'ASC')
    .addOrderBy('a.lastName', 'ASC')
    .addOrderBy('a.firstName', 'ASC')
    .getRawMany<{ id: string; login: string; firstName: string; lastName: string; className: string }>();
  const seen = new Set<string>();
  return rows
    .filter((r) => !seen.has(r.id) && seen.add(r.id))
    .map((r) => ({
      id: r.id,
      login: r.login,
      name: nameOf(r),
      profile: 'Student' as const,
      uai: structure.uai,
      className: r.className,
    }));
}

/** Relatives of `pupils` none of whose children has a class in `to`, not yet departed. */
async function departingRelatives(
  manager: EntityManager,
  pupils: readonly DepartedAccount[],
  to: string,
): Promise<DepartedAccount[]> {
  if (!pupils.length) return [];
  const uaiOf = new Map(pupils.map((p) => [p.id, p.uai]));
  const found = new Map<string, DepartedAccount>();
  const ids = pupils.map((p) => p.id);
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await manager
      .createQueryBuilder(RelativeLink, 'r')
      .innerJoin(Account, 'a', 'a.id = r.relativeId')
      .select(['a.id AS id', 'a.login AS login', 'a.firstName AS firstName', 'a.lastName AS lastName'])
      .addSelect('r.studentId', 'studentId')
      .where('r.studentId IN (:...part)', { part: ids.slice(i, i + 500) })
      .andWhere("a.profile = 'Relative' AND a.departedAt IS NULL")
      .andWhere(
        `NOT EXISTS (SELECT 1 FROM relative_links r2 INNER JOIN memberships m2 ON m2.accountId = r2.studentId
          INNER JOIN classes c2 ON c2.id = m2.classId WHERE r2.relativeId = a.id AND c2.schoolYear = :to)`,
        { to },
      )
      .getRawMany<{ id: string; login: string; firstName: string; lastName: string; studentId: string }>();
    for (const r of rows)
      if (!found.has(r.id))
        found.set(r.id, {
          id: r.id,
          login: r.login,
          name: nameOf(r),
          profile: 'Relative',
          uai: uaiOf.get(r.studentId) ?? '',
          className: null,
        });
  }
  return [...found.values()].sort((a, b) => a.uai.localeCompare(b.uai) || a.name.localeCompare(b.name));
}

/** The new year's classes of `structures` with their members per profile. */
async function newClasses(
  manager: EntityManager,
  structures: readonly Structure[],
  to: string,
): Promise<RolloverReport['classes']> {
  const uaiOf = new Map(structures.map((s) => [s.id, s.uai]));
  const classes = await manager.find(SchoolClass, {
    where: { structureId: In(structures.map((s) => s.id)), schoolYear: to },
  });
  if (!classes.length) return [];
  const classIds = classes.map((c) => c.id);
  const members = await manager
    .createQueryBuilder(Membership, 'm')
    .innerJoin(Account, 'a', 'a.id = m.accountId')
    .select(['m.classId AS classId', 'a.profile AS profile'])
    .addSelect('COUNT(*)', 'n')
    .where('m.classId IN (:...classIds)', { classIds })
    .groupBy('m.classId')
    .addGroupBy('a.profile')
    .getRawMany<{ classId: string; profile: Profile; n: number | string }>();
  const relatives = await manager
    .createQueryBuilder(RelativeLink, 'r')
    .innerJoin(Membership, 'm', 'm.accountId = r.studentId')
    .select('m.classId', 'classId')
    .addSelect('COUNT(DISTINCT r.relativeId)', 'n')
    .where('m.classId IN (:...classIds)', { classIds })
    .groupBy('m.classId')
    .getRawMany<{ classId: string; n: number | string }>();
  return classes
    .map((c) => {
      const counts = emptyCounts();
      for (const m of members) if (m.classId === c.id && m.profile !== 'Relative') counts[m.profile] = Number(m.n);
      counts.Relative = Number(relatives.find((r) => r.classId === c.id)?.n ?? 0);
      return { uai: uaiOf.get(c.structureId) ?? '', name: c.name, counts };
    })
    .sort((a, b) => a.uai.localeCompare(b.uai) || a.name.localeCompare(b.name));
}

/** Checks and plans the rollover in `manager`'s read or transaction; throws RolloverRefused. */
async function plan(
  domain: Domain,
  manager: EntityManager,
  options: RolloverOptions,
): Promise<Omit<RolloverReport, 'dryRun'> & { structureIds: string[] }> {
  const { to } = options;
  const reasons: string[] = [];
  const target = schoolYearStartYear(to);
  if (target === null) throw new RolloverRefused([`${to}: not a school year (e.g. 2027-2028)`]);
  const structures = await structuresToRoll(manager, options.uais, reasons);
  if (!structures.length && !reasons.length) reasons.push('no school has classes: import a roster first');
  const calendar = domain.yearInForce.calendar();
  const rolled: RolloverReport['structures'] = [];
  for (const s of structures.sort((a, b) => a.uai.localeCompare(b.uai))) {
    const from = yearInForceOf(s, calendar);
    const here = `${s.uai} (${s.name})`;
    if (target <= (schoolYearStartYear(from) ?? 0))
      reasons.push(`${here}: ${from} is in force, ${to} ${from === to ? 'already is' : 'would go backwards'}`);
    else if (!(await manager.count(SchoolClass, { where: { structureId: s.id, schoolYear: to } })))
      reasons.push(`${here}: no class imported for ${to} (import its roster with --school-year ${to} first)`);
    rolled.push({ uai: s.uai, name: s.name, from });
  }
  if (reasons.length) throw new RolloverRefused(reasons);
  const pupils: DepartedAccount[] = [];
  for (const s of structures) pupils.push(...(await departingPupils(manager, s, yearInForceOf(s, calendar), to)));
  const relatives = await departingRelatives(manager, pupils, to);
  return {
    to,
    structures: rolled,
    classes: await newClasses(manager, structures, to),
    departed: [...pupils, ...relatives],
    structureIds: structures.map((s) => s.id),
  };
}

export async function rollover(domain: Domain, options: RolloverOptions): Promise<RolloverReport> {
  const { db, audit } = domain;
  if (options.dryRun) {
    return db.read(async (manager) => {
      const { structureIds: _ids, ...planned } = await plan(domain, manager, options);
      return { dryRun: true, ...planned };
    });
  }
  return db.transaction(async (manager) => {
    const { structureIds, ...planned } = await plan(domain, manager, options);
    await manager.update(Structure, { id: In(structureIds) }, { schoolYear: planned.to });
    const now = new Date();
    for (const account of planned.departed) {
      await manager
        .createQueryBuilder()
        .update(Account)
        .set({ departedAt: now })
        .where('id = :id AND departedAt IS NULL', { id: account.id })
        .execute();
      await applyBlock(manager, domain, {
        accountId: account.id,
        block: true,
        actorId: null,
        detail: { via: 'rollover', schoolYear: planned.to },
      });
    }
    const departedBy = emptyCounts();
    for (const a of planned.departed) departedBy[a.profile]++;
    await audit.record(manager, {
      action: 'school_year.rollover',
      outcome: 'success',
      detail: {
        to: planned.to,
        structures: planned.structures.map(({ uai, from }) => ({ uai, from })),
        classes: planned.classes.length,
        departed: departedBy,
      },
    });
    return { dryRun: false, ...planned };
  });
}
