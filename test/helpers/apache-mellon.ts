// A real SAML service provider for tests: Debian's Apache with mod_auth_mellon, started in the
// foreground (as test/helpers/apache-cas.ts does) with an SP key, certificate and metadata
// made by openssl in a temporary folder, and our /saml/metadata as its IdP. It protects
// /protege/ (a CGI that prints the NameID and attributes mellon passes on). Its metadata
// announces single logout at /mellon/logout as mellon's own generated metadata does: SOAP
// (IdP-initiated, server to server) and HTTP-Redirect (through the browser).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apacheHas, runApache, writeCgi, writeConfig } from './apache.js';
import { freePort } from './server.js';

/** Apache and mod_auth_mellon are installed (`apt-get install apache2 libapache2-mod-auth-mellon`). */
export const apacheMellonAvailable = (): boolean => existsSync('/usr/bin/openssl') && apacheHas('mod_auth_mellon.so');

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
  writeCgi(dir, { identifiant: 'MELLON_identifiant', prenom: 'MELLON_prenom', classes: 'MELLON_classes' });
  writeConfig(dir, port, {
    logLevel: 'warn auth_mellon:debug',
    module: ['auth_mellon_module', 'mod_auth_mellon.so'],
    directives: [
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
    ],
  });
  const apache = await runApache(dir, base);
  return {
    page: `${base}/protege/moi`,
    base,
    entityId,
    metadata,
    ...apache,
  };
}
