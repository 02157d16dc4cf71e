// What an import would change, computed from the checked rows and the database: structures
// and classes to create, accounts to create (with their new identifiants) or update, and the
// memberships, class-admin roles and relative links to add or remove. Checks that need other
// rows or the database (duplicate ids, unknown children) are made here too. Pure reads.
import { randomUUID } from 'node:crypto';
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
  links: { add: RelativeLink[]; remove: { relativeId: string; studentId: string }[] };
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

export async function planImport(
  manager: EntityManager,
  rows: readonly RosterRow[],
  options: PlanOptions,
): Promise<Plan> {
  const errors: RowError[] = [];
  const planning: Planning = { plan: emptyPlan(), now: new Date(), options };
  const people = groupRows(rows, errors);
  const structures = await planStructures(manager, rows, planning);
  const classes = await classResolver(manager, structures, planning);
  const known = await findKnownAccounts(manager, people);
  checkParents(people, known, errors);
  if (errors.length) throw new RosterInvalid(errors.sort((a, b) => a.line - b.line));
  const ids = await planAccounts(manager, people, known, structures, classes, planning);
  await planRelations(manager, people, known, ids, classes, planning);
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
    links: { add: [], remove: [] },
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
        id: randomUUID(),
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
        id: randomUUID(),
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

/** Accounts by external id: the file's people, and the students named by parents_de. */
async function findKnownAccounts(manager: EntityManager, people: Map<string, Person>): Promise<Map<string, Account>> {
  const externalIds = [...people.keys()];
  const childIds = [...new Set([...people.values()].flatMap((p) => p.first.parentsOf))];
  return new Map(
    (await findIn(manager, Account, 'externalId', [...externalIds, ...childIds])).map((a) => [a.externalId!, a]),
  );
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
 * Accounts to update (the fields that changed) or create (new identifiants: prenom.nom, then
 * a suffix from 2, unique across the whole database). Returns external id → account id, for
 * the file's people and the known children.
 */
async function planAccounts(
  manager: EntityManager,
  people: Map<string, Person>,
  known: Map<string, Account>,
  structures: Map<string, Structure>,
  classes: ClassResolver,
  { plan, now }: Planning,
): Promise<Map<string, string>> {
  const taken = new Set(
    (await manager.createQueryBuilder(Account, 'a').select('a.login', 'login').getRawMany<{ login: string }>()).map(
      (r) => r.login,
    ),
  );
  const nextSuffix = new Map<string, number>();
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
    const id = randomUUID();
    ids.set(externalId, id);
    const login = allocateLogin(loginBase(row.firstName, row.lastName), taken, nextSuffix);
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
    const children = new Set(person.first.parentsOf.map((childId) => ids.get(childId)!));
    const linked = childrenOf.get(accountId) ?? new Set<string>();
    for (const studentId of children)
      if (!linked.has(studentId)) plan.links.add.push({ relativeId: accountId, studentId, createdAt: now });
    for (const studentId of linked)
      if (!children.has(studentId)) plan.links.remove.push({ relativeId: accountId, studentId });
  }
}
