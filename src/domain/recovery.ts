// « Mot de passe oublié » and « Identifiant oublié ».
//
// Reset links: 32 random bytes (base64url) mailed as ${ISSUER}/mot-de-passe/reinitialiser/<token>;
// only a keyed digest is stored, with an expiry. A request always resolves the same way
// whether or not the identifiant exists (the mail leaves in the background); both pages are
// throttled per IP and per address (recovery-throttle.ts). Completing a
// reset has the shape of « code → mot de passe »: checks, hash outside the transaction,
// then one transaction whose conditional UPDATE consumes the token (one use wins).
import { randomBytes, randomUUID } from 'node:crypto';
import { IsNull, MoreThan } from 'typeorm';
import type { Config } from '../config/index.js';
import type { Database } from '../db/index.js';
import { Account, PasswordResetToken } from '../db/entities/index.js';
import { normalizeEmail, normalizeLogin, type Accounts } from './accounts.js';
import type { Audit } from './audit.js';
import type { Codes } from './codes/index.js';
import { deriveKey, digest } from './crypto.js';
import { checkNewPassword, storeNewPassword } from './login/new-password.js';
import type { Mail } from './mail.js';
import type { Passwords } from './passwords/index.js';
import { forgottenLoginMail, resetLinkMail } from './recovery-mails.js';
import { createRecoveryThrottle } from './recovery-throttle.js';
import type { Sessions } from './sessions.js';
import type { ThrottleCheck } from './throttle.js';
import type { WorkMeter } from './work.js';

export const RESET_PATH = '/mot-de-passe/reinitialiser/';
const LINK_INVALID_MESSAGE =
  "Ce lien de réinitialisation n'est plus valable (déjà utilisé ou expiré). Faites une nouvelle demande.";
/** A new link for the same account is not mailed again within this delay (mail flooding). */
const RESEND_DELAY_SECONDS = 60;

export type ChildResetResult =
  { sent: true; to: string; expiresAt: Date } | { sent: false; reason: 'not_found' | 'blocked' | 'no_email' };

export type CompleteResetResult =
  | { ok: true; account: Account }
  /** `code_used`: the link was already used, has expired or never existed (same as for codes). */
  | { ok: false; error: 'mismatch' | 'policy' | 'code_used'; message: string };

export interface Recovery {
  /** Counts a public recovery request from this IP (either page), before it is answered. */
  admit(ip: string): Promise<ThrottleCheck>;
  /** Public « Mot de passe oublié »: nothing observable says whether the identifiant exists. */
  requestPasswordReset(input: { login: string; ip: string; requestedBy?: string | null }): Promise<void>;
  /** Admin API: a link for a child; mailed to the account's email, or else to `mailTo` (the teacher). */
  requestPasswordResetForChild(input: {
    accountId: string;
    requestedBy: string;
    ip: string;
    mailTo?: string | null;
    classId?: string | null;
  }): Promise<ChildResetResult>;
  /** The account a valid (live, unconsumed, unexpired) token resets, or null. */
  findResetToken(token: string): Promise<Account | null>;
  completeReset(input: {
    token: string;
    newPassword: string;
    confirmation: string;
    ip: string;
  }): Promise<CompleteResetResult>;
  /** Public « Identifiant oublié »: mails the identifiants tied to the address, if any, to the address stored. */
  forgotLogin(input: { email: string; ip: string }): Promise<void>;
}

export interface RecoveryDeps {
  config: Config;
  db: Database;
  accounts: Accounts;
  audit: Audit;
  codes: Codes;
  mail: Mail;
  passwords: Passwords;
  sessions: Sessions;
  work?: WorkMeter;
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function createRecovery(deps: RecoveryDeps): Recovery {
  const { config, db, accounts, audit, codes, mail, passwords, sessions, work } = deps;
  const tokenKey = deriveKey(config.secrets.codeEncryptionKey, 'reset-token');
  const emailKey = deriveKey(config.secrets.codeEncryptionKey, 'email-digest');
  const ttl = config.codes.resetLinkTtl;
  const limits = createRecoveryThrottle({ config, db });

  /** Creates the token row and audits, in one transaction; null when one was just sent. */
  const createToken = (
    account: Account,
    requestedBy: string | null,
    ip: string,
    classId: string | null,
    to: 'account' | 'mailTo',
  ) =>
    db.transaction(async (manager) => {
      const now = new Date();
      // The request's audit event: one per request, whatever its outcome.
      const recordRequest = (outcome: 'success' | 'refused', detail: Record<string, unknown>) =>
        audit.record(manager, {
          actorId: requestedBy ?? account.id,
          action: 'password.reset_request',
          targetId: account.id,
          classId,
          ip,
          outcome,
          detail,
        });
      const recent = await manager.count(PasswordResetToken, {
        where: {
          accountId: account.id,
          consumedAt: IsNull(),
          createdAt: MoreThan(new Date(now.getTime() - RESEND_DELAY_SECONDS * 1000)),
        },
      });
      if (recent > 0) {
        await recordRequest('refused', { reason: 'recently_sent' });
        return null;
      }
      const token = randomBytes(32).toString('base64url');
      const expiresAt = new Date(now.getTime() + ttl * 1000);
      const id = randomUUID();
      await manager.insert(PasswordResetToken, {
        id,
        accountId: account.id,
        tokenDigest: digest(tokenKey, token),
        requestedBy,
        createdAt: now,
        expiresAt,
        consumedAt: null,
      });
      await recordRequest('success', { tokenId: id, sentTo: to });
      return { token, expiresAt };
    });

  const refuse = (
    input: { ip: string; requestedBy?: string | null; classId?: string | null },
    account: Account | null,
    reason: string,
    extra: Record<string, unknown> = {},
  ) =>
    db.transaction((manager) =>
      audit.record(manager, {
        actorId: input.requestedBy ?? account?.id ?? null,
        action: 'password.reset_request',
        targetId: account?.id ?? null,
        classId: input.classId ?? null,
        ip: input.ip,
        outcome: 'refused',
        detail: { reason, ...extra },
      }),
    );

  const linkFor = (token: string) => `${config.issuer}${RESET_PATH}${token}`;

  const liveToken = async (token: string): Promise<{ row: PasswordResetToken; account: Account } | null> => {
    if (!TOKEN_SHAPE.test(token)) return null;
    const row = await db.read((manager) =>
      manager.findOne(PasswordResetToken, {
        where: { tokenDigest: digest(tokenKey, token), consumedAt: IsNull(), expiresAt: MoreThan(new Date()) },
      }),
    );
    if (!row) return null;
    const account = await accounts.findById(row.accountId);
    return account && !account.blockedAt ? { row, account } : null;
  };

  /** Audits the first request refused for an address in the window (later ones are not). */
  const addressThrottled = (
    action: 'password.reset_request' | 'login.forgot',
    ip: string,
    detail: Record<string, unknown>,
  ) => db.transaction((manager) => audit.record(manager, { action, ip, outcome: 'throttled', detail }));

  return {
    admit: (ip) => limits.admitIp(ip),

    async requestPasswordReset(input) {
      const login = normalizeLogin(input.login);
      const admitted = await limits.admitAddress('login', login);
      if (!admitted.allowed) {
        if (admitted.first)
          await addressThrottled('password.reset_request', input.ip, { typedLogin: login.slice(0, 100) });
        return;
      }
      work?.count('recovery_lookup');
      const account = await accounts.findByLogin(login);
      if (!account) return refuse(input, null, 'unknown_login', { typedLogin: login.slice(0, 100) });
      if (account.blockedAt) return refuse(input, account, 'blocked');
      if (!account.email) return refuse(input, account, 'no_email');
      const created = await createToken(account, input.requestedBy ?? null, input.ip, null, 'account');
      if (created) mail.sendInBackground(resetLinkMail(account.email, account, linkFor(created.token), ttl, false));
    },

    async requestPasswordResetForChild(input) {
      const account = await accounts.findById(input.accountId);
      if (!account) return { sent: false, reason: 'not_found' };
      if (account.blockedAt) {
        await refuse(input, account, 'blocked');
        return { sent: false, reason: 'blocked' };
      }
      const to = account.email ?? input.mailTo ?? null;
      if (!to) {
        await refuse(input, account, 'no_email');
        return { sent: false, reason: 'no_email' };
      }
      const created = await createToken(
        account,
        input.requestedBy,
        input.ip,
        input.classId ?? null,
        account.email ? 'account' : 'mailTo',
      );
      // One was mailed a moment ago.
      if (!created) return { sent: true, to, expiresAt: new Date(Date.now() + ttl * 1000) };
      await mail.send(resetLinkMail(to, account, linkFor(created.token), ttl, !account.email));
      return { sent: true, to, expiresAt: created.expiresAt };
    },

    async findResetToken(token) {
      return (await liveToken(token))?.account ?? null;
    },

    async completeReset(input) {
      const linkInvalid = { ok: false, error: 'code_used', message: LINK_INVALID_MESSAGE } as const;
      const found = await liveToken(input.token);
      if (!found) return linkInvalid;
      const { row, account } = found;
      const problem = checkNewPassword(passwords, {
        newPassword: input.newPassword,
        confirmation: input.confirmation,
        login: account.login,
      });
      if (problem) return { ok: false, ...problem };

      const passwordHash = await passwords.hash(input.newPassword);
      return db.transaction(async (manager): Promise<CompleteResetResult> => {
        const now = new Date();
        const consumed = await manager
          .createQueryBuilder()
          .update(PasswordResetToken)
          .set({ consumedAt: now })
          .where('id = :id AND consumedAt IS NULL AND expiresAt > :now', { id: row.id, now })
          .execute();
        if (consumed.affected !== 1) return linkInvalid;
        const updated = await storeNewPassword(manager, sessions, account, passwordHash, now, false);
        await codes.revokeLive(manager, account.id);
        await audit.record(manager, {
          actorId: account.id,
          action: 'password.reset',
          targetId: account.id,
          ip: input.ip,
          outcome: 'success',
          detail: { tokenId: row.id, activated: !account.activatedAt },
        });
        return { ok: true, account: updated };
      });
    },

    async forgotLogin(input) {
      const email = normalizeEmail(input.email);
      const emailDigest = digest(emailKey, email);
      const admitted = await limits.admitAddress('email', email);
      if (!admitted.allowed) {
        if (admitted.first) await addressThrottled('login.forgot', input.ip, { emailDigest });
        return;
      }
      // The lookup runs for anything typed (what is not an address matches no row), so the
      // answer takes as long for « pas une adresse » as for an address. Stored addresses are
      // normalised (normalizeEmail) and the column compares bytes (migration
      // 1764300000000), so no look-alike address matches; and the mail goes to the address
      // stored, never to the one typed.
      const typed = email.includes('@') && email.length <= 255 ? email : '';
      work?.count('recovery_lookup');
      const matches = await db.read((manager) =>
        manager
          .createQueryBuilder(Account, 'a')
          .where('a.email = :email AND a.blockedAt IS NULL', { email: typed })
          .orderBy('a.lastName', 'ASC')
          .addOrderBy('a.firstName', 'ASC')
          .getMany(),
      );
      await db.transaction(async (manager) => {
        if (!matches.length) {
          await audit.record(manager, {
            action: 'login.forgot',
            ip: input.ip,
            outcome: 'refused',
            detail: { emailDigest, reason: 'no_account' },
          });
        }
        for (const account of matches) {
          await audit.record(manager, {
            actorId: account.id,
            action: 'login.forgot',
            targetId: account.id,
            ip: input.ip,
            outcome: 'success',
            detail: { emailDigest },
          });
        }
      });
      const byStoredAddress = new Map<string, Account[]>();
      for (const account of matches)
        byStoredAddress.set(account.email!, [...(byStoredAddress.get(account.email!) ?? []), account]);
      for (const [to, people] of byStoredAddress) mail.sendInBackground(forgottenLoginMail(to, people, config.issuer));
    },
  };
}
