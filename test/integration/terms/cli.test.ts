// `ent-idp terms publish|list`: publishing a version from a Markdown file, and the one-line
// refusals (empty file, duplicate version, not UTF-8, larger than 200 kB).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabaseUrl, type TestDatabase } from '../../helpers/db.js';
import { openDatabase } from '../../../src/db/index.js';
import { AuditEvent, TermsVersion } from '../../../src/db/entities/index.js';
import { childEnv, cli, errorLines, requireBuild } from '../ops/harness.js';

let database: TestDatabase;
let env: NodeJS.ProcessEnv;
let dir: string;

beforeAll(async () => {
  requireBuild();
  database = await createTestDatabaseUrl();
  env = childEnv({ DATABASE_URL: database.url });
  dir = await mkdtemp(join(tmpdir(), 'terms-cli-'));
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await database.drop();
});

async function file(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

const refusal = (stderr: string) => {
  const lines = errorLines(stderr);
  expect(lines).toHaveLength(1);
  return lines[0]!;
};

it('publishes versions (the latest is in force), lists them, stores the text as published', async () => {
  expect((await cli(['terms', 'list'], env)).stdout).toBe('no terms of use published\n');
  // Close to the 200 kB limit: stored whole (MEDIUMTEXT on MariaDB).
  const long = `# Charte\n\n${'Je respecte les autres élèves. '.repeat(6000)}\n`;
  const v1 = await cli(['terms', 'publish', await file('v1.md', long), '--version', 'v1', '--by', 'M. Directeur'], env);
  expect(v1.stderr).toBe('');
  expect(v1.code).toBe(0);
  expect(v1.stdout).toMatch(/^published terms of use v1 \(\d+ bytes\): in force from now\n$/);
  const v2 = await cli(['terms', 'publish', await file('v2.md', 'Deuxième version.'), '--version', 'v2'], env);
  expect(v2.code).toBe(0);
  const list = await cli(['terms', 'list'], env);
  expect(list.stdout).toMatch(
    /^v2\t\S+\t\S+\t0 acceptance\(s\)\tin force\nv1\t\S+\tM\. Directeur\t0 acceptance\(s\)\n$/,
  );

  const db = await openDatabase({ url: database.url, poolSize: 2, timeoutMs: 5000 });
  try {
    const stored = await db.read((m) => m.findOneByOrFail(TermsVersion, { version: 'v1' }));
    expect(stored.text).toBe(long);
    expect(stored.publishedBy).toBe('M. Directeur');
    expect(await db.read((m) => m.count(AuditEvent, { where: { action: 'terms.published' } }))).toBe(2);
  } finally {
    await db.close();
  }
}, 60_000);

it('refuses an empty file, a duplicate version, non-UTF-8, more than 200 kB: one line, exit 1, nothing written', async () => {
  const cases: [string, string | Buffer, string, RegExp][] = [
    ['empty.md', '  \n\n', 'v9', /^ent-idp: terms publish: the file is empty$/],
    ['dup.md', 'Texte', 'v1', /^ent-idp: terms publish: version v1 is already published$/],
    [
      'latin1.md',
      Buffer.from('Charte de l\u2019\xe9cole', 'latin1'),
      'v9',
      /^ent-idp: terms publish: the file is not UTF-8 text$/,
    ],
    ['big.md', 'a'.repeat(200 * 1024 + 1), 'v9', /^ent-idp: terms publish: the file is larger than 200 kB$/],
  ];
  for (const [name, content, version, message] of cases) {
    const run = await cli(['terms', 'publish', await file(name, content), '--version', version], env);
    expect(run.code).toBe(1);
    expect(refusal(run.stderr)).toMatch(message);
  }
  const missing = await cli(['terms', 'publish', join(dir, 'absent.md'), '--version', 'v9'], env);
  expect(missing.code).toBe(1);
  expect(refusal(missing.stderr)).toMatch(/^ent-idp: terms publish: cannot read .*absent\.md \(ENOENT\)$/);
  expect((await cli(['terms', 'list'], env)).stdout).not.toContain('v9');
}, 60_000);

it('exit 2 for bad usage', async () => {
  const md = await file('ok.md', 'Texte');
  for (const args of [
    ['terms'],
    ['terms', 'publish'],
    ['terms', 'publish', md],
    ['terms', 'publish', md, '--version', 'a b'],
    ['terms', 'remove', 'v1'],
  ]) {
    const run = await cli(args, env);
    expect([args, run.code]).toEqual([args, args.includes('a b') ? 1 : 2]);
  }
}, 60_000);
