// What choosing a new password shares between « code → mot de passe » and the reset link:
// the checks (before any hashing) and the writes (inside the caller's transaction).
import { IsNull, type EntityManager } from 'typeorm';
import { Account, PasswordResetToken } from '../../db/entities/index.js';
import type { Passwords } from '../passwords/index.js';
import type { Sessions } from '../sessions.js';

const MISMATCH_MESSAGE =
  'La confirmation ne correspond pas au nouveau mot de passe : saisissez deux fois le même mot de passe.';

export interface NewPasswordInput {
  newPassword: string;
  confirmation: string;
  login: string;
  /** The one-time code being used, which must not become the password. */
  code?: string;
}

export type NewPasswordProblem = { error: 'mismatch' | 'policy'; message: string };

export function checkNewPassword(passwords: Passwords, input: NewPasswordInput): NewPasswordProblem | null {
  if (input.newPassword.normalize('NFC') !== input.confirmation.normalize('NFC'))
    return { error: 'mismatch', message: MISMATCH_MESSAGE };
  const message = passwords.policyError(input.newPassword, { login: input.login, code: input.code });
  return message ? { error: 'policy', message } : null;
}

/**
 * Stores the hash, marks the account activated (and signed in when `signedIn`), ends its
 * other sessions and tokens, and voids its other pending reset links. Returns the account.
 */
export async function storeNewPassword(
  manager: EntityManager,
  sessions: Sessions,
  account: Account,
  passwordHash: string,
  now: Date,
  signedIn: boolean,
): Promise<Account> {
  await manager.update(
    Account,
    { id: account.id },
    {
      passwordHash,
      passwordChangedAt: now,
      activatedAt: account.activatedAt ?? now,
      ...(signedIn ? { lastLoginAt: now } : {}),
      updatedAt: now,
    },
  );
  await manager.update(PasswordResetToken, { accountId: account.id, consumedAt: IsNull() }, { consumedAt: now });
  await sessions.revokeAllForAccount(manager, account.id, 'password');
  return manager.findOneOrFail(Account, { where: { id: account.id } });
}
