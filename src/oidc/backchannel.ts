// OpenID Connect Back-Channel Logout 1.0, delivered. The domain queues one delivery per
// (application, session) when sessions end (domain/logout-queue.ts); so does RP-initiated
// logout at /session/end, through `queueInsteadOfSending`. This worker, on every instance,
// claims due deliveries, signs each logout token with the provider's keys and POSTs it to the
// application's `backchannel_logout_uri`, retrying with back-off for BACKCHANNEL_LOGOUT_RETRY
// seconds. Nobody's page waits for an application: a slow, stopped or failing one is retried
// in the background, each failure logged and counted.
//
//   queued ─ claim (lease 30 s) ─▶ sign + POST ─ 200/204 ─▶ delivered (row deleted)
//                                      │ other, timeout, refused
//                                      ├─ within the retry time ─▶ back-off 1, 2, 4 … 300 s ─▶ queued
//                                      └─ past it ─▶ abandoned (row deleted, error logged)
import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT, type JWK } from 'jose';
import type Provider from 'oidc-provider';
import { In, IsNull, LessThan, LessThanOrEqual } from 'typeorm';
import type { Database } from '../db/index.js';
import { LogoutDelivery } from '../db/entities/index.js';
import type { LogoutQueue } from '../domain/logout-queue.js';
import type { Logger } from '../logger.js';
import type { ClientStore } from './clients.js';

export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
export type DeliveryOutcome = 'delivered' | 'failed' | 'abandoned';

/** How long one POST may take before it counts as failed (then retried). */
const REQUEST_TIMEOUT_MS = 5_000;
const LEASE_MS = 30_000;
const POLL_MS = 500;
const BATCH = 20;
const MAX_PASSES = 4;
const MAX_BACKOFF_S = 300;

/**
 * oidc-provider sends logout tokens itself during /session/end and awaits every
 * application: one that answers in 10 s would hold the user's logout page 10 s, and one that
 * is down would never be told again. Its Client's `backchannelLogout` (called for each
 * application of the session, with the session's sub and sid) is replaced, for this provider
 * only, by queuing the delivery in the database.
 */
export function queueInsteadOfSending(provider: Provider, db: Database, queue: LogoutQueue): void {
  const prototype = (
    provider.Client as unknown as {
      prototype: { clientId: string; backchannelLogout(sub: string, sid?: string): Promise<void> };
    }
  ).prototype;
  prototype.backchannelLogout = async function queueLogout(this: { clientId: string }, sub: string, sid?: string) {
    await db.transaction((manager) =>
      queue.queue(manager, [{ clientId: this.clientId, accountId: sub, sid: sid ?? null }], 'logout'),
    );
  };
}

export interface LogoutDeliveryDeps {
  db: Database;
  issuer: string;
  clients: ClientStore;
  /** The provider's private signing keys, current first per algorithm. */
  signingKeys(): JWK[];
  logger: Logger;
  /** Seconds during which a failing delivery is retried before it is given up. */
  retryForSeconds: number;
  onOutcome?(outcome: DeliveryOutcome, clientId: string): void;
}

export interface LogoutDeliveries {
  /** Delivers what is due now; resolves with the number of deliveries tried. */
  runOnce(): Promise<number>;
  /** Looks for due deliveries soon (after the domain queued some). */
  kick(): void;
  stop(): Promise<void>;
}

/** The logout token (Back-Channel Logout 1.0 § 2.4): never a nonce, always the event. */
export async function signLogoutToken(
  key: JWK,
  claims: { issuer: string; clientId: string; sub: string; sid: string | null },
): Promise<string> {
  const alg = key.alg ?? 'RS256';
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    sub: claims.sub,
    ...(claims.sid ? { sid: claims.sid } : {}),
    events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
  })
    .setProtectedHeader({ alg, kid: key.kid, typ: 'logout+jwt' })
    .setIssuer(claims.issuer)
    .setAudience(claims.clientId)
    .setIssuedAt(now)
    .setExpirationTime(now + 120)
    .setJti(randomUUID())
    .sign(await importJWK(key, alg));
}

export function startLogoutDeliveries(deps: LogoutDeliveryDeps): LogoutDeliveries {
  const { db, logger } = deps;
  const passes = new Set<Promise<number>>();
  let stopped = false;

  const keyFor = (alg: string): JWK | undefined => deps.signingKeys().find((k) => k.alg === alg);

  /** Takes the lease of a due delivery; false when another instance took it first. */
  const claim = async (id: string, now: Date): Promise<boolean> => {
    const result = await db.transaction((manager) =>
      manager
        .createQueryBuilder()
        .update(LogoutDelivery)
        .set({ leasedUntil: new Date(now.getTime() + LEASE_MS) })
        .where('id = :id AND nextAttemptAt <= :now AND (leasedUntil IS NULL OR leasedUntil < :now)', { id, now })
        .execute(),
    );
    return result.affected === 1;
  };

  const post = async (uri: string, token: string): Promise<void> => {
    const res = await fetch(uri, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ logout_token: token }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    await res.body?.cancel();
    if (res.status !== 200 && res.status !== 204) throw new Error(`answered ${res.status}`);
  };

  const settle = async (delivery: LogoutDelivery, error: unknown): Promise<DeliveryOutcome> => {
    const now = Date.now();
    if (error === null) {
      await db.transaction((manager) => manager.delete(LogoutDelivery, { id: delivery.id }));
      return 'delivered';
    }
    const reason =
      error instanceof Error
        ? error.name === 'TimeoutError'
          ? `no answer within ${REQUEST_TIMEOUT_MS} ms`
          : error.message
        : String(error);
    const attempts = delivery.attempts + 1;
    if (now - delivery.createdAt.getTime() >= deps.retryForSeconds * 1000) {
      await db.transaction((manager) => manager.delete(LogoutDelivery, { id: delivery.id }));
      logger.error(
        { clientId: delivery.clientId, attempts, reason: delivery.reason, error: reason },
        'back-channel logout abandoned',
      );
      return 'abandoned';
    }
    const backoff = Math.min(2 ** (attempts - 1), MAX_BACKOFF_S) * 1000;
    await db.transaction((manager) =>
      manager.update(
        LogoutDelivery,
        { id: delivery.id },
        { attempts, nextAttemptAt: new Date(now + backoff), leasedUntil: null, lastError: reason.slice(0, 255) },
      ),
    );
    logger.warn(
      { clientId: delivery.clientId, attempts, retryInMs: backoff, error: reason },
      'back-channel logout failed, will retry',
    );
    return 'failed';
  };

  const deliver = async (delivery: LogoutDelivery): Promise<void> => {
    let error: unknown = null;
    try {
      const metadata = await deps.clients.metadata(delivery.clientId);
      const uri = metadata?.backchannel_logout_uri;
      // The application is gone, or no longer listens: nothing to deliver.
      if (typeof uri !== 'string') {
        await db.transaction((manager) => manager.delete(LogoutDelivery, { id: delivery.id }));
        return;
      }
      const alg =
        typeof metadata?.id_token_signed_response_alg === 'string' ? metadata.id_token_signed_response_alg : 'RS256';
      const key = keyFor(alg);
      if (!key) throw new Error(`no signing key for ${alg}`);
      const token = await signLogoutToken(key, {
        issuer: deps.issuer,
        clientId: delivery.clientId,
        sub: delivery.accountId,
        sid: delivery.sid,
      });
      await post(uri, token);
    } catch (err) {
      error = err;
    }
    const outcome = await settle(delivery, error);
    deps.onOutcome?.(outcome, delivery.clientId);
  };

  const tick = async (): Promise<number> => {
    const now = new Date();
    const due = await db.read((manager) =>
      manager.find(LogoutDelivery, {
        where: [
          { nextAttemptAt: LessThanOrEqual(now), leasedUntil: IsNull() },
          { nextAttemptAt: LessThanOrEqual(now), leasedUntil: LessThan(now) },
        ],
        order: { nextAttemptAt: 'ASC' },
        take: BATCH,
      }),
    );
    const claimed: LogoutDelivery[] = [];
    for (const delivery of due) if (await claim(delivery.id, now)) claimed.push(delivery);
    // Each application on its own: a slow one holds up nobody else's delivery.
    await Promise.all(claimed.map(deliver));
    return claimed.length;
  };

  const runOnce = (): Promise<number> => {
    // Passes may overlap (each delivery is claimed by one of them): a pass waiting on a slow
    // application does not hold up the logouts queued after it. A few at most per instance.
    if (passes.size >= MAX_PASSES) return Promise.resolve(0);
    const pass: Promise<number> = tick()
      .catch((err: unknown) => {
        logger.warn({ err }, 'back-channel logout worker pass failed');
        return 0;
      })
      .finally(() => passes.delete(pass));
    passes.add(pass);
    return pass;
  };

  const timer = setInterval(() => {
    if (!stopped) void runOnce();
  }, POLL_MS);
  timer.unref();

  return {
    runOnce,
    kick() {
      if (!stopped) void runOnce();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await Promise.all(passes);
    },
  };
}

/** Deliveries still waiting (tests, diagnostics). */
export async function pendingLogoutDeliveries(db: Database, clientIds?: string[]): Promise<LogoutDelivery[]> {
  return db.read((manager) =>
    manager.find(LogoutDelivery, { where: clientIds ? { clientId: In(clientIds) } : {}, order: { createdAt: 'ASC' } }),
  );
}
