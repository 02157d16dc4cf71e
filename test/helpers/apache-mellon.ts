// A real SAML service provider for tests: Debian's Apache with mod_auth_mellon, started in the
// foreground (as test/helpers/apache-cas.ts does) with an SP key, certificate and metadata
// made by openssl in a temporary folder, and our /saml/metadata as its IdP. It protects
// /protege/ (a CGI that prints the NameID and attributes mellon passes on). Its metadata
// announces single logout at /mellon/logout as mellon's own generated metadata does: SOAP
// (IdP-initiated, server to server) and HTTP-Redirect (through the browser).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './server.js';

const MODULES = '/usr/lib/apache2/modules';
const APACHE = '/usr/sbin/apache2';

/** Apache and mod_auth_mellon are installed (`apt-get install apache2 libapache2-mod-auth-mellon`). */
export const apacheMellonAvailable = (): boolean =>
  existsSync(APACHE) &&
  existsSync('/usr/bin/openssl') &&
  ['mod_auth_mellon.so', 'mod_mpm_prefork.so', 'mod_cgi.so'].every((m) => existsSync(join(MODULES, m)));

export interface ApacheMellon {
  page: string;
  /** The server's root (a valid ReturnTo for /mellon/logout). */
  base: string;
  entityId: string;
  /** The SP metadata to register. */
  metadata: string;
  errorLog(): string;
  stop(): Promise<void>;
}

export async function startApacheMellon(issuer: string): Promise<ApacheMellon> {
  const dir = mkdtempSync(join(tmpdir(), 'ent-idp-mellon-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const entityId = `${base}/mellon/metadata`;
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=mellon.test',
      '-keyout',
      join(dir, 'sp.key'),
      '-out',
      join(dir, 'sp.crt'),
    ],
    { stdio: 'ignore' },
  );
  const cert = readFileSync(join(dir, 'sp.crt'), 'utf8').replace(/-----[^-]+-----|\s/g, '');
  const metadata = `<?xml version="1.0"?>
<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${entityId}">
  <SPSSODescriptor AuthnRequestsSigned="true" WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></KeyDescriptor>
    <SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:SOAP" Location="${base}/mellon/logout"/>
    <SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${base}/mellon/logout"/>
    <NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</NameIDFormat>
    <AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${base}/mellon/postResponse" index="0" isDefault="true"/>
  </SPSSODescriptor>
</EntityDescriptor>
`;
  writeFileSync(join(dir, 'sp-metadata.xml'), metadata);
  const idp = await fetch(`${issuer}/saml/metadata`).then((r) => r.text());
  writeFileSync(join(dir, 'idp-metadata.xml'), idp);
  mkdirSync(join(dir, 'cgi'));
  const script = join(dir, 'cgi', 'moi');
  writeFileSync(
    script,
    [
      '#!/bin/sh',
      'printf "Content-Type: text/plain; charset=utf-8\\r\\n\\r\\n"',
      'echo "utilisateur=$REMOTE_USER"',
      'echo "identifiant=$MELLON_identifiant"',
      'echo "prenom=$MELLON_prenom"',
      'echo "classes=$MELLON_classes"',
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
      'LogLevel warn auth_mellon:debug',
      load('mpm_prefork_module', 'mod_mpm_prefork.so'),
      load('authn_core_module', 'mod_authn_core.so'),
      load('authz_core_module', 'mod_authz_core.so'),
      load('authz_user_module', 'mod_authz_user.so'),
      load('alias_module', 'mod_alias.so'),
      load('cgi_module', 'mod_cgi.so'),
      load('auth_mellon_module', 'mod_auth_mellon.so'),
      'StartServers 1',
      'MinSpareServers 1',
      'MaxSpareServers 2',
      `ScriptAlias /protege/ ${dir}/cgi/`,
      '<Location />',
      `  MellonSPPrivateKeyFile ${dir}/sp.key`,
      `  MellonSPCertFile ${dir}/sp.crt`,
      `  MellonSPMetadataFile ${dir}/sp-metadata.xml`,
      `  MellonIdPMetadataFile ${dir}/idp-metadata.xml`,
      '  MellonEndpointPath /mellon',
      '  MellonSecureCookie Off',
      // Attributes arrive by Name (urn:oid): mapped to MELLON_<our name> for the CGI.
      '  MellonSetEnv identifiant urn:oid:0.9.2342.19200300.100.1.1',
      '  MellonSetEnv prenom urn:oid:2.5.4.42',
      '  MellonSetEnv classes urn:oid:1.3.6.1.4.1.5923.1.5.1.1',
      '</Location>',
      '<Location /protege/>',
      '  AuthType Mellon',
      '  MellonEnable auth',
      '  MellonUser NAME_ID',
      '  Require valid-user',
      '</Location>',
      '',
    ].join('\n'),
  );
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
    page: `${base}/protege/moi`,
    base,
    entityId,
    metadata,
    errorLog: () => (existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : '') + stderr,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 5_000)))]);
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
