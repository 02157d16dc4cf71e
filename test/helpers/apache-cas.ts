// A real CAS client for tests: Debian's Apache with mod_auth_cas, started in the foreground
// with a configuration generated in a temporary folder. It protects /protege/ (a CGI that
// prints REMOTE_USER and the CAS attributes mod_auth_cas passes on) and accepts CAS single
// logout requests (CASSSOEnabled).
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './server.js';

const MODULES = '/usr/lib/apache2/modules';
const APACHE = '/usr/sbin/apache2';

/** Apache and mod_auth_cas are installed (`apt-get install apache2 libapache2-mod-auth-cas`). */
export const apacheCasAvailable = (): boolean =>
  existsSync(APACHE) &&
  ['mod_auth_cas.so', 'mod_mpm_prefork.so', 'mod_cgi.so'].every((m) => existsSync(join(MODULES, m)));

export interface ApacheCas {
  /** The protected page (the CAS service URL). */
  page: string;
  /** Where its services start (register it as the service's prefix). */
  prefix: string;
  errorLog(): string;
  stop(): Promise<void>;
}

export async function startApacheCas(issuer: string, validatePath = '/cas/p3/serviceValidate'): Promise<ApacheCas> {
  const dir = mkdtempSync(join(tmpdir(), 'ent-idp-apache-'));
  const port = await freePort();
  mkdirSync(join(dir, 'cas-cache'));
  mkdirSync(join(dir, 'cgi'));
  const script = join(dir, 'cgi', 'moi');
  writeFileSync(
    script,
    [
      '#!/bin/sh',
      'printf "Content-Type: text/plain; charset=utf-8\\r\\n\\r\\n"',
      'echo "utilisateur=$REMOTE_USER"',
      'echo "prenom=$HTTP_CAS_PRENOM"',
      'echo "profil=$HTTP_CAS_PROFIL"',
      '',
    ].join('\n'),
  );
  chmodSync(script, 0o755);
  const load = (name: string, file: string) => `LoadModule ${name} ${MODULES}/${file}`;
  writeFileSync(
    join(dir, 'httpd.conf'),
    [
      `ServerRoot ${dir}`,
      `ServerName 127.0.0.1:${port}`,
      `Listen 127.0.0.1:${port}`,
      `PidFile ${dir}/httpd.pid`,
      `ErrorLog ${dir}/error.log`,
      'LogLevel warn auth_cas:debug',
      load('mpm_prefork_module', 'mod_mpm_prefork.so'),
      load('authn_core_module', 'mod_authn_core.so'),
      load('authz_core_module', 'mod_authz_core.so'),
      load('authz_user_module', 'mod_authz_user.so'),
      load('alias_module', 'mod_alias.so'),
      load('cgi_module', 'mod_cgi.so'),
      load('auth_cas_module', 'mod_auth_cas.so'),
      'StartServers 1',
      'MinSpareServers 1',
      'MaxSpareServers 2',
      `CASCookiePath ${dir}/cas-cache/`,
      `CASLoginURL ${issuer}/cas/login`,
      `CASValidateURL ${issuer}${validatePath}`,
      'CASSSOEnabled On',
      'CASDebug On',
      `ScriptAlias /protege/ ${dir}/cgi/`,
      '<Location /protege/>',
      '  AuthType CAS',
      '  CASAuthNHeader CAS-User',
      '  Require valid-user',
      '</Location>',
      '',
    ].join('\n'),
  );
  // In a process group of its own: on SIGTERM, Apache's prefork parent signals its whole group.
  const child: ChildProcess = spawn(APACHE, ['-f', join(dir, 'httpd.conf'), '-DFOREGROUND'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const base = `http://127.0.0.1:${port}`;
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
    page: `${base}/protege/moi`,
    prefix: `${base}/protege/`,
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
