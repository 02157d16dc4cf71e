// Running the compiled `ent-idp` command and server as child processes, as operators do.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const MAIN = join(ROOT, 'dist/src/main.js');
export const CLI = join(ROOT, 'dist/src/cli/index.js');

export function requireBuild(): void {
  if (!existsSync(MAIN) || !existsSync(CLI)) throw new Error('dist/ is missing: run `npm run build` first');
}

/** A minimal environment: nothing from the test runner (NODE_OPTIONS, …) leaks in. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'test',
    DEMO: 'false',
    LOG_LEVEL: 'warn',
    PURGE_INTERVAL: '0',
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_TIME_COST: '1',
    ...extra,
  };
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function cli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** stderr lines that are ours (oidc-provider's start-up warnings set aside). */
export function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('oidc-provider WARNING'));
}

/** A server process started by `startServerProcess`; its stderr is kept for error messages. */
export interface ServerProcess {
  proc: ChildProcess;
  url: string;
  stderr(): string;
}

/** Starts the compiled server (`dist/src/main.js`) on 127.0.0.1:`port` with `env`. */
export function startServerProcess(env: NodeJS.ProcessEnv, port: number): ServerProcess {
  const proc = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  return { proc, url: `http://127.0.0.1:${port}`, stderr: () => err };
}

/** Resolves once `/readyz` answers 200; throws with the server's stderr if it exits first or takes longer. */
export async function waitReady(server: ServerProcess, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.proc.exitCode !== null) throw new Error(`server exited (${server.proc.exitCode}): ${server.stderr()}`);
    if (
      await fetch(`${server.url}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${server.url} not ready: ${server.stderr()}`);
}

/** SIGTERM to every server still running, waiting for each to exit. */
export async function stopServerProcesses(servers: readonly ServerProcess[]): Promise<void> {
  for (const { proc } of servers) {
    if (proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
  }
}
