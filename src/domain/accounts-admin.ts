// Account commands for operators (the `ent-idp` command line), by identifiant. The class
// admin's commands (domain/admin) act for a signed-in teacher and check their policies; an
// operator at the server has no such actor, so these record `actorId: null` and
// `detail.via = 'cli'`. Same writes otherwise: one transaction with its audit event, and
// blocking ends the account's sessions, grants and tokens in it.
import type { CodeKind } from '../db/entities/index.js';
import type { Account } from '../db/entities/index.js';
import { applyBlock } from './blocking.js';
import { DomainError } from './errors.js';
import type { Domain } from './index.js';

/** The command cannot be done; the message is one line for the operator (English, as the CLI). */
export class OperatorRefused extends DomainError {
  override name = 'OperatorRefused';
  constructor(message: string) {
    super('refused', 'operator_refused', message);
  }
}

async function accountByLogin(domain: Domain, login: string): Promise<Account> {
  const account = await domain.accounts.findByLogin(login);
  if (!account) throw new OperatorRefused(`no account with identifiant "${login}"`);
  return account;
}

export interface IssuedOperatorCode {
  login: string;
  kind: CodeKind;
  code: string;
  expiresAt: Date;
}

/**
 * A new one-time code (the previous live one is revoked). Default kind: activation for an
 * account that never chose a password, renewal otherwise. An activation code for an
 * activated account is refused (it would read « never signed in » on the teacher's page).
 */
export async function issueCode(domain: Domain, login: string, kind?: CodeKind): Promise<IssuedOperatorCode> {
  const account = await accountByLogin(domain, login);
  if (account.blockedAt)
    throw new OperatorRefused(
      `${account.login} is blocked: unblock it first (ent-idp account unblock ${account.login})`,
    );
  const chosen = kind ?? (account.passwordHash ? 'renewal' : 'activation');
  if (chosen === 'activation' && account.passwordHash) {
    throw new OperatorRefused(`${account.login} is already activated (has a password): use --kind renewal`);
  }
  const issued = await domain.codes.issue({ accountId: account.id, kind: chosen, createdBy: null });
  return { login: account.login, kind: chosen, code: issued.code, expiresAt: issued.expiresAt };
}

export interface BlockOutcome {
  login: string;
  /** False when the account already was in the asked state. */
  changed: boolean;
  /** Provider sessions, grants and tokens removed (blocking only). */
  revoked: number;
}

export async function setBlocked(domain: Domain, login: string, block: boolean): Promise<BlockOutcome> {
  const account = await accountByLogin(domain, login);
  const { db, audit, sessions } = domain;
  return db.transaction(async (manager) => {
    const { changed, revoked } = await applyBlock(
      manager,
      { audit, sessions },
      { accountId: account.id, block, actorId: null, detail: { via: 'cli' } },
    );
    return { login: account.login, changed, revoked };
  });
}
