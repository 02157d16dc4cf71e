// A generated school district for bench/admin.ts, written straight into the database in
// batched multi-row INSERTs (one transaction per batch) before the server starts:
// 20 structures, 3,000 classes, 100,000 accounts (75,000 students, 20,000 relatives,
// 3,000 teachers with class-admin on their class, 2,000 staff), memberships, relative
// links, and live codes sealed as the domain seals them (10 % activation, 1 % renewal).
import { randomUUID } from 'node:crypto';
import argon2 from 'argon2';
import type { Config } from '../../src/config/index.js';
import type { Database } from '../../src/db/index.js';
import {
  Account,
  Membership,
  OneTimeCode,
  RelativeLink,
  RoleAssignment,
  SchoolClass,
  Structure,
  type Profile,
} from '../../src/db/entities/index.js';
import { deriveKey, digest, encrypt } from '../../src/domain/crypto.js';
import { generateCode } from '../../src/domain/codes/index.js';
import { searchForm } from '../../src/domain/search-form.js';
import { currentSchoolYear } from '../../src/domain/school-year.js';
import { insertBatched } from './setup.js';

const FIRST = [
  'Emma',
  'Louise',
  'Jade',
  'Alice',
  'Chloé',
  'Lina',
  'Léa',
  'Rose',
  'Anna',
  'Inès',
  'Gabriel',
  'Léo',
  'Raphaël',
  'Arthur',
  'Louis',
  'Jules',
  'Maël',
  'Lucas',
  'Hugo',
  'Noé',
  'Éloïse',
  'Zoé',
  'Nathan',
  'Théo',
  'Tom',
  'Sacha',
  'Mathis',
  'Adam',
  'Lou',
  'Ambre',
];
const LAST = [
  'Martin',
  'Bernard',
  'Thomas',
  'Petit',
  'Robert',
  'Richard',
  'Durand',
  'Dubois',
  'Moreau',
  'Laurent',
  'Simon',
  'Michel',
  'Lefèvre',
  'Leroy',
  'Roux',
  'David',
  'Bertrand',
  'Morel',
  'Fournier',
  'Girard',
  'Bonnet',
  'Dupont',
  'Lambert',
  'Fontaine',
  'Rousseau',
  'Vincent',
  'Müller',
  'Lefebvre',
  'Faure',
  'André',
  'Mercier',
  'Blanc',
  'Guérin',
  'Boyer',
  'Garnier',
  'Chevalier',
  'François',
  'Legrand',
  'Gauthier',
  'Garcia',
  'Perrin',
  'Robin',
  'Clément',
  'Morin',
  'Nicolas',
  'Henry',
  'Roussel',
  'Mathieu',
  'Gautier',
  'Masson',
];

export interface District {
  counts: Record<string, number>;
  /** The teacher the bench signs in as, with class-admin on `classId`. */
  teacher: { login: string; password: string };
  classId: string;
  seconds: number;
}

export const DISTRICT = {
  structures: 20,
  classesPerStructure: 150,
  studentsPerClass: 25,
  relatives: 20_000,
  staff: 2_000,
};

export async function insertDistrict(db: Database, config: Config): Promise<District> {
  const started = performance.now();
  const now = new Date();
  const password = 'une phrase de passe pour le banc';
  const { memoryCost, timeCost, parallelism } = config.argon2;
  const passwordHash = await argon2.hash(password, { type: argon2.argon2id, memoryCost, timeCost, parallelism });
  let n = 0;
  const pick = <T>(list: readonly T[]) => list[(n * 7919 + Math.floor(n / list.length)) % list.length]!;
  const person = (profile: Profile, structureId: string, activated: boolean): Account => {
    n++;
    const firstName = pick(FIRST);
    const lastName = LAST[(n * 31 + Math.floor(n / 7)) % LAST.length]!;
    return {
      id: randomUUID(),
      login: `${searchForm(firstName)}.${searchForm(lastName)}.${n}`.replace(/[^a-z0-9.]/g, ''),
      firstName,
      lastName,
      searchFirstName: searchForm(firstName),
      searchLastName: searchForm(lastName),
      birthDate: profile === 'Student' ? `201${n % 10}-0${1 + (n % 9)}-1${n % 10}` : null,
      profile,
      email: null,
      structureId,
      externalId: null,
      passwordHash: activated ? passwordHash : null,
      activatedAt: activated ? now : null,
      blockedAt: n % 500 === 0 ? now : null,
      departedAt: null,
      lastLoginAt: null,
      passwordChangedAt: activated ? now : null,
      createdAt: now,
      updatedAt: now,
    };
  };

  const structures: Structure[] = Array.from({ length: DISTRICT.structures }, (_, i) => ({
    id: randomUUID(),
    uai: `08${String(10000 + i).padStart(5, '0')}A`,
    name: `École ${i + 1}`,
    entAddress: 'https://ecole.entsomme.fr',
    schoolYear: null,
    createdAt: now,
  }));
  const classes: SchoolClass[] = structures.flatMap((s) =>
    Array.from({ length: DISTRICT.classesPerStructure }, (_, i) => ({
      id: randomUUID(),
      structureId: s.id,
      name: `Classe ${i + 1}`,
      schoolYear: currentSchoolYear(now, '09-01'),
      externalId: null,
      badgeSignIn: false,
      createdAt: now,
    })),
  );
  const accounts: Account[] = [];
  const memberships: Membership[] = [];
  const roles: RoleAssignment[] = [];
  const studentsByStructure = new Map<string, Account[]>();
  for (const cls of classes) {
    const teacher = person('Teacher', cls.structureId, true);
    accounts.push(teacher);
    memberships.push({ accountId: teacher.id, classId: cls.id, createdAt: now });
    roles.push({ accountId: teacher.id, role: 'class-admin', scopeId: cls.id, createdAt: now });
    for (let i = 0; i < DISTRICT.studentsPerClass; i++) {
      const student = person('Student', cls.structureId, n % 10 !== 0);
      accounts.push(student);
      memberships.push({ accountId: student.id, classId: cls.id, createdAt: now });
      const list = studentsByStructure.get(cls.structureId) ?? [];
      list.push(student);
      studentsByStructure.set(cls.structureId, list);
    }
  }
  const links: RelativeLink[] = [];
  for (let i = 0; i < DISTRICT.relatives; i++) {
    const structure = structures[i % structures.length]!;
    const students = studentsByStructure.get(structure.id)!;
    const relative = person('Relative', structure.id, i % 3 !== 0);
    accounts.push(relative);
    const first = students[(i * 13) % students.length]!;
    links.push({ relativeId: relative.id, studentId: first.id, createdAt: now });
    if (i % 2 === 0)
      links.push({ relativeId: relative.id, studentId: students[(i * 13 + 1) % students.length]!.id, createdAt: now });
  }
  for (let i = 0; i < DISTRICT.staff; i++) {
    const cls = classes[(i * 3) % classes.length]!;
    const staff = person('Personnel', cls.structureId, true);
    accounts.push(staff);
    memberships.push({ accountId: staff.id, classId: cls.id, createdAt: now });
  }

  const sealKey = deriveKey(config.secrets.codeEncryptionKey, 'codes');
  const digestKey = deriveKey(config.secrets.codeEncryptionKey, 'code-digest');
  const expiresAt = new Date(now.getTime() + 300 * 86400_000);
  const codes: OneTimeCode[] = [];
  accounts.forEach((a, i) => {
    if (a.profile !== 'Student' && a.profile !== 'Relative') return;
    const kind = !a.passwordHash ? 'activation' : i % 100 === 1 ? 'renewal' : null;
    if (!kind) return;
    const id = randomUUID();
    const code = generateCode();
    codes.push({
      id,
      accountId: a.id,
      kind,
      codeCiphertext: encrypt(sealKey, code, id),
      codeDigest: digest(digestKey, code),
      createdBy: null,
      createdAt: now,
      expiresAt,
      consumedAt: null,
      revokedAt: null,
    });
  });

  await insertBatched(db, Structure, structures);
  await insertBatched(db, SchoolClass, classes);
  await insertBatched(db, Account, accounts, 1000);
  await insertBatched(db, Membership, memberships, 1000);
  await insertBatched(db, RelativeLink, links, 1000);
  await insertBatched(db, RoleAssignment, roles, 1000);
  await insertBatched(db, OneTimeCode, codes, 1000);
  // Fresh statistics, as a long-lived database has (SQLite's planner uses them).
  if (db.kind === 'sqlite') await db.transaction((manager) => manager.query('ANALYZE'));
  else
    for (const t of ['accounts', 'memberships', 'relative_links', 'one_time_codes'])
      await db.transaction((manager) => manager.query(`ANALYZE TABLE ${t}`));

  const classId = classes[classes.length / 2]!.id;
  const teacher = accounts.find(
    (a) => a.profile === 'Teacher' && roles.some((r) => r.accountId === a.id && r.scopeId === classId),
  )!;
  return {
    counts: {
      structures: structures.length,
      classes: classes.length,
      accounts: accounts.length,
      memberships: memberships.length,
      relativeLinks: links.length,
      roles: roles.length,
      codes: codes.length,
    },
    teacher: { login: teacher.login, password },
    classId,
    seconds: (performance.now() - started) / 1000,
  };
}
