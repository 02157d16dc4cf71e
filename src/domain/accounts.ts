// Read helpers over accounts for the provider (findAccount, claims) and the login pages.
import type { Database } from '../db/index.js';
import { findMany, findOneBy } from '../db/row-reader.js';
import { Account, SchoolClass, Structure } from '../db/entities/index.js';
import type { SchoolYearInForce } from './school-year.js';

/** How identifiants are compared: trimmed, lowercase (stored lowercase). */
export function normalizeLogin(login: string): string {
  return login.normalize('NFC').trim().toLowerCase();
}

/** How an email address is stored (roster import) and looked up (« Identifiant oublié »), compared exactly. */
export function normalizeEmail(email: string): string {
  return email.normalize('NFC').trim().toLowerCase();
}

export interface ChildSummary {
  id: string;
  firstName: string;
  lastName: string;
  login: string;
}

export interface AccountClaims {
  account: Account;
  structure: Structure | null;
  classes: SchoolClass[];
  /** Students linked to this account as their relative. */
  children: ChildSummary[];
}

export interface Accounts {
  findById(id: string): Promise<Account | null>;
  findByLogin(login: string): Promise<Account | null>;
  /** Everything the ID token / userinfo claims need, in four queries; null when unknown. */
  claimsFor(accountId: string): Promise<AccountClaims | null>;
  /** The ENT part of the claims (structure, classes of the year in force, children): three queries. */
  entDetailsFor(account: Pick<Account, 'id' | 'structureId'>): Promise<Omit<AccountClaims, 'account'>>;
}

export function createAccounts(db: Database, yearInForce: SchoolYearInForce): Accounts {
  const byId = findOneBy(db, Account, 'id');
  const byLogin = findOneBy(db, Account, 'login');
  // Statements prepared once (`Database.execute`), not the query builder: read for every ID
  // token, userinfo and SAML assertion (bench/saml.ts).
  const structureById = findOneBy(db, Structure, 'id');
  const q = (name: string) => db.dataSource.driver.escape(name);
  const classesOf = findMany(
    db,
    SchoolClass,
    'c',
    `FROM ${q('classes')} c INNER JOIN ${q('memberships')} m ON m.${q('classId')} = c.${q('id')} ` +
      `WHERE m.${q('accountId')} = ? AND ${yearInForce.classInForcePositional('c').where} ORDER BY c.${q('name')} ASC`,
  );
  const childrenOf = findMany(
    db,
    Account,
    's',
    `FROM ${q('accounts')} s INNER JOIN ${q('relative_links')} r ON r.${q('studentId')} = s.${q('id')} ` +
      `WHERE r.${q('relativeId')} = ? ORDER BY s.${q('lastName')} ASC, s.${q('firstName')} ASC`,
  );
  const entDetailsFor: Accounts['entDetailsFor'] = async ({ id: accountId, structureId }) => {
    const [structure, classes, children] = await Promise.all([
      structureId ? structureById(structureId) : Promise.resolve(null),
      classesOf([accountId, ...yearInForce.classInForcePositional('c').params]),
      childrenOf([accountId]),
    ]);
    return {
      structure,
      classes,
      children: children.map(({ id, firstName, lastName, login }) => ({ id, firstName, lastName, login })),
    };
  };
  return {
    findById: byId,
    async findByLogin(login) {
      const normalized = normalizeLogin(login);
      if (!normalized || normalized.length > 100) return null;
      return byLogin(normalized);
    },
    async claimsFor(accountId) {
      const account = await byId(accountId);
      if (!account) return null;
      return { account, ...(await entDetailsFor(account)) };
    },
    entDetailsFor,
  };
}
