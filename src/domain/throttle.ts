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
import type { Database, SqlTransaction } from '../db/index.js';
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
  /**
   * `succeed` inside the caller's transaction (`Database.atomicallyRetried`: it updates the
   * IP's counter, which concurrent sign-ins update too), so the reset lands with what records
   * the success (a sign-in's lastLoginAt and audit event) in one transaction instead of two.
   */
  succeedIn(tx: SqlTransaction): Promise<void>;
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

/** A counter as read: points in the window and ms until it expires (-1: never). */
interface CounterRead {
  consumedPoints: number;
  msBeforeNext: number;
}

/**
 * The login counters' operations on `rate_limits`, with rate-limiter-flexible's own SQL for
 * this database (same rows, same key layout `prefix:key`, so the recovery throttle and rows
 * written before keep working), run in the caller's `Database.atomically` transaction: the
 * statements are prepared once, and a sign-in's reads and reservation land together.
 */
function counterStatements(db: Database, windowSeconds: number) {
  const q = (name: string) => db.dataSource.driver.escape(name);
  const [table, key, points, expire] = [q(TABLE), q('key'), q('points'), q('expire')];
  const mysql = db.kind === 'mysql';
  const sql = {
    get: `SELECT ${points} AS points, ${expire} AS expire FROM ${table} WHERE ${key} = ? AND (${expire} > ? OR ${expire} IS NULL)`,
    read: `SELECT ${points} AS points, ${expire} AS expire FROM ${table} WHERE ${key} = ?`,
    add: mysql
      ? `INSERT INTO ${table} (${key}, ${points}, ${expire}) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE ` +
        `${points} = IF(${expire} <= ?, ?, ${points} + (?)), ${expire} = IF(${expire} <= ?, ?, ${expire})`
      : `INSERT INTO ${table} (${key}, ${points}, ${expire}) VALUES (?, ?, ?) ON CONFLICT(${key}) DO UPDATE SET ` +
        `${points} = CASE WHEN ${expire} IS NULL OR ${expire} > ? THEN ${points} + excluded.${points} ELSE excluded.${points} END, ` +
        `${expire} = CASE WHEN ${expire} IS NULL OR ${expire} > ? THEN ${expire} ELSE excluded.${expire} END ` +
        `RETURNING ${points} AS points, ${expire} AS expire`,
    set: mysql
      ? `INSERT INTO ${table} (${key}, ${points}, ${expire}) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE ${points} = ?, ${expire} = ?`
      : `INSERT OR REPLACE INTO ${table} (${key}, ${points}, ${expire}) VALUES (?, ?, ?)`,
    delete: `DELETE FROM ${table} WHERE ${key} = ?`,
  };
  type Row = { points: number | string; expire: number | string | null };
  const toRead = (row: Row | undefined): CounterRead | null =>
    row
      ? {
          consumedPoints: Number(row.points),
          msBeforeNext: row.expire === null ? -1 : Math.max(Number(row.expire) - Date.now(), 0),
        }
      : null;
  return (tx: SqlTransaction, prefix: string) => {
    const rlKey = (k: string) => `${prefix}:${k}`;
    const add = async (k: string, n: number): Promise<CounterRead> => {
      const now = Date.now();
      const end = now + windowSeconds * 1000;
      if (!mysql) return toRead(((await tx.run(sql.add, [rlKey(k), n, end, now, now])) as Row[])[0])!;
      await tx.run(sql.add, [rlKey(k), n, end, now, n, n, now, end]);
      return toRead(((await tx.run(sql.read, [rlKey(k)])) as Row[])[0])!;
    };
    return {
      get: async (k: string) => toRead(((await tx.run(sql.get, [rlKey(k), Date.now()])) as Row[])[0]),
      penalty: (k: string, n: number) => add(k, n),
      reward: (k: string, n: number) => add(k, -n),
      set: async (k: string, n: number, seconds: number) => {
        const end = Date.now() + seconds * 1000;
        await tx.run(sql.set, mysql ? [rlKey(k), n, end, n, end] : [rlKey(k), n, end]);
      },
      delete: async (k: string) => {
        await tx.run(sql.delete, [rlKey(k)]);
      },
    };
  };
}

type Counters = ReturnType<ReturnType<typeof counterStatements>>;

export function createThrottle(deps: { config: Config; db: Database }): Throttle {
  const { config, db } = deps;
  const windowSeconds = config.throttle.window;
  const statements = counterStatements(db, windowSeconds);
  interface Counter {
    prefix: string;
    limit: number;
  }
  const pair: Counter = { prefix: 'login', limit: config.throttle.maxFailures };
  const perIp: Counter = { prefix: 'login-ip', limit: config.throttle.maxFailuresPerIp };
  // Refused attempts per IP, counted only (see `countRefused`).
  const refused: Counter = { prefix: 'login-refused', limit: 1 };

  const countersIn = (tx: SqlTransaction) => (counter: Counter) => statements(tx, counter.prefix);

  /**
   * Runs `work` with the three counters in one transaction (`Database.atomicallyRetried`):
   * every read and write of one step lands together, statements prepared once. MySQL: two
   * attempts updating the same rows in another order can deadlock; InnoDB then rolls one
   * back, and it runs again.
   */
  const inTransaction = <T>(work: (c: (counter: Counter) => Counters) => Promise<T>): Promise<T> =>
    db.atomicallyRetried((tx) => work(countersIn(tx)));

  /** How long `res` (a counter read) still blocks its key, in ms: 0 when not blocked. */
  const blockedMs = ({ limit }: Counter, res: CounterRead | null): number => {
    if (!res || res.consumedPoints < limit) return 0;
    return Math.max(res.msBeforeNext - windowSeconds * 1000, 0);
  };

  /**
   * Counts one attempt. Allowed when it is within the limit, or when it is the first attempt
   * after a block ended (`seen` = points read before, when the key was over the limit but no
   * longer blocked). The attempt that reaches the limit starts the block at once (not after
   * its verification), and an attempt over the limit looks again after counting itself, so
   * one racing with the attempt that reached the limit sees that block. Refused attempts
   * stay counted: a burst over the limit extends the block.
   */
  const reserve = async (c: Counters, l: Counter, key: string, seen: number): Promise<boolean> => {
    const { consumedPoints: n } = await c.penalty(key, 1);
    if (n === l.limit) await blockIfOver(c, l, key);
    if (n <= l.limit) return true;
    return seen >= l.limit && n === seen + 1 && blockedMs(l, await c.get(key)) === 0;
  };

  /** After a failed verification: block the key if it is over the limit (points re-read). */
  const blockIfOver = async (c: Counters, { limit }: Counter, key: string): Promise<void> => {
    const res = await c.get(key);
    if (res && res.consumedPoints >= limit)
      await c.set(key, res.consumedPoints, blockSeconds(res.consumedPoints, limit) + windowSeconds);
  };

  return {
    acquire(login, ip) {
      const pairKey = throttleKey(login, ip);
      const ipKey = throttleSubject(ip);
      // One transaction: both counters read (the block check and the points seen before),
      // the attempt counted, and, when refused, the blocks started and read back.
      return inTransaction(async (counters) => {
        const [p, i] = [counters(pair), counters(perIp)];
        const [readPair, readIp] = [await p.get(pairKey), await i.get(ipKey)];
        const blocked = Math.max(blockedMs(pair, readPair), blockedMs(perIp, readIp));
        if (blocked > 0) return { allowed: false as const, retryAfterSeconds: Math.ceil(blocked / 1000) };
        const okPair = await reserve(p, pair, pairKey, readPair?.consumedPoints ?? 0);
        const okIp = await reserve(i, perIp, ipKey, readIp?.consumedPoints ?? 0);
        if (!okPair || !okIp) {
          await blockIfOver(p, pair, pairKey);
          await blockIfOver(i, perIp, ipKey);
          const ms = Math.max(blockedMs(pair, await p.get(pairKey)), blockedMs(perIp, await i.get(ipKey)));
          return { allowed: false as const, retryAfterSeconds: ms > 0 ? Math.ceil(ms / 1000) : FIRST_BLOCK_SECONDS };
        }
        /** A success: this identifiant's failures forgotten, the IP's reservation given back. */
        const reset = async (c: (counter: Counter) => Counters) => {
          await c(pair).delete(pairKey);
          await c(perIp).reward(ipKey, 1);
        };
        return {
          allowed: true as const,
          fail: () =>
            inTransaction(async (c) => {
              await blockIfOver(c(pair), pair, pairKey);
              await blockIfOver(c(perIp), perIp, ipKey);
            }),
          succeed: () => inTransaction((c) => reset(c)),
          succeedIn: (tx) => reset(countersIn(tx)),
          release: () =>
            inTransaction(async (c) => {
              await c(pair).reward(pairKey, 1);
              await c(perIp).reward(ipKey, 1);
            }),
        };
      });
    },

    countRefused: (ip) => inTransaction(async (c) => (await c(refused).penalty(throttleSubject(ip), 1)).consumedPoints),
  };
}
