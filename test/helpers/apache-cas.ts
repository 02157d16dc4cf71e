// A real CAS client for tests: Debian's Apache with mod_auth_cas, started in the foreground
// with a configuration generated in a temporary folder. It protects /protege/ (a CGI that
// prints REMOTE_USER and the CAS attributes mod_auth_cas passes on) and accepts CAS single
// logout requests (CASSSOEnabled).
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apacheHas, runApache, writeCgi, writeConfig } from './apache.js';
import { freePort } from './server.js';

/** Apache and mod_auth_cas are installed (`apt-get install apache2 libapache2-mod-auth-cas`). */
export const apacheCasAvailable = (): boolean => apacheHas('mod_auth_cas.so');

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
  writeCgi(dir, { prenom: 'HTTP_CAS_PRENOM', profil: 'HTTP_CAS_PROFIL' });
  writeConfig(dir, port, {
    logLevel: 'warn auth_cas:debug',
    module: ['auth_cas_module', 'mod_auth_cas.so'],
    directives: [
      `CASCookiePath ${dir}/cas-cache/`,
      `CASLoginURL ${issuer}/cas/login`,
      `CASValidateURL ${issuer}${validatePath}`,
      'CASSSOEnabled On',
      'CASDebug On',
      '<Location /protege/>',
      '  AuthType CAS',
      '  CASAuthNHeader CAS-User',
      '  Require valid-user',
      '</Location>',
    ],
  });
  const base = `http://127.0.0.1:${port}`;
  const apache = await runApache(dir, base);
  return { page: `${base}/protege/moi`, prefix: `${base}/protege/`, ...apache };
}
