// SQLite files checkpoint their WAL from a worker thread (src/db/sqlite-checkpoint.ts): the
// main connection never checkpoints while the worker runs, the WAL stays bounded under
// continuous writes, every committed row is in the database file after close, and SQLite's
// automatic checkpoints come back when the worker is gone. SQLite-specific, so it always
// runs on its own SQLite file (also in the MariaDB run).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { endianness, tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { loadConfig } from '../../src/config/index.js';
import { openDatabase, type Database } from '../../src/db/index.js';
import { startBackgroundCheckpoints } from '../../src/db/sqlite-checkpoint.js';

const MiB = 1024 * 1024;
const require = createRequire(import.meta.url);

describe('SQLite WAL checkpoints in a worker thread', () => {
  let dir: string;
  let path: string;
  let db: Database;
  const pragma = (sql: string) => db.sqliteConnection().pragma(sql, { simple: true });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ent-idp-wal-'));
    path = join(dir, 'idp.sqlite');
    db = await openDatabase(loadConfig({ env: { NODE_ENV: 'test', DATABASE_URL: `sqlite:${path}` } }).database);
  });

  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const insert = (i: number) =>
    db.transaction((m) =>
      m.query(
        'INSERT INTO oidc_artifacts (model, id, payload, grantId, accountId, expiresAt) VALUES (?, ?, ?, ?, ?, ?)',
        [
          'AccessToken',
          `token-${i}`,
          JSON.stringify({ n: i, filler: 'x'.repeat(400) }),
          `grant-${i}`,
          `account-${i % 50}`,
          '2030-01-01 00:00:00.000',
        ],
      ),
    );

  test('the main connection leaves checkpoints to the worker, which keeps the WAL bounded', async () => {
    expect(pragma('wal_autocheckpoint')).toBe(0);
    let largest = 0;
    // ≈ 6 pages of WAL per insert: 20,000 inserts append ≈ 480 MiB without any checkpoint.
    for (let i = 0; i < 20_000; i++) {
      await insert(i);
      if (i % 250 === 0) {
        largest = Math.max(largest, statSync(`${path}-wal`).size);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    expect(largest).toBeLessThan(200 * MiB);
    // Quiet again: the worker restarts the WAL and SQLite truncates it to the size limit
    // (a page waits up to a second for its checkpoint).
    await insert(-1);
    await new Promise((resolve) => setTimeout(resolve, 1300));
    await insert(-2);
    await new Promise((resolve) => setTimeout(resolve, 1300));
    expect(statSync(`${path}-wal`).size).toBeLessThanOrEqual(16 * MiB + 64 * 1024);

    await db.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
    const reopened = new BetterSqlite3(path, { readonly: true });
    expect(reopened.prepare('SELECT COUNT(*) FROM oidc_artifacts').pluck().get()).toBe(20_002);
    reopened.close();
  });

  test('a few pages wait in the WAL for up to a second, not for the next write', async () => {
    // The wal-index header (sqlite.org/walformat.html), host byte order: frames in the WAL at
    // offset 16, frames already copied into the database at 96.
    const waiting = () => {
      const header = readFileSync(`${path}-shm`).subarray(0, 100);
      const u32 = (offset: number) =>
        endianness() === 'LE' ? header.readUInt32LE(offset) : header.readUInt32BE(offset);
      return u32(16) - u32(96);
    };
    await new Promise((resolve) => setTimeout(resolve, 1300)); // what migrations wrote, checkpointed
    expect(waiting()).toBe(0);
    await insert(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(waiting()).toBeGreaterThan(0); // one commit's pages: not worth a checkpoint yet
    const deadline = Date.now() + 5000;
    while (waiting() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(waiting()).toBe(0); // copied into the database without another write
  });

  test('when the worker dies, SQLite checkpoints by itself again and the operator is told', async () => {
    const file = join(dir, 'other.sqlite');
    const connection = new BetterSqlite3(file);
    connection.pragma('journal_mode = WAL');
    const reasons: string[] = [];
    const checkpoints = startBackgroundCheckpoints(connection, file, { onFailure: (reason) => reasons.push(reason) });
    try {
      expect(connection.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
      const exited = new Promise((resolve) => checkpoints.thread.once('exit', resolve));
      await checkpoints.thread.terminate();
      await exited;
      expect(connection.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
      expect(reasons).toEqual([expect.stringMatching(/checkpoint worker exited/)]);
      await checkpoints.stop(); // after a death: nothing to do, no throw
    } finally {
      connection.close();
    }
  });

  test('a transaction that reads, then writes while another connection holds the write lock, waits for it instead of failing', async () => {
    // Another process (a CLI command, a second instance; the checkpoint worker restarting
    // the WAL does the same) holds SQLite's write lock for 300 ms.
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `
      const db = new (require(${JSON.stringify(require.resolve('better-sqlite3'))}))(${JSON.stringify(path)});
      db.exec('BEGIN IMMEDIATE');
      db.prepare("INSERT INTO oidc_artifacts (model, id, payload) VALUES ('Session', 'held', '{}')").run();
      process.stdout.write('locked\\n');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
      db.exec('COMMIT');
      db.close();
    `,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise((resolve) => holder.once('exit', resolve));
    await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));

    const written = await db.transaction(async (manager) => {
      const before = Number((await manager.query('SELECT COUNT(*) AS n FROM oidc_artifacts'))[0].n);
      await manager.query("INSERT INTO oidc_artifacts (model, id, payload) VALUES ('Session', 'mine', '{}')");
      return before;
    });
    await exited;
    expect(written).toBe(1); // the transaction began once the other one had committed
    expect(Number((await db.read((m) => m.query('SELECT COUNT(*) AS n FROM oidc_artifacts')))[0].n)).toBe(2);
  });
});
