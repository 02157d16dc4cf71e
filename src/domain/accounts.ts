// Read helpers over accounts for the provider (findAccount, claims) and the login pages.
import type { Database } from '../db/index.js';
import { findOneBy } from '../db/row-reader.js';
import { Account, Membership, RelativeLink, SchoolClass, Structure } from '../db/entities/index.js';
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
  const entDetailsFor: Accounts['entDetailsFor'] = async ({ id: accountId, structureId }) => {
    const [structure, classes, children] = await Promise.all([
      structureId
        ? db.read((manager) => manager.findOne(Structure, { where: { id: structureId } }))
        : Promise.resolve(null),
      db.read((manager) =>
        manager
          .createQueryBuilder(SchoolClass, 'c')
          .innerJoin(Membership, 'm', 'm.classId = c.id')
          .where('m.accountId = :accountId', { accountId })
          .andWhere(yearInForce.classInForce('c').where, yearInForce.classInForce('c').params)
          .orderBy('c.name', 'ASC')
          .getMany(),
      ),
      db.read((manager) =>
        manager
          .createQueryBuilder(Account, 's')
          .innerJoin(RelativeLink, 'r', 'r.studentId = s.id')
          .where('r.relativeId = :accountId', { accountId })
          .select(['s.id', 's.firstName', 's.lastName', 's.login'])
          .orderBy('s.lastName', 'ASC')
          .addOrderBy('s.firstName', 'ASC')
          .getMany(),
      ),
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
