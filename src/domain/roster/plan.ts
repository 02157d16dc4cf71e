// What an import would change, computed from the checked rows and the database: structures
// and classes to create, accounts to create (with their new identifiants) or update, and the
// memberships, class-admin roles and relative links to add or remove. Checks that need other
// rows or the database (duplicate ids, unknown children) are made here too. Pure reads.
//
// An import is planned in parts, one school at a time (an académie's AAF export is 100,000
// persons: its whole plan at once was ~80 MB live). What spans schools is settled first on
// every row, in `prepareImport`: duplicate ids, unknown children, and each new account's id
// and identifiant, allocated in row order across the whole import (so the suffixes are the
// same as one plan's). Then `planImport` plans one part with what it settled.
import type { EntityManager } from 'typeorm';
import {
  Account,
  Membership,
  RelativeLink,
  RoleAssignment,
  SchoolClass,
  Structure,
  type Profile,
} from '../../db/entities/index.js';
import { findIn } from '../../db/chunks.js';
import { DomainError } from '../errors.js';
import { flat, newId } from '../flat-string.js';
import { allocateLogin, loginBase } from './logins.js';
import { searchForm } from '../search-form.js';
import type { RosterRow, RowError } from './rows.js';

export interface PlannedAccount {
  id: string;
  login: string;
  externalId: string;
  name: string;
  profile: Profile;
  /** The first class of the row (for the code's audit event), if any. */
  classId: string | null;
  className: string | null;
}

export interface Plan {
  structures: { create: Structure[]; rename: { id: string; name: string }[] };
  classes: SchoolClass[];
  accounts: {
    create: Account[];
    update: { id: string; login: string; changes: Partial<Account> }[];
    unchanged: number;
  };
  created: PlannedAccount[];
  memberships: { add: Membership[]; remove: { accountId: string; classId: string }[] };
  roles: { add: RoleAssignment[]; remove: { accountId: string; scopeId: string }[] };
  links: {
    add: RelativeLink[];
    /** Links to a new account of another part, which may not be written yet: written once every part is. */
    addLast: RelativeLink[];
    remove: { relativeId: string; studentId: string }[];
  };
}

export interface PlanOptions {
  schoolYear: string;
  /** ENT address of structures created by the import. */
  entAddress: string;
}

/** The import is refused; nothing was written. Every invalid line is in `errors`. */
export class RosterInvalid extends DomainError {
  override name = 'RosterInvalid';
  declare readonly errors: readonly RowError[];
  constructor(errors: RowError[]) {
    super('invalid', 'invalid_roster', `${errors.length} invalid row(s)`, { errors });
  }
}

function groupBy<T>(
  items: readonly T[],
  key: (item: T) => string,
  value: (item: T) => string,
): Map<string, Set<string>> {
  const map = new Map<string, Set<string>>();
  for (const item of items) {
    const k = key(item);
    let set = map.get(k);
    if (!set) map.set(k, (set = new Set()));
    set.add(value(item));
  }
  return map;
}

interface Person {
  rows: RosterRow[];
  first: RosterRow;
  classNames: string[];
}

/** One person per id_externe; Teacher and Personnel rows may repeat it, once per class. */
function groupRows(rows: readonly RosterRow[], errors: RowError[]): Map<string, Person> {
  const people = new Map<string, Person>();
  for (const row of rows) {
    const person = people.get(row.externalId);
    if (!person) {
      people.set(row.externalId, { rows: [row], first: row, classNames: row.className ? [row.className] : [] });
      continue;
    }
    const { first } = person;
    const staff = row.profile === 'Teacher' || row.profile === 'Personnel';
    const same =
      first.profile === row.profile &&
      first.uai === row.uai &&
      first.lastName === row.lastName &&
      first.firstName === row.firstName;
    if (!staff || !same) {
      errors.push({ line: row.line, message: `id_externe: "${row.externalId}" is already used on line ${first.line}` });
      continue;
    }
    person.rows.push(row);
    if (row.className && !person.classNames.includes(row.className)) person.classNames.push(row.className);
  }
  return people;
}

/** What the planning steps share: the plan they fill, the time they stamp, the options. */
interface Planning {
  plan: Plan;
  now: Date;
  options: PlanOptions;
}

/** How the rows' classes are found or created, and which classes the import manages. */
interface ClassResolver {
  classOf(uai: string, name: string): SchoolClass;
  /** Classes of this school year in the file's structures: the only ones whose memberships and roles it syncs. */
  importedIds: Set<string>;
}

/** What `prepareImport` settles for every part: the new accounts, in row order. */
export interface Prepared {
  /**
   * External id → the new account's id, identifiant and rank in row order. Once a part is
   * written its accounts are in the database, and may leave this map.
   */
  created: Map<string, { id: string; login: string; rank: number }>;
}

/**
 * The checks that need every row (an id used twice, a child that is no student) and the new
 * accounts' ids and identifiants, in row order: `prepareImport` runs once, on all the rows,
 * before any part is planned or written.
 */
export async function prepareImport(manager: EntityManager, rows: readonly RosterRow[]): Promise<Prepared> {
  const errors: RowError[] = [];
  const people = groupRows(rows, errors);
  // Only what the checks and the identifiants need: a part loads its own accounts in full.
  const known = new Map(
    (
      await findIn(manager, Account, 'externalId', knownIdsOf(people), {
        id: true,
        externalId: true,
        profile: true,
      })
    ).map((a) => [a.externalId!, a]),
  );
  checkParents(people, known, errors);
  if (errors.length) throw new RosterInvalid(errors.sort((a, b) => a.line - b.line));
  const taken = new Set(
    (await manager.createQueryBuilder(Account, 'a').select('a.login', 'login').getRawMany<{ login: string }>()).map(
      (r) => r.login,
    ),
  );
  const nextSuffix = new Map<string, number>();
  const created: Prepared['created'] = new Map();
  for (const [externalId, { first: row }] of people)
    if (!known.has(externalId))
      created.set(externalId, {
        id: newId(),
        login: flat(allocateLogin(loginBase(row.firstName, row.lastName), taken, nextSuffix)),
        rank: created.size,
      });
  return { created };
}

/**
 * The rows in parts, one per school (the UAI of each person's first row: a person's rows
 * are all in one school, or prepareImport refused them), in the order schools first appear.
 */
export function partsOf(rows: readonly RosterRow[]): RosterRow[][] {
  const schoolOf = new Map<string, string>();
  const parts = new Map<string, RosterRow[]>();
  for (const row of rows) {
    const uai = schoolOf.get(row.externalId) ?? row.uai;
    schoolOf.set(row.externalId, uai);
    let part = parts.get(uai);
    if (!part) parts.set(uai, (part = []));
    part.push(row);
  }
  return [...parts.values()];
}

/** The plan of one part of the import's rows, with what `prepareImport` settled on all of them. */
export async function planImport(
  manager: EntityManager,
  rows: readonly RosterRow[],
  options: PlanOptions,
  prepared: Prepared,
): Promise<Plan> {
  const planning: Planning = { plan: emptyPlan(), now: new Date(), options };
  const people = groupRows(rows, []); // its errors were told by prepareImport
  const structures = await planStructures(manager, rows, planning);
  const classes = await classResolver(manager, structures, planning);
  const known = await findKnownAccounts(manager, people);
  const ids = planAccounts(people, known, prepared, structures, classes, planning);
  await planRelations(manager, people, known, ids, prepared, classes, planning);
  return planning.plan;
}

function emptyPlan(): Plan {
  return {
    structures: { create: [], rename: [] },
    classes: [],
    accounts: { create: [], update: [], unchanged: 0 },
    created: [],
    memberships: { add: [], remove: [] },
    roles: { add: [], remove: [] },
    links: { add: [], addLast: [], remove: [] },
  };
}

/** Structures by UAI: found, or created with the name of their first row; renamed when the file says so. */
async function planStructures(
  manager: EntityManager,
  rows: readonly RosterRow[],
  { plan, now, options }: Planning,
): Promise<Map<string, Structure>> {
  const structures = new Map(
    (
      await findIn(
        manager,
        Structure,
        'uai',
        rows.map((r) => r.uai),
      )
    ).map((s) => [s.uai, s]),
  );
  for (const row of rows) {
    const found = structures.get(row.uai);
    if (!found) {
      const created: Structure = {
        id: newId(),
        uai: row.uai,
        name: row.structureName,
        entAddress: options.entAddress,
        schoolYear: null,
        createdAt: now,
      };
      structures.set(row.uai, created);
      plan.structures.create.push(created);
    } else if (
      found.name !== row.structureName &&
      !plan.structures.create.includes(found) &&
      !plan.structures.rename.some((r) => r.id === found.id)
    ) {
      plan.structures.rename.push({ id: found.id, name: row.structureName });
    }
  }
  return structures;
}

/** Classes of the school year by (structure, name, case ignored); a missing one is planned when first asked for. */
async function classResolver(
  manager: EntityManager,
  structures: Map<string, Structure>,
  { plan, now, options }: Planning,
): Promise<ClassResolver> {
  const structureIds = [...new Set([...structures.values()].map((s) => s.id))];
  const existing = (await findIn(manager, SchoolClass, 'structureId', structureIds)).filter(
    (c) => c.schoolYear === options.schoolYear,
  );
  const classKey = (structureId: string, name: string) => `${structureId}\u0000${name.toLowerCase()}`;
  const classes = new Map(existing.map((c) => [classKey(c.structureId, c.name), c]));
  const importedIds = new Set(existing.map((c) => c.id));
  const classOf = (uai: string, name: string): SchoolClass => {
    const structureId = structures.get(uai)!.id;
    const key = classKey(structureId, name);
    let cls = classes.get(key);
    if (!cls) {
      cls = {
        id: newId(),
        structureId,
        name,
        schoolYear: options.schoolYear,
        externalId: null,
        badgeSignIn: false,
        createdAt: now,
      };
      classes.set(key, cls);
      plan.classes.push(cls);
      importedIds.add(cls.id);
    }
    return cls;
  };
  return { classOf, importedIds };
}

/** The external ids an import looks up: the file's people, and the students named by parents_de. */
function knownIdsOf(people: Map<string, Person>): string[] {
  const ids = [...people.keys()];
  for (const person of people.values()) ids.push(...person.first.parentsOf);
  return ids;
}

/** Accounts by external id: the part's people, and the students named by parents_de. */
async function findKnownAccounts(manager: EntityManager, people: Map<string, Person>): Promise<Map<string, Account>> {
  return new Map((await findIn(manager, Account, 'externalId', knownIdsOf(people))).map((a) => [a.externalId!, a]));
}

/** Every child named by parents_de is a student, in the file or the database. */
function checkParents(people: Map<string, Person>, known: Map<string, Account>, errors: RowError[]): void {
  for (const person of people.values()) {
    for (const childId of person.first.parentsOf) {
      const inFile = people.get(childId);
      const profile = inFile ? inFile.first.profile : known.get(childId)?.profile;
      if (!profile)
        errors.push({
          line: person.first.line,
          message: `parents_de: no student with id_externe "${childId}" in the file or the database`,
        });
      else if (profile !== 'Student')
        errors.push({ line: person.first.line, message: `parents_de: "${childId}" is not a student` });
    }
  }
}

/**
 * Accounts to update (the fields that changed) or create (with the id and identifiant
 * prepareImport gave them). Returns external id → account id, for the part's people and the
 * known children.
 */
function planAccounts(
  people: Map<string, Person>,
  known: Map<string, Account>,
  prepared: Prepared,
  structures: Map<string, Structure>,
  classes: ClassResolver,
  { plan, now }: Planning,
): Map<string, string> {
  const ids = new Map<string, string>();
  for (const [externalId, person] of people) {
    const { first: row } = person;
    const firstClass = person.classNames[0] ? classes.classOf(row.uai, person.classNames[0]) : null;
    for (const name of person.classNames.slice(1)) classes.classOf(row.uai, name);
    const fields = accountFields(row, structures.get(row.uai)!.id);
    const existing = known.get(externalId);
    if (existing) {
      ids.set(externalId, existing.id);
      planAccountUpdate(existing, fields, plan, now);
      continue;
    }
    const { id, login } = prepared.created.get(externalId)!;
    ids.set(externalId, id);
    plan.accounts.create.push({
      id,
      login,
      ...fields,
      externalId,
      passwordHash: null,
      activatedAt: null,
      blockedAt: null,
      departedAt: null,
      lastLoginAt: null,
      passwordChangedAt: null,
      createdAt: now,
      updatedAt: now,
    });
    plan.created.push({
      id,
      login,
      externalId,
      name: `${row.firstName} ${row.lastName}`,
      profile: row.profile,
      classId: firstClass?.id ?? null,
      className: firstClass?.name ?? null,
    });
  }
  for (const [externalId, account] of known) if (!ids.has(externalId)) ids.set(externalId, account.id);
  return ids;
}

/** The account columns a row sets. */
function accountFields(row: RosterRow, structureId: string) {
  return {
    firstName: row.firstName,
    lastName: row.lastName,
    searchFirstName: searchForm(row.firstName),
    searchLastName: searchForm(row.lastName),
    birthDate: row.birthDate,
    profile: row.profile,
    email: row.email,
    structureId,
  };
}

/** Only the fields that differ are written; an account with none counts as unchanged. */
function planAccountUpdate(existing: Account, fields: ReturnType<typeof accountFields>, plan: Plan, now: Date): void {
  const changes: Partial<Account> = {};
  for (const [key, value] of Object.entries(fields) as [keyof typeof fields, string | null][]) {
    if (existing[key] !== value) (changes as Record<string, unknown>)[key] = value;
  }
  if (Object.keys(changes).length)
    plan.accounts.update.push({ id: existing.id, login: existing.login, changes: { ...changes, updatedAt: now } });
  else plan.accounts.unchanged++;
}

/**
 * Memberships, class-admin roles and relative links made to match the file, within the
 * classes of this school year of the file's structures (other years' history is left alone).
 */
async function planRelations(
  manager: EntityManager,
  people: Map<string, Person>,
  known: Map<string, Account>,
  ids: Map<string, string>,
  prepared: Prepared,
  classes: ClassResolver,
  { plan, now }: Planning,
): Promise<void> {
  const existingIds = [...people.keys()].filter((e) => known.has(e)).map((e) => known.get(e)!.id);
  const memberships = (await findIn(manager, Membership, 'accountId', existingIds)).filter((m) =>
    classes.importedIds.has(m.classId),
  );
  const roles = (await findIn(manager, RoleAssignment, 'accountId', existingIds)).filter(
    (r) => r.role === 'class-admin' && classes.importedIds.has(r.scopeId),
  );
  const links = await findIn(manager, RelativeLink, 'relativeId', existingIds);
  const classesOf = groupBy(
    memberships,
    (m) => m.accountId,
    (m) => m.classId,
  );
  const rolesOf = groupBy(
    roles,
    (r) => r.accountId,
    (r) => r.scopeId,
  );
  const childrenOf = groupBy(
    links,
    (l) => l.relativeId,
    (l) => l.studentId,
  );
  for (const [externalId, person] of people) {
    const accountId = ids.get(externalId)!;
    const wanted = new Set(person.classNames.map((name) => classes.classOf(person.first.uai, name).id));
    const wantedRoles = person.first.profile === 'Teacher' ? wanted : new Set<string>();
    const has = classesOf.get(accountId) ?? new Set<string>();
    const hasRoles = rolesOf.get(accountId) ?? new Set<string>();
    for (const classId of wanted)
      if (!has.has(classId)) plan.memberships.add.push({ accountId, classId, createdAt: now });
    for (const classId of has) if (!wanted.has(classId)) plan.memberships.remove.push({ accountId, classId });
    for (const scopeId of wantedRoles)
      if (!hasRoles.has(scopeId)) plan.roles.add.push({ accountId, role: 'class-admin', scopeId, createdAt: now });
    for (const scopeId of hasRoles) if (!wantedRoles.has(scopeId)) plan.roles.remove.push({ accountId, scopeId });
    const children = new Set<string>();
    const linked = childrenOf.get(accountId) ?? new Set<string>();
    for (const childId of person.first.parentsOf) {
      // A child neither in this part nor in the database is new in another part.
      const studentId = ids.get(childId);
      const link = { relativeId: accountId, studentId: studentId ?? prepared.created.get(childId)!.id, createdAt: now };
      if (children.has(link.studentId)) continue;
      children.add(link.studentId);
      if (!linked.has(link.studentId)) (studentId ? plan.links.add : plan.links.addLast).push(link);
    }
    for (const studentId of linked)
      if (!children.has(studentId)) plan.links.remove.push({ relativeId: accountId, studentId });
  }
}
