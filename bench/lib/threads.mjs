// Per-thread CPU of a server under measurement, so the login bench can take argon2 out of the
// server's CPU by thread rather than by subtracting a separate argon2 loop's figure (which
// moved ±3 ms per verify between two loops of one run: as much as the whole overhead).
// argon2 runs on libuv's threadpool; Node 20 leaves every thread named « node », so the
// pool's threads are found by what they do: the ones that take the CPU of a burst of argon2
// verifications run in the process itself. Plain JavaScript: the measured children import it.
import { readdirSync, readFileSync } from 'node:fs';

/** Thread ids of a process. */
export function threadIds(pid = process.pid) {
  return readdirSync(`/proc/${pid}/task`).map(Number);
}

/** CPU time (ms, nanosecond precision) a thread has run: the first field of its schedstat. */
export function threadCpuMs(pid, tid) {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return 0; // the thread ended
  }
}

/** Sum of `threadCpuMs` over some threads of a process. */
export function threadsCpuMs(pid, tids) {
  return tids.reduce((sum, tid) => sum + threadCpuMs(pid, tid), 0);
}

/**
 * The threads of this process that ran `burst` (libuv's pool, given argon2 verifications):
 * those whose CPU rose by at least `minMs` while it ran. Run it before the measured window.
 */
export async function threadsRunning(burst, minMs = 15) {
  const before = new Map(threadIds().map((tid) => [tid, threadCpuMs(process.pid, tid)]));
  await burst();
  return threadIds().filter((tid) => threadCpuMs(process.pid, tid) - (before.get(tid) ?? 0) >= minMs);
}

/** libuv's pool threads of this process, found with argon2 verifications (each ≈ 20–30 ms of CPU). */
export async function poolThreads() {
  const { default: argon2 } = await import('argon2');
  const size = Number(process.env.UV_THREADPOOL_SIZE || 4);
  const options = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 };
  const hash = await argon2.hash('identifying the pool', options);
  const tids = await threadsRunning(() =>
    Promise.all(Array.from({ length: 3 * size }, () => argon2.verify(hash, 'identifying the pool'))),
  );
  return tids.filter((tid) => tid !== process.pid);
}
