// « CONNEXION »: identifiant + what was typed in the password field.
//
//   throttle check ─ refused ─▶ throttled
//        │
//   find account ─ unknown ─▶ dummy verify ─▶ failure recorded ─▶ invalid
//        │
//   strategies in order (password, then live code) ─ none ─▶ failure recorded ─▶ invalid
//        │                                        └ a dead code of the account ─▶ failure recorded ─▶ dead_code
//        │
//   account blocked? ─ yes ─▶ blocked   (only said once the secret was right)
//        │
//   success: password: throttle reset + rehash if needed + lastLoginAt + audit, one transaction ─▶ password
//            code: throttle reset ─▶ code (the set-password page, not a sign-in)
//
// Every attempt is audited (login.password / login.code) except throttled ones, which are
// counted per IP and audited at the 1st, 10th, 100th… of the window; the typed identifiant
// only when it matched no account, the secret never.
import type { Database } from '../../db/index.js';
import { rowUpdate } from '../../db/row-writer.js';
import { Account, type CodeKind } from '../../db/entities/index.js';
import { normalizeLogin, type Accounts } from '../accounts.js';
import type { Audit, AuditOutcome } from '../audit.js';
import type { Passwords } from '../passwords/index.js';
import type { Throttle, ThrottleTicket } from '../throttle.js';
import { firstMatch, type CredentialStrategy, type StrategyMatch } from './strategies.js';

export interface AuthenticateInput {
  login: string;
  secret: string;
  ip: string;
  clientId?: string | null;
}

export type AuthenticateResult =
  | { outcome: 'password'; account: Account }
  | { outcome: 'code'; account: Account; codeId: string; codeKind: CodeKind }
  | { outcome: 'invalid' }
  /** The secret is a code of this account that was used, replaced or has expired (a failure all the same). */
  | { outcome: 'dead_code'; account: Pick<Account, 'profile'> }
  | { outcome: 'blocked' }
  | { outcome: 'throttled'; retryAfterSeconds: number };

export interface AuthenticateDeps {
  db: Database;
  accounts: Accounts;
  audit: Audit;
  passwords: Passwords;
  throttle: Throttle;
  strategies: readonly CredentialStrategy[];
}

type LoginAction = 'login.password' | 'login.code';
type PasswordMatch = Extract<StrategyMatch, { strategy: 'password' }>;
type CodeMatch = Extract<StrategyMatch, { strategy: 'code' }>;

/** Stands in for an unknown identifiant: no password (dummy verify), an id no code has. */
const NO_ACCOUNT = { id: '00000000-0000-0000-0000-000000000000', passwordHash: null } as Account;

/**
 * Which throttled attempts from one IP are audited: the 1st, 10th, 100th, 1000th… of the
 * window (`throttledCount` in the detail), so a flood writes a handful of rows, not one each.
 */
const isAuditedRank = (rank: number): boolean => /^10*$/.test(String(rank));

/** Longest identifiant kept in an audit event when it matched no account. */
const TYPED_LOGIN_MAX = 100;

export function createAuthenticate(deps: AuthenticateDeps): (input: AuthenticateInput) => Promise<AuthenticateResult> {
  const { db, accounts, audit, passwords, throttle, strategies } = deps;
  // The sign-in's writes as statements built once (row-writer.ts), not the query builder.
  const setLastLogin = rowUpdate(db, Account, ['lastLoginAt'], ['id']);
  /** The new hash replaces the stored one only if that is still the one verified. */
  const replaceHash = rowUpdate(db, Account, ['passwordHash', 'updatedAt'], ['id', 'passwordHash']);

  const record = (
    action: LoginAction,
    outcome: AuditOutcome,
    account: Account | null,
    input: AuthenticateInput,
    login: string,
    extra: Record<string, unknown> = {},
  ) =>
    db.atomically((tx) =>
      audit.recordIn(tx, {
        actorId: account?.id ?? null,
        action,
        targetId: account?.id ?? null,
        ip: input.ip,
        outcome,
        detail: {
          clientId: input.clientId ?? null,
          ...(account ? {} : { typedLogin: login.slice(0, TYPED_LOGIN_MAX) }),
          ...extra,
        },
      }),
    );

  /** Over the limit: refused before any verification; audited at the 1st, 10th, 100th… refusal. */
  async function refuseThrottled(
    input: AuthenticateInput,
    login: string,
    retryAfterSeconds: number,
  ): Promise<AuthenticateResult> {
    const rank = await throttle.countRefused(input.ip);
    if (isAuditedRank(rank)) {
      const account = await accounts.findByLogin(login);
      await record('login.password', 'throttled', account, input, login, { retryAfterSeconds, throttledCount: rank });
    }
    return { outcome: 'throttled', retryAfterSeconds };
  }

  /** An unknown identifiant or a wrong secret: the failure counts against the throttle. */
  async function refuseInvalid(
    gate: ThrottleTicket,
    account: Account | null,
    input: AuthenticateInput,
    login: string,
  ): Promise<AuthenticateResult> {
    await gate.fail();
    await record('login.password', 'failure', account, input, login);
    return { outcome: 'invalid' };
  }

  /**
   * A code of this account that no longer works: a failure for the throttle and the audit
   * trail like any wrong secret, told apart only so the child asks for a new code. Knowing
   * a dead code is knowing a secret of the account: it tells nothing an attacker lacks.
   */
  async function refuseDeadCode(
    gate: ThrottleTicket,
    account: Account,
    input: AuthenticateInput,
    login: string,
    codeId: string,
  ): Promise<AuthenticateResult> {
    await gate.fail();
    await record('login.code', 'failure', account, input, login, { codeState: 'dead', codeId });
    return { outcome: 'dead_code', account: { profile: account.profile } };
  }

  /** Said only once the secret was right; the attempt neither counts nor resets the throttle. */
  async function refuseBlocked(
    gate: ThrottleTicket,
    action: LoginAction,
    account: Account,
    input: AuthenticateInput,
    login: string,
  ): Promise<AuthenticateResult> {
    await gate.release();
    await record(action, 'blocked', account, input, login);
    return { outcome: 'blocked' };
  }

  /** A live one-time code: not a sign-in yet, the set-password page comes next. */
  async function acceptCode(
    match: CodeMatch,
    account: Account,
    input: AuthenticateInput,
    login: string,
  ): Promise<AuthenticateResult> {
    await record('login.code', 'success', account, input, login, { codeKind: match.codeKind, codeId: match.codeId });
    return { outcome: 'code', account, codeId: match.codeId, codeKind: match.codeKind };
  }

  /**
   * The password: the throttle reset, lastLoginAt, a rehash if the parameters changed, and the
   * audit event, in one transaction (one turn on SQLite, one connection and commit on MySQL).
   */
  async function signIn(
    gate: ThrottleTicket,
    match: PasswordMatch,
    account: Account,
    input: AuthenticateInput,
  ): Promise<AuthenticateResult> {
    // argon2 runs before the transaction; the stored hash is replaced only if unchanged since.
    const newHash = match.needsRehash ? await passwords.hash(input.secret) : null;
    const now = new Date();
    await db.atomicallyRetried(async (tx) => {
      await gate.succeedIn(tx);
      await setLastLogin(tx, { lastLoginAt: now }, { id: account.id });
      if (newHash)
        await replaceHash(
          tx,
          { passwordHash: newHash, updatedAt: now },
          { id: account.id, passwordHash: account.passwordHash },
        );
      await audit.recordIn(tx, {
        actorId: account.id,
        action: 'login.password',
        targetId: account.id,
        ip: input.ip,
        outcome: 'success',
        detail: { clientId: input.clientId ?? null, ...(newHash ? { rehashed: true } : {}) },
      });
    });
    return {
      outcome: 'password',
      account: { ...account, lastLoginAt: now, passwordHash: newHash ?? account.passwordHash },
    };
  }

  return async function authenticate(input) {
    const login = normalizeLogin(input.login);
    // Counted before verifying, so concurrent guesses cannot all slip past the limit.
    const gate = await throttle.acquire(login, input.ip);
    if (!gate.allowed) return refuseThrottled(input, login, gate.retryAfterSeconds);

    const account = await accounts.findByLogin(login);
    if (!account) {
      // The same work as for an account: the strategies run against a placeholder without a
      // password (one dummy argon2 verification) and without codes (one code lookup).
      await firstMatch(strategies, NO_ACCOUNT, input.secret);
      return refuseInvalid(gate, null, input, login);
    }
    const match = await firstMatch(strategies, account, input.secret);
    if (!match) return refuseInvalid(gate, account, input, login);
    if (match.strategy === 'dead_code') return refuseDeadCode(gate, account, input, login, match.codeId);
    if (account.blockedAt)
      return refuseBlocked(
        gate,
        match.strategy === 'password' ? 'login.password' : 'login.code',
        account,
        input,
        login,
      );
    if (match.strategy === 'password') return signIn(gate, match, account, input);
    await gate.succeed();
    return acceptCode(match, account, input, login);
  };
}
