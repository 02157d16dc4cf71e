// Roster import against a real database: the example file, a modified copy (updates, no
// duplicates, suffixed identifiants), an invalid row that aborts everything, the CLI's exit
// codes, and the time for 10,000 rows (reported, with a generous bound).
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/index.js';
import { createDomain, type Domain } from '../../../src/domain/index.js';
import { createLogger } from '../../../src/logger.js';
import {
  Account,
  AuditEvent,
  Membership,
  OneTimeCode,
  RelativeLink,
  RoleAssignment,
  SchoolClass,
  Structure,
} from '../../../src/db/entities/index.js';
import { importRoster, RosterInvalid, RosterFileError, checkRows } from '../../../src/domain/roster/index.js';
import { openTestDatabase } from '../../helpers/db.js';
import { createAccount, SCHOOL_YEAR } from '../../helpers/factories.js';
import { failInsert } from '../../helpers/faults.js';
import { childEnv, cli, errorLines, requireBuild, ROOT } from './harness.js';

const EXAMPLE = join(ROOT, 'config/examples/roster.csv');
const YEAR = SCHOOL_YEAR;
const example = readFileSync(EXAMPLE, 'utf8');

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
  tmp = mkdtempSync(join(tmpdir(), 'ent-idp-roster-'));
});
afterAll(async () => {
  await t.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

const byExternal = async (externalId: string) => t.db.read((m) => m.findOneByOrFail(Account, { externalId }));
const classNamesOf = async (accountId: string) => {
  const rows = await t.db.read((m) => m.find(Membership, { where: { accountId } }));
  const classes = await t.db.read((m) => m.find(SchoolClass));
  return rows.map((m) => classes.find((c) => c.id === m.classId)!.name).sort();
};

describe('roster import', () => {
  it('refuses a whole file when one row is invalid, naming the line; nothing is written', async () => {
    // An existing account takes lea.dubois: the import must suffix around it.
    await createAccount(t.db, { login: 'lea.dubois', firstName: 'Léa', lastName: 'Dubois', profile: 'Personnel' });
    const broken = example.replace('E1004;;', 'E1004;E9999;').replace('21/11/2015', '31/02/2015');
    let error: unknown;
    try {
      await importRoster(domain, broken, { schoolYear: YEAR });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(RosterInvalid);
    const lines = (error as RosterInvalid).errors.map((e) => `${e.line}: ${e.message}`);
    expect(lines).toEqual([
      '4: date_naissance: "31/02/2015" is not a date (JJ/MM/AAAA or AAAA-MM-JJ)',
      '5: parents_de: only a Parent row can name children',
    ]);
    expect(await t.db.read((m) => m.count(Account))).toBe(1);
    expect(await t.db.read((m) => m.count(Structure))).toBe(0);

    // Cross-row problems are found before anything is written too.
    const unknownChild = example.replace('P2005;E1004;', 'P2005;E1004|E7777;');
    await expect(importRoster(domain, unknownChild, { schoolYear: YEAR })).rejects.toThrow(RosterInvalid);
    expect(await t.db.read((m) => m.count(Account))).toBe(1);
    expect(() => checkRows('nom;prenom\nA;B\n')).toThrow(RosterFileError);
  });

  it('a database failure on the 12th account (P2003): the import fails and nothing of it is written', async () => {
    const tables = [Account, Structure, SchoolClass, Membership, RelativeLink, RoleAssignment, OneTimeCode, AuditEvent];
    const written = () => Promise.all(tables.map((entity) => t.db.read((manager) => manager.count(entity))));
    const before = await written();
    const undo = await failInsert(t.db, 'accounts', 'externalId', 'P2003');
    try {
      await expect(importRoster(domain, example, { schoolYear: YEAR })).rejects.toThrow(/injected/);
    } finally {
      await undo();
    }
    expect(await written()).toEqual(before);
  });

  it('refuses a control character in any column, as file:line: column: reason; nothing is written', async () => {
    requireBuild();
    // A quoted cell keeps its line break (the record then ends on line 3); an escape sequence
    // in an unquoted one; a tab inside a class name.
    const hostile = example
      .replace('Lefèvre;Éloïse', '"Lefèvre\n=2+2";Éloïse')
      .replace('Dubois;Léa;21/11/2015', 'Dubois;L\u001b[2Jéa;21/11/2015')
      .replace('CM1 B;Nguyen', 'CM1\tB;Nguyen');
    const file = join(tmp, 'control-characters.csv');
    writeFileSync(file, hostile);
    const refused = await cli(['import', file, '--school-year', YEAR], childEnv({ DATABASE_URL: t.url }));
    expect(refused.code).toBe(1);
    expect(errorLines(refused.stderr)).toEqual([
      `${file}:3: nom: holds a control character (U+000A: a line break, a tab…), which is not allowed`,
      `${file}:5: prenom: holds a control character (U+001B: a line break, a tab…), which is not allowed`,
      `${file}:6: classe: holds a control character (U+0009: a line break, a tab…), which is not allowed`,
      `ent-idp: import: 3 error(s) in ${file}, nothing imported`,
    ]);
    expect(refused.stderr).not.toContain('\u001b');
    expect(await t.db.read((m) => m.count(Account))).toBe(1);
    expect(await t.db.read((m) => m.count(Structure))).toBe(0);
  }, 60_000);

  it('a dry run reports without writing', async () => {
    const dry = await importRoster(domain, example, { schoolYear: YEAR, dryRun: true });
    expect(dry.accounts).toEqual({ created: 20, updated: 0, unchanged: 0 });
    expect(dry.newAccounts.every((a) => a.code === null)).toBe(true);
    expect(await t.db.read((m) => m.count(Account))).toBe(1);
  });

  it('imports config/examples/roster.csv: accounts, identifiants, classes, roles, links, activation codes', async () => {
    const report = await importRoster(domain, example, { schoolYear: YEAR });
    expect(report.accounts).toEqual({ created: 20, updated: 0, unchanged: 0 });
    expect(report.structures.created).toBe(1);
    expect(report.classes.created).toBe(2);
    expect(report.links.added).toBe(8);
    expect(report.roles.added).toBe(2);
    const logins = report.newAccounts.map((a) => a.login);
    expect(logins).toEqual(
      expect.arrayContaining([
        'eloise.lefevre',
        'lea.dubois2',
        'lea.dubois3',
        'maelys.darclemaitre',
        'chloe.oeuvrard',
        'noe.muller',
        'thihoa.nguyen',
        'jeanpierre.martin',
        'theo.nguyen',
        'theo.nguyen2',
      ]),
    );
    expect(new Set(logins).size).toBe(20);
    expect(report.newAccounts.every((a) => /^[a-z3-9]{8}$/.test(a.code!))).toBe(true);
    // Each new account's activation code is the live one the teacher sees.
    const eloise = await byExternal('E1001');
    expect((await domain.codes.liveCode(eloise.id))?.code).toBe(
      report.newAccounts.find((a) => a.login === 'eloise.lefevre')!.code,
    );
    expect(eloise).toMatchObject({
      firstName: 'Éloïse',
      lastName: 'Lefèvre',
      birthDate: '2016-02-14',
      profile: 'Student',
      searchLastName: 'lefevre',
    });
    // The relative of two children.
    const karima = await byExternal('P2003');
    const children = await t.db.read((m) => m.find(RelativeLink, { where: { relativeId: karima.id } }));
    expect(children.map((l) => l.studentId).sort()).toEqual(
      [(await byExternal('E1006')).id, (await byExternal('E1007')).id].sort(),
    );
    // Teachers administer their class.
    const helene = await byExternal('T3001');
    const roles = await t.db.read((m) => m.find(RoleAssignment, { where: { accountId: helene.id } }));
    const cm1b = await t.db.read((m) => m.findOneByOrFail(SchoolClass, { name: 'CM1 B' }));
    expect(roles).toEqual([expect.objectContaining({ role: 'class-admin', scopeId: cm1b.id })]);
    expect(cm1b.schoolYear).toBe(YEAR);
  });

  it('importing the same file again changes nothing', async () => {
    const codes = await t.db.read((m) => m.count(OneTimeCode));
    const again = await importRoster(domain, example, { schoolYear: YEAR });
    expect(again.accounts).toEqual({ created: 0, updated: 0, unchanged: 20 });
    expect([again.memberships, again.roles, again.links]).toEqual([
      { added: 0, removed: 0 },
      { added: 0, removed: 0 },
      { added: 0, removed: 0 },
    ]);
    expect(await t.db.read((m) => m.count(Account))).toBe(21);
    expect(await t.db.read((m) => m.count(OneTimeCode))).toBe(codes);
  });

  it('a modified copy updates names, email, class and links, adds newcomers, never duplicates', async () => {
    const modified = `${example
      .replace('Lefèvre;Éloïse;14/02/2016', 'Lefèvre-Martin;Éloïse;14/02/2016') // renamed
      .replace('CM1 B;Nguyen;Théo;2016-05-30;Élève;E1004', 'CM2 A;Nguyen;Théo;2016-05-30;Élève;E1004') // moved class
      .replace('P2004;E1006|E1007;', 'P2004;E1006;sofiane.benali@example.fr') // one child less, an email
      .replace('CM1 B;Garçon;Hélène', 'CM2 A;Garçon;Hélène') // the teacher changes class
      .trimEnd()}\r\n0800002B;École Jules Verne;CM1 B;Dubois;Léa;2017-01-05;Élève;E1011;;\r\n`;
    const copy = join(tmp, 'roster-modified.csv');
    writeFileSync(copy, `\uFEFF${modified.replace(/;/g, ',').replace("D'Arc-Lemaître", '"D\'Arc-Lemaître"')}`);
    const report = await importRoster(domain, readFileSync(copy), { schoolYear: YEAR });
    // Class changes are memberships, not account fields: 2 accounts have new fields.
    expect(report.accounts).toEqual({ created: 1, updated: 2, unchanged: 18 });
    expect(report.newAccounts.map((a) => a.login)).toEqual(['lea.dubois4']);
    expect(await t.db.read((m) => m.count(Account))).toBe(22);
    expect((await byExternal('E1001')).lastName).toBe('Lefèvre-Martin');
    expect((await byExternal('E1001')).login).toBe('eloise.lefevre'); // identifiants never change
    expect(await classNamesOf((await byExternal('E1004')).id)).toEqual(['CM2 A']);
    const sofiane = await byExternal('P2004');
    expect(sofiane.email).toBe('sofiane.benali@example.fr');
    expect(await t.db.read((m) => m.countBy(RelativeLink, { relativeId: sofiane.id }))).toBe(1);
    const helene = await byExternal('T3001');
    const cm2a = await t.db.read((m) => m.findOneByOrFail(SchoolClass, { name: 'CM2 A' }));
    expect(await t.db.read((m) => m.find(RoleAssignment, { where: { accountId: helene.id } }))).toEqual([
      expect.objectContaining({ scopeId: cm2a.id }),
    ]);
    expect(report.memberships).toEqual({ added: 3, removed: 2 });
  });

  it('the CLI: exit 0 with a summary, exit 1 with every bad line on stderr and one ent-idp line', async () => {
    requireBuild();
    const env = childEnv({ DATABASE_URL: t.url });
    const ok = await cli(['import', EXAMPLE, '--dry-run', '--school-year', YEAR], env);
    expect(ok.code).toBe(0);
    expect(ok.stdout.startsWith(`dry run, nothing written: would import 20 row(s) for school year ${YEAR}\n`)).toBe(
      true,
    );
    const bad = join(tmp, 'bad.csv');
    writeFileSync(bad, example.replace('Élève;E1002', 'Elefant;E1002'));
    const refused = await cli(['import', bad, '--school-year', YEAR], env);
    expect(refused.code).toBe(1);
    expect(errorLines(refused.stderr)).toEqual([
      `${bad}:3: profil: "Elefant" is not one of Élève, Parent, Enseignant, Personnel (or Student, Relative, Teacher)`,
      `ent-idp: import: 1 error(s) in ${bad}, nothing imported`,
    ]);
    // A value quoted back in a problem line cannot reorder the operator's terminal: a
    // right-to-left override in it is shown escaped (src/cli/terminal.ts).
    const reversed = join(tmp, 'bidi.csv');
    writeFileSync(reversed, example.replace('Élève;E1002', 'Élève\u202eevèlÉ;E1002'));
    const bidi = await cli(['import', reversed, '--school-year', YEAR], env);
    expect(bidi.code).toBe(1);
    expect(errorLines(bidi.stderr)[0]).toBe(
      `${reversed}:3: profil: "Élève\\u202eevèlÉ" is not one of Élève, Parent, Enseignant, Personnel (or Student, Relative, Teacher)`,
    );
    expect(bidi.stderr).not.toContain('\u202e');
    expect((await cli(['import'], env)).code).toBe(2);
    expect((await cli(['import', EXAMPLE, '--school-year', '2026'], env)).code).toBe(2);
    expect((await cli(['import', join(tmp, 'absent.csv')], env)).code).toBe(1);
  }, 60_000);
});

describe('10,000 rows', () => {
  it('imports in one transaction and reports the time', async () => {
    const lines = ['uai;structure;classe;nom;prenom;date_naissance;profil;id_externe;parents_de;email'];
    const first = ['Léa', 'Théo', 'Chloé', 'Noé', 'Inès', 'Hugo', 'Zoé', 'Jules', 'Maël', 'Anaïs'];
    const last = [
      'Martin',
      'Bernard',
      'Dubois',
      'Thomas',
      'Robert',
      'Richard',
      'Petit',
      'Durand',
      'Leroy',
      'Moreau',
      'Simon',
      'Laurent',
    ];
    let n = 0;
    for (let s = 0; s < 7000; s++, n++)
      lines.push(
        `0800100C;Collège de la Baie;${6 + (s % 4)}e ${'ABCDEFGH'[s % 8]};${last[s % 12]};${first[s % 10]};01/0${1 + (s % 9)}/2013;Élève;GEN-S${s};;`,
      );
    for (let p = 0; p < 2700; p++, n++)
      lines.push(
        `0800100C;Collège de la Baie;;${last[p % 12]};Parent${p % 50};;Parent;GEN-R${p};GEN-S${p}|GEN-S${p + 3000};`,
      );
    for (let e = 0; e < 300; e++, n++)
      lines.push(
        `0800100C;Collège de la Baie;${6 + (e % 4)}e ${'ABCDEFGH'[e % 8]};Prof${e};Anne;;Enseignant;GEN-T${e};;prof${e}@example.fr`,
      );
    expect(n).toBe(10_000);
    const started = Date.now();
    const report = await importRoster(domain, lines.join('\n'), { schoolYear: YEAR });
    const ms = Date.now() - started;
    process.stdout.write(`roster import: 10,000 rows on ${t.db.kind} in ${(ms / 1000).toFixed(1)} s\n`);
    expect(report.accounts.created).toBe(10_000);
    expect(ms).toBeLessThan(120_000); // the target is 60 s; the bound only catches a collapse
    const again = Date.now();
    const second = await importRoster(domain, lines.join('\n'), { schoolYear: YEAR });
    process.stdout.write(
      `roster re-import (no change): 10,000 rows in ${((Date.now() - again) / 1000).toFixed(1)} s\n`,
    );
    expect(second.accounts.unchanged).toBe(10_000);
  }, 300_000);
});
