// `service add … --protocol saml --metadata https://…`: SP metadata read from an https URL —
// a local https server with a self-signed certificate the CLI trusts through
// NODE_EXTRA_CA_CERTS — and each way it can fail, in one CLI line: not https, an HTTP error,
// a redirect, too large, too slow.
import { webcrypto } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpsServer, type Server } from 'node:https';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { createTestDatabaseUrl, type TestDatabase } from '../../helpers/db.js';
import { makeSp } from '../../helpers/saml.js';
import { childEnv, cli, errorLines, requireBuild } from '../ops/harness.js';
import { fetchMetadata } from '../../../src/saml/fetch-metadata.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

let database: TestDatabase;
let env: NodeJS.ProcessEnv;
let dir: string;
let server: Server;
let base: string;
let silent: TcpServer;
const sockets: Socket[] = [];
let metadataXml: string;

async function selfSigned(): Promise<{ cert: string; key: string }> {
  const alg = {
    name: 'RSASSA-PKCS1-v1_5',
    hash: 'SHA-256',
    publicExponent: new Uint8Array([1, 0, 1]),
    modulusLength: 2048,
  };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=127.0.0.1',
    notBefore: new Date(Date.now() - 86_400_000),
    notAfter: new Date(Date.now() + 86_400_000),
    keys: keys as never,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }]),
    ],
  });
  const key = x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
  return { cert: cert.toString('pem'), key };
}

beforeAll(async () => {
  requireBuild();
  database = await createTestDatabaseUrl();
  dir = await mkdtemp(join(tmpdir(), 'saml-metadata-url-'));
  metadataXml = (await makeSp('https://distant.example/saml', 'https://distant.example/acs')).metadata();
  const tls = await selfSigned();
  await writeFile(join(dir, 'ca.pem'), tls.cert);
  server = createHttpsServer(tls, (req, res) => {
    if (req.url === '/metadata.xml') res.writeHead(200, { 'content-type': 'application/xml' }).end(metadataXml);
    else if (req.url === '/moved') res.writeHead(302, { location: '/metadata.xml' }).end();
    else if (req.url === '/huge') {
      // No content-length: the bound is counted while reading.
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.write('<x>');
      res.end('a'.repeat(300 * 1024));
    } else res.writeHead(404).end('non');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
  // Accepts and never answers (not even the TLS handshake).
  silent = createTcpServer((s) => sockets.push(s));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  env = childEnv({ DATABASE_URL: database.url, NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') });
}, 60_000);

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => silent?.close(resolve));
  await new Promise((resolve) => server?.close(resolve));
  await rm(dir, { recursive: true, force: true });
  await database.drop();
});

const add = (url: string) => cli(['service', 'add', 'distant', '--protocol', 'saml', '--metadata', url], env);

it('registers an SP from metadata served over https', async () => {
  const run = await add(`${base}/metadata.xml`);
  expect(errorLines(run.stderr)).toEqual([]);
  expect(run.stdout).toBe('saved distant (saml) https://distant.example/saml https://distant.example/acs\n');
  expect((await cli(['service', 'list'], env)).stdout).toMatch(/^distant\tsaml\thttps:\/\/distant\.example\/saml\t/m);
}, 60_000);

it('refuses, in one line: plain http, an HTTP error, a redirect, too large, an untrusted certificate', async () => {
  const cases: [string, RegExp, NodeJS.ProcessEnv?][] = [
    [`http://127.0.0.1:1/metadata.xml`, /metadata URL must be https/],
    [`${base}/nowhere`, /answered HTTP 404/],
    [`${base}/moved`, /answered HTTP 302 \(redirects are not followed/],
    [`${base}/huge`, /larger than 262144 bytes/],
    [
      `${base}/metadata.xml`,
      /cannot fetch .*: (DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED)/,
      childEnv({ DATABASE_URL: database.url }),
    ],
  ];
  for (const [url, message, runEnv] of cases) {
    const run = await cli(['service', 'add', 'refused', '--protocol', 'saml', '--metadata', url], runEnv ?? env);
    expect(run.code).toBe(1);
    expect(errorLines(run.stderr)[0]).toMatch(message);
  }
  expect((await cli(['service', 'list'], env)).stdout).not.toContain('refused');
}, 60_000);

it('gives up on a server that never answers, within the time bound', async () => {
  const port = (silent.address() as { port: number }).port;
  await expect(fetchMetadata(`https://127.0.0.1:${port}/metadata.xml`, { timeoutMs: 300 })).rejects.toThrow(
    /no complete answer from .* within 0.3 s/,
  );
});
