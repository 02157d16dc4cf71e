// The school year's rollover (issue 20), as an operator runs it: the new year's roster is
// imported while last year is still in force (the former teacher still acts), then
// `ent-idp rollover --to <next>` switches the school: the former teacher loses the child,
// the new one has them, the pupil who left is blocked and dated with their sessions ended,
// the arriving pupil keeps their activation code. --dry-run writes nothing.
import { Account, AuditEvent, OidcArtifact, Structure } from '../../../src/db/entities/index.js';
import { importRoster } from '../../../src/domain/roster/index.js';
import { hashPassword, SCHOOL_YEAR } from '../../helpers/factories.js';
import { signIn } from '../../helpers/oidc.js';
import { openBench, PASSWORD, type Bench } from '../admin-api/harness.js';
import { childEnv, cli, requireBuild } from './harness.js';

const [first] = SCHOOL_YEAR.split('-').map(Number) as [number, number];
const NEXT = `${first + 1}-${first + 2}`;
const LAST = `${first - 1}-${first}`;

const HEADER = 'uai;structure;classe;nom;prenom;date_naissance;profil;id_externe;parents_de;email';
const DUNES = '0800003C;École des Dunes';
const thisYear = [
  HEADER,
  `${DUNES};CM1 A;Reste;Léa;03/04/2016;Élève;RO-E1;;`,
  `${DUNES};CM1 A;Part;Hugo;05/06/2016;Élève;RO-E2;;`,
  `${DUNES};CM1 A;Part;Anne;;Parent;RO-P2;RO-E2;`,
  // A parent of both pupils: one child stays, so they stay.
  `${DUNES};CM1 A;Tuteur;Marie;;Parent;RO-P1;RO-E1|RO-E2;`,
  `${DUNES};CM1 A;Ancien;Paul;;Enseignant;RO-T1;;`,
].join('\n');
const nextYear = [
  HEADER,
  `${DUNES};CM2 A;Reste;Léa;03/04/2016;Élève;RO-E1;;`,
  `${DUNES};CM2 A;Arrive;Noé;07/08/2016;Élève;RO-E3;;`,
  `${DUNES};CM2 A;Nouveau;Marc;;Enseignant;RO-T2;;`,
  // The former teacher changes school.
  `0800004D;École des Pins;CE1 B;Ancien;Paul;;Enseignant;RO-T1;;`,
].join('\n');

let bench: Bench;
let env: NodeJS.ProcessEnv;
const account = (externalId: string) => bench.ts.server.db.read((m) => m.findOneByOrFail(Account, { externalId }));
const sessionsOf = (accountId: string) =>
  bench.ts.server.db.read((m) => m.count(OidcArtifact, { where: { accountId, model: 'Session' } }));

beforeAll(async () => {
  requireBuild();
  bench = await openBench();
  env = childEnv({ DATABASE_URL: bench.ts.database.url });
  const { domain, db } = bench.ts.server;
  await importRoster(domain, thisYear, { schoolYear: SCHOOL_YEAR });
  await importRoster(domain, nextYear, { schoolYear: NEXT });
  const passwordHash = await hashPassword(PASSWORD);
  for (const externalId of ['RO-T1', 'RO-T2', 'RO-E2', 'RO-E1'])
    await db.transaction((m) => m.update(Account, { externalId }, { passwordHash, activatedAt: new Date() }));
});

afterAll(async () => {
  await bench?.ts.stop();
});

const classId = async (token: string, name: string) =>
  ((await bench.api(token, 'GET', '/v1/classes')).body.items as { id: string; name: string }[]).find(
    (c) => c.name === name,
  )?.id;

describe('ent-idp rollover', () => {
  let formerToken: string;
  let formerClassId: string;

  it('before it, last year is in force: the former teacher still acts on the pupil who leaves', async () => {
    formerToken = await bench.tokenFor((await account('RO-T1')).login);
    formerClassId = (await classId(formerToken, 'CM1 A'))!;
    expect(formerClassId).toBeDefined();
    const leaver = await account('RO-E2');
    const list = await bench.api(formerToken, 'GET', `/v1/classes/${formerClassId}/accounts`);
    expect(list.status).toBe(200);
    expect(list.body.items.map((r: { id: string }) => r.id)).toContain(leaver.id);
    const newToken = await bench.tokenFor((await account('RO-T2')).login);
    expect(await classId(newToken, 'CM2 A')).toBeUndefined();
  });

  it('is refused backwards, to the year in force, or to a year with no class, naming the school', async () => {
    for (const to of [LAST, SCHOOL_YEAR]) {
      const run = await cli(['rollover', '--to', to], env);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('0800003C');
    }
    const empty = await cli(['rollover', '--to', `${first + 2}-${first + 3}`, '--uai', '0800003C'], env);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/0800003C.*no class imported/);
    expect((await cli(['rollover', '--to', '2027'], env)).code).toBe(2);
  });

  it('--dry-run prints the summary and writes nothing', async () => {
    const before = await bench.ts.server.db.read((m) => m.count(AuditEvent));
    const run = await cli(['rollover', '--to', NEXT, '--uai', '0800003C', '--uai', '0800004D', '--dry-run'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`dry run, nothing written: would switch 2 school(s) to ${NEXT}`);
    expect(run.stdout).toMatch(/0800003C\tCM2 A\t2\t1\t0\t1/);
    expect(run.stdout).toContain('departed: 1 pupil(s), 1 relative(s) would be blocked');
    const leaver = await account('RO-E2');
    expect(run.stdout).toContain(`0800003C\t${leaver.login}\tHugo Part\tStudent\tCM1 A`);
    expect(leaver.blockedAt).toBeNull();
    expect(leaver.departedAt).toBeNull();
    const structures = await bench.ts.server.db.read((m) => m.find(Structure));
    expect(structures.map((s) => s.schoolYear).filter(Boolean)).toEqual([]);
    expect(await bench.ts.server.db.read((m) => m.count(AuditEvent))).toBe(before);
  });

  it('switches the year: the former teacher gets 404, the new one acts, the leaver is blocked and departed', async () => {
    const leaver = await account('RO-E2');
    await signIn(bench.adminClient, leaver.login, PASSWORD);
    expect(await sessionsOf(leaver.id)).toBeGreaterThan(0);

    // The bench's own school has no class for the new year: only the two schools are named.
    const run = await cli(['rollover', '--to', NEXT, '--uai', '0800003C,0800004D'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`switched 2 school(s) to ${NEXT}`);
    expect(run.stdout).toContain('departed: 1 pupil(s), 1 relative(s) were blocked');

    // The former teacher's token still signs, but last year's class grants nothing.
    expect(
      (await bench.api(formerToken, 'GET', '/v1/classes')).body.items.map((c: { name: string }) => c.name),
    ).toEqual(['CE1 B']);
    for (const path of [`/v1/classes/${formerClassId}/accounts`, `/v1/classes/${formerClassId}/audit`])
      expect([path, (await bench.api(formerToken, 'GET', path)).status]).toEqual([path, 404]);
    const stayer = await account('RO-E1');
    const block = await bench.api(formerToken, 'POST', '/v1/accounts/block', {
      accountIds: [stayer.id],
      classId: formerClassId,
    });
    expect(block.status).toBe(404);

    const newToken = await bench.tokenFor((await account('RO-T2')).login);
    const newClassId = (await classId(newToken, 'CM2 A'))!;
    const list = await bench.api(newToken, 'GET', `/v1/classes/${newClassId}/accounts`);
    expect(list.status).toBe(200);
    const rows = list.body.items as { id: string; state: string }[];
    const arriving = await account('RO-E3');
    expect(rows.map((r) => r.id).sort()).toEqual([stayer.id, arriving.id].sort());
    expect(rows.find((r) => r.id === arriving.id)!.state).toBe('activation_code');
    expect(rows.find((r) => r.id === stayer.id)!.state).toBe('activated');
    expect((await bench.ts.server.domain.accounts.entDetailsFor(stayer)).classes.map((c) => c.name)).toEqual(['CM2 A']);

    const left = await account('RO-E2');
    expect(left.blockedAt).not.toBeNull();
    expect(left.departedAt).not.toBeNull();
    expect(await sessionsOf(left.id)).toBe(0);
    const parent = await account('RO-P2');
    expect(parent.departedAt).not.toBeNull();
    expect(parent.blockedAt).not.toBeNull();
    expect((await account('RO-E1')).departedAt).toBeNull();
    expect(await account('RO-P1')).toMatchObject({ departedAt: null, blockedAt: null });
    expect((await account('RO-T1')).blockedAt).toBeNull();

    const events = await bench.ts.server.db.read((m) =>
      m.find(AuditEvent, { where: { action: 'school_year.rollover' } }),
    );
    expect(events).toHaveLength(1);
    const blocks = await bench.ts.server.db.read((m) =>
      m.find(AuditEvent, { where: { action: 'account.block', targetId: left.id } }),
    );
    expect(blocks).toHaveLength(1);

    // Once done, the same year again is refused: nothing changes twice.
    const again = await cli(['rollover', '--to', NEXT, '--uai', '0800003C'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already is');
  });
});
