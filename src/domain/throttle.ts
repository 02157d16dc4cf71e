// Failed-login throttling, stored in the database (table rate_limits, in the layout of
// rate-limiter-flexible's SQL stores) so it survives restarts and is shared by instances.
//
// Two counters: (identifiant, IP) allows `maxFailures` per `window`, the IP alone
// `maxFailuresPerIp`. The pair key is per IP, so an attacker elsewhere cannot lock a child
// out. Once a counter reaches its limit the key is blocked for 60 s, and every further
// failure (after the block ends) doubles the block, up to 1 h. A row holds only
// (points, expire): while over the limit, `expire` = end of block + window, so the counter
// outlives the block by one window (a further failure doubles, a quiet window forgets) and
// the end of the block is `expire - window`.
import { createHash } from 'node:crypto';
import rateLimiterFlexible, { type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../config/index.js';
import type { Database } from '../db/index.js';
import { parseDatabaseUrl } from '../db/index.js';

const { RateLimiterMySQL, RateLimiterSQLite } = rateLimiterFlexible;

export const TABLE = 'rate_limits';
export const FIRST_BLOCK_SECONDS = 60;
export const MAX_BLOCK_SECONDS = 3600;

export type ThrottleCheck = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface Throttle {
  /** Whether an attempt may be verified now; consumes nothing. */
  check(login: string, ip: string): Promise<ThrottleCheck>;
  recordFailure(login: string, ip: string): Promise<void>;
  /** Forgets the failures of this identifiant from this IP. */
  recordSuccess(login: string, ip: string): Promise<void>;
}

/** Block length once `failures` reached `limit`: 60 s, then doubling, capped at 1 h. */
export function blockSeconds(failures: number, limit: number): number {
  const over = Math.max(failures - limit, 0);
  return over >= 16 ? MAX_BLOCK_SECONDS : Math.min(FIRST_BLOCK_SECONDS * 2 ** over, MAX_BLOCK_SECONDS);
}

/** Identifiants as typed are bounded here (key column is 255 characters). */
export function throttleKey(login: string, ip: string): string {
  const normalized = login.normalize('NFC').trim().toLowerCase();
  const name = normalized.length <= 100 ? normalized : `sha256:${createHash('sha256').update(normalized).digest('hex')}`;
  return `${name}|${ip.slice(0, 64)}`;
}

interface Limiter {
  limiter: RateLimiterAbstract;
  limit: number;
}

export function createThrottle(deps: { config: Config; db: Database }): Throttle {
  const { config, db } = deps;
  const windowSeconds = config.throttle.window;
  const driver = db.dataSource.driver as unknown as { databaseConnection?: unknown; pool?: unknown };
  const make = (keyPrefix: string, points: number): Limiter => {
    const common = { keyPrefix, points, duration: windowSeconds, tableName: TABLE, tableCreated: true, clearExpiredByTimeout: false };
    if (db.kind === 'sqlite') {
      return { limit: points, limiter: new RateLimiterSQLite({ ...common, storeType: 'better-sqlite3', storeClient: driver.databaseConnection }) };
    }
    // TypeORM's mysql driver holds a callback-style mysql2 Pool: the library's `pool` client type
    // takes one connection per operation (its BEGIN … COMMIT must run on a single connection).
    const target = parseDatabaseUrl(config.database.url);
    const dbName = target.kind === 'mysql' ? decodeURIComponent(target.url.pathname.slice(1)) : undefined;
    return { limit: points, limiter: new RateLimiterMySQL({ ...common, storeType: 'pool', storeClient: driver.pool, dbName }) };
  };
  const pair = make('login', config.throttle.maxFailures);
  const perIp = make('login-ip', config.throttle.maxFailuresPerIp);

  // SQLite has one connection: a write outside Database.transaction would slip into whichever
  // transaction is open on it, so throttle writes queue with the other transactions.
  const write = <T>(work: () => Promise<T>): Promise<T> => (db.kind === 'sqlite' ? db.transaction(() => work()) : work());

  const blockedFor = async ({ limiter, limit }: Limiter, key: string): Promise<number> => {
    const res = await limiter.get(key);
    if (!res || res.consumedPoints < limit) return 0;
    return Math.max(res.msBeforeNext - windowSeconds * 1000, 0);
  };

  const fail = async ({ limiter, limit }: Limiter, key: string): Promise<void> => {
    const res = await limiter.penalty(key, 1);
    if (res.consumedPoints >= limit) {
      await limiter.set(key, res.consumedPoints, blockSeconds(res.consumedPoints, limit) + windowSeconds);
    }
  };

  return {
    async check(login, ip) {
      const [a, b] = await Promise.all([blockedFor(pair, throttleKey(login, ip)), blockedFor(perIp, ip.slice(0, 64))]);
      const ms = Math.max(a, b);
      return ms > 0 ? { allowed: false, retryAfterSeconds: Math.ceil(ms / 1000) } : { allowed: true };
    },
    recordFailure: (login, ip) =>
      write(async () => {
        await fail(pair, throttleKey(login, ip));
        await fail(perIp, ip.slice(0, 64));
      }),
    recordSuccess: (login, ip) =>
      write(async () => {
        await pair.limiter.delete(throttleKey(login, ip));
      }),
  };
}
