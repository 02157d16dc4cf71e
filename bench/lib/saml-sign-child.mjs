// Child process: the bound for the SAML bench. The product's own Response builder from dist/
// (signedResponse: the Assertion signed, then the Response around it signed, xml-crypto,
// RSA-SHA256, exclusive C14N) in a loop, alone, with the same key size, NameID and default
// attribute profile as the SSO run, for a bounded time. Plain JavaScript, like the server.
//   argv: seconds
import { generateKeyPairSync } from 'node:crypto';
import { childMain, reply } from './child.mjs';

const dist = new URL('../../dist/', import.meta.url);
const { signedResponse } = await import(new URL('src/saml/response.js', dist).href);
const { idpSigningKey } = await import(new URL('src/saml/certificate.js', dist).href);

const attribute = (name, friendlyName, values) => ({
  name,
  friendlyName,
  nameFormat: 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri',
  values,
});

childMain(async () => {
  const seconds = Number(process.argv[2]);
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), alg: 'RS256', kid: 'bench' };
  const key = await idpSigningKey([jwk], 'http://127.0.0.1:1');
  const input = {
    idpEntityId: 'http://127.0.0.1:1/saml/metadata',
    spEntityId: 'https://sp.bench.example/metadata',
    acs: 'https://sp.bench.example/acs',
    inResponseTo: '_0123456789abcdef0123456789abcdef',
    nameId: { format: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent', value: 'a'.repeat(64) },
    attributes: [
      attribute('urn:oid:0.9.2342.19200300.100.1.1', 'identifiant', ['bench.0']),
      attribute('urn:oid:2.5.4.4', 'nom', ['Banc0']),
      attribute('urn:oid:2.5.4.42', 'prenom', ['Élève']),
      attribute('urn:oid:1.3.6.1.4.1.5923.1.1.1.5', 'profil', ['student']),
    ],
    authnInstant: new Date(),
    sessionIndex: '_session',
  };
  for (let i = 0; i < 50; i++) await signedResponse(input, key); // warm-up (JIT)
  let done = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const deadline = start + seconds * 1000;
  while (performance.now() < deadline) {
    await signedResponse(input, key);
    done++;
  }
  const elapsed = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  reply({ type: 'result', perSecond: done / elapsed, done, cpuPerResponseMs: (cpu.user + cpu.system) / 1000 / done });
  process.exit(0);
});
