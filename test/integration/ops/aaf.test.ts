// Import from the national directory (AAF) against a real database: a full export (school,
// classes, pupils, relatives, teachers), the same files again (nothing changes), a delta
// (modify, delete, add), each kind of bad input refused with its file:record and nothing
// written, a 50 MB file streamed in a child process with a small heap, and the CLI.
import { mkdtempSync, rmSync, writeFileSync, openSync, writeSync, closeSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { In } from 'typeorm';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/index.js';
import { createDomain, type Domain } from '../../../src/domain/index.js';
import { createLogger } from '../../../src/logger.js';
import {
  NationalId,
  Account,
  AuditEvent,
  Membership,
  RelativeLink,
  RoleAssignment,
  SchoolClass,
  Structure,
} from '../../../src/db/entities/index.js';
import { AafInvalid, importAaf, type AafReport } from '../../../src/domain/roster/aaf/index.js';
import { openTestDatabase } from '../../helpers/db.js';
import { SCHOOL_YEAR } from '../../helpers/factories.js';
import { childEnv, cli, errorLines, requireBuild, ROOT } from './harness.js';

const FULL = join(ROOT, 'test/fixtures/aaf/full');
const DELTA = join(ROOT, 'test/fixtures/aaf/delta');
const YEAR = SCHOOL_YEAR;

let t: Awaited<ReturnType<typeof openTestDatabase>>;
let domain: Domain;
let tmp: string;
beforeAll(async () => {
  t = await openTestDatabase();
  domain = createDomain({
    config: loadConfig({ env: { NODE_ENV: 'test', DATABASE_URL: t.url } }),
    db: t.db,
    logger: createLogger('silent'),
  });
  tmp = mkdtempSync(join(tmpdir(), 'ent-idp-aaf-'));
});
afterAll(async () => {
  await t.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

const byExternal = (externalId: string) => t.db.read((m) => m.findOneByOrFail(Account, { externalId }));
const classNamesOf = async (accountId: string) => {
  const rows = await t.db.read((m) => m.find(Membership, { where: { accountId } }));
  const classes = await t.db.read((m) => m.find(SchoolClass));
  return rows.map((m) => classes.find((c) => c.id === m.classId)!.name).sort();
};
const childrenOf = async (relativeExternalId: string) => {
  const relative = await byExternal(relativeExternalId);
  const links = await t.db.read((m) => m.find(RelativeLink, { where: { relativeId: relative.id } }));
  const accounts = await t.db.read((m) => m.find(Account));
  return links.map((l) => accounts.find((a) => a.id === l.studentId)!.externalId).sort();
};
const counts = () =>
  t.db.read(async (m) => ({
    accounts: await m.count(Account),
    memberships: await m.count(Membership),
    links: await m.count(RelativeLink),
    roles: await m.count(RoleAssignment),
    structures: await m.count(Structure),
  }));

/** A folder holding one AAF file `name` whose records are `body`. */
function aafFolder(name: string, body: string): string {
  const dir = mkdtempSync(join(tmp, 'case-'));
  writeFileSync(
    join(dir, name),
    `<?xml version="1.0" encoding="UTF-8"?>\n<ficAlimMENESR>\n${body}\n</ficAlimMENESR>\n`,
  );
  return dir;
}
const pupil = (id: string, classes: string[], extra = '') => `
  <addRequest><identifier><id>${id}</id></identifier><attributes>
    <attr name="sn"><value>Élève</value></attr><attr name="givenName"><value>${id}</value></attr>
    <attr name="ENTPersonDateNaissance"><value>01/02/2016</value></attr>
    <attr name="ENTEleveClasses">${classes.map((c) => `<value>${c}</value>`).join('')}</attr>${extra}
  </attributes></addRequest>`;

async function refusal(paths: string[], options = {}): Promise<string[]> {
  const before = await counts();
  let error: unknown;
  try {
    await importAaf(domain, paths, { schoolYear: YEAR, ...options });
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(AafInvalid);
  expect(await counts()).toEqual(before);
  return (error as AafInvalid).problems.map((p) => `${p.at}: ${p.message}`);
}

describe('AAF import', () => {
  let first: AafReport;
  it('imports a full export: school, classes, pupils, guardians, teachers with class-admin', async () => {
    first = await importAaf(domain, [FULL], { schoolYear: YEAR });
    expect(first.files.map((f) => `${f.name} ${f.records}`)).toEqual([
      'ENT_EtabEducNat_0000.xml 1',
      'ENT_Eleve_0000.xml 3',
      'ENT_PersRelEleve_0000.xml 2',
      'ENT_PersEducNat_0000.xml 2',
    ]);
    expect(first.structures.created).toBe(1);
    expect(first.classes.created).toBe(2);
    // R9002 is a contact, not a legal guardian (field 4 is 0): no account.
    expect(first.accounts.created).toBe(6);
    expect(first.relativesWithoutPupil).toBe(1);
    expect(first.newAccounts.map((a) => a.login).sort()).toEqual([
      'anne.garnier',
      'julien.moreau',
      'maelys.lefevre',
      'maelys.lefevre2',
      'noe.durand',
      'sophie.lefevre',
    ]);
    expect(first.newAccounts.every((a) => a.code && a.code.length === 8)).toBe(true);
    const school = await t.db.read((m) => m.findOneByOrFail(Structure, { uai: '0800099Z' }));
    expect(school.name).toBe('ECOLE ELEMENTAIRE DES TESTS');
    const maelys = await byExternal('E9001');
    expect([maelys.firstName, maelys.lastName, maelys.birthDate, maelys.profile]).toEqual([
      'Maëlys',
      'Lefèvre',
      '2016-03-14',
      'Student',
    ]);
    expect(await classNamesOf(maelys.id)).toEqual(['CM1 A']);
    expect(await childrenOf('R9001')).toEqual(['E9001', 'E9002']);
    expect((await byExternal('R9001')).email).toBe('sophie.lefevre@example.org');
    const teacher = await byExternal('T9001');
    expect(teacher.profile).toBe('Teacher');
    expect(await classNamesOf(teacher.id)).toEqual(['CM1 A', 'CM1 B']);
    const roles = await t.db.read((m) => m.find(RoleAssignment, { where: { accountId: teacher.id } }));
    expect(roles.map((r) => r.role)).toEqual(['class-admin', 'class-admin']);
    expect((await byExternal('P9001')).profile).toBe('Personnel');
    // A pupil's and a guardian's AAF ids are their national ids: ÉduConnect links by them.
    const nationalIds = await t.db.read((m) =>
      m.find(NationalId, { where: { accountId: In([maelys.id, teacher.id]) } }),
    );
    expect(nationalIds.map((n) => [n.accountId, n.nationalId])).toEqual([[maelys.id, 'E9001']]);
    // The teacher's page reads the same data: the class lists its pupils.
    const cm1a = await t.db.read((m) => m.findOneByOrFail(SchoolClass, { name: 'CM1 A', schoolYear: YEAR }));
    const members = await t.db.read((m) => m.find(Membership, { where: { classId: cm1a.id } }));
    expect(members).toHaveLength(3);
    const audit = await t.db.read((m) => m.find(AuditEvent, { where: { action: 'aaf.import' } }));
    expect(audit).toHaveLength(1);
  });

  it('changes nothing when the same files are imported again', async () => {
    const before = await counts();
    const again = await importAaf(domain, [FULL], { schoolYear: YEAR });
    expect(again.accounts).toEqual({ created: 0, updated: 0, unchanged: 6 });
    expect([again.memberships, again.roles, again.links]).toEqual([
      { added: 0, removed: 0 },
      { added: 0, removed: 0 },
      { added: 0, removed: 0 },
    ]);
    expect(again.departed).toBe(0);
    expect(await counts()).toEqual(before);
  });

  it('applies a delta: a pupil changes class, one leaves (blocked), one arrives with a new guardian', async () => {
    const dry = await importAaf(domain, [DELTA], { schoolYear: YEAR, dryRun: true });
    expect(dry.departed).toBe(1);
    expect((await byExternal('E9003')).blockedAt).toBeNull();
    const delta = await importAaf(domain, [DELTA], { schoolYear: YEAR });
    expect(delta.accounts.created).toBe(2);
    expect(delta.newAccounts.map((a) => a.login).sort()).toEqual(['chloe.petit', 'louis.petit']);
    const maelys = await byExternal('E9001');
    expect(await classNamesOf(maelys.id)).toEqual(['CM1 B']);
    // Her guardian's link, rebuilt from the database, is kept.
    expect(await childrenOf('R9001')).toEqual(['E9001', 'E9002']);
    const gone = await byExternal('E9003');
    expect(gone.blockedAt).not.toBeNull();
    expect(await classNamesOf(gone.id)).toEqual([]);
    expect(await childrenOf('R9003')).toEqual(['E9004']);
    expect(await classNamesOf((await byExternal('E9004')).id)).toEqual(['CM1 A']);

    const before = await counts();
    const again = await importAaf(domain, [DELTA], { schoolYear: YEAR });
    expect([again.accounts.created, again.accounts.updated, again.departed]).toEqual([0, 0, 0]);
    expect(await counts()).toEqual(before);
  });

  it('plans school by school as one import: identifiants in file order, a guardian across schools', async () => {
    // Rows are planned and written one school at a time (A: X1, X3, R1; then B: X2). The
    // namesakes' suffixes still follow the files' order, and R1, planned with school A, is
    // linked to X2, who is made with school B.
    const dir = mkdtempSync(join(tmp, 'schools-'));
    const file = (name: string, body: string) =>
      writeFileSync(join(dir, name), `<?xml version="1.0"?>\n<ficAlimMENESR>${body}</ficAlimMENESR>\n`);
    const attr = (name: string, value: string) => `<attr name="${name}"><value>${value}</value></attr>`;
    const person = (id: string, ...attrs: string[]) =>
      `<addRequest><identifier><id>${id}</id></identifier><attributes>${attrs.join('')}</attributes></addRequest>`;
    const school = (id: string, uai: string) =>
      person(id, attr('ENTStructureUAI', uai), attr('ENTStructureNomCourant', `ECOLE ${uai}`));
    const child = (id: string, first: string, last: string, classe: string, guardian?: string) =>
      person(
        id,
        attr('sn', last),
        attr('givenName', first),
        attr('ENTPersonDateNaissance', '01/02/2016'),
        attr('ENTEleveClasses', classe),
        guardian ? attr('ENTElevePersRelEleve', `${guardian}$10$1$1$1$1`) : '',
      );
    file('X_EtabEducNat_9.xml', school('SA', '0800201A') + school('SB', '0800202B'));
    file(
      'X_Eleve_9.xml',
      child('X1', 'Alice', 'Martinez', 'SA$CP', 'XR1') +
        child('X2', 'Léo', 'Fabre', 'SB$CE1', 'XR1') +
        child('X3', 'Léo', 'Fabre', 'SA$CP'),
    );
    file('X_PersRelEleve_9.xml', person('XR1', attr('sn', 'Martinez'), attr('givenName', 'Marc')));

    const before = await counts();
    const dry = await importAaf(domain, [dir], { schoolYear: YEAR, dryRun: true });
    expect(await counts()).toEqual(before);
    const report = await importAaf(domain, [dir], { schoolYear: YEAR });
    for (const r of [dry, report]) {
      expect(r.newAccounts.map((a) => [a.externalId, a.login])).toEqual([
        ['X1', 'alice.martinez'],
        ['X2', 'leo.fabre'],
        ['X3', 'leo.fabre2'],
        ['XR1', 'marc.martinez'],
      ]);
      expect([r.structures.created, r.classes.created, r.links.added]).toEqual([2, 2, 2]);
    }
    expect(await childrenOf('XR1')).toEqual(['X1', 'X2']);
    expect(await classNamesOf((await byExternal('X2')).id)).toEqual(['CE1']);
  });

  it('refuses malformed XML, a DOCTYPE or an entity, naming the file and record', async () => {
    expect(
      await refusal([aafFolder('X_Eleve_1.xml', `${pupil('B1', ['9800001$CM1 A'])}<addRequest><identifier>`)]),
    ).toEqual([expect.stringMatching(/^X_Eleve_1\.xml:record 2 \(line \d+\): malformed XML: /)]);
    const dir = mkdtempSync(join(tmp, 'xxe-'));
    writeFileSync(
      join(dir, 'X_Eleve_1.xml'),
      '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>\n<ficAlimMENESR/>',
    );
    expect(await refusal([dir])).toEqual([expect.stringMatching(/X_Eleve_1\.xml:line \d+: a DOCTYPE is not allowed/)]);
    const entity = aafFolder('X_Eleve_1.xml', pupil('B1', ['9800001$CM1 A']).replace('Élève', '&xxe;'));
    expect((await refusal([entity]))[0]).toMatch(
      /X_Eleve_1\.xml:record 1 \(line \d+\): malformed XML: Invalid character entity/,
    );
    expect(await refusal([aafFolder('X_Eleve_1.xml', '<person/>')])).toEqual([
      expect.stringMatching(
        /X_Eleve_1\.xml:line 3: <person> where addRequest, modifyRequest or deleteRequest was expected/,
      ),
    ]);
  });

  it('warns about unknown attributes without refusing the import', async () => {
    const dir = aafFolder(
      'X_Eleve_2.xml',
      pupil('B2', ['0800099Z$CM1 A'], '<attr name="ENTNouvelAttribut"><value>x</value></attr>'),
    );
    const report = await importAaf(domain, [dir], { schoolYear: YEAR, dryRun: true });
    expect(report.unknownAttributes).toEqual([
      { name: 'ENTNouvelAttribut', count: 1, first: expect.stringMatching(/^X_Eleve_2\.xml:record 1/) as string },
    ]);
  });

  it('refuses a pupil in two classes, unknown relatives and pupils, duplicate ids, another académie', async () => {
    expect(await refusal([aafFolder('X_Eleve_3.xml', pupil('B3', ['0800099Z$CM1 A', '0800099Z$CM1 B']))])).toEqual([
      expect.stringMatching(
        /X_Eleve_3\.xml:record 1 \(line \d+\): ENTEleveClasses: two classes in one school \(0800099Z CM1 A, 0800099Z CM1 B\)/,
      ),
    ]);
    const unknownRelative = pupil(
      'B4',
      ['0800099Z$CM1 A'],
      '<attr name="ENTElevePersRelEleve"><value>R0404$10$1$1$1$1</value></attr>',
    );
    expect(await refusal([aafFolder('X_Eleve_4.xml', unknownRelative)])).toEqual([
      expect.stringMatching(
        /X_Eleve_4\.xml:record 1 .*ENTElevePersRelEleve: no relative "R0404" in the PersRelEleve files or the database/,
      ),
    ]);
    const relativeOfNobody = `<addRequest><identifier><id>R0505</id></identifier><attributes>
      <attr name="sn"><value>Parent</value></attr><attr name="givenName"><value>Sans</value></attr>
      <attr name="ENTPersonStructRattach"><value>0800099Z</value></attr>
      <attr name="ENTAuxPersRelEleveEleve"><value>E0000</value></attr></attributes></addRequest>`;
    expect(await refusal([aafFolder('X_PersRelEleve_5.xml', relativeOfNobody)])).toEqual([
      expect.stringMatching(
        /X_PersRelEleve_5\.xml:record 1 .*ENTElevePersRelEleve: no student with id_externe "E0000"/,
      ),
    ]);
    expect(
      await refusal([aafFolder('X_Eleve_6.xml', pupil('B6', ['0800099Z$CM1 A']) + pupil('B6', ['0800099Z$CM1 A']))]),
    ).toEqual([
      expect.stringMatching(
        /X_Eleve_6\.xml:record 2 .*ENTPersonJointure "B6" is already used by X_Eleve_6\.xml:record 1/,
      ),
    ]);
    // Another académie's school: refused by --uai, and a person of a school nobody knows.
    const other = mkdtempSync(join(tmp, 'other-'));
    cpSync(join(FULL, 'ENT_EtabEducNat_0000.xml'), join(other, 'ENT_EtabEducNat_0000.xml'));
    writeFileSync(
      join(other, 'X_Eleve_7.xml'),
      '<ficAlimMENESR>' + pupil('B7', ['9800001$CM1 A']) + '</ficAlimMENESR>',
    );
    expect(await refusal([other], { allowedUais: ['0800001A'] })).toEqual([
      expect.stringMatching(/ENT_EtabEducNat_0000\.xml:record 1 .*ENTStructureUAI: 0800099Z is not one of --uai/),
      expect.stringMatching(
        /X_Eleve_7\.xml:record 1 .*structure "9800001" is neither in the EtabEducNat files nor in the database/,
      ),
    ]);
    expect(await refusal([aafFolder('X_Eleve_8.xml', pupil('B8', ['0610001X$6A']))])).toEqual([
      expect.stringMatching(/X_Eleve_8\.xml:record 1 .*structure "0610001X" is neither/),
    ]);
  });

  it('streams a 50 MB file in a small heap and refuses its oversized value', async () => {
    requireBuild();
    const dir = mkdtempSync(join(tmp, 'big-'));
    const path = join(dir, 'X_Eleve_9.xml');
    const fd = openSync(path, 'w');
    writeSync(
      fd,
      '<ficAlimMENESR>' + pupil('B9', ['9800001$CM1 A']) + '<addRequest><identifier><id>B10</id></identifier>',
    );
    writeSync(fd, '<attributes><attr name="sn"><value>');
    const mib = 'x'.repeat(1024 * 1024);
    for (let i = 0; i < 50; i++) writeSync(fd, mib);
    writeSync(fd, '</value></attr></attributes></addRequest></ficAlimMENESR>');
    closeSync(fd);
    const run = await cli(
      ['import-aaf', dir, '--school-year', YEAR],
      childEnv({ DATABASE_URL: t.url, NODE_OPTIONS: '--max-old-space-size=128' }),
    );
    expect(errorLines(run.stderr)).toEqual([
      expect.stringMatching(/^X_Eleve_9\.xml:record 2 \(line \d+\): a value is longer than 4096 characters$/),
      'ent-idp: import-aaf: 1 problem(s), nothing imported',
    ]);
    expect(run.code).toBe(1);
  });

  it('runs from the command line: a dry run prints the plan and writes nothing', async () => {
    requireBuild();
    const before = await counts();
    const run = await cli(['import-aaf', FULL, '--dry-run', '--school-year', YEAR], childEnv({ DATABASE_URL: t.url }));
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('ENT_Eleve_0000.xml: 3 record(s) (student)');
    expect(run.stdout).toContain('accounts: 0 created, 0 updated, 6 unchanged');
    expect(await counts()).toEqual(before);
    const usage = await cli(['import-aaf', FULL, '--uai', 'nope'], childEnv({ DATABASE_URL: t.url }));
    expect(usage.code).toBe(2);
  });
});
