// A new school year's roster import moves a child to another class and teacher: last
// year's class, membership and class-admin role stay in the database as history, and must
// give the former teacher nothing — no listing, codes, sheets, block or audit trail of the
// child or of their parent. The new teacher gets all of it.
import { Account } from '../../../src/db/entities/index.js';
import { importRoster } from '../../../src/domain/roster/index.js';
import { hashPassword, SCHOOL_YEAR } from '../../helpers/factories.js';
import { openBench, PASSWORD, type Bench } from './harness.js';

const [first] = SCHOOL_YEAR.split('-').map(Number) as [number, number];
const LAST_YEAR = `${first - 1}-${first}`;

const HEADER = 'uai;structure;classe;nom;prenom;date_naissance;profil;id_externe;parents_de;email';
const roster = (childClass: string, teacher: string) =>
  [
    HEADER,
    `0800002B;École des Dunes;${childClass};Martin;Jules;03/04/2015;Élève;PY-E1;;`,
    `0800002B;École des Dunes;${childClass};Martin;Claire;;Parent;PY-P1;PY-E1;`,
    `0800002B;École des Dunes;${childClass};${teacher};Prof;;Enseignant;PY-T-${teacher};;`,
  ].join('\n');

let bench: Bench;
let child: Account;
let parent: Account;
let formerToken: string;
let newToken: string;
let formerClassId: string;
let newClassId: string;

beforeAll(async () => {
  bench = await openBench();
  const { domain, db } = bench.ts.server;
  await importRoster(domain, roster('CM1 A', 'Ancien'), { schoolYear: LAST_YEAR });
  await importRoster(domain, roster('CM2 B', 'Nouveau'), { schoolYear: SCHOOL_YEAR });
  const byExternal = async (externalId: string) => db.read((m) => m.findOneByOrFail(Account, { externalId }));
  child = await byExternal('PY-E1');
  parent = await byExternal('PY-P1');
  const former = await byExternal('PY-T-Ancien');
  const fresh = await byExternal('PY-T-Nouveau');
  const passwordHash = await hashPassword(PASSWORD);
  for (const teacher of [former, fresh])
    await db.transaction((m) => m.update(Account, { id: teacher.id }, { passwordHash, activatedAt: new Date() }));
  formerToken = await bench.tokenFor(former.login);
  newToken = await bench.tokenFor(fresh.login);
  const classesOf = async (token: string) =>
    (await bench.api(token, 'GET', '/v1/classes')).body.items as { id: string; name: string; schoolYear: string }[];
  newClassId = (await classesOf(newToken)).find((c) => c.name === 'CM2 B')!.id;
  const [past] = await db.dataSource.query('SELECT id FROM classes WHERE name = ? AND schoolYear = ?', [
    'CM1 A',
    LAST_YEAR,
  ]);
  formerClassId = (past as { id: string }).id;
});

afterAll(async () => {
  await bench?.ts.stop();
});

describe('last year’s teacher after the new year’s import', () => {
  it('no longer lists the past class, and its pages answer like an unknown class', async () => {
    expect((await bench.api(formerToken, 'GET', '/v1/classes')).body.items).toEqual([]);
    for (const path of [
      `/v1/classes/${formerClassId}/accounts`,
      `/v1/classes/${formerClassId}/accounts?profile=Relative`,
      `/v1/classes/${formerClassId}/audit`,
    ]) {
      expect([path, (await bench.api(formerToken, 'GET', path)).status]).toEqual([path, 404]);
    }
    const me = await bench.api(formerToken, 'GET', '/v1/me');
    expect(me.body.roles.classAdminOf).toEqual([]);
  });

  it('cannot generate codes, print sheets, block or reset the child or their parent: 404, nothing written', async () => {
    const codesBefore = await bench.ts.server.domain.codes.liveCodes([child.id, parent.id]);
    for (const [path, extra] of [
      ['/v1/renewal-codes', {}],
      ['/v1/connection-sheets', { format: 'csv' }],
      ['/v1/accounts/block', {}],
      ['/v1/password-resets', {}],
    ] as const) {
      for (const target of [child, parent]) {
        const res = await bench.api(formerToken, 'POST', path, {
          accountIds: [target.id],
          classId: formerClassId,
          ...extra,
        });
        expect([path, target.login, res.status]).toEqual([path, target.login, 404]);
      }
    }
    const codesAfter = await bench.ts.server.domain.codes.liveCodes([child.id, parent.id]);
    expect([...codesAfter.values()].map((c) => c.id)).toEqual([...codesBefore.values()].map((c) => c.id));
    expect((await bench.ts.server.db.read((m) => m.findOneByOrFail(Account, { id: child.id }))).blockedAt).toBeNull();
  });

  it('the new teacher lists the child, acts on them, and the audit names the class of the year in force', async () => {
    const list = await bench.api(newToken, 'GET', `/v1/classes/${newClassId}/accounts`);
    expect(list.body.items.map((r: { id: string }) => r.id)).toContain(child.id);
    // A class id from the request body is only a preference: the audit records the class that allowed it.
    const res = await bench.api(newToken, 'POST', '/v1/renewal-codes', {
      accountIds: [child.id],
      classId: formerClassId,
    });
    expect(res.status).toBe(200);
    const trail = await bench.api(newToken, 'GET', `/v1/classes/${newClassId}/audit`);
    // Never activated: the live activation code is handed back (code.reissue).
    const reissued = trail.body.items.find(
      (e: { action: string; target: { id: string } | null }) =>
        e.action === 'code.reissue' && e.target?.id === child.id,
    );
    expect(reissued).toBeDefined();
    const [row] = await bench.ts.server.db.dataSource.query(
      "SELECT classId FROM audit_events WHERE action = 'code.reissue' AND targetId = ?",
      [child.id],
    );
    expect((row as { classId: string }).classId).toBe(newClassId);
  });

  it('the child’s ID token claims list only the class of the year in force', async () => {
    const details = await bench.ts.server.domain.accounts.entDetailsFor(child);
    expect(details.classes.map((c) => c.name)).toEqual(['CM2 B']);
  });
});
