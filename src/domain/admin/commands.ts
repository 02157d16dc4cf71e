// Write side of the class admin. Each command authorizes every target first (all or
// nothing), then runs in one transaction with its audit events. Codes come from
// domain.codes (a new code revokes the previous one), sessions end through domain.sessions.
import { IsNull, MoreThan } from 'typeorm';
import type { Database } from '../../db/index.js';
import { OneTimeCode } from '../../db/entities/index.js';
import type { Audit } from '../audit.js';
import { applyBlock } from '../blocking.js';
import type { Codes } from '../codes/index.js';
import type { Recovery } from '../recovery.js';
import type { Sessions } from '../sessions.js';
import { AdminRefused } from './errors.js';
import type { Policies, Target } from './policies.js';
import { displayName } from './queries.js';
import type {
  Actor,
  BlockResult,
  CommandContext,
  ConnectionSheetRow,
  IssuedCode,
  PasswordResetResult,
} from './types.js';

export interface Commands {
  /**
   * « Générer un code de renouvellement » for N accounts in one transaction: an activated
   * account gets a new renewal code; an account never activated gets its live activation
   * code back (a new one when it has none). Results in the order of `accountIds`.
   */
  generateRenewalCodes(actor: Actor, accountIds: readonly string[], context: CommandContext): Promise<IssuedCode[]>;
  /** « Bloquer »: sets blockedAt and ends sessions, grants and tokens at once. Codes are kept. */
  blockAccounts(actor: Actor, accountIds: readonly string[], context: CommandContext): Promise<BlockResult[]>;
  unblockAccounts(actor: Actor, accountIds: readonly string[], context: CommandContext): Promise<BlockResult[]>;
  /** « Réinitialiser le mot de passe »: mails a reset link to the account, or to the actor for a child
   * without email. */
  sendPasswordResets(
    actor: Actor,
    accountIds: readonly string[],
    context: CommandContext,
  ): Promise<PasswordResetResult[]>;
  /**
   * « FICHES DE CONNEXIONS » handed out as a file: one audit event per sheet (who printed
   * whose identifiant and live code, in which format), in one transaction. The rows come
   * from `connectionSheets`, which authorized them.
   */
  recordSheetsPrinted(
    actor: Actor,
    rows: readonly ConnectionSheetRow[],
    context: CommandContext & { format: 'pdf' | 'csv' },
  ): Promise<void>;
}

/** p***@example.fr */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

export function createCommands(deps: {
  db: Database;
  audit: Audit;
  codes: Codes;
  recovery: Recovery;
  sessions: Sessions;
  policies: Policies;
}): Commands {
  const { db, audit, codes, recovery, sessions, policies } = deps;

  const setBlocked = async (
    actor: Actor,
    accountIds: readonly string[],
    context: CommandContext,
    block: boolean,
  ): Promise<BlockResult[]> => {
    const targets = await policies.authorizeTargets(actor, accountIds, context.classId);
    if (block && targets.some((t) => t.account.id === actor.account.id)) {
      throw new AdminRefused('self_block', 'Vous ne pouvez pas bloquer votre propre compte.');
    }
    return db.transaction(async (manager) => {
      const results: BlockResult[] = [];
      for (const { account, classId } of targets) {
        const { changed } = await applyBlock(
          manager,
          { audit, sessions },
          { accountId: account.id, block, actorId: actor.account.id, classId, ip: context.ip },
        );
        results.push({ accountId: account.id, displayName: displayName(account), changed });
      }
      return results;
    });
  };

  return {
    async generateRenewalCodes(actor, accountIds, context) {
      const targets = await policies.authorizeTargets(actor, accountIds, context.classId);
      if (!targets.length) return [];
      const live = await codes.liveCodes(targets.map((t) => t.account.id));
      return db.transaction(async (manager) => {
        const issued: IssuedCode[] = [];
        for (const { account, classId } of targets as Target[]) {
          const base = { accountId: account.id, displayName: displayName(account), login: account.login };
          const current = live.get(account.id);
          if (!account.passwordHash && current?.kind === 'activation') {
            // Still live inside this transaction? Then it is handed back, not replaced.
            const still = await manager.count(OneTimeCode, {
              where: { id: current.id, consumedAt: IsNull(), revokedAt: IsNull(), expiresAt: MoreThan(new Date()) },
            });
            if (still) {
              await audit.record(manager, {
                actorId: actor.account.id,
                action: 'code.reissue',
                targetId: account.id,
                classId,
                ip: context.ip,
                outcome: 'success',
                detail: { kind: 'activation', codeId: current.id },
              });
              issued.push({
                ...base,
                kind: 'activation',
                code: current.code,
                expiresAt: current.expiresAt,
                generated: false,
              });
              continue;
            }
          }
          const kind = account.passwordHash ? 'renewal' : 'activation';
          const fresh = await codes.generate(manager, {
            accountId: account.id,
            kind,
            createdBy: actor.account.id,
            ip: context.ip,
            classId,
          });
          issued.push({ ...base, kind, code: fresh.code, expiresAt: fresh.expiresAt, generated: true });
        }
        return issued;
      });
    },

    blockAccounts: (actor, ids, context) => setBlocked(actor, ids, context, true),
    unblockAccounts: (actor, ids, context) => setBlocked(actor, ids, context, false),

    async sendPasswordResets(actor, accountIds, context) {
      const targets = await policies.authorizeTargets(actor, accountIds, context.classId);
      const results: PasswordResetResult[] = [];
      // One transaction per link (the recovery service's own), mails after each commit.
      for (const { account, classId } of targets) {
        const outcome = await recovery.requestPasswordResetForChild({
          accountId: account.id,
          requestedBy: actor.account.id,
          ip: context.ip ?? '',
          mailTo: actor.account.email,
          classId,
        });
        results.push(
          outcome.sent
            ? { accountId: account.id, displayName: displayName(account), sent: true, to: maskEmail(outcome.to) }
            : { accountId: account.id, displayName: displayName(account), sent: false, reason: outcome.reason },
        );
      }
      return results;
    },

    async recordSheetsPrinted(actor, rows, context) {
      if (!rows.length) return;
      await db.transaction(async (manager) => {
        for (const row of rows) {
          await audit.record(manager, {
            actorId: actor.account.id,
            action: 'connection_sheet.print',
            targetId: row.accountId,
            classId: row.classId,
            ip: context.ip,
            outcome: 'success',
            detail: { format: context.format, codeKind: row.kind },
          });
        }
      });
    },
  };
}
