// Failed-login throttling, stored in the database (table rate_limits, in the layout of
// rate-limiter-flexible's SQL stores) so it survives restarts and is shared by instances.
//
// Two counters: (identifiant, IP) allows `maxFailures` per `window`, the IP alone
// `maxFailuresPerIp`. The pair key is per IP, so an attacker elsewhere cannot lock a child
// out; an IPv6 "IP" is its /64 (`throttleSubject`). Once a counter reaches its limit the key
// is blocked for 60 s, and every further failure (after the block ends) doubles the block,
// up to 1 h. A row holds only (points, expire): while over the limit, `expire` = end of
// block + window, so the counter outlives the block by one window (a further failure
// doubles, a quiet window forgets) and the end of the block is `expire - window`.
import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';
import rateLimiterFlexible, { type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../config/index.js';
import type { Database } from '../db/index.js';
import { parseDatabaseUrl } from '../db/index.js';
import { normalizeLogin } from './accounts.js';

const { RateLimiterMySQL, RateLimiterSQLite } = rateLimiterFlexible;

const TABLE = 'rate_limits';
const FIRST_BLOCK_SECONDS = 60;
const MAX_BLOCK_SECONDS = 3600;

export type ThrottleCheck = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** An attempt that may be verified: it already counts as a failure until told otherwise. */
export interface ThrottleTicket {
  allowed: true;
  /** The secret was wrong: keep the failure, start or extend the block if over the limit. */
  fail(): Promise<void>;
  /** The secret was right: forget this identifiant's failures from this IP. */
  succeed(): Promise<void>;
  /** Neither (e.g. a blocked account): give the reserved failure back. */
  release(): Promise<void>;
}

export interface Throttle {
  /**
   * A block check and a reservation in one: the attempt is counted *before* the secret is verified
   * (an atomic increment), so N concurrent attempts cannot all pass a `check` made before any
   * of them was recorded: at most `maxFailures` per window reach verification, plus one after
   * each block ends.
   */
  acquire(login: string, ip: string): Promise<ThrottleTicket | { allowed: false; retryAfterSeconds: number }>;
  /**
   * Counts an attempt `acquire` refused from this IP; returns its rank in the window (1 for
   * the first). The caller audits a few ranks only, so a flood cannot fill the audit trail.
   */
  countRefused(ip: string): Promise<number>;
}

/** Block length once `failures` reached `limit`: 60 s, then doubling, capped at 1 h. */
export function blockSeconds(failures: number, limit: number): number {
  const over = Math.max(failures - limit, 0);
  return over >= 16 ? MAX_BLOCK_SECONDS : Math.min(FIRST_BLOCK_SECONDS * 2 ** over, MAX_BLOCK_SECONDS);
}

/**
 * Who the per-IP counters count. An IPv6 subscriber gets a whole /64 and picks addresses in it
 * at will, so the /64 is one client (`2001:db8:1:2::/64`); an IPv4-mapped IPv6 address is its
 * IPv4 address; anything else is kept as given. The audit trail keeps the full address.
 */
export function throttleSubject(ip: string): string {
  const address = ip.trim().toLowerCase().replace(/%.*$/, ''); // no zone (fe80::1%eth0)
  if (!isIPv6(address)) return address.slice(0, 64);
  const groups = ipv6Groups(address);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 255, groups[7]! >> 8, groups[7]! & 255].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail split). */
function ipv6Groups(address: string): number[] {
  const parse = (part: string) =>
    part === '' ? [] : part.split(':').flatMap((g) => (g.includes('.') ? dottedToGroups(g) : [parseInt(g, 16)]));
  const [head = '', tail] = address.split('::');
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

const dottedToGroups = (v4: string): number[] => {
  const [a, b, c, d] = v4.split('.').map(Number) as [number, number, number, number];
  return [(a << 8) | b, (c << 8) | d];
};

/**
 * Identifiants are counted as the login compares them (normalizeLogin), so « Jean.Martin »
 * and « jean.martin » share a counter; bounded here (key column is 255 characters).
 */
export function throttleKey(login: string, ip: string): string {
  const normalized = normalizeLogin(login);
  const name =
    normalized.length <= 100 ? normalized : `sha256:${createHash('sha256').update(normalized).digest('hex')}`;
  return `${name}|${throttleSubject(ip)}`;
}

interface Limiter {
  limiter: RateLimiterAbstract;
  limit: number;
}

/**
 * A rate-limiter-flexible limiter over the `rate_limits` table of this database: `points` per
 * fixed window of `duration` seconds, keys prefixed with `keyPrefix`. Its writes go through
 * `queuedWrite`.
 */
export function createStoredLimiter(
  deps: { config: Config; db: Database },
  options: { keyPrefix: string; points: number; duration: number },
): RateLimiterAbstract {
  const { config, db } = deps;
  const common = { ...options, tableName: TABLE, tableCreated: true, clearExpiredByTimeout: false };
  if (db.kind === 'sqlite')
    return new RateLimiterSQLite({ ...common, storeType: 'better-sqlite3', storeClient: db.sqliteConnection() });
  // TypeORM's mysql driver holds a callback-style mysql2 Pool: the library's `pool` client type
  // takes one connection per operation (its BEGIN … COMMIT must run on a single connection).
  const target = parseDatabaseUrl(config.database.url);
  const dbName = target.kind === 'mysql' ? decodeURIComponent(target.url.pathname.slice(1)) : undefined;
  return new RateLimiterMySQL({ ...common, storeType: 'pool', storeClient: db.mysqlPool(), dbName });
}

/**
 * Runs limiter writes. SQLite has one connection: a write outside Database.transaction would
 * slip into whichever transaction is open on it, so there they queue with the transactions.
 */
export function queuedWrite(db: Database): <T>(work: () => Promise<T>) => Promise<T> {
  return (work) => (db.kind === 'sqlite' ? db.transaction(() => work()) : work());
}

export function createThrottle(deps: { config: Config; db: Database }): Throttle {
  const { config, db } = deps;
  const windowSeconds = config.throttle.window;
  const make = (keyPrefix: string, points: number): Limiter => ({
    limit: points,
    limiter: createStoredLimiter(deps, { keyPrefix, points, duration: windowSeconds }),
  });
  const pair = make('login', config.throttle.maxFailures);
  const perIp = make('login-ip', config.throttle.maxFailuresPerIp);

  // Refused attempts per IP, counted only (see `countRefused`).
  const refused = make('login-refused', 1);
  const write = queuedWrite(db);

  /** How long `res` (a counter read) still blocks its key, in ms: 0 when not blocked. */
  const blockedMs = ({ limit }: Limiter, res: Awaited<ReturnType<RateLimiterAbstract['get']>>): number => {
    if (!res || res.consumedPoints < limit) return 0;
    return Math.max(res.msBeforeNext - windowSeconds * 1000, 0);
  };

  const blockedFor = async (l: Limiter, key: string): Promise<number> => blockedMs(l, await l.limiter.get(key));

  /**
   * Counts one attempt. Allowed when it is within the limit, or when it is the first attempt
   * after a block ended (`seen` = points read before, when the key was over the limit but no
   * longer blocked). The attempt that reaches the limit starts the block at once (not after
   * its verification), and an attempt over the limit looks again after counting itself, so
   * one racing with the attempt that reached the limit sees that block. Refused attempts
   * stay counted: a burst over the limit extends the block.
   */
  const reserve = async (l: Limiter, key: string, seen: number): Promise<boolean> => {
    const { consumedPoints: n } = await l.limiter.penalty(key, 1);
    if (n === l.limit) await blockIfOver(l, key);
    if (n <= l.limit) return true;
    return seen >= l.limit && n === seen + 1 && (await blockedFor(l, key)) === 0;
  };

  /** After a failed verification: block the key if it is over the limit (points re-read). */
  const blockIfOver = async ({ limiter, limit }: Limiter, key: string): Promise<void> => {
    const res = await limiter.get(key);
    if (res && res.consumedPoints >= limit)
      await limiter.set(key, res.consumedPoints, blockSeconds(res.consumedPoints, limit) + windowSeconds);
  };

  /** Whether an attempt may be verified now; consumes nothing. */
  const check = async (login: string, ip: string): Promise<ThrottleCheck> => {
    const [a, b] = await Promise.all([
      blockedFor(pair, throttleKey(login, ip)),
      blockedFor(perIp, throttleSubject(ip)),
    ]);
    const ms = Math.max(a, b);
    return ms > 0 ? { allowed: false, retryAfterSeconds: Math.ceil(ms / 1000) } : { allowed: true };
  };

  return {
    async acquire(login, ip) {
      const pairKey = throttleKey(login, ip);
      const ipKey = throttleSubject(ip);
      // One read of each counter serves both the block check and the points seen before.
      const [readPair, readIp] = await Promise.all([pair.limiter.get(pairKey), perIp.limiter.get(ipKey)]);
      const blocked = Math.max(blockedMs(pair, readPair), blockedMs(perIp, readIp));
      if (blocked > 0) return { allowed: false, retryAfterSeconds: Math.ceil(blocked / 1000) };
      const [seenPair, seenIp] = [readPair?.consumedPoints ?? 0, readIp?.consumedPoints ?? 0];
      const [okPair, okIp] = await write(
        async () => [await reserve(pair, pairKey, seenPair), await reserve(perIp, ipKey, seenIp)] as const,
      );
      if (!okPair || !okIp) {
        await write(async () => {
          await blockIfOver(pair, pairKey);
          await blockIfOver(perIp, ipKey);
        });
        const after = await check(login, ip);
        return { allowed: false, retryAfterSeconds: after.allowed ? FIRST_BLOCK_SECONDS : after.retryAfterSeconds };
      }
      return {
        allowed: true,
        fail: () =>
          write(async () => {
            await blockIfOver(pair, pairKey);
            await blockIfOver(perIp, ipKey);
          }),
        succeed: () =>
          write(async () => {
            await pair.limiter.delete(pairKey);
            await perIp.limiter.reward(ipKey, 1);
          }),
        release: () =>
          write(async () => {
            await pair.limiter.reward(pairKey, 1);
            await perIp.limiter.reward(ipKey, 1);
          }),
      };
    },

    countRefused: (ip) => write(async () => (await refused.limiter.penalty(throttleSubject(ip), 1)).consumedPoints),
  };
}
