// Child processes for the benchmarks: every server and every load generator runs in its own
// Node process (TypeScript through tsx), so load and service never share an event loop.
// They talk to the coordinator over IPC with small JSON messages.
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The servers under test run from dist/, as `npm start` does: rebuild it if a source is newer
 * (scripts/build-if-stale.mjs). When the tree does not compile right now (other work in
 * progress), the existing build is used and said so.
 */
export function ensureBuilt(): void {
  try {
    execFileSync(process.execPath, ['scripts/build-if-stale.mjs'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    if (!existsSync(`${ROOT}dist/src/server.js`))
      throw new Error(`cannot build dist/: ${(err as Error).message}`, { cause: err });
    console.log('notice: dist/ could not be rebuilt (the tree does not compile right now); using the existing build');
  }
}

export interface Message {
  type: string;
  [key: string]: unknown;
}

export interface Child {
  proc: ChildProcess;
  /** Resolves with the next message of this type (or rejects on exit / timeout). */
  next<T = Message>(type: string, timeoutMs?: number): Promise<T>;
  send(message: Message): void;
  /** Asks the child to stop (`{ type: 'stop' }`), then kills it after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface ChildOptions {
  args?: string[];
  env?: Record<string, string | undefined>;
  /** Extra Node flags (`--expose-gc`, `--cpu-prof`, …). */
  nodeArgs?: string[];
}

/**
 * `script` is relative to bench/: `.mjs` children (servers, bounds) run on plain Node,
 * `.ts` children (load generators) through tsx.
 */
export function startChild(script: string, options: ChildOptions = {}): Child {
  const path = fileURLToPath(new URL(`../${script}`, import.meta.url));
  const proc = fork(path, options.args ?? [], {
    execArgv: [...(script.endsWith('.ts') ? ['--import', 'tsx'] : []), ...(options.nodeArgs ?? [])],
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const inbox: Message[] = [];
  const waiters: { type: string; resolve(m: Message): void; reject(e: Error): void }[] = [];
  let exited: Error | undefined;
  proc.on('message', (raw) => {
    const message = raw as Message;
    if (message.type === 'error') {
      const err = new Error(`${script}: ${String(message.message)}`);
      for (const w of waiters.splice(0)) w.reject(err);
      exited = err;
      return;
    }
    const i = waiters.findIndex((w) => w.type === message.type);
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(message);
    else inbox.push(message);
  });
  proc.on('exit', (code, signal) => {
    exited ??= new Error(`${script} exited (${code ?? signal})`);
    for (const w of waiters.splice(0)) w.reject(exited);
  });
  return {
    proc,
    next<T = Message>(type: string, timeoutMs = 600_000) {
      const i = inbox.findIndex((m) => m.type === type);
      if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0] as T);
      if (exited) return Promise.reject(exited);
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${script}: no '${type}' within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          type,
          resolve: (m) => (clearTimeout(timer), resolve(m as T)),
          reject: (e) => (clearTimeout(timer), reject(e)),
        });
      });
    },
    send(message) {
      if (proc.connected) proc.send(message);
    },
    async stop(graceMs = 10_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const done = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      if (proc.connected) proc.send({ type: 'stop' });
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await done;
      clearTimeout(timer);
    },
  };
}

/** In a child: sends a message to the coordinator. */
export function reply(message: Message): void {
  process.send?.(message);
}

/** In a child: runs `main`, reports a failure as an `error` message and exits non-zero. */
export function childMain(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    reply({ type: 'error', message: (err as Error)?.stack ?? String(err) });
    process.exitCode = 1;
    setTimeout(() => process.exit(1), 100).unref();
  });
}

/** The oldest local process with one of these names (e.g. the MariaDB server), if any. */
export function localPid(names: string[]): number | undefined {
  for (const name of names) {
    try {
      const out = execFileSync('pgrep', ['-o', '-x', name], { encoding: 'utf8' }).trim();
      if (out) return Number(out);
    } catch {
      // not running under that name
    }
  }
  return undefined;
}
