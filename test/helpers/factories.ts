// Test data through the TypeORM entities: schools, classes, accounts (with a real argon2id
// hash at the test cost when a password is given), memberships, relative links, roles.
// Every factory takes the Database first and fills sensible, unique defaults.
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { Database } from '../../src/db/index.js';
import {
  Account,
  Membership,
  RelativeLink,
  RoleAssignment,
  SchoolClass,
  Structure,
  type Profile,
  type Role,
} from '../../src/db/entities/index.js';
import { loadConfig } from '../../src/config/index.js';
import { createPasswords, type Passwords } from '../../src/domain/passwords/index.js';
import { currentSchoolYear } from '../../src/domain/school-year.js';
import { searchForm } from '../../src/domain/search-form.js';

/** The school year in force today: the only one whose classes grant access. */
export const SCHOOL_YEAR = currentSchoolYear(new Date(), loadConfig().codes.schoolYearStart);

let passwords: Passwords | undefined;
/** Hashes with the test configuration (config/test.json: cheap argon2). */
export const hashPassword = (password: string): Promise<string> =>
  (passwords ??= createPasswords(loadConfig())).hash(password);

const unique = () => randomBytes(4).toString('hex');

export async function createStructure(db: Database, fields: Partial<Structure> = {}): Promise<Structure> {
  const row: Structure = {
    id: randomUUID(),
    uai: `${String(randomInt(1e7)).padStart(7, '0')}${'ABCDEFGHJK'[randomInt(10)]}`,
    name: `École ${unique()}`,
    entAddress: 'https://ecole.entsomme.fr',
    schoolYear: null,
    createdAt: new Date(),
    ...fields,
  };
  await db.transaction((m) => m.insert(Structure, row));
  return row;
}

export async function createClass(
  db: Database,
  fields: Partial<SchoolClass> & { structureId?: string } = {},
): Promise<SchoolClass> {
  const structureId = fields.structureId ?? (await createStructure(db)).id;
  const row: SchoolClass = {
    id: randomUUID(),
    structureId,
    name: 'CM2 A',
    schoolYear: SCHOOL_YEAR,
    externalId: null,
    badgeSignIn: false,
    createdAt: new Date(),
    ...fields,
  };
  await db.transaction((m) => m.insert(SchoolClass, row));
  return row;
}

export interface AccountFields extends Partial<Omit<Account, 'passwordHash'>> {
  profile: Profile;
  /** Hashed with argon2id; the account is then activated. */
  password?: string;
  passwordHash?: string | null;
  /** Shortcut: adds memberships to these classes. */
  classIds?: string[];
}

export async function createAccount(db: Database, fields: AccountFields): Promise<Account> {
  const { password, classIds = [], ...rest } = fields;
  const now = new Date();
  const firstName = rest.firstName ?? 'Prénom';
  const lastName = rest.lastName ?? `Nom${unique()}`;
  const passwordHash = rest.passwordHash ?? (password !== undefined ? await hashPassword(password) : null);
  const row: Account = {
    id: randomUUID(),
    login: `${searchForm(firstName)}.${searchForm(lastName)}.${unique()}`.replace(/[^a-z0-9.]/g, ''),
    firstName,
    lastName,
    searchFirstName: searchForm(firstName),
    searchLastName: searchForm(lastName),
    birthDate: null,
    email: null,
    structureId: null,
    externalId: null,
    activatedAt: passwordHash ? now : null,
    blockedAt: null,
    departedAt: null,
    lastLoginAt: null,
    passwordChangedAt: passwordHash ? now : null,
    createdAt: now,
    updatedAt: now,
    ...rest,
    passwordHash,
  };
  await db.transaction((m) => m.insert(Account, row));
  for (const classId of classIds) await addMembership(db, row.id, classId);
  return row;
}

export async function addMembership(db: Database, accountId: string, classId: string): Promise<Membership> {
  const row: Membership = { accountId, classId, createdAt: new Date() };
  await db.transaction((m) => m.insert(Membership, row));
  return row;
}

export async function linkRelative(db: Database, relativeId: string, studentId: string): Promise<RelativeLink> {
  const row: RelativeLink = { relativeId, studentId, createdAt: new Date() };
  await db.transaction((m) => m.insert(RelativeLink, row));
  return row;
}

/** `class-admin` on a class id, `school-admin` on a structure id. */
export async function grantRole(db: Database, accountId: string, role: Role, scopeId: string): Promise<RoleAssignment> {
  const row: RoleAssignment = { accountId, role, scopeId, createdAt: new Date() };
  await db.transaction((m) => m.insert(RoleAssignment, row));
  return row;
}
