// The audit trail: who did what to whom, when, from where, with which outcome. Events are
// written with the transaction's manager, so they land exactly when the change they describe
// does. A code, password, secret or token never reaches an event: such keys are stripped.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Database, SqlTransaction } from '../db/index.js';
import { insertMany } from '../db/bulk-insert.js';
import { rowInsert } from '../db/row-writer.js';
import { AuditEvent } from '../db/entities/index.js';
import type { Logger } from '../logger.js';

export type AuditOutcome = 'success' | 'failure' | 'throttled' | 'blocked' | 'refused';

export interface AuditInput {
  actorId?: string | null;
  /** e.g. login.password, login.code, code.generate, password.set_from_code */
  action: string;
  targetId?: string | null;
  classId?: string | null;
  ip?: string | null;
  outcome: AuditOutcome;
  /** Non-secret context (client id, reason, …). */
  detail?: Record<string, unknown> | null;
}

export interface AuditEntry {
  id: string;
  actorId: string | null;
  action: string;
  targetId: string | null;
  classId: string | null;
  ip: string | null;
  outcome: string;
  detail: Record<string, unknown> | null;
  createdAt: Date;
}

export interface AuditListOptions {
  limit?: number;
  before?: Date;
  after?: { createdAt: Date; id: string };
}

export interface Audit {
  record(manager: EntityManager, input: AuditInput): Promise<void>;
  /** Many events at once, in multi-row INSERTs (an import's thousands of `code.generate`). */
  recordMany(manager: EntityManager, inputs: readonly AuditInput[]): Promise<void>;
  /** The same event, in a `Database.atomically` transaction (the sign-in's hot path). */
  recordIn(tx: SqlTransaction, input: AuditInput): Promise<void>;
  /**
   * Newest first: events about the class's students and their relatives (not its staff).
   * `after` continues from the last entry of a page (ordered by time, then id, so events of
   * the same millisecond — a bulk action's — are neither repeated nor skipped); `before`
   * starts at a date (events strictly older than it).
   */
  listForClass(classId: string, options?: AuditListOptions): Promise<AuditEntry[]>;
}

/** Key names that could carry a secret, compared lowercase without `_` and `-`. */
const SECRET_KEY = /(password|passwd|secret|token|code|hash|confirmation|cookie|authorization)$/;
const SAFE_KEYS = new Set(['codeid', 'codekind']);

const isSecretKey = (key: string): boolean => {
  const k = key.toLowerCase().replace(/[-_]/g, '');
  return !SAFE_KEYS.has(k) && SECRET_KEY.test(k);
};

/** A copy of `detail` without secret-looking keys (at any depth), and the names removed. */
export function scrubDetail(detail: Record<string, unknown>): { clean: Record<string, unknown>; removed: string[] } {
  const removed: string[] = [];
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (value === null || typeof value !== 'object' || value instanceof Date) return value;
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      if (isSecretKey(key)) removed.push(key);
      else if (v !== undefined) out[key] = walk(v);
    }
    return out;
  };
  return { clean: walk(detail) as Record<string, unknown>, removed };
}

export function createAudit(db: Database, logger: Logger): Audit {
  const event = (input: AuditInput): AuditEvent => {
    let detail: string | null = null;
    if (input.detail) {
      const { clean, removed } = scrubDetail(input.detail);
      if (removed.length)
        logger.warn(
          { action: input.action, removedKeys: removed },
          'audit detail keys that may hold secrets were dropped',
        );
      detail = Object.keys(clean).length ? JSON.stringify(clean) : null;
    }
    return {
      id: randomUUID(),
      actorId: input.actorId ?? null,
      action: input.action,
      targetId: input.targetId ?? null,
      classId: input.classId ?? null,
      ip: input.ip ? input.ip.slice(0, 64) : null,
      outcome: input.outcome,
      detail,
      createdAt: new Date(),
    };
  };
  let insert: ReturnType<typeof rowInsert<AuditEvent>> | undefined;
  return {
    async record(manager, input) {
      await manager.insert(AuditEvent, event(input));
    },

    async recordIn(tx, input) {
      insert ??= rowInsert(db, AuditEvent);
      await insert(tx, event(input));
    },

    async recordMany(manager, inputs) {
      const now = new Date();
      await insertMany(
        manager,
        AuditEvent,
        inputs.map((input) => ({ ...event(input), createdAt: now })),
      );
    },

    async listForClass(classId, options = {}) {
      const limit = Math.min(Math.max(options.limit ?? 50, 1), 500);
      // Events about the class's pupils and their parents only: a teacher's view of the class
      // is theirs, not the sign-ins (and IPs) of the staff who are members of it too.
      const rows = await db.read((manager) => {
        const query = manager
          .createQueryBuilder(AuditEvent, 'e')
          .where(
            `(e.targetId IN (SELECT m.accountId FROM memberships m JOIN accounts p ON p.id = m.accountId WHERE m.classId = :classId AND p.profile = 'Student')
              OR e.targetId IN (SELECT r.relativeId FROM relative_links r JOIN memberships s ON s.accountId = r.studentId WHERE s.classId = :classId))`,
            { classId },
          )
          .orderBy('e.createdAt', 'DESC')
          .addOrderBy('e.id', 'DESC')
          .limit(limit);
        if (options.before) query.andWhere('e.createdAt < :before', { before: options.before });
        if (options.after) {
          query.andWhere('(e.createdAt < :afterAt OR (e.createdAt = :afterAt AND e.id < :afterId))', {
            afterAt: options.after.createdAt,
            afterId: options.after.id,
          });
        }
        return query.getMany();
      });
      return rows.map((row) => ({
        ...row,
        detail: row.detail ? (JSON.parse(row.detail) as Record<string, unknown>) : null,
      }));
    },
  };
}
