// Issue 10, point 4 (CLI): random argv never crashes the `ent-idp` command: the exit code is 1
// (failure) or 2 (usage), stderr is exactly one `ent-idp:` line, never a stack trace. Spawns
// are bounded (each takes ~0.3 s): 30 random argvs over the real command and option names.
import fc from 'fast-check';
import { createTestDatabaseUrl, type TestDatabase } from '../../helpers/db.js';
import { childEnv, cli, errorLines, requireBuild } from '../ops/harness.js';
import { STACK } from './web.js';

let database: TestDatabase;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  requireBuild();
  database = await createTestDatabaseUrl();
  env = childEnv({ DATABASE_URL: database.url });
});
afterAll(() => database?.drop());

const COMMANDS = ['migrate', 'demo', 'import', 'client', 'code', 'keys', 'account', 'purge', 'help'];
const word = fc.oneof(
  fc.constantFrom(
    ...COMMANDS,
    'add',
    'list',
    'remove',
    'rotate',
    'block',
    'unblock',
    '--kind',
    'activation',
    'renewal',
    '--secret',
    '--redirect-uri',
    '--',
    '-',
    '-x',
    '--nope',
    '--kind=',
    '/nonexistent.csv',
    'personne.inconnue',
  ),
  fc.string({ unit: 'grapheme', maxLength: 12 }).filter((s) => !s.includes('\u0000')),
);
// A known command with junk after it fails on its arguments; junk alone fails as usage.
const argv = fc.oneof(
  fc
    .tuple(
      fc.constantFrom(...COMMANDS.filter((c) => c !== 'help' && c !== 'migrate' && c !== 'purge')),
      fc.array(word, { minLength: 1, maxLength: 5 }),
    )
    .map(([c, rest]) => [c, '--definitely-not-an-option', ...rest]),
  fc
    .array(word, { minLength: 1, maxLength: 5 })
    .filter((a) => !COMMANDS.includes(a[0]!) && a[0] !== '--help' && a[0] !== '-h'),
);

test('30 random argvs: exit 1 or 2 with one `ent-idp:` line, never a stack trace', async () => {
  const seen: string[][] = [];
  await fc.assert(
    fc.asyncProperty(argv, async (args) => {
      seen.push(args);
      const run = await cli(args, env);
      expect([args, run.code === 1 || run.code === 2]).toEqual([args, true]);
      const lines = errorLines(run.stderr);
      expect([args, lines.length]).toEqual([args, 1]);
      expect(lines[0]).toMatch(/^ent-idp: \S/);
      expect([args, STACK.test(run.stderr)]).toEqual([args, false]);
    }),
    { numRuns: 30 },
  );
  expect(seen.length).toBeGreaterThanOrEqual(30);
}, 60_000);
