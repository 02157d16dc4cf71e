// The class's tabs as a teacher sees them: states after each step of an account's life,
// search, paging, sorting; every response checked against the OpenAPI document.
import { randomUUID } from 'node:crypto';
import { createAccount } from '../../helpers/factories.js';
import { registerClient } from '../../helpers/oidc.js';
import { openBench, signInWithCode, type Bench } from './harness.js';

let bench: Bench;
let token: string;

beforeAll(async () => {
  bench = await openBench();
  token = await bench.tokenFor(bench.school.teacherA.login);
});

afterAll(async () => {
  await bench?.ts.stop();
});

const list = (query: string, classId = bench.school.classA.id, t = token) =>
  bench.api(t, 'GET', `/v1/classes/${classId}/accounts?${query}`);

describe('the teacher', () => {
  it('gets an ES256 JWT access token for the admin API through the real flow', async () => {
    const [header, payload] = token
      .split('.')
      .slice(0, 2)
      .map((p) => JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>);
    expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(payload).toMatchObject({
      aud: bench.ts.config.admin.audience,
      scope: 'class-admin',
      sub: bench.school.teacherA.id,
      iss: bench.ts.url,
    });
  });

  it('sees who they are and their classes', async () => {
    const me = await bench.api(token, 'GET', '/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      id: bench.school.teacherA.id,
      profile: 'Teacher',
      roles: { classAdminOf: [bench.school.classA.id], schoolAdminOf: [] },
    });
    const classes = await bench.api(token, 'GET', '/v1/classes');
    expect(classes.body.items).toEqual([
      expect.objectContaining({
        id: bench.school.classA.id,
        name: 'CM2 A',
        canAct: true,
        structureName: 'École du Centre',
      }),
    ]);
  });

  it('lists the four tabs', async () => {
    const { studentsA, relativesA, colleagueA, teacherA, personnelA } = bench.school;
    const students = await list('profile=Student');
    expect(students.status).toBe(200);
    expect(students.body.total).toBe(4);
    expect(students.body.items.map((r: { id: string }) => r.id).sort()).toEqual(studentsA.map((s) => s.id).sort());
    const relatives = await list('profile=Relative');
    expect(relatives.body.items.map((r: { displayName: string }) => r.displayName)).toEqual([
      'Pierre Enfant',
      'Inès Lefèvre',
    ]);
    expect(relatives.body.items[0].children).toEqual([{ id: studentsA[0]!.id, displayName: 'test enfant' }]);
    expect(relatives.body.items.map((r: { id: string }) => r.id)).toEqual([relativesA[0]!.id, relativesA[1]!.id]);
    const teachers = await list('profile=Teacher');
    expect(teachers.body.items.map((r: { id: string }) => r.id).sort()).toEqual([colleagueA.id, teacherA.id].sort());
    const personnel = await list('profile=Personnel');
    expect(personnel.body.items.map((r: { id: string }) => r.id)).toEqual([personnelA.id]);
    // Teachers and personnel are viewed, never acted on: no code shown.
    expect(personnel.body.items[0].code).toBeUndefined();
  });

  it('shows each state: activation code, activated, renewal code, blocked', async () => {
    const { db, domain } = bench.ts.server;
    const fresh = await createAccount(db, {
      profile: 'Student',
      firstName: 'Nouveau',
      lastName: 'Venu',
      structureId: bench.school.structure.id,
      classIds: [bench.school.classA.id],
    });
    const rowOf = async () =>
      ((await list('profile=Student&q=venu')).body.items as { id: string; state: string; code?: string }[]).find(
        (r) => r.id === fresh.id,
      )!;

    // Never activated, with its activation code: the code is shown in clear.
    const activation = await domain.codes.issue({ accountId: fresh.id, kind: 'activation', createdBy: null });
    expect(await rowOf()).toMatchObject({ state: 'activation_code', code: activation.code });

    // Signs in with the code and chooses a password → Activé.
    const app = await registerClient(bench.ts, { clientId: 'ent-cahier' });
    await signInWithCode(app, fresh.login, activation.code);
    expect(await rowOf()).toMatchObject({ state: 'activated' });
    expect((await rowOf()).code).toBeUndefined();

    // A renewal code → Code temporaire.
    const renewal = await bench.api(token, 'POST', '/v1/renewal-codes', { accountIds: [fresh.id] });
    expect(renewal.status).toBe(200);
    expect(renewal.body.items[0]).toMatchObject({ kind: 'renewal', generated: true });
    expect(await rowOf()).toMatchObject({ state: 'renewal_code', code: renewal.body.items[0].code });

    // Blocked wins.
    expect((await bench.api(token, 'POST', '/v1/accounts/block', { accountIds: [fresh.id] })).status).toBe(200);
    expect(await rowOf()).toMatchObject({ state: 'blocked' });
  });

  it('searches by the start of the last or first name, without accents or case', async () => {
    const names = async (q: string) =>
      ((await list(`profile=Student&q=${encodeURIComponent(q)}`)).body.items as { displayName: string }[]).map(
        (r) => r.displayName,
      );
    expect(await names('LEFE')).toEqual(['Éloïse Lefèvre']);
    expect(await names('eloi')).toEqual(['Éloïse Lefèvre']);
    expect(await names('ÉLOÏSE lef')).toEqual(['Éloïse Lefèvre']);
    expect(await names('lefevre eloise')).toEqual(['Éloïse Lefèvre']);
    expect(await names("o'brien")).toEqual(["Ñúñez O'Brien-Ñúñez"]);
    expect(await names('nunez')).toEqual(["Ñúñez O'Brien-Ñúñez"]);
    expect(await names('fevre')).toEqual([]);
    expect(await names('%')).toEqual([]);
    expect(await names('_')).toEqual([]);
  });

  it('pages and sorts in SQL', async () => {
    const page1 = await list('profile=Student&pageSize=2&page=1&sort=login');
    const page2 = await list('profile=Student&pageSize=2&page=2&sort=login');
    const all = await list('profile=Student&sort=login');
    expect(page1.body).toMatchObject({ page: 1, pageSize: 2, total: all.body.total });
    expect(page1.body.items).toHaveLength(2);
    expect([...page1.body.items, ...page2.body.items].map((r: { id: string }) => r.id)).toEqual(
      all.body.items.slice(0, 4).map((r: { id: string }) => r.id),
    );
    const logins = all.body.items.map((r: { login: string }) => r.login);
    expect(logins).toEqual([...logins].sort());
    const desc = await list('profile=Student&sort=birthDate&order=desc');
    const dates = desc.body.items.map((r: { birthDate: string | null }) => r.birthDate).filter(Boolean);
    expect(dates).toEqual([...dates].sort().reverse());
  });

  it('refuses bad parameters with 400 listing the fields, never 500', async () => {
    const bad = await list('profile=Eleve&page=0&pageSize=1000&sort=x');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'page',
      'pageSize',
      'profile',
      'sort',
    ]);
    expect(bad.body.detail).toMatch(/Paramètres invalides/);
    const badClass = await bench.api(token, 'GET', '/v1/classes/pas-un-uuid/accounts');
    expect(badClass.status).toBe(400);
    expect((await bench.api(token, 'GET', `/v1/classes/${randomUUID()}/accounts`)).status).toBe(404);
  });

  it('a member teacher without class-admin sees the class read-only, without codes', async () => {
    const colleague = await bench.tokenFor(bench.school.colleagueA.login);
    const classes = await bench.api(colleague, 'GET', '/v1/classes');
    expect(classes.body.items).toEqual([expect.objectContaining({ id: bench.school.classA.id, canAct: false })]);
    const students = await list('profile=Student', bench.school.classA.id, colleague);
    expect(students.status).toBe(200);
    expect(students.body.items.every((r: { code?: string }) => r.code === undefined)).toBe(true);
    const renewal = await bench.api(colleague, 'POST', '/v1/renewal-codes', {
      accountIds: [bench.school.studentsA[1]!.id],
    });
    expect(renewal.status).toBe(404);
  });
});
