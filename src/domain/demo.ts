// The demo school: the seed's CM2 A class with « test enfant » (enfant.test, born
// 01/08/2010), classmates in every activation state, their parents, two teachers, personnel
// and a school admin. Idempotent: people are found by their external id (`demo-<login>`),
// only what is missing is created, in one transaction with its audit event; re-running
// changes nothing. The summary shows the live state (and live codes) read afterwards.
import { randomUUID } from 'node:crypto';
import { In } from 'typeorm';
import type { Domain } from './index.js';
import {
  Account, Membership, RelativeLink, RoleAssignment, SchoolClass, Structure, type Profile, type Role,
} from '../db/entities/index.js';
import { searchForm } from './roster/logins.js';
import { currentSchoolYear } from './school-year.js';

/** Every activated demo account signs in with this password (it passes the policy). */
export const DEMO_PASSWORD = 'baie-de-somme-2026';

export const DEMO_STRUCTURE = { uai: '0800001A', name: 'École de la Somme', entAddress: 'https://ecole.entsomme.fr' } as const;
const CLASSES = { cm2a: { name: 'CM2 A', externalId: 'demo-cm2-a' }, ce1b: { name: 'CE1 B', externalId: 'demo-ce1-b' } } as const;
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

export const DEMO_PEOPLE: readonly DemoPerson[] = [
  { login: 'enfant.test', firstName: 'test', lastName: 'enfant', profile: 'Student', birthDate: '2010-08-01', classes: ['cm2a'], state: 'activated' },
  { login: 'lucas.martin', firstName: 'Lucas', lastName: 'Martin', profile: 'Student', birthDate: '2015-03-12', classes: ['cm2a'], state: 'activation' },
  { login: 'emma.bernard', firstName: 'Emma', lastName: 'Bernard', profile: 'Student', birthDate: '2015-06-23', classes: ['cm2a'], state: 'activated' },
  { login: 'chloe.petit', firstName: 'Chloé', lastName: 'Petit', profile: 'Student', birthDate: '2015-01-09', classes: ['cm2a'], state: 'renewal' },
  { login: 'hugo.durand', firstName: 'Hugo', lastName: 'Durand', profile: 'Student', birthDate: '2015-11-30', classes: ['cm2a'], state: 'blocked' },
  { login: 'leo.roux', firstName: 'Léo', lastName: 'Roux', profile: 'Student', birthDate: '2019-04-17', classes: ['ce1b'], state: 'activation' },
  { login: 'marie.enfant', firstName: 'Marie', lastName: 'Enfant', profile: 'Relative', email: 'marie.enfant@example.fr', childOf: ['enfant.test'], state: 'activated' },
  { login: 'paul.martin', firstName: 'Paul', lastName: 'Martin', profile: 'Relative', email: 'paul.martin@example.fr', childOf: ['lucas.martin'], state: 'activation' },
  { login: 'sophie.bernard', firstName: 'Sophie', lastName: 'Bernard', profile: 'Relative', childOf: ['emma.bernard'], state: 'activated' },
  { login: 'karim.petit', firstName: 'Karim', lastName: 'Petit', profile: 'Relative', childOf: ['chloe.petit'], state: 'renewal' },
  { login: 'ines.roux', firstName: 'Inès', lastName: 'Roux', profile: 'Relative', childOf: ['leo.roux'], state: 'activation' },
  { login: 'claire.lefebvre', firstName: 'Claire', lastName: 'Lefebvre', profile: 'Teacher', email: 'claire.lefebvre@ecole.entsomme.fr', classes: ['cm2a'], roles: [{ role: 'class-admin', scope: 'cm2a' }], state: 'activated' },
  { login: 'julien.moreau', firstName: 'Julien', lastName: 'Moreau', profile: 'Teacher', classes: ['ce1b'], roles: [{ role: 'class-admin', scope: 'ce1b' }], state: 'activated' },
  { login: 'anne.garnier', firstName: 'Anne', lastName: 'Garnier', profile: 'Personnel', classes: ['cm2a'], state: 'activated' },
  { login: 'isabelle.faure', firstName: 'Isabelle', lastName: 'Faure', profile: 'Personnel', email: 'direction@ecole.entsomme.fr', roles: [{ role: 'school-admin', scope: 'structure' }], state: 'activated' },
];

export const demoExternalId = (login: string) => `demo-${login}`;

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

export class DemoConflictError extends Error {
  override name = 'DemoConflictError';
}

export async function seedDemoSchool(domain: Domain): Promise<DemoSchool> {
  const { db, passwords, codes, audit } = domain;
  const problem = passwords.policyError(DEMO_PASSWORD, { login: DEMO_TEACHER });
  if (problem) throw new DemoConflictError(`the demo password does not pass the password policy: ${problem}`);

  const externalIds = DEMO_PEOPLE.map((p) => demoExternalId(p.login));
  const existing = await db.read((manager) => manager.find(Account, { where: { externalId: In(externalIds) } }));
  const missing = DEMO_PEOPLE.filter((p) => !existing.some((a) => a.externalId === demoExternalId(p.login)));
  const clash = missing.length ? await db.read((manager) => manager.find(Account, { where: { login: In(missing.map((p) => p.login)) } })) : [];
  if (clash.length) throw new DemoConflictError(`the identifiant ${clash[0]!.login} is already used by an account that is not part of the demo school`);

  // argon2 outside the transaction (it is slow on purpose); one hash per account.
  const hashes = new Map<string, string>();
  await Promise.all(missing.filter((p) => p.state !== 'activation').map(async (p) => hashes.set(p.login, await passwords.hash(DEMO_PASSWORD))));

  const created = await db.transaction(async (manager) => {
    let count = 0;
    const now = new Date();
    let structure = await manager.findOne(Structure, { where: { uai: DEMO_STRUCTURE.uai } });
    if (!structure) {
      structure = { id: randomUUID(), ...DEMO_STRUCTURE, createdAt: now };
      await manager.insert(Structure, structure);
      count++;
    }
    const classIds = {} as Record<ClassKey, string>;
    for (const [key, spec] of Object.entries(CLASSES) as [ClassKey, (typeof CLASSES)[ClassKey]][]) {
      let cls = await manager.findOne(SchoolClass, { where: { externalId: spec.externalId } });
      if (!cls) {
        cls = { id: randomUUID(), structureId: structure.id, name: spec.name, schoolYear: currentSchoolYear(now, domain.config.codes.schoolYearStart), externalId: spec.externalId, createdAt: now };
        await manager.insert(SchoolClass, cls);
        count++;
      }
      classIds[key] = cls.id;
    }

    const ids = new Map(existing.map((a) => [a.login, a.id]));
    for (const person of missing) {
      const id = randomUUID();
      const passwordHash = hashes.get(person.login) ?? null;
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
        structureId: structure.id,
        externalId: demoExternalId(person.login),
        passwordHash,
        activatedAt: passwordHash ? now : null,
        blockedAt: person.state === 'blocked' ? now : null,
        lastLoginAt: null,
        passwordChangedAt: passwordHash ? now : null,
        createdAt: now,
        updatedAt: now,
      });
      ids.set(person.login, id);
      count++;
      for (const key of person.classes ?? []) await manager.insert(Membership, { accountId: id, classId: classIds[key], createdAt: now });
      for (const { role, scope } of person.roles ?? []) {
        await manager.insert(RoleAssignment, { accountId: id, role, scopeId: scope === 'structure' ? structure.id : classIds[scope], createdAt: now });
      }
      const classId = person.classes?.[0] ? classIds[person.classes[0]] : null;
      if (person.state === 'activation' || person.state === 'renewal') {
        await codes.generate(manager, { accountId: id, kind: person.state, createdBy: null, classId });
      }
      if (person.state === 'blocked') {
        await audit.record(manager, { action: 'account.block', targetId: id, classId, outcome: 'success', detail: { reason: 'demo school' } });
      }
    }
    // Relative links after every account exists (a parent may come before the child).
    for (const person of missing) {
      for (const childLogin of person.childOf ?? []) {
        const studentId = ids.get(childLogin);
        if (studentId) await manager.insert(RelativeLink, { relativeId: ids.get(person.login)!, studentId, createdAt: now });
      }
    }
    if (count > 0) await audit.record(manager, { action: 'demo.seed', outcome: 'success', detail: { created: count, structure: DEMO_STRUCTURE.uai } });
    return count;
  });

  return { created, ...(await readDemoSchool(domain)) };
}

/** The demo school as it is now: live states and codes. */
export async function readDemoSchool(domain: Domain): Promise<Omit<DemoSchool, 'created'>> {
  const { db, codes } = domain;
  const structure = await db.read((manager) => manager.findOneOrFail(Structure, { where: { uai: DEMO_STRUCTURE.uai } }));
  const accounts = await db.read((manager) => manager.find(Account, { where: { externalId: In(DEMO_PEOPLE.map((p) => demoExternalId(p.login))) } }));
  const live = await codes.liveCodes(accounts.map((a) => a.id));
  const byId = new Map(accounts.map((a) => [a.id, a]));
  const memberships = accounts.length ? await db.read((manager) => manager.find(Membership, { where: { accountId: In(accounts.map((a) => a.id)) } })) : [];
  const classes = await db.read((manager) => manager.find(SchoolClass, { where: { structureId: structure.id } }));
  const className = new Map(classes.map((c) => [c.id, c.name]));
  const order = new Map(DEMO_PEOPLE.map((p, i) => [demoExternalId(p.login), i]));
  const rows = [...byId.values()].sort((a, b) => order.get(a.externalId!)! - order.get(b.externalId!)!).map((a): DemoAccountState => {
    const code = live.get(a.id) ?? null;
    const state = a.blockedAt ? 'Bloqué' : code?.kind === 'renewal' ? `Code temporaire: ${code.code}` : code ? code.code : a.activatedAt ? 'Activé' : 'Sans code';
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
