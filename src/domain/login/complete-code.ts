// « RÉINITIALISATION DU MOT DE PASSE » after a code matched: the user chooses a password.
//
//   code still live and the account's? ─ no ─▶ code_used
//   confirmation equal? ─ no ─▶ mismatch
//   policy (length, identifiant, the code itself, common list) ─ fails ─▶ policy
//   argon2 hash (outside any transaction)
//   one transaction: consume the code (conditional UPDATE) ─ 0 rows ─▶ code_used, nothing written
//                    store the password, activate, end other sessions, audit ─▶ ok
//
// Of N concurrent calls with one code exactly one consumes it and wins.
import type { Database } from '../../db/index.js';
import type { Account } from '../../db/entities/index.js';
import type { Accounts } from '../accounts.js';
import type { Audit } from '../audit.js';
import type { Codes } from '../codes/index.js';
import type { Passwords } from '../passwords/index.js';
import type { Sessions } from '../sessions.js';
import { checkNewPassword, storeNewPassword } from './new-password.js';

const CODE_USED_MESSAGE =
  "Ce code n'est plus valable (déjà utilisé, remplacé par un autre ou expiré). Demandez un nouveau code à votre enseignant.";

export interface CompleteCodeInput {
  accountId: string;
  codeId: string;
  newPassword: string;
  confirmation: string;
  ip: string;
  clientId?: string | null;
}

export type CompleteCodeResult =
  { ok: true; account: Account } | { ok: false; error: 'mismatch' | 'policy' | 'code_used'; message: string };

export interface CompleteCodeDeps {
  db: Database;
  accounts: Accounts;
  audit: Audit;
  codes: Codes;
  passwords: Passwords;
  sessions: Sessions;
}

export function createCompleteCode(deps: CompleteCodeDeps): (input: CompleteCodeInput) => Promise<CompleteCodeResult> {
  const { db, accounts, audit, codes, passwords, sessions } = deps;
  const codeUsed = { ok: false, error: 'code_used', message: CODE_USED_MESSAGE } as const;

  return async function completeCode(input) {
    const [account, row] = await Promise.all([accounts.findById(input.accountId), codes.read(input.codeId)]);
    // A blocked account is refused as if the code were gone: blocking ends every way in.
    if (!account || !row || row.accountId !== account.id || !row.live || account.blockedAt) return codeUsed;

    const problem = checkNewPassword(passwords, {
      newPassword: input.newPassword,
      confirmation: input.confirmation,
      login: account.login,
      code: row.code,
    });
    if (problem) return { ok: false, ...problem };

    const passwordHash = await passwords.hash(input.newPassword);
    return db.transaction(async (manager): Promise<CompleteCodeResult> => {
      if (!(await codes.consume(manager, input.codeId))) return codeUsed;
      const now = new Date();
      const updated = await storeNewPassword(manager, sessions, account, passwordHash, now, true);
      await audit.record(manager, {
        actorId: account.id,
        action: 'password.set_from_code',
        targetId: account.id,
        ip: input.ip,
        outcome: 'success',
        detail: {
          clientId: input.clientId ?? null,
          codeId: input.codeId,
          codeKind: row.kind,
          activated: !account.activatedAt,
        },
      });
      return { ok: true, account: updated };
    });
  };
}
