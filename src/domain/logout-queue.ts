// Back-channel logout (OpenID Connect Back-Channel Logout 1.0), the domain's side: when an
// account's provider sessions end — a logout, a block, a password change, an expiry — every
// application each session signed in to must hear of it, so the next child on a shared
// classroom computer finds nobody signed in anywhere. The sessions are read before they are
// deleted, and one delivery per (application, session) is queued in the same transaction;
// the provider's worker (oidc/backchannel.ts) signs and delivers them, with retries.
//
// A session's stored payload is oidc-provider's: `{ accountId, authorizations: { [clientId]:
// { sid, grantId, … } } }`. Only the applications listed there took part in the session: no
// logout token ever goes to an application the session never signed in to.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { LogoutDelivery, OidcArtifact, OidcClient, type LogoutReason } from '../db/entities/index.js';

export interface LogoutTarget {
  clientId: string;
  /** The `sub`. */
  accountId: string;
  sid: string | null;
}

interface StoredSession {
  accountId?: string;
  authorizations?: Record<string, { sid?: string }>;
}

/** Every (application, sid) of these stored Session payloads. */
export function logoutTargetsOf(payloads: readonly string[]): LogoutTarget[] {
  const targets: LogoutTarget[] = [];
  for (const payload of payloads) {
    let session: StoredSession;
    try {
      session = JSON.parse(payload) as StoredSession;
    } catch {
      continue;
    }
    if (!session.accountId) continue;
    for (const [clientId, authorization] of Object.entries(session.authorizations ?? {})) {
      targets.push({ clientId, accountId: session.accountId, sid: authorization?.sid ?? null });
    }
  }
  return targets;
}

/** The applications the account's live provider sessions signed in to (read before ending them). */
export async function sessionTargetsOfAccount(manager: EntityManager, accountId: string): Promise<LogoutTarget[]> {
  const rows = await manager.find(OidcArtifact, { where: { model: 'Session', accountId }, select: { payload: true } });
  return logoutTargetsOf(rows.map((r) => r.payload));
}

/** The registered applications that have a back-channel logout URI. */
async function listeningClients(manager: EntityManager): Promise<Set<string>> {
  const clients = await manager.find(OidcClient, { select: { clientId: true, metadata: true } });
  const listening = clients.filter((c) => {
    try {
      return (
        typeof (JSON.parse(c.metadata) as { backchannel_logout_uri?: unknown }).backchannel_logout_uri === 'string'
      );
    } catch {
      return false;
    }
  });
  return new Set(listening.map((c) => c.clientId));
}

export interface LogoutQueue {
  /** Queues one delivery per target, inside the caller's transaction; returns how many. */
  queue(manager: EntityManager, targets: readonly LogoutTarget[], reason: LogoutReason): Promise<number>;
  /** Called (after a short delay, so the caller's transaction has committed) when deliveries were queued. */
  onQueued(listener: () => void): void;
}

export function createLogoutQueue(): LogoutQueue {
  const listeners: (() => void)[] = [];
  return {
    async queue(manager, targets, reason) {
      if (!targets.length) return 0;
      // Only the applications that listen for logout tokens: the others (the admin page, most
      // first-party applications) would only be looked up and dropped by the worker.
      const listening = await listeningClients(manager);
      const now = new Date();
      const unique = new Map(
        targets
          .filter((t) => listening.has(t.clientId))
          .map((t) => [`${t.clientId}\u0000${t.accountId}\u0000${t.sid ?? ''}`, t]),
      );
      if (!unique.size) return 0;
      await manager.insert(
        LogoutDelivery,
        [...unique.values()].map((t) => ({
          id: randomUUID(),
          clientId: t.clientId,
          accountId: t.accountId,
          sid: t.sid,
          reason,
          attempts: 0,
          nextAttemptAt: now,
          leasedUntil: null,
          lastError: null,
          createdAt: now,
        })),
      );
      // The rows are visible once the caller commits, a moment later: the worker looks then
      // (and polls anyway, so nothing is lost if this process stops first).
      const timer = setTimeout(() => listeners.forEach((listener) => listener()), 25);
      timer.unref();
      return unique.size;
    },
    onQueued(listener) {
      listeners.push(listener);
    },
  };
}
