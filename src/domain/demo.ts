// The demo school: the seed's CM2 A class with « test enfant » (enfant.test, born
// 01/08/2010), classmates in every activation state, their parents, two teachers, personnel
// and a school admin. Idempotent: people are found by their external id (`demo-<login>`),
// only what is missing is created, in one transaction with its audit event; re-running
// changes nothing. The summary shows the live state (and live codes) read afterwards.
import { randomUUID } from 'node:crypto';
import { In, type EntityManager } from 'typeorm';
import { DomainError } from './errors.js';
import type { Domain } from './index.js';
import {
  Account,
  Membership,
  RelativeLink,
  RoleAssignment,
  SchoolClass,
  Structure,
  type Profile,
  type Role,
} from '../db/entities/index.js';
import { searchForm } from './search-form.js';
import { currentSchoolYear } from './school-year.js';

/** Every activated demo account signs in with this password (it passes the policy). */
export const DEMO_PASSWORD = 'baie-de-somme-2026';

const DEMO_STRUCTURE = { uai: '0800001A', name: 'École de la Somme', entAddress: 'https://ecole.entsomme.fr' } as const;
const CLASSES = {
  cm2a: { name: 'CM2 A', externalId: 'demo-cm2-a' },
  ce1b: { name: 'CE1 B', externalId: 'demo-ce1-b' },
} as const;
type ClassKey = keyof typeof CLASSES;

/** What the account looks like when the demo creates it. */
type DemoState = 'activated' | 'activation' | 'renewal' | 'blocked';

interface DemoPerson {
  login: string;
  firstName: string;
  lastName: string;
  profile: Profile;
  state: DemoState;
  birthDate?: string;
  email?: string;
  classes?: ClassKey[];
  /** Logins of the students this relative is linked to. */
  childOf?: string[];
  roles?: { role: Role; scope: ClassKey | 'structure' }[];
}

export const DEMO_TEACHER = 'claire.lefebvre';
export const DEMO_CHILD = 'enfant.test';

const DEMO_PEOPLE: readonly DemoPerson[] = [
  {
    login: 'enfant.test',
    firstName: 'test',
    lastName: 'enfant',
    profile: 'Student',
    birthDate: '2010-08-01',
    classes: ['cm2a'],
    state: 'activated',
  },
  {
    login: 'lucas.martin',
    firstName: 'Lucas',
    lastName: 'Martin',
    profile: 'Student',
    birthDate: '2015-03-12',
    classes: ['cm2a'],
    state: 'activation',
  },
  {
    login: 'emma.bernard',
    firstName: 'Emma',
    lastName: 'Bernard',
    profile: 'Student',
    birthDate: '2015-06-23',
    classes: ['cm2a'],
    state: 'activated',
  },
  {
    login: 'chloe.petit',
    firstName: 'Chloé',
    lastName: 'Petit',
    profile: 'Student',
    birthDate: '2015-01-09',
    classes: ['cm2a'],
    state: 'renewal',
  },
  {
    login: 'hugo.durand',
    firstName: 'Hugo',
    lastName: 'Durand',
    profile: 'Student',
    birthDate: '2015-11-30',
    classes: ['cm2a'],
    state: 'blocked',
  },
  {
    login: 'leo.roux',
    firstName: 'Léo',
    lastName: 'Roux',
    profile: 'Student',
    birthDate: '2019-04-17',
    classes: ['ce1b'],
    state: 'activation',
  },
  {
    login: 'marie.enfant',
    firstName: 'Marie',
    lastName: 'Enfant',
    profile: 'Relative',
    email: 'marie.enfant@example.fr',
    childOf: ['enfant.test'],
    state: 'activated',
  },
  {
    login: 'paul.martin',
    firstName: 'Paul',
    lastName: 'Martin',
    profile: 'Relative',
    email: 'paul.martin@example.fr',
    childOf: ['lucas.martin'],
    state: 'activation',
  },
  {
    login: 'sophie.bernard',
    firstName: 'Sophie',
    lastName: 'Bernard',
    profile: 'Relative',
    childOf: ['emma.bernard'],
    state: 'activated',
  },
  {
    login: 'karim.petit',
    firstName: 'Karim',
    lastName: 'Petit',
    profile: 'Relative',
    childOf: ['chloe.petit'],
    state: 'renewal',
  },
  {
    login: 'ines.roux',
    firstName: 'Inès',
    lastName: 'Roux',
    profile: 'Relative',
    childOf: ['leo.roux'],
    state: 'activation',
  },
  {
    login: 'claire.lefebvre',
    firstName: 'Claire',
    lastName: 'Lefebvre',
    profile: 'Teacher',
    email: 'claire.lefebvre@ecole.entsomme.fr',
    classes: ['cm2a'],
    roles: [{ role: 'class-admin', scope: 'cm2a' }],
    state: 'activated',
  },
  {
    login: 'julien.moreau',
    firstName: 'Julien',
    lastName: 'Moreau',
    profile: 'Teacher',
    classes: ['ce1b'],
    roles: [{ role: 'class-admin', scope: 'ce1b' }],
    state: 'activated',
  },
  {
    login: 'anne.garnier',
    firstName: 'Anne',
    lastName: 'Garnier',
    profile: 'Personnel',
    classes: ['cm2a'],
    state: 'activated',
  },
  {
    login: 'isabelle.faure',
    firstName: 'Isabelle',
    lastName: 'Faure',
    profile: 'Personnel',
    email: 'direction@ecole.entsomme.fr',
    roles: [{ role: 'school-admin', scope: 'structure' }],
    state: 'activated',
  },
];

const demoExternalId = (login: string) => `demo-${login}`;

export interface DemoAccountState {
  login: string;
  name: string;
  profile: Profile;
  classes: string[];
  /** As the teacher's page shows it: Activé, the activation code, Code temporaire: x, Bloqué. */
  state: string;
  /** The live code in clear, if any. */
  code: string | null;
  codeKind: 'activation' | 'renewal' | null;
}

export interface DemoSchool {
  /** Rows created by this call (0 when the demo school was already complete). */
  created: number;
  structure: Structure;
  schoolYear: string;
  password: string;
  accounts: DemoAccountState[];
}

/** The demo school cannot be seeded beside what is stored; one line for the operator. */
export class DemoConflictError extends DomainError {
  override name = 'DemoConflictError';
  constructor(message: string) {
    super('conflict', 'demo_conflict', message);
  }
}

export async function seedDemoSchool(domain: Domain): Promise<DemoSchool> {
  checkDemoPassword(domain);
  const { existing, missing } = await findMissingPeople(domain);
  const hashes = await hashDemoPasswords(domain, missing);
  const created = await domain.db.transaction(async (manager) => {
    const now = new Date();
    const school = await ensureSchool(manager, domain, now);
    const ids = new Map(existing.map((a) => [a.login, a.id]));
    for (const person of missing)
      ids.set(person.login, await createPerson(manager, domain, person, school, hashes.get(person.login) ?? null, now));
    await linkRelatives(manager, missing, ids, now);
    const count = school.created + missing.length;
    if (count > 0)
      await domain.audit.record(manager, {
        action: 'demo.seed',
        outcome: 'success',
        detail: { created: count, structure: DEMO_STRUCTURE.uai },
      });
    return count;
  });
  return { created, ...(await readDemoSchool(domain)) };
}

function checkDemoPassword({ passwords }: Domain): void {
  const problem = passwords.policyError(DEMO_PASSWORD, { login: DEMO_TEACHER });
  if (problem) throw new DemoConflictError(`the demo password does not pass the password policy: ${problem}`);
}

/** Demo people already seeded, and those still missing; a missing one's identifiant must be free. */
async function findMissingPeople({ db }: Domain): Promise<{ existing: Account[]; missing: DemoPerson[] }> {
  const externalIds = DEMO_PEOPLE.map((p) => demoExternalId(p.login));
  const existing = await db.read((manager) => manager.find(Account, { where: { externalId: In(externalIds) } }));
  const missing = DEMO_PEOPLE.filter((p) => !existing.some((a) => a.externalId === demoExternalId(p.login)));
  const clash = missing.length
    ? await db.read((manager) => manager.find(Account, { where: { login: In(missing.map((p) => p.login)) } }))
    : [];
  if (clash.length)
    throw new DemoConflictError(
      `the identifiant ${clash[0]!.login} is already used by an account that is not part of the demo school`,
    );
  return { existing, missing };
}

/** argon2 outside the transaction (it is slow on purpose); one hash per account that has a password. */
async function hashDemoPasswords({ passwords }: Domain, missing: readonly DemoPerson[]): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  await Promise.all(
    missing
      .filter((p) => p.state !== 'activation')
      .map(async (p) => hashes.set(p.login, await passwords.hash(DEMO_PASSWORD))),
  );
  return hashes;
}

interface SeededSchool {
  structure: Structure;
  classIds: Record<ClassKey, string>;
  /** Rows this call inserted (structure and classes). */
  created: number;
}

/** The demo structure and its classes of the current school year, found or created. */
async function ensureSchool(manager: EntityManager, domain: Domain, now: Date): Promise<SeededSchool> {
  let created = 0;
  let structure = await manager.findOne(Structure, { where: { uai: DEMO_STRUCTURE.uai } });
  if (!structure) {
    structure = { id: randomUUID(), ...DEMO_STRUCTURE, schoolYear: null, createdAt: now };
    await manager.insert(Structure, structure);
    created++;
  }
  const classIds = {} as Record<ClassKey, string>;
  for (const [key, spec] of Object.entries(CLASSES) as [ClassKey, (typeof CLASSES)[ClassKey]][]) {
    let cls = await manager.findOne(SchoolClass, { where: { externalId: spec.externalId } });
    if (!cls) {
      cls = {
        id: randomUUID(),
        structureId: structure.id,
        name: spec.name,
        schoolYear: currentSchoolYear(now, domain.config.codes.schoolYearStart),
        externalId: spec.externalId,
        // The youngest demo class shows badge sign-in (its teacher prints the badges).
        badgeSignIn: spec.name === 'CE1 B',
        createdAt: now,
      };
      await manager.insert(SchoolClass, cls);
      created++;
    }
    classIds[key] = cls.id;
  }
  return { structure, classIds, created };
}

/** One demo person: the account, its classes and roles, then its state (code or block). Returns its id. */
async function createPerson(
  manager: EntityManager,
  domain: Domain,
  person: DemoPerson,
  school: SeededSchool,
  passwordHash: string | null,
  now: Date,
): Promise<string> {
  const id = randomUUID();
  await manager.insert(Account, {
    id,
    login: person.login,
    firstName: person.firstName,
    lastName: person.lastName,
    searchFirstName: searchForm(person.firstName),
    searchLastName: searchForm(person.lastName),
    birthDate: person.birthDate ?? null,
    profile: person.profile,
    email: person.email ?? null,
    structureId: school.structure.id,
    externalId: demoExternalId(person.login),
    passwordHash,
    activatedAt: passwordHash ? now : null,
    blockedAt: person.state === 'blocked' ? now : null,
    lastLoginAt: null,
    passwordChangedAt: passwordHash ? now : null,
    createdAt: now,
    updatedAt: now,
  });
  await placeInSchool(manager, id, person, school, now);
  await applyDemoState(manager, domain, id, person, school);
  return id;
}

async function placeInSchool(
  manager: EntityManager,
  accountId: string,
  person: DemoPerson,
  { structure, classIds }: SeededSchool,
  now: Date,
): Promise<void> {
  for (const key of person.classes ?? [])
    await manager.insert(Membership, { accountId, classId: classIds[key], createdAt: now });
  for (const { role, scope } of person.roles ?? []) {
    await manager.insert(RoleAssignment, {
      accountId,
      role,
      scopeId: scope === 'structure' ? structure.id : classIds[scope],
      createdAt: now,
    });
  }
}

/** A live code for the activation and renewal states; the audit event of a blocked one. */
async function applyDemoState(
  manager: EntityManager,
  { codes, audit }: Domain,
  accountId: string,
  person: DemoPerson,
  { classIds }: SeededSchool,
): Promise<void> {
  const classId = person.classes?.[0] ? classIds[person.classes[0]] : null;
  if (person.state === 'activation' || person.state === 'renewal') {
    await codes.generate(manager, { accountId, kind: person.state, createdBy: null, classId });
  }
  if (person.state === 'blocked') {
    await audit.record(manager, {
      action: 'account.block',
      targetId: accountId,
      classId,
      outcome: 'success',
      detail: { reason: 'demo school' },
    });
  }
}

/** Relative links, once every account exists (a parent may come before the child). */
async function linkRelatives(
  manager: EntityManager,
  missing: readonly DemoPerson[],
  ids: Map<string, string>,
  now: Date,
): Promise<void> {
  for (const person of missing) {
    for (const childLogin of person.childOf ?? []) {
      const studentId = ids.get(childLogin);
      if (studentId)
        await manager.insert(RelativeLink, { relativeId: ids.get(person.login)!, studentId, createdAt: now });
    }
  }
}

/** The demo school as it is now: live states and codes. */
async function readDemoSchool(domain: Domain): Promise<Omit<DemoSchool, 'created'>> {
  const { db, codes } = domain;
  const structure = await db.read((manager) =>
    manager.findOneOrFail(Structure, { where: { uai: DEMO_STRUCTURE.uai } }),
  );
  const accounts = await db.read((manager) =>
    manager.find(Account, { where: { externalId: In(DEMO_PEOPLE.map((p) => demoExternalId(p.login))) } }),
  );
  const live = await codes.liveCodes(accounts.map((a) => a.id));
  const byId = new Map(accounts.map((a) => [a.id, a]));
  const memberships = accounts.length
    ? await db.read((manager) => manager.find(Membership, { where: { accountId: In(accounts.map((a) => a.id)) } }))
    : [];
  const classes = await db.read((manager) => manager.find(SchoolClass, { where: { structureId: structure.id } }));
  const className = new Map(classes.map((c) => [c.id, c.name]));
  const order = new Map(DEMO_PEOPLE.map((p, i) => [demoExternalId(p.login), i]));
  const rows = [...byId.values()]
    .sort((a, b) => order.get(a.externalId!)! - order.get(b.externalId!)!)
    .map((a): DemoAccountState => {
      const code = live.get(a.id) ?? null;
      const state = a.blockedAt
        ? 'Bloqué'
        : code?.kind === 'renewal'
          ? `Code temporaire: ${code.code}`
          : code
            ? code.code
            : a.activatedAt
              ? 'Activé'
              : 'Sans code';
      return {
        login: a.login,
        name: `${a.firstName} ${a.lastName}`,
        profile: a.profile,
        classes: memberships.filter((m) => m.accountId === a.id).map((m) => className.get(m.classId) ?? '?'),
        state,
        code: code?.code ?? null,
        codeKind: code?.kind ?? null,
      };
    });
  return { structure, schoolYear: classes[0]?.schoolYear ?? '', password: DEMO_PASSWORD, accounts: rows };
}
