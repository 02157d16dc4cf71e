// What the Apache-based test peers share (apache-cas.ts, apache-mellon.ts): Debian's apache2
// in the foreground on a free 127.0.0.1 port, its configuration and a CGI (/protege/moi) in
// a temporary folder, started and waited for, then stopped and cleaned up.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MODULES = '/usr/lib/apache2/modules';
const APACHE = '/usr/sbin/apache2';

/** apache2 and these modules (besides prefork and cgi, which every peer loads) are installed. */
export const apacheHas = (...modules: string[]): boolean =>
  existsSync(APACHE) && ['mod_mpm_prefork.so', 'mod_cgi.so', ...modules].every((m) => existsSync(join(MODULES, m)));

/** /protege/moi: a CGI printing `utilisateur=$REMOTE_USER`, then one `name=$VARIABLE` line each. */
export function writeCgi(dir: string, variables: Record<string, string>): void {
  mkdirSync(join(dir, 'cgi'));
  const script = join(dir, 'cgi', 'moi');
  writeFileSync(
    script,
    [
      '#!/bin/sh',
      'printf "Content-Type: text/plain; charset=utf-8\\r\\n\\r\\n"',
      'echo "utilisateur=$REMOTE_USER"',
      ...Object.entries(variables).map(([name, variable]) => `echo "${name}=$${variable}"`),
      '',
    ].join('\n'),
  );
  chmodSync(script, 0o755);
}

/**
 * httpd.conf: the server on `port`, its log (at `logLevel`), the modules every peer needs and
 * `module` (`[name, file]`), one prefork child, then `directives`.
 */
export function writeConfig(
  dir: string,
  port: number,
  options: { logLevel: string; module: [string, string]; directives: string[] },
): void {
  const load = (name: string, file: string) => `LoadModule ${name} ${MODULES}/${file}`;
  writeFileSync(
    join(dir, 'httpd.conf'),
    [
      `ServerRoot ${dir}`,
      `ServerName 127.0.0.1:${port}`,
      `Listen 127.0.0.1:${port}`,
      `PidFile ${dir}/httpd.pid`,
      `ErrorLog ${dir}/error.log`,
      `LogLevel ${options.logLevel}`,
      load('mpm_prefork_module', 'mod_mpm_prefork.so'),
      load('authn_core_module', 'mod_authn_core.so'),
      load('authz_core_module', 'mod_authz_core.so'),
      load('authz_user_module', 'mod_authz_user.so'),
      load('alias_module', 'mod_alias.so'),
      load('cgi_module', 'mod_cgi.so'),
      load(...options.module),
      'StartServers 1',
      'MinSpareServers 1',
      'MaxSpareServers 2',
      `ScriptAlias /protege/ ${dir}/cgi/`,
      ...options.directives,
      '',
    ].join('\n'),
  );
}

export interface RunningApache {
  errorLog(): string;
  stop(): Promise<void>;
}

/** Starts apache2 on `dir`'s httpd.conf and waits until `base` answers (10 s at most). */
export async function runApache(dir: string, base: string): Promise<RunningApache> {
  // In a process group of its own: on SIGTERM, Apache's prefork parent signals its whole group.
  const child: ChildProcess = spawn(APACHE, ['-f', join(dir, 'httpd.conf'), '-DFOREGROUND'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`apache2 exited: ${stderr}`);
    const up = await fetch(`${base}/`, { redirect: 'manual' }).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw new Error(`apache2 did not start: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    errorLog: () => (existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : '') + stderr,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // apache2 -DFOREGROUND stops its children and itself on SIGTERM.
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 5_000)))]);
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
