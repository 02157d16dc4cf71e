// The admin page's signed-in sessions, in the database: the page's cookie carries only a
// random id (sealed), the row says who is signed in and until when. Every instance sees the
// same rows, and ending a session is deleting its row: « Déconnexion » here, a password
// change or a block for all of an account's sessions at once (sessions.ts), the purge for
// expired ones. A copy of the cookie taken before any of these is then worth nothing.
import { hash, randomBytes } from 'node:crypto';
import { MoreThan } from 'typeorm';
import type { Database } from '../db/index.js';
import { AdminSession } from '../db/entities/index.js';

export interface AdminSignIn {
  accountId: string;
  /** For RP-initiated logout. */
  idToken: string | null;
}

export interface AdminSessions {
  /** Stores a new session for `signIn`, valid `ttlSeconds`; returns its id (the cookie's secret). */
  open(signIn: AdminSignIn): Promise<string>;
  /** The live session behind `sid`, or null (unknown, ended, expired). */
  find(sid: string): Promise<AdminSignIn | null>;
  /** Ends the session behind `sid` (nothing when there is none). */
  close(sid: string): Promise<void>;
}

/** Only this digest of a session id is stored. */
const digestOf = (sid: string): string => hash('sha256', sid, 'base64url');
const SID_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function createAdminSessions(db: Database, ttlSeconds: number): AdminSessions {
  return {
    async open({ accountId, idToken }) {
      const sid = randomBytes(32).toString('base64url');
      const now = new Date();
      await db.transaction((manager) =>
        manager.insert(AdminSession, {
          id: digestOf(sid),
          accountId,
          idToken,
          createdAt: now,
          expiresAt: new Date(now.getTime() + ttlSeconds * 1000),
        }),
      );
      return sid;
    },
    async find(sid) {
      if (!SID_SHAPE.test(sid)) return null;
      const row = await db.read((manager) =>
        manager.findOne(AdminSession, { where: { id: digestOf(sid), expiresAt: MoreThan(new Date()) } }),
      );
      return row ? { accountId: row.accountId, idToken: row.idToken } : null;
    },
    async close(sid) {
      if (!SID_SHAPE.test(sid)) return;
      await db.transaction((manager) => manager.delete(AdminSession, { id: digestOf(sid) }));
    },
  };
}
