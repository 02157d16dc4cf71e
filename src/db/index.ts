// Opening, migrating and closing the database, and running reads and transactions: the only
// way to the connection(s).
//
// TypeORM's drivers keep the connection they opened in public but untyped (`any`) properties:
// `BetterSqlite3Driver.databaseConnection`, `MysqlDriver.pool`. This module narrows the driver
// with `instanceof` TypeORM's own classes and types those properties with better-sqlite3's and
// mysql2's own types, once; rate-limiter-flexible and the checkpoint worker get them from here.
// (Opening the connections ourselves and handing them to TypeORM was the alternative, but its
// drivers have no option to take an open connection or pool.)
import type BetterSqlite3 from 'better-sqlite3';
import mysql2, { type Pool, type PoolConnection } from 'mysql2';
import type { DataSource, EntityManager, ObjectLiteral } from 'typeorm';
import { BetterSqlite3Driver } from 'typeorm/driver/better-sqlite3/BetterSqlite3Driver.js';
import { BetterSqlite3QueryRunner } from 'typeorm/driver/better-sqlite3/BetterSqlite3QueryRunner.js';
import { MysqlDriver } from 'typeorm/driver/mysql/MysqlDriver.js';
import type { MysqlDataSourceOptions } from 'typeorm/driver/mysql/MysqlDataSourceOptions.js';
import type { Config } from '../config/index.js';
import { createDataSource, parseDatabaseUrl, redactDatabaseUrl } from './data-source.js';
import { startBackgroundCheckpoints, type BackgroundCheckpoints } from './sqlite-checkpoint.js';

export * from './data-source.js';

/** The database could not be reached or prepared; the message is one line for operators. */
export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
}

/** A value `execute` binds: what better-sqlite3 and mysql2 both take. */
export type SqlParam = string | number | bigint | Buffer | null;
type SqliteStatement = BetterSqlite3.Statement<SqlParam[]>;

/** The statements of one `Database.atomically` transaction. */
export interface SqlTransaction {
  /** Rows for a SELECT (or a statement with RETURNING), the driver's result otherwise. */
  run(sql: string, params: SqlParam[]): Promise<unknown>;
}
interface PendingWrite {
  statement: SqliteStatement;
  params: SqlParam[];
  resolve(result: unknown): void;
  reject(err: unknown): void;
}

/**
 * mysql2 counts a pool's connections only in these two fields of its own, which its typings
 * leave out; read for the metrics (`poolStats`), optional so a change in mysql2 reads as 0.
 */
interface PoolQueues {
  _allConnections?: { length: number };
  _freeConnections?: { length: number };
}

/** Attempts at a transaction that MySQL may roll back as a deadlock victim. */
const DEADLOCK_ATTEMPTS = 3;
/** MySQL's ER_LOCK_DEADLOCK: the transaction was rolled back whole and may run again. */
const isDeadlock = (err: unknown): boolean => (err as { errno?: number }).errno === 1213;

export class Database {
  readonly kind: 'sqlite' | 'mysql';
  private readonly sqlite: BetterSqlite3.Database | null = null;
  private readonly pool: (Pool & PoolQueues) | null = null;
  /**
   * SQLite has one connection, and TypeORM one query runner on it: a statement issued while
   * a transaction is open runs inside it (it sees its uncommitted rows, and a write vanishes
   * with its rollback). So on SQLite transactions and writes take exclusive turns, queued
   * here, and reads (`read`, `execute`'s SELECTs) run only between turns (`exclusive`).
   */
  private sqliteQueue: Promise<unknown> = Promise.resolve();
  /** SQLite: exclusive turns queued or running. While there are none, a read runs at once. */
  private exclusiveTurns = 0;
  /** SQLite: `read` callbacks running; the next exclusive turn waits for them (`readsDone`). */
  private readsRunning = 0;
  private readsDone: (() => void) | null = null;
  /** SQLite files: WAL checkpoints run off the main thread (sqlite-checkpoint.ts). */
  checkpoints: BackgroundCheckpoints | null = null;
  /** SQLite statements of `execute`, prepared once. */
  private readonly prepared = new Map<string, SqliteStatement>();
  /** MySQL: the connections of `batch`, which accept several statements per request (opened on first use). */
  private batchPool: Pool | null = null;
  /** SQLite writes of `execute` waiting for the next group commit (`commitWrites`). */
  private pendingWrites: PendingWrite[] | null = null;

  /**
   * `dataSource` (initialized) is for entity metadata and migrations; queries go through
   * `read`, `transaction`, `exclusively` and `execute`.
   */
  constructor(
    readonly dataSource: DataSource,
    url: string,
  ) {
    this.kind = parseDatabaseUrl(url).kind;
    const { driver } = dataSource;
    if (driver instanceof BetterSqlite3Driver) this.sqlite = driver.databaseConnection;
    if (driver instanceof MysqlDriver) this.pool = driver.pool;
  }

  /**
   * Runs reads outside any transaction, with the manager they must use. SQLite: after the
   * transactions and writes already queued, at once when there are none (no extra turn of
   * the event loop). `work` reads only, and never calls `read`, `transaction` or `execute`
   * (it would wait for itself behind the next queued turn). MySQL: on the pool.
   */
  read<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.kind === 'mysql') return work(this.dataSource.manager);
    if (this.exclusiveTurns === 0) return this.reading(work);
    return this.sqliteQueue.then(() => this.reading(work));
  }

  private async reading<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    this.readsRunning++;
    try {
      return await work(this.dataSource.manager);
    } finally {
      if (--this.readsRunning === 0 && this.readsDone) {
        const done = this.readsDone;
        this.readsDone = null;
        done();
      }
    }
  }

  /**
   * SQLite: runs `work` alone on the connection, after the turns queued before it and the
   * reads running. Reads that arrive while it is queued wait for it (`read`), so a stream
   * of reads cannot keep a transaction out.
   */
  private exclusive<T>(work: () => T | Promise<T>): Promise<T> {
    this.exclusiveTurns++;
    const run = this.sqliteQueue
      .then(() => (this.readsRunning === 0 ? undefined : new Promise<void>((resolve) => (this.readsDone = resolve))))
      .then(work)
      .finally(() => this.exclusiveTurns--);
    this.sqliteQueue = run.catch(() => undefined);
    return run;
  }

  /** Runs `work` in one transaction: everything it writes lands, or nothing does. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.kind === 'mysql') return this.dataSource.transaction(work);
    return this.exclusive(() => this.dataSource.transaction(work));
  }

  /**
   * Runs `work` while no other process runs work of the same `name` on this database: the
   * check-then-create steps of a first start (signing keys), which instances starting
   * together would otherwise both do. MySQL: a named lock (GET_LOCK) held on the connection
   * `work` runs on, its statements committing one by one. SQLite: one transaction, whose
   * BEGIN IMMEDIATE already excludes every other writer.
   */
  async exclusively<T>(name: string, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.kind === 'sqlite') return this.transaction(work);
    const runner = this.dataSource.createQueryRunner('master');
    await runner.connect();
    const lock = `ent-idp:${name}`;
    try {
      const [row] = (await runner.query('SELECT GET_LOCK(?, ?) AS acquired', [lock, 30])) as {
        acquired: number | null;
      }[];
      if (Number(row?.acquired) !== 1)
        throw new DatabaseUnavailableError(`could not take the database lock ${lock} within 30 s`);
      try {
        return await work(runner.manager);
      } finally {
        await runner.query('SELECT RELEASE_LOCK(?)', [lock]);
      }
    } finally {
      await runner.release();
    }
  }

  /**
   * Runs a single autocommit statement outside any transaction. SQLite's one connection is
   * shared: a write issued while another request's transaction is open would become part of
   * it (and vanish with its rollback), so on SQLite it waits its turn in the same queue.
   */
  serialized<T>(work: () => T | Promise<T>): Promise<T> {
    if (this.kind === 'mysql') return Promise.resolve().then(work);
    return this.exclusive(work);
  }

  /** The better-sqlite3 connection (SQLite only): for rate-limiter-flexible's SQLite store. */
  sqliteConnection(): BetterSqlite3.Database {
    if (!this.sqlite) throw new Error('not an SQLite database');
    return this.sqlite;
  }

  /** The mysql2 pool (MySQL only): for rate-limiter-flexible's MySQL store. */
  mysqlPool(): Pool {
    if (!this.pool) throw new Error('not a MySQL database');
    return this.pool;
  }

  /** Connections open and free in the MySQL pool (SQLite: its one connection). */
  poolStats(): { open: number; free: number } {
    if (!this.pool) return { open: 1, free: 1 };
    return { open: this.pool._allConnections?.length ?? 0, free: this.pool._freeConnections?.length ?? 0 };
  }

  /**
   * One parameterized statement on the connection(s) TypeORM opened, without its query
   * builder, hydration or per-query runner: for the hot paths (the provider's adapter, client
   * and account lookups; BENCHMARKS.md). Rows for a SELECT, the driver's result otherwise.
   * SQLite: statements prepared once on the single connection; writes are grouped into one
   * commit per turn of the event loop (`groupWrite`) and go through `serialized`, so another
   * request's rollback cannot take them; reads wait, like `read`'s, for the turns queued (at
   * once when there are none). MySQL: the mysql2 pool's
   * `execute` (server-side prepared, cached per connection; every statement autocommits).
   */
  async execute(sql: string, params: SqlParam[]): Promise<unknown> {
    if (this.kind === 'mysql') {
      return new Promise((resolve, reject) =>
        this.mysqlPool().execute(sql, params, (err, result) => (err ? reject(err) : resolve(result))),
      );
    }
    let statement = this.prepared.get(sql);
    if (!statement) this.prepared.set(sql, (statement = this.sqliteConnection().prepare<SqlParam[]>(sql)));
    if (statement.reader) {
      const select = statement;
      return this.exclusiveTurns === 0 ? select.all(...params) : this.sqliteQueue.then(() => select.all(...params));
    }
    return this.groupWrite(statement, params);
  }

  /**
   * Runs `work` in one transaction whose statements go through `tx.run` (rows for a SELECT,
   * the driver's result otherwise), without TypeORM's query runner: for the hot paths whose
   * several statements must land together (a sign-in and its audit event, a throttle's read
   * and reservation, a token grant's writes; BENCHMARKS.md). SQLite: one exclusive turn
   * (BEGIN IMMEDIATE … COMMIT on the one connection), statements prepared once and run
   * synchronously, so a `work` that awaits nothing but `tx.run` holds the connection for
   * microseconds. MySQL: one pooled connection, its statements server-side prepared (mysql2's
   * `execute`). Rolled back when `work` throws.
   */
  atomically<T>(work: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    if (this.kind === 'mysql') return this.atomicallyMysql(work);
    return this.exclusive(async () => {
      const connection = this.sqliteConnection();
      this.runPrepared('BEGIN IMMEDIATE', []);
      try {
        const result = await work({ run: async (sql, params) => this.runPrepared(sql, params) });
        this.runPrepared('COMMIT', []);
        return result;
      } catch (err) {
        if (connection.inTransaction) connection.exec('ROLLBACK');
        throw err;
      }
    });
  }

  /**
   * `atomically`, run again whole (3 attempts in all) when MySQL chose it as a deadlock victim
   * and rolled it back: for transactions that update rows other requests update at the same
   * moment (the throttle's counters). SQLite never deadlocks (one writer at a time).
   */
  async atomicallyRetried<T>(work: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.atomically(work);
      } catch (err) {
        if (attempt >= DEADLOCK_ATTEMPTS || !isDeadlock(err)) throw err;
      }
    }
  }

  /**
   * Stores `writes` in one transaction, for a request's writes gathered before it answers
   * (a token grant's; src/oidc/adapter.ts). MySQL: START TRANSACTION, the statements and
   * COMMIT sent as one request — one round trip, one log flush — on a small pool of its own
   * whose connections accept several statements per request (the main pool does not: nothing
   * else may send them); values are escaped by mysql2 with the main pool's time zone and
   * character set. SQLite: one `atomically` turn.
   */
  async batch(writes: readonly (readonly [string, SqlParam[]])[]): Promise<void> {
    if (writes.length === 0) return;
    if (this.kind === 'sqlite') {
      await this.atomically(async (tx) => {
        for (const [sql, params] of writes) await tx.run(sql, params);
      });
      return;
    }
    // InnoDB may choose this transaction as a deadlock victim (upserts into the same index
    // gaps as another): it is rolled back whole, and sent again.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.batchOnce(writes);
      } catch (err) {
        if (attempt >= DEADLOCK_ATTEMPTS || !isDeadlock(err)) throw err;
      }
    }
  }

  private async batchOnce(writes: readonly (readonly [string, SqlParam[]])[]): Promise<void> {
    const pool = (this.batchPool ??= this.openBatchPool());
    const connection = await new Promise<PoolConnection>((resolve, reject) =>
      pool.getConnection((err, c) => (err ? reject(err) : resolve(c))),
    );
    const text = ['START TRANSACTION', ...writes.map(([sql, params]) => connection.format(sql, params)), 'COMMIT'].join(
      ';\n',
    );
    const call = (sql: string) =>
      new Promise<void>((resolve, reject) => connection.query(sql, (err) => (err ? reject(err) : resolve())));
    try {
      await call(text);
    } catch (err) {
      // A failed statement ends the request there, its transaction left open: undone here.
      try {
        await call('ROLLBACK');
      } catch {
        connection.destroy();
        throw err;
      }
      connection.release();
      throw err;
    }
    connection.release();
  }

  private openBatchPool(): Pool {
    const o = this.dataSource.options as MysqlDataSourceOptions;
    return mysql2.createPool({
      host: o.host,
      port: o.port,
      user: o.username,
      password: o.password,
      database: o.database,
      charset: o.charset,
      timezone: o.timezone,
      connectTimeout: o.connectTimeout,
      // As many as the main pool: every concurrent token request may be storing its writes.
      connectionLimit: o.poolSize ?? 10,
      multipleStatements: true,
    });
  }

  /**
   * SQLite: runs one statement, prepared once, on the connection (inside a turn). BEGIN and
   * COMMIT too: `exec` would parse them again on every transaction.
   */
  private runPrepared(sql: string, params: SqlParam[]): unknown {
    let statement = this.prepared.get(sql);
    if (!statement) this.prepared.set(sql, (statement = this.sqliteConnection().prepare<SqlParam[]>(sql)));
    return statement.reader ? statement.all(...params) : statement.run(...params);
  }

  private async atomicallyMysql<T>(work: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    const connection = await new Promise<PoolConnection>((resolve, reject) =>
      this.mysqlPool().getConnection((err, c) => (err ? reject(err) : resolve(c))),
    );
    const call = (run: (done: (err: unknown, result?: unknown) => void) => void) =>
      new Promise<unknown>((resolve, reject) => run((err, result) => (err ? reject(err) : resolve(result))));
    let open = false;
    let broken = false;
    try {
      await call((done) => connection.query('START TRANSACTION', done));
      open = true;
      const result = await work({ run: (sql, params) => call((done) => connection.execute(sql, params, done)) });
      await call((done) => connection.query('COMMIT', done));
      open = false;
      return result;
    } catch (err) {
      // A connection that cannot even roll back is closed, not handed back to the pool.
      if (open) await call((done) => connection.query('ROLLBACK', done)).catch(() => (broken = true));
      throw err;
    } finally {
      if (broken) connection.destroy();
      else connection.release();
    }
  }

  /**
   * Group commit. A single SQLite write commits by appending every page it touched to the
   * WAL (the table's and each index's: ≈ 6 pages of 4 KiB for a token row); the writes that
   * concurrent requests issue in the same turn of the event loop are run in one transaction
   * instead, so the pages they share are appended once. Each write's promise settles only
   * once that transaction has committed (durability is the same), and a write that fails
   * (a constraint) fails alone: SQLite undoes that statement and the others commit.
   */
  private groupWrite(statement: SqliteStatement, params: SqlParam[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.pendingWrites) {
        this.pendingWrites.push({ statement, params, resolve, reject });
        return;
      }
      this.pendingWrites = [{ statement, params, resolve, reject }];
      // After this turn's I/O callbacks, so the writes of every request handled in it join.
      setImmediate(() => {
        const batch = this.pendingWrites!;
        this.pendingWrites = null;
        void this.serialized(() => this.commitWrites(batch));
      });
    });
  }

  private commitWrites(batch: PendingWrite[]): void {
    if (batch.length === 1) {
      const [only] = batch as [PendingWrite];
      try {
        only.resolve(only.statement.run(...only.params));
      } catch (err) {
        only.reject(err);
      }
      return;
    }
    const connection = this.sqliteConnection();
    try {
      this.runPrepared('BEGIN IMMEDIATE', []);
    } catch (err) {
      for (const write of batch) write.reject(err);
      return;
    }
    const outcomes = batch.map((write) => {
      try {
        return { ok: true as const, value: write.statement.run(...write.params) };
      } catch (err) {
        return { ok: false as const, err };
      }
    });
    try {
      this.runPrepared('COMMIT', []);
    } catch (err) {
      // Nothing of the batch is stored (an I/O error ends the transaction): every write fails.
      try {
        connection.exec('ROLLBACK');
      } catch {
        // Already rolled back by SQLite.
      }
      for (const write of batch) write.reject(err);
      return;
    }
    batch.forEach((write, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) write.resolve(outcome.value);
      else write.reject(outcome.err);
    });
  }

  async pendingMigrations(): Promise<boolean> {
    return this.dataSource.showMigrations();
  }

  /** True when the database answers a trivial query. */
  async ping(): Promise<boolean> {
    try {
      await this.dataSource.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.checkpoints?.stop();
    const batchPool = this.batchPool;
    this.batchPool = null;
    if (batchPool) await new Promise<void>((resolve) => batchPool.end(() => resolve()));
    this.checkpoints = null;
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

export interface OpenOptions {
  /** Apply pending migrations (the server and `migrate` do; tests of migrations don't). */
  migrate?: boolean;
  /**
   * SQLite: this connection's page cache, instead of the server's 32 MiB (data-source.ts),
   * for a one-shot command whose resident memory counts more than hot indexes (import-aaf).
   */
  sqliteCacheMiB?: number;
}

export async function openDatabase(database: Config['database'], options: OpenOptions = {}): Promise<Database> {
  const target = parseDatabaseUrl(database.url);
  if (target.kind === 'sqlite' && target.path !== ':memory:') {
    const { mkdirSync } = await import('node:fs');
    const { dirname } = await import('node:path');
    mkdirSync(dirname(target.path), { recursive: true });
  }
  const dataSource = createDataSource(database);
  try {
    await dataSource.initialize();
  } catch (err) {
    throw new DatabaseUnavailableError(`cannot open the database ${redactDatabaseUrl(database.url)}: ${oneLine(err)}`);
  }
  if (dataSource.driver instanceof BetterSqlite3Driver)
    dataSource.driver.queryRunner = new ImmediateQueryRunner(dataSource.driver);
  const db = new Database(dataSource, database.url);
  if (db.kind === 'sqlite' && options.sqliteCacheMiB)
    db.sqliteConnection().pragma(`cache_size = -${Math.round(options.sqliteCacheMiB * 1024)}`);
  if (options.migrate ?? true) {
    try {
      await migrate(dataSource);
    } catch (err) {
      await db.close();
      throw new DatabaseUnavailableError(
        `cannot migrate the database ${redactDatabaseUrl(database.url)}: ${oneLine(err)}`,
      );
    }
  }
  if (target.kind === 'sqlite' && target.path !== ':memory:') {
    db.checkpoints = startBackgroundCheckpoints(db.sqliteConnection(), target.path, {
      onFailure: (reason) =>
        process.emitWarning(`SQLite checkpoint worker stopped (${reason}); automatic checkpoints restored`),
    });
  }
  return db;
}

/**
 * SQLite transactions take the write lock when they begin (BEGIN IMMEDIATE), waiting for it
 * up to the busy timeout like any statement. A deferred BEGIN takes it at the first write,
 * and a transaction that has already read cannot wait there: it fails at once with
 * « database is locked » if another connection writes at that moment (the checkpoint worker
 * restarting the WAL, a CLI command, a second instance). TypeORM has no option for it; its
 * better-sqlite3 driver has one query runner (its public `queryRunner`, created when first
 * needed), which `openDatabase` replaces with this one.
 */
class ImmediateQueryRunner extends BetterSqlite3QueryRunner {
  override query(
    sql: string,
    parameters?: unknown[] | ObjectLiteral,
    useStructuredResult?: boolean,
  ): ReturnType<BetterSqlite3QueryRunner['query']> {
    return super.query(
      sql === 'BEGIN TRANSACTION' ? 'BEGIN IMMEDIATE TRANSACTION' : sql,
      parameters,
      useStructuredResult,
    );
  }
}

/** Attempts at migrating: instances starting together on a new database race for the first one. */
const MIGRATION_ATTEMPTS = 3;

/**
 * Applies pending migrations, each in its own transaction. When several instances start
 * together on a new database, all see the same pending list and only one can apply each
 * migration: the others fail on a table that now exists. They try again a moment later,
 * re-reading what has been applied, and find nothing left to do.
 */
async function migrate(dataSource: DataSource): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await dataSource.runMigrations({ transaction: 'each' });
      return;
    } catch (err) {
      if (attempt >= MIGRATION_ATTEMPTS) throw err;
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt + Math.random() * 500));
    }
  }
}

function oneLine(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const message = (e.message ?? String(err)).split('\n')[0] ?? '';
  return e.code && !message.includes(e.code) ? `${e.code} ${message}` : message;
}
