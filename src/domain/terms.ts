// Terms of use (« charte », issue 20). An operator publishes a version (`ent-idp terms
// publish`); the most recently published one is in force. Every sign-in passes the `terms`
// prompt (src/oidc/terms-prompt.ts), which asks for it while the account has not accepted the
// version in force:
//
//   no version published, or the account accepted the one in force ─▶ no step
//   « J'accepte » ─▶ one transaction: acceptance stored (once) + audit terms.accepted ─▶ continue
//       (the version shown is no longer in force: stale, the page is shown again)
//   « Je refuse » ─▶ one transaction: audit terms.declined + every session and token of the
//       account ended (back-channel logouts queued) ─▶ access_denied to the application
import type { EntityManager } from 'typeorm';
import { In } from 'typeorm';
import type { Database } from '../db/index.js';
import { TermsAcceptance, TermsVersion } from '../db/entities/index.js';
import { chunks } from '../db/chunks.js';
import type { Audit } from './audit.js';
import { DomainError } from './errors.js';
import type { Sessions } from './sessions.js';

/** Past this size a text is refused: the page must stay readable, and fit a MEDIUMTEXT. */
export const MAX_TERMS_BYTES = 200 * 1024;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;

export interface PublishTermsInput {
  version: string;
  /** The file's bytes: UTF-8 Markdown. */
  content: Uint8Array;
  /** Who publishes (recorded with the version and in the audit trail). */
  publishedBy: string;
}

export interface TermsSummary {
  version: string;
  publishedAt: Date;
  publishedBy: string;
  /** How many accounts accepted this version. */
  acceptances: number;
}

export interface Acceptance {
  version: string;
  acceptedAt: Date;
}

export interface TermsDecisionInput {
  accountId: string;
  /** The version the page showed. */
  version: string;
  ip: string | null;
  clientId?: string | null;
}

export interface Terms {
  publish(input: PublishTermsInput): Promise<TermsVersion>;
  /** Newest first. */
  list(): Promise<TermsSummary[]>;
  /** The version in force (the latest published), or null when none was ever published. */
  inForce(): Promise<TermsVersion | null>;
  /** The version in force when the account has not accepted it yet, else null. */
  pendingFor(accountId: string): Promise<TermsVersion | null>;
  /** « J'accepte »: `stale` when the version shown is no longer the one in force (nothing written). */
  accept(input: TermsDecisionInput): Promise<{ ok: true } | { ok: false; error: 'stale' }>;
  /** « Je refuse »: audited, and the account's sessions and tokens end. */
  decline(input: TermsDecisionInput): Promise<void>;
  /** Each account's latest acceptance (accounts that accepted nothing are absent). */
  latestAcceptances(accountIds: readonly string[]): Promise<Map<string, Acceptance>>;
}

const invalid = (code: string, message: string) => new DomainError('invalid', code, message);

/** The text of a publication, or a clear refusal (empty, too large, not UTF-8). */
export function termsText(content: Uint8Array): string {
  if (content.byteLength > MAX_TERMS_BYTES)
    throw invalid('terms_too_large', `the file is larger than ${MAX_TERMS_BYTES / 1024} kB`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(content);
  } catch {
    throw invalid('terms_not_utf8', 'the file is not UTF-8 text');
  }
  text = text.replace(/^\uFEFF/, '');
  if (!text.trim()) throw invalid('terms_empty', 'the file is empty');
  if (text.includes('\u0000')) throw invalid('terms_not_utf8', 'the file is not text (it holds NUL bytes)');
  return text;
}

async function latest(manager: EntityManager): Promise<TermsVersion | null> {
  return manager.findOne(TermsVersion, { where: {}, order: { publishedAt: 'DESC', version: 'DESC' } });
}

/**
 * « Is the version in force accepted by this account? » as one statement built once, for the
 * check every authorization makes: the version in force (`latest`'s order) and whether the
 * account accepted it, without the text (up to 200 kB) and without TypeORM's query builder.
 * No row: no version was ever published.
 */
function inForceAcceptedStatement(db: Database): string {
  const q = (name: string) => db.dataSource.driver.escape(name);
  const versions = db.dataSource.getMetadata(TermsVersion);
  const acceptances = db.dataSource.getMetadata(TermsAcceptance);
  const v = (property: string) => `v.${q(versions.findColumnWithPropertyName(property)!.databaseName)}`;
  const a = (property: string) => `a.${q(acceptances.findColumnWithPropertyName(property)!.databaseName)}`;
  return (
    `SELECT ${v('version')} AS version, EXISTS (SELECT 1 FROM ${q(acceptances.tableName)} a ` +
    `WHERE ${a('accountId')} = ? AND ${a('version')} = ${v('version')}) AS accepted ` +
    `FROM ${q(versions.tableName)} v ORDER BY ${v('publishedAt')} DESC, ${v('version')} DESC LIMIT 1`
  );
}

export function createTerms(deps: { db: Database; audit: Audit; sessions: Sessions }): Terms {
  const { db, audit, sessions } = deps;
  const inForceAccepted = inForceAcceptedStatement(db);

  return {
    async publish(input) {
      if (!VERSION.test(input.version))
        throw invalid('terms_bad_version', 'the version is 1 to 32 letters, digits, dots, dashes or underscores');
      const text = termsText(input.content);
      return db.transaction(async (manager) => {
        if (await manager.findOneBy(TermsVersion, { version: input.version }))
          throw new DomainError('conflict', 'terms_version_exists', `version ${input.version} is already published`);
        // Strictly after the version in force, so « latest » never depends on the clock's grain.
        const previous = await latest(manager);
        const now = new Date();
        const publishedAt =
          previous && previous.publishedAt.getTime() >= now.getTime()
            ? new Date(previous.publishedAt.getTime() + 1)
            : now;
        const row = { version: input.version, text, publishedAt, publishedBy: input.publishedBy.slice(0, 100) };
        await manager.insert(TermsVersion, row);
        await audit.record(manager, {
          action: 'terms.published',
          outcome: 'success',
          detail: { version: input.version, publishedBy: row.publishedBy, bytes: input.content.byteLength },
        });
        return Object.assign(new TermsVersion(), row);
      });
    },

    async list() {
      return db.read(async (manager) => {
        const versions = await manager.find(TermsVersion, {
          select: { version: true, publishedAt: true, publishedBy: true },
          order: { publishedAt: 'DESC', version: 'DESC' },
        });
        const counts = await manager
          .createQueryBuilder(TermsAcceptance, 't')
          .select('t.version', 'version')
          .addSelect('COUNT(*)', 'n')
          .groupBy('t.version')
          .getRawMany<{ version: string; n: number | string }>();
        const byVersion = new Map(counts.map((c) => [c.version, Number(c.n)]));
        return versions.map((v) => ({
          version: v.version,
          publishedAt: v.publishedAt,
          publishedBy: v.publishedBy,
          acceptances: byVersion.get(v.version) ?? 0,
        }));
      });
    },

    inForce: () => db.read(latest),

    async pendingFor(accountId) {
      const [row] = (await db.execute(inForceAccepted, [accountId])) as { version: string; accepted: unknown }[];
      if (!row || Number(row.accepted)) return null;
      // Pending (rare: once per account and version): the version with its text, for the page.
      return db.read((manager) => manager.findOneBy(TermsVersion, { version: row.version }));
    },

    async accept(input) {
      return db.transaction(async (manager) => {
        const current = await latest(manager);
        if (!current || current.version !== input.version) return { ok: false, error: 'stale' } as const;
        // Twice in two tabs: the first acceptance stands, the second records nothing.
        if (await manager.exists(TermsAcceptance, { where: { accountId: input.accountId, version: input.version } }))
          return { ok: true } as const;
        await manager.insert(TermsAcceptance, {
          accountId: input.accountId,
          version: input.version,
          acceptedAt: new Date(),
        });
        await audit.record(manager, {
          actorId: input.accountId,
          action: 'terms.accepted',
          targetId: input.accountId,
          ip: input.ip,
          outcome: 'success',
          detail: { version: input.version, clientId: input.clientId ?? null },
        });
        return { ok: true } as const;
      });
    },

    async decline(input) {
      await db.transaction(async (manager) => {
        await audit.record(manager, {
          actorId: input.accountId,
          action: 'terms.declined',
          targetId: input.accountId,
          ip: input.ip,
          outcome: 'refused',
          detail: { version: input.version, clientId: input.clientId ?? null },
        });
        await sessions.revokeAllForAccount(manager, input.accountId, 'terms');
      });
    },

    async latestAcceptances(accountIds) {
      const out = new Map<string, Acceptance>();
      if (!accountIds.length) return out;
      await db.read(async (manager) => {
        for (const ids of chunks([...new Set(accountIds)])) {
          const rows = await manager.find(TermsAcceptance, { where: { accountId: In(ids) } });
          for (const row of rows) {
            const seen = out.get(row.accountId);
            if (!seen || seen.acceptedAt < row.acceptedAt)
              out.set(row.accountId, { version: row.version, acceptedAt: row.acceptedAt });
          }
        }
      });
      return out;
    },
  };
}
