// Badge sign-in for the youngest classes (issue 21). A class's teacher enables it for the
// class and prints a badge per pupil: a QR code carrying a long random secret (256 bits), so
// a six-year-old signs in by showing it to the device's camera on CONNEXION.
//
// A badge is a bearer credential (whoever holds the paper signs in), so it is bounded:
//   - kept sealed and as a keyed digest, like the codes (never in clear at rest or in logs);
//   - one live badge per pupil: a new one revokes the old; revocable one by one or per class;
//   - it works only while its class has badge sign-in on, is of its school's year in force,
//     still holds the pupil, and the account is not blocked — checked at every sign-in;
//   - sign-ins by badge are throttled per IP like passwords (a failure counts before the
//     lookup) and every attempt is audited (`login.badge`), issuing and revoking too.
// See SECURITY.md (« Badges »).
import { randomBytes, randomUUID } from 'node:crypto';
import { In, IsNull, type EntityManager } from 'typeorm';
import type { Config } from '../config/index.js';
import type { Database } from '../db/index.js';
import { chunks } from '../db/chunks.js';
import { Account, Badge, Membership, SchoolClass, Structure } from '../db/entities/index.js';
import { AdminNotFound, AdminRefused, displayName, type Actor, type Policies } from './admin/index.js';
import type { Audit } from './audit.js';
import { decrypt, deriveKey, digest, encrypt } from './crypto.js';
import { yearInForceOf, type SchoolYearInForce } from './school-year.js';
import type { Throttle } from './throttle.js';

/** The throttle's identifiant for badge attempts: not a possible login (logins have no `#`). */
export const BADGE_THROTTLE_LOGIN = '#badge';

/** What a badge QR code says: `<ISSUER>/badge#<secret>`. The fragment never reaches a server. */
export const BADGE_PATH = '/badge';
export const badgeUrl = (issuer: string, secret: string): string =>
  `${issuer.replace(/\/$/, '')}${BADGE_PATH}#${secret}`;

/** 32 random bytes, base64url: 43 characters. */
const SECRET = /^[A-Za-z0-9_-]{43}$/;

/** The secret of a scanned QR code: the badge URL's fragment, or the bare secret; null otherwise. */
export function badgeSecretOf(scanned: string): string | null {
  const text = scanned.trim();
  const secret = text.includes('#') ? text.slice(text.lastIndexOf('#') + 1) : text;
  return SECRET.test(secret) ? secret : null;
}

export interface PrintedBadge {
  accountId: string;
  displayName: string;
  login: string;
  className: string;
  structureName: string;
  /** In clear, for the printed sheet only. */
  secret: string;
  createdAt: Date;
}

export interface BadgeContext {
  ip?: string | null;
}

export type BadgeSignIn =
  | { outcome: 'success'; account: Account }
  | { outcome: 'invalid' }
  | { outcome: 'blocked' }
  | { outcome: 'throttled'; retryAfterSeconds: number };

export interface Badges {
  /** « Connexion par badge » on or off for the class (off: its badges stop working, kept for later). */
  setClassEnabled(actor: Actor, classId: string, enabled: boolean, context: BadgeContext): Promise<boolean>;
  /**
   * The badges of these pupils of the class, to print: their live badge, or a new one when
   * they have none or `renew` (the old one then stops working). All or nothing.
   */
  print(
    actor: Actor,
    classId: string,
    accountIds: readonly string[],
    options: { renew: boolean } & BadgeContext,
  ): Promise<PrintedBadge[]>;
  /** Revokes these pupils' live badges (all the class's when `accountIds` is 'all'); returns how many. */
  revoke(actor: Actor, classId: string, accountIds: readonly string[] | 'all', context: BadgeContext): Promise<number>;
  /** Whether some class has badge sign-in on (CONNEXION then offers « Scanner mon badge »); cached briefly. */
  anyEnabled(): Promise<boolean>;
  /** Accounts of the class with a live badge. */
  withBadge(classId: string): Promise<Set<string>>;
  /** A scanned secret on CONNEXION. */
  signIn(input: { scanned: string; ip: string; clientId?: string | null }): Promise<BadgeSignIn>;
}

export function createBadges(deps: {
  config: Config;
  db: Database;
  audit: Audit;
  throttle: Throttle;
  policies: Policies;
  yearInForce: SchoolYearInForce;
}): Badges {
  const { config, db, audit, throttle, policies, yearInForce } = deps;
  const sealKey = deriveKey(config.secrets.codeEncryptionKey, 'badges');
  const digestKey = deriveKey(config.secrets.codeEncryptionKey, 'badge-digest');

  /** The class must be one the actor acts on; its pupils among `accountIds`, every one, or nothing. */
  async function pupilsOf(actor: Actor, classId: string, accountIds: readonly string[]) {
    const access = await policies.requireClass(actor, classId, 'act');
    const targets = await policies.authorizeTargets(actor, accountIds, classId);
    const ids = targets.map((t) => t.account.id);
    const members = new Set<string>();
    for (const part of chunks(ids)) {
      const rows = await db.read((m) => m.find(Membership, { where: { classId, accountId: In(part) } }));
      for (const row of rows) members.add(row.accountId);
    }
    // A badge belongs to a pupil of this class: a relative or a pupil of another class gets none.
    if (targets.some((t) => t.account.profile !== 'Student' || !members.has(t.account.id)))
      throw new AdminNotFound('badge target is not a pupil of the class');
    return { access, accounts: targets.map((t) => t.account) };
  }

  const liveBadges = (manager: EntityManager, where: { accountId?: string; classId?: string }) =>
    manager.find(Badge, { where: { ...where, revokedAt: IsNull() } });

  async function revokeIn(manager: EntityManager, badges: readonly Badge[], now: Date): Promise<void> {
    for (const part of chunks(badges.map((b) => b.id)))
      await manager.update(Badge, { id: In(part) }, { revokedAt: now });
  }

  /** CONNEXION asks on every render: one count per 30 s at most, and at once after a change here. */
  let enabledCache: { value: boolean; until: number } | null = null;
  const ENABLED_CACHE_MS = 30_000;

  return {
    async anyEnabled() {
      if (enabledCache && enabledCache.until > Date.now()) return enabledCache.value;
      const value = (await db.read((m) => m.count(SchoolClass, { where: { badgeSignIn: true } }))) > 0;
      enabledCache = { value, until: Date.now() + ENABLED_CACHE_MS };
      return value;
    },

    async setClassEnabled(actor, classId, enabled, context) {
      const { cls } = await policies.requireClass(actor, classId, 'act');
      if (cls.badgeSignIn === enabled) return false;
      await db.transaction(async (manager) => {
        await manager.update(SchoolClass, { id: classId }, { badgeSignIn: enabled });
        await audit.record(manager, {
          actorId: actor.account.id,
          action: enabled ? 'badge.enable' : 'badge.disable',
          classId,
          ip: context.ip ?? null,
          outcome: 'success',
        });
      });
      enabledCache = null;
      return true;
    },

    async print(actor, classId, accountIds, options) {
      const { access, accounts } = await pupilsOf(actor, classId, accountIds);
      if (!access.cls.badgeSignIn)
        throw new AdminRefused(
          'badges_disabled',
          'La connexion par badge n’est pas activée pour cette classe. Activez-la d’abord.',
        );
      const now = new Date();
      return db.transaction(async (manager) => {
        const printed: PrintedBadge[] = [];
        for (const account of accounts) {
          const live = await liveBadges(manager, { accountId: account.id });
          const kept = options.renew ? undefined : live.find((b) => b.classId === classId);
          let secret: string;
          let createdAt: Date;
          if (kept) {
            secret = decrypt(sealKey, kept.secretCiphertext, kept.id);
            createdAt = kept.createdAt;
          } else {
            await revokeIn(manager, live, now);
            const id = randomUUID();
            secret = randomBytes(32).toString('base64url');
            createdAt = now;
            await manager.insert(Badge, {
              id,
              accountId: account.id,
              classId,
              secretCiphertext: encrypt(sealKey, secret, id),
              secretDigest: digest(digestKey, secret),
              createdBy: actor.account.id,
              createdAt: now,
              revokedAt: null,
              lastUsedAt: null,
            });
          }
          await audit.record(manager, {
            actorId: actor.account.id,
            action: kept ? 'badge.reprint' : 'badge.issue',
            targetId: account.id,
            classId,
            ip: options.ip ?? null,
            outcome: 'success',
            detail: kept ? null : { replaced: live.length },
          });
          printed.push({
            accountId: account.id,
            displayName: displayName(account),
            login: account.login,
            className: access.cls.name,
            structureName: access.structure.name,
            secret,
            createdAt,
          });
        }
        return printed;
      });
    },

    async revoke(actor, classId, accountIds, context) {
      if (accountIds === 'all') await policies.requireClass(actor, classId, 'act');
      else await pupilsOf(actor, classId, accountIds);
      const now = new Date();
      return db.transaction(async (manager) => {
        const live =
          accountIds === 'all'
            ? await liveBadges(manager, { classId })
            : (await Promise.all(accountIds.map((id) => liveBadges(manager, { accountId: id })))).flat();
        await revokeIn(manager, live, now);
        for (const badge of live)
          await audit.record(manager, {
            actorId: actor.account.id,
            action: 'badge.revoke',
            targetId: badge.accountId,
            classId,
            ip: context.ip ?? null,
            outcome: 'success',
          });
        return live.length;
      });
    },

    async withBadge(classId) {
      const rows = await db.read((m) => liveBadges(m, { classId }));
      return new Set(rows.map((r) => r.accountId));
    },

    async signIn(input) {
      // Counted before the lookup, so a flood of guesses is refused like password guesses.
      const gate = await throttle.acquire(BADGE_THROTTLE_LOGIN, input.ip);
      if (!gate.allowed) {
        await throttle.countRefused(input.ip);
        return { outcome: 'throttled', retryAfterSeconds: gate.retryAfterSeconds };
      }
      const secret = badgeSecretOf(input.scanned);
      const badge = secret
        ? await db.read((m) => m.findOne(Badge, { where: { secretDigest: digest(digestKey, secret) } }))
        : null;
      const fail = async (reason: string, badgeRow: Badge | null, outcome: 'failure' | 'blocked' = 'failure') => {
        if (outcome === 'blocked') await gate.release();
        else await gate.fail();
        await db.transaction((manager) =>
          audit.record(manager, {
            actorId: badgeRow?.accountId ?? null,
            action: 'login.badge',
            targetId: badgeRow?.accountId ?? null,
            classId: badgeRow?.classId ?? null,
            ip: input.ip,
            outcome,
            detail: { clientId: input.clientId ?? null, reason },
          }),
        );
      };
      if (!badge) {
        await fail(secret ? 'unknown' : 'unreadable', null);
        return { outcome: 'invalid' };
      }
      if (badge.revokedAt) {
        await fail('revoked', badge);
        return { outcome: 'invalid' };
      }
      const [account, cls, member] = await db.read((m) =>
        Promise.all([
          m.findOne(Account, { where: { id: badge.accountId } }),
          m.findOne(SchoolClass, { where: { id: badge.classId } }),
          m.findOne(Membership, { where: { accountId: badge.accountId, classId: badge.classId } }),
        ]),
      );
      const structure = cls ? await db.read((m) => m.findOne(Structure, { where: { id: cls.structureId } })) : null;
      const inForce = !!cls && !!structure && cls.schoolYear === yearInForceOf(structure, yearInForce.calendar());
      if (!account || !cls || !member || !inForce) {
        await fail(!inForce ? 'past_year' : 'not_in_class', badge);
        return { outcome: 'invalid' };
      }
      if (!cls.badgeSignIn) {
        await fail('class_disabled', badge);
        return { outcome: 'invalid' };
      }
      if (account.blockedAt) {
        await fail('account_blocked', badge, 'blocked');
        return { outcome: 'blocked' };
      }
      await gate.succeed();
      const now = new Date();
      await db.transaction(async (manager) => {
        await manager.update(Badge, { id: badge.id }, { lastUsedAt: now });
        await manager.update(Account, { id: account.id }, { lastLoginAt: now });
        await audit.record(manager, {
          actorId: account.id,
          action: 'login.badge',
          targetId: account.id,
          classId: badge.classId,
          ip: input.ip,
          outcome: 'success',
          detail: { clientId: input.clientId ?? null },
        });
      });
      return { outcome: 'success', account: { ...account, lastLoginAt: now } };
    },
  };
}
