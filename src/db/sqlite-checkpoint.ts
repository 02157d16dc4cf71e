// WAL checkpoints for an SQLite file, run by a worker thread on its own connection instead
// of by the writer that happens to cross `wal_autocheckpoint` pages.
//
// Why: with `synchronous = NORMAL` a commit does not wait for the disk, but a checkpoint
// copies the WAL into the database file and fsyncs both, and SQLite runs it inside the
// commit that crossed the threshold — on Node's main thread, which then serves nothing.
// Measured on the token endpoint's insert (BENCHMARKS.md): 160 µs wall per insert with the
// automatic checkpoint, 85 µs without, for the same CPU. The worker's PASSIVE checkpoints
// never block readers or writers; durability is unchanged (same WAL, same fsyncs, same
// `synchronous`), only the thread that waits for them differs.
//
// If the worker cannot run or dies, the main connection goes back to SQLite's automatic
// checkpoints, so the WAL never grows without bound.
//
// When: as SQLite would by itself, once 1,000 pages wait in the WAL, or once any page has
// waited a second. A checkpoint copies every page the WAL holds once, however many commits
// wrote it, so checkpointing each 100 ms re-copied the same hot pages (an index's last leaf,
// the throttle's rows) several times a second: on a sign-in, 0.2 ms of CPU and a fifth of the
// bytes written (issue #22, BENCHMARKS.md « Eighth session »). The worker looks every 100 ms
// at the WAL's count in the wal-index header (the `-shm` file, sqlite.org/walformat.html);
// when it cannot read it, it checkpoints on every look, as before.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';

/** The WAL size (pages) at which SQLite checkpoints by itself: its default. */
const AUTOCHECKPOINT_PAGES = 1000;

/** How often the worker looks at the WAL (a read of the wal-index header costs microseconds). */
const CHECKPOINT_INTERVAL_MS = 100;

/** Pages waiting in the WAL that start a checkpoint at once: SQLite's own `wal_autocheckpoint`. */
const CHECKPOINT_PAGES = 1000;

/** How long a page may wait in the WAL before a checkpoint, when fewer are waiting. */
const CHECKPOINT_MAX_AGE_MS = 1000;

/** WAL length (pages) past which the worker restarts the WAL: ≈ 16 MiB with 4 KiB pages. */
const RESTART_PAGES = 4096;

/** Consecutive failed checkpoints (≈ 5 s) after which the worker gives up. */
const MAX_FAILURES = 25;

// CommonJS, evaluated in the worker: better-sqlite3 is resolved by the parent and passed in.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Sqlite = require(workerData.driver);
// A short busy timeout: a checkpoint that has to wait gives way at once and is retried on the
// next tick, so a request never waits long behind it.
const db = new Sqlite(workerData.path, { timeout: 50, fileMustExist: true });
db.pragma('synchronous = NORMAL');
db.pragma('journal_size_limit = ' + workerData.restartPages * 4096);
const fs = require('node:fs');
const { endianness } = require('node:os');
let failures = 0;
// The wal-index header, in the host's byte order: mxFrame (frames in the WAL) at offset 16,
// nBackfill (frames already copied into the database) at offset 96. Read without SQLite's
// locks, so a value may be a commit late: a look too early or too late, never a lost page.
const header = Buffer.alloc(100);
const read32 = endianness() === 'LE' ? (o) => header.readUInt32LE(o) : (o) => header.readUInt32BE(o);
let shm = null;
const pagesWaiting = () => {
  try {
    shm ??= fs.openSync(workerData.path + '-shm', 'r');
    if (fs.readSync(shm, header, 0, 100, 0) < 100) return Infinity;
    return Math.max(read32(16) - read32(96), 0);
  } catch {
    return Infinity; // not readable: checkpoint on every look
  }
};
let waitingSince = null;
const due = () => {
  const pages = pagesWaiting();
  if (pages === 0) {
    waitingSince = null;
    return false;
  }
  const now = Date.now();
  waitingSince ??= now;
  return pages >= workerData.checkpointPages || now - waitingSince >= workerData.maxAgeMs;
};
const checkpoint = () => {
  const [result] = db.pragma('wal_checkpoint(PASSIVE)');
  // Under continuous writes a PASSIVE checkpoint never catches up with the writer, so the WAL
  // would only grow: past the limit, RESTART (what was appended since the pass above, then
  // the next writer starts the WAL over). Writers wait for that short remainder only.
  if (result && result.log >= workerData.restartPages) db.pragma('wal_checkpoint(RESTART)');
  waitingSince = null;
};
const timer = setInterval(() => {
  try {
    if (due()) checkpoint();
    failures = 0;
  } catch (err) {
    // Transient (locked): retried next tick. Persistent: give up, the parent restores
    // SQLite's automatic checkpoints.
    if (++failures >= workerData.maxFailures) throw err;
  }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  try { checkpoint(); } catch {} finally { if (shm !== null) fs.closeSync(shm); db.close(); parentPort.close(); }
});
`;

export interface BackgroundCheckpoints {
  /** The worker (its death restores automatic checkpoints). */
  readonly thread: Worker;
  /** Runs a last checkpoint, closes the worker's connection and ends the thread. */
  stop(): Promise<void>;
}

/**
 * Turns off the automatic checkpoint on `connection` and starts the worker that replaces it.
 * `onFailure` receives the reason when the worker dies (automatic checkpoints are back on).
 */
export function startBackgroundCheckpoints(
  connection: BetterSqlite3.Database,
  path: string,
  options: { onFailure?: (reason: string) => void } = {},
): BackgroundCheckpoints {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      driver,
      path,
      intervalMs: CHECKPOINT_INTERVAL_MS,
      checkpointPages: CHECKPOINT_PAGES,
      maxAgeMs: CHECKPOINT_MAX_AGE_MS,
      restartPages: RESTART_PAGES,
      maxFailures: MAX_FAILURES,
    },
  });
  worker.unref();
  let stopping = false;
  const restoreAutomatic = (reason: string) => {
    if (stopping) return;
    stopping = true;
    try {
      connection.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
    } catch {
      // The main connection is closed too: nothing left to checkpoint for.
    }
    options.onFailure?.(reason);
  };
  worker.once('error', (err) => restoreAutomatic(err.message));
  worker.once('exit', (code) => restoreAutomatic(`checkpoint worker exited (${code})`));
  connection.pragma('wal_autocheckpoint = 0');

  return {
    thread: worker,
    async stop() {
      if (stopping) return;
      stopping = true;
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage('stop');
      // A worker stuck on a locked file must not hold the shutdown.
      const timeout = setTimeout(() => void worker.terminate(), 2000);
      await exited;
      clearTimeout(timeout);
      connection.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
    },
  };
}
