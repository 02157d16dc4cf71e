// Two instances behind a load balancer without sticky sessions: a teacher signs in to
// « Paramétrage de la classe », lists their class, generates a code, prints the sheets and
// logs out, every request landing on the other instance than the one before. Nothing of the
// page's session lives in one process: the sign-in flow, the page session and the codes are in
// the shared database, the cookies are sealed with the shared COOKIE_KEYS.
import { freePort, startTestServer, type TestServer } from '../../helpers/server.js';
import { Browser, formOf, textOf } from '../../helpers/browser.js';
import { createAccount, createClass, createStructure, grantRole } from '../../helpers/factories.js';
import { roundRobin, type RoundRobin } from '../../helpers/round-robin.js';
import { Account } from '../../../src/db/entities/index.js';

const PASSWORD = 'le cahier de texte bleu';
let a: TestServer;
let b: TestServer;
let balancer: RoundRobin;
let classId: string;
let pupil: Account;

beforeAll(async () => {
  // The public address is the balancer's: both instances have it as their issuer.
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  a = await startTestServer({ env: { ISSUER: issuer } });
  b = await startTestServer({ database: a.database, env: { ISSUER: issuer } });
  balancer = await roundRobin([a.url, b.url], port);
  const db = a.server.db;
  const structure = await createStructure(db, { name: 'École des Deux Rives' });
  const cls = await createClass(db, { structureId: structure.id, name: 'CM1 A' });
  classId = cls.id;
  const teacher = await createAccount(db, {
    profile: 'Teacher',
    login: 'prof.rives',
    firstName: 'Claire',
    lastName: 'Rives',
    password: PASSWORD,
    classIds: [cls.id],
    structureId: structure.id,
  });
  await grantRole(db, teacher.id, 'class-admin', cls.id);
  pupil = await createAccount(db, {
    profile: 'Student',
    login: 'lou.rives',
    firstName: 'Lou',
    lastName: 'Rives',
    birthDate: '2016-05-04',
    password: 'le secret de lou',
    classIds: [cls.id],
    structureId: structure.id,
  });
});

afterAll(async () => {
  await balancer?.close();
  await b?.stop({ keepDatabase: true });
  await a?.stop();
});

test('sign in, list, generate a code, print the sheets and log out, each request on the other instance', async () => {
  const browser = new Browser();
  const login = await browser.go(`${balancer.url}/admin/`);
  expect(textOf(login)).toContain('Connexion');
  const page = await browser.submit(login, '/login', { identifiant: 'prof.rives', mot_de_passe: PASSWORD });
  expect(new URL(page.url).pathname).toBe(`/admin/classes/${classId}`);
  expect(textOf(page)).toContain('lou.rives');

  const listing = await browser.go(`${balancer.url}/admin/classes/${classId}?q=lou`);
  expect(textOf(listing)).toContain('lou.rives');

  const { hidden } = formOf(listing, '/actions');
  const codes = await browser.go(`${balancer.url}/admin/classes/${classId}/actions`, {
    form: { ...hidden, action: 'renouveler', ids: pupil.id },
  });
  const live = await a.server.domain.codes.liveCode(pupil.id);
  expect(live?.kind).toBe('renewal');
  expect(textOf(codes)).toContain(live!.code);

  const sheets = await browser.request(`${balancer.url}/admin/classes/${classId}/actions`, {
    form: { ...formOf(codes, '/actions').hidden, action: 'fiches' },
  });
  expect(sheets.status).toBe(200);
  expect(sheets.headers.get('content-type')).toBe('application/pdf');

  const back = await browser.go(`${balancer.url}/admin/classes/${classId}`);
  const logout = formOf(back, '/admin/auth/logout');
  const out = await browser.request(new URL(logout.action, balancer.url).href, { form: logout.hidden });
  expect(out.status).toBe(303);
  const again = await browser.request(`${balancer.url}/admin/classes/${classId}`);
  expect(again.status).toBe(303);
  expect(again.headers.get('location')).toMatch(/^\/admin\/auth\/login/);

  // Strictly alternating, and both instances served the teacher's own pages and actions.
  const backends = balancer.served.map((r) => r.backend);
  expect(backends.every((backend, i) => i === 0 || backend !== backends[i - 1])).toBe(true);
  const pageRequests = balancer.served.filter((r) => r.path.startsWith('/admin/classes/'));
  expect(new Set(pageRequests.map((r) => r.backend))).toEqual(new Set([0, 1]));
});
