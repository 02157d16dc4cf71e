// The operator commands as child processes: code, account block|unblock, purge, and their
// exit codes (0 ok, 1 failure with one `ent-idp:` line, 2 usage).
import { createTestDatabaseUrl, type TestDatabase } from '../../helpers/db.js';
import { openDatabase } from '../../../src/db/index.js';
import { Account, OidcArtifact } from '../../../src/db/entities/index.js';
import { createAccount } from '../../helpers/factories.js';
import { childEnv, cli, errorLines, requireBuild } from './harness.js';

let database: TestDatabase;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  requireBuild();
  database = await createTestDatabaseUrl();
  env = childEnv({ DATABASE_URL: database.url });
  const db = await openDatabase({ url: database.url, poolSize: 2, timeoutMs: 5000 });
  await createAccount(db, {
    login: 'eleve.active',
    firstName: 'Élève',
    lastName: 'Active',
    profile: 'Student',
    password: 'une phrase de passe solide',
  });
  await createAccount(db, { login: 'eleve.nouvelle', firstName: 'Élève', lastName: 'Nouvelle', profile: 'Student' });
  await db.close();
}, 60_000);
afterAll(() => database.drop());

const oneLine = (stderr: string) => {
  const lines = errorLines(stderr);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^ent-idp: \S/);
  return lines[0]!;
};

describe('ent-idp code', () => {
  it('prints a new activation code for an account never activated, a renewal code otherwise', async () => {
    const a = await cli(['code', 'eleve.nouvelle'], env);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/^eleve\.nouvelle\tactivation\t[a-z3-9]{8}\texpires /);
    const r = await cli(['code', 'ELEVE.ACTIVE', '--kind', 'renewal'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^eleve\.active\trenewal\t[a-z3-9]{8}\t/);
  }, 60_000);

  it('refuses an activation code for an activated account, with a clear line (exit 1)', async () => {
    const run = await cli(['code', 'eleve.active', '--kind', 'activation'], env);
    expect(run.code).toBe(1);
    expect(oneLine(run.stderr)).toBe(
      'ent-idp: code: eleve.active is already activated (has a password): use --kind renewal',
    );
  }, 60_000);

  it('exit 1 for an unknown identifiant; exit 2 for bad usage', async () => {
    const unknown = await cli(['code', 'personne.inconnue'], env);
    expect(unknown.code).toBe(1);
    expect(oneLine(unknown.stderr)).toMatch(/no account with identifiant "personne.inconnue"/);
    for (const args of [
      ['code'],
      ['code', 'eleve.active', '--kind', 'forever'],
      ['code', 'a', 'b'],
      ['code', 'a', '--bogus'],
    ]) {
      const run = await cli(args, env);
      expect(run.code).toBe(2);
      oneLine(run.stderr);
    }
  }, 60_000);
});

describe('ent-idp account', () => {
  it('blocks (ending the sessions and tokens) and unblocks, idempotently', async () => {
    const db = await openDatabase({ url: database.url, poolSize: 2, timeoutMs: 5000 });
    const account = await db.read((m) => m.findOneByOrFail(Account, { login: 'eleve.active' }));
    await db.transaction((m) =>
      m.insert(OidcArtifact, {
        model: 'Session',
        id: 'sess-1',
        payload: '{}',
        grantId: null,
        uid: 'uid-1',
        userCode: null,
        accountId: account.id,
        expiresAt: new Date(Date.now() + 3600_000),
        consumedAt: null,
      } as never),
    );
    await db.close();

    const block = await cli(['account', 'block', 'eleve.active'], env);
    expect(block.code).toBe(0);
    expect(block.stdout).toBe('eleve.active blocked; 1 session/grant/token row(s) revoked\n');
    expect((await cli(['account', 'block', 'eleve.active'], env)).stdout).toMatch(/was already blocked/);
    const code = await cli(['code', 'eleve.active'], env);
    expect(code.code).toBe(1);
    expect(oneLine(code.stderr)).toMatch(/is blocked: unblock it first/);

    const check = await openDatabase({ url: database.url, poolSize: 2, timeoutMs: 5000 });
    expect((await check.read((m) => m.findOneByOrFail(Account, { login: 'eleve.active' }))).blockedAt).not.toBeNull();
    expect(await check.read((m) => m.countBy(OidcArtifact, { accountId: account.id }))).toBe(0);
    await check.close();

    const unblock = await cli(['account', 'unblock', 'eleve.active'], env);
    expect(unblock.code).toBe(0);
    expect(unblock.stdout).toBe('eleve.active unblocked\n');
  }, 60_000);

  it('exit 2 without an action or an identifiant, 1 for an unknown one', async () => {
    expect((await cli(['account'], env)).code).toBe(2);
    expect((await cli(['account', 'freeze', 'x'], env)).code).toBe(2);
    expect((await cli(['account', 'block'], env)).code).toBe(2);
    expect((await cli(['account', 'block', 'personne'], env)).code).toBe(1);
  }, 60_000);
});

describe('ent-idp purge', () => {
  it('prints the counts', async () => {
    const run = await cli(['purge'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^purged: \d+ provider artifact\(s\), \d+ admin page session\(s\), \d+ ÉduConnect request\(s\), \d+ throttling row\(s\), \d+ reset link\(s\), \d+ one-time code\(s\), \d+ audit event\(s\), \d+ CAS ticket\(s\), \d+ departed account\(s\)\n$/,
    );
    expect((await cli(['purge', 'now'], env)).code).toBe(2);
  }, 60_000);
});

describe('ent-idp client', () => {
  it('add --resource-server declares a resource server (confidential only); list shows it', async () => {
    const add = await cli(
      [
        'client',
        'add',
        'ent-api-notes',
        '--name',
        'API des notes',
        '--grant-type',
        'client_credentials',
        '--scope',
        'openid',
        '--resource-server',
      ],
      env,
    );
    expect(add.code).toBe(0);
    expect(add.stdout).toMatch(/^saved ent-api-notes \(confidential\)$/m);
    const list = await cli(['client', 'list'], env);
    expect(list.stdout).toMatch(/^ent-api-notes\tconfidential resource-server\t/m);
    const pub = await cli(
      [
        'client',
        'add',
        'ent-rs-public',
        '--public',
        '--redirect-uri',
        'https://app.example.test/cb',
        '--resource-server',
      ],
      env,
    );
    expect(pub.code).toBe(1);
    expect(oneLine(pub.stderr)).toMatch(/resource server must be a confidential client/);
  }, 60_000);
});

describe('ent-idp output', () => {
  it('shows control characters of stored or typed text escaped, on stdout and stderr', async () => {
    // A name that would clear the screen, set the window title and reverse what follows.
    const hostile = 'Notes\u001b[2J\u001b]0;pwned\u0007\u009b31m\u202eemoh';
    const add = await cli(
      ['client', 'add', 'ent-hostile', '--name', hostile, '--grant-type', 'client_credentials'],
      env,
    );
    expect(add.code).toBe(0);
    const list = await cli(['client', 'list'], env);
    const line = list.stdout.split('\n').find((l) => l.startsWith('ent-hostile\t'))!;
    expect(line).toContain('Notes\\x1b[2J\\x1b]0;pwned\\x07\\x9b31m\\u202eemoh');
    const unknown = await cli(['code', 'x\u001b[2Jy'], env);
    expect(unknown.code).toBe(1);
    expect(oneLine(unknown.stderr)).toContain('x\\x1b[2Jy');
    for (const out of [list.stdout, unknown.stderr])
      // eslint-disable-next-line no-control-regex -- no control character may reach the terminal
      expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/u);
  }, 60_000);
});

describe('ent-idp keys', () => {
  it('rotate publishes the next keys ahead, refuses a second pending rotation, --now switches at once', async () => {
    const ahead = await cli(['keys', 'rotate'], { ...env, SIGNING_KEY_LEAD_HOURS: '24' });
    expect(ahead.stderr).toBe('');
    expect(ahead.code).toBe(0);
    const next = [...ahead.stdout.matchAll(/^new next key (\S+) \((RS256|ES256)\), signs from (\S+)$/gm)];
    expect(next.map((m) => m[2]).sort()).toEqual(['ES256', 'RS256']);
    for (const m of next) {
      const lead = Date.parse(m[3]!) - Date.now();
      expect(lead).toBeGreaterThan(23.9 * 3600_000);
      expect(lead).toBeLessThan(24 * 3600_000);
      expect(ahead.stdout).toContain(`${m[1]}\t${m[2]}\tnext\tsigns from ${m[3]}`);
    }
    expect(ahead.stdout.match(/\tcurrent$/gm)).toHaveLength(2);

    const again = await cli(['keys', 'rotate'], env);
    expect(again.code).toBe(1);
    expect(oneLine(again.stderr)).toMatch(/a rotation is pending: .* \(keys rotate --now switches at once\)/);

    const now = await cli(['keys', 'rotate', '--now'], env);
    expect(now.code).toBe(0);
    const fresh = [...now.stdout.matchAll(/^new current key (\S+) \((?:RS256|ES256)\)$/gm)].map((m) => m[1]);
    expect(fresh).toHaveLength(2);
    for (const kid of fresh) expect(now.stdout).toMatch(new RegExp(`^${kid}\\t\\S+\\tcurrent$`, 'm'));
    // The pending keys and the former current ones: retired, still published for their tokens.
    for (const m of next)
      expect(now.stdout).toMatch(new RegExp(`^${m[1]}\\t${m[2]}\\tretired\\tpublished until `, 'm'));
    expect((await cli(['keys', 'list', '--now'], env)).code).toBe(2);
  });
});
