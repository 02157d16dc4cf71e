// The credentials a user may type in the « Mot de passe » field, as strategies behind one
// small interface, tried in order: the account's password, then its live one-time code. A
// strategy may also recognise a dead credential (a code already used, replaced or expired):
// not a match, but a better message than « incorrect » once no strategy matched.
import type { Account, CodeKind } from '../../db/entities/index.js';
import type { Codes } from '../codes/index.js';
import type { Passwords } from '../passwords/index.js';

export type StrategyMatch =
  { strategy: 'password'; needsRehash: boolean } | { strategy: 'code'; codeId: string; codeKind: CodeKind };

/** The secret is one of the account's codes that no longer works. */
export interface DeadCredential {
  strategy: 'dead_code';
  codeId: string;
  codeKind: CodeKind;
}

export interface CredentialStrategy {
  readonly name: StrategyMatch['strategy'];
  /** The match when `secret` is this account's credential of this kind, a dead one, otherwise null. */
  verify(account: Account, secret: string): Promise<StrategyMatch | DeadCredential | null>;
}

/**
 * Accounts without a password still pay for one argon2 verification, so the response time
 * does not tell whether an account was activated.
 */
export function passwordStrategy(passwords: Passwords): CredentialStrategy {
  return {
    name: 'password',
    async verify(account, secret) {
      if (!account.passwordHash) {
        await passwords.dummyVerify(secret);
        return null;
      }
      const result = await passwords.verify(account.passwordHash, secret);
      return result.ok ? { strategy: 'password', needsRehash: result.needsRehash } : null;
    },
  };
}

export function codeStrategy(codes: Codes): CredentialStrategy {
  return {
    name: 'code',
    async verify(account, secret) {
      const match = await codes.match(account.id, secret);
      if (!match) return null;
      return match.state === 'live'
        ? { strategy: 'code', codeId: match.id, codeKind: match.kind }
        : { strategy: 'dead_code', codeId: match.id, codeKind: match.kind };
    },
  };
}

/** The first strategy that matches, in order; else the first dead credential recognised; else null. */
export async function firstMatch(
  strategies: readonly CredentialStrategy[],
  account: Account,
  secret: string,
): Promise<StrategyMatch | DeadCredential | null> {
  let dead: DeadCredential | null = null;
  for (const strategy of strategies) {
    const result = await strategy.verify(account, secret);
    if (result?.strategy === 'dead_code') dead ??= result;
    else if (result) return result;
  }
  return dead;
}
