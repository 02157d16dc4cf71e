// `ent-idp service add|list|remove --protocol saml --metadata <file>`: the SP registry from
// the command line, and its one-line refusals.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabaseUrl, type TestDatabase } from '../../helpers/db.js';
import { SamlService } from '../../../src/db/entities/index.js';
import { openDatabase } from '../../../src/db/index.js';
import { makeSp } from '../../helpers/saml.js';
import { childEnv, cli, errorLines, requireBuild } from '../ops/harness.js';

let database: TestDatabase;
let env: NodeJS.ProcessEnv;
let dir: string;

beforeAll(async () => {
  requireBuild();
  database = await createTestDatabaseUrl();
  env = childEnv({ DATABASE_URL: database.url });
  dir = await mkdtemp(join(tmpdir(), 'saml-cli-'));
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await database.drop();
});

it('adds an SP from its metadata, lists it beside CAS services, removes it', async () => {
  const sp = await makeSp('https://moodle.example/saml', 'https://moodle.example/acs');
  const file = join(dir, 'sp.xml');
  await writeFile(file, sp.metadata({ signed: true }));
  const add = await cli(
    [
      'service',
      'add',
      'moodle-saml',
      '--name',
      'Moodle',
      '--protocol',
      'saml',
      '--metadata',
      file,
      '--name-id',
      'identifiant',
    ],
    env,
  );
  expect(add.stderr).toBe('');
  expect(add.stdout).toBe('saved moodle-saml (saml) https://moodle.example/saml https://moodle.example/acs\n');
  const cas = await cli(
    ['service', 'add', 'moodle-saml', '--protocol', 'cas', '--service-url', 'https://moodle.example/'],
    env,
  );
  expect(cas.code).toBe(1);
  expect(errorLines(cas.stderr)[0]).toMatch(/already a SAML service provider/);
  const list = await cli(['service', 'list'], env);
  expect(list.stdout).toMatch(
    /^moodle-saml\tsaml\thttps:\/\/moodle\.example\/saml\tdefault nameid=identifiant\tMoodle$/m,
  );
  expect((await cli(['service', 'remove', 'moodle-saml'], env)).stdout).toBe('removed moodle-saml\n');
  expect((await cli(['service', 'remove', 'moodle-saml'], env)).code).toBe(1);
}, 60_000);

it('refuses metadata with a DTD, without an HTTP-POST ACS, with a garbage encryption certificate, or no --metadata', async () => {
  const bad = join(dir, 'bad.xml');
  await writeFile(bad, '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "e">]><md:EntityDescriptor/>');
  const dtd = await cli(['service', 'add', 'x-sp', '--protocol', 'saml', '--metadata', bad], env);
  expect(dtd.code).toBe(1);
  expect(errorLines(dtd.stderr)[0]).toMatch(/document type declarations are refused/);
  const noAcs = join(dir, 'noacs.xml');
  await writeFile(
    noAcs,
    '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://x.example/"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>',
  );
  const acs = await cli(['service', 'add', 'x-sp', '--protocol', 'saml', '--metadata', noAcs], env);
  expect(errorLines(acs.stderr)[0]).toMatch(/no AssertionConsumerService/);
  const garbage = join(dir, 'garbage-encryption.xml');
  const sp = await makeSp('https://garbage.example/saml', 'https://garbage.example/acs');
  await writeFile(garbage, sp.metadata({ encryption: { certificate: 'Z2FyYmFnZQ==' } }));
  const enc = await cli(['service', 'add', 'x-sp', '--protocol', 'saml', '--metadata', garbage], env);
  expect(enc.code).toBe(1);
  expect(errorLines(enc.stderr)[0]).toMatch(/the encryption certificate is not a valid X\.509 certificate/);
  expect((await cli(['service', 'add', 'x-sp', '--protocol', 'saml'], env)).code).toBe(2);
}, 60_000);

it('lists an SP whose stored metadata today’s rules refuse, with the reason, beside the others', async () => {
  const ok = await makeSp('https://ok.example/saml', 'https://ok.example/acs');
  const file = join(dir, 'ok.xml');
  await writeFile(file, ok.metadata());
  expect((await cli(['service', 'add', 'ok-sp', '--protocol', 'saml', '--metadata', file], env)).code).toBe(0);
  // Registered before a rule was added: a garbage encryption certificate.
  const old = await makeSp('https://old.example/metadata', 'https://old.example/acs');
  const db = await openDatabase({ url: database.url, poolSize: 1, timeoutMs: 5000 });
  try {
    await db.transaction((m) =>
      m.insert(SamlService, {
        id: 'ancien',
        name: 'Ancien',
        entityId: old.entityId,
        metadata: old.metadata({ encryption: { certificate: 'Z2FyYmFnZQ==' } }),
        nameIdFormat: 'persistent',
        attributeProfile: null,
        createdAt: new Date(),
      }),
    );
  } finally {
    await db.close();
  }
  const list = await cli(['service', 'list'], env);
  expect(list.stderr).toBe('');
  expect(list.code).toBe(0);
  expect(list.stdout).toMatch(
    /^ancien\tsaml\thttps:\/\/old\.example\/metadata\tdefault nameid=persistent\tAncien\tREFUSED: .*encryption certificate.*service add\)$/m,
  );
  expect(list.stdout).toMatch(/^ok-sp\tsaml\thttps:\/\/ok\.example\/saml\tdefault nameid=persistent\tok-sp$/m);
}, 60_000);
