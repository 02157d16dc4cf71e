// The class page and the admin API say, on each account's row, which version of the terms of
// use the account accepted and when: « Charte acceptée (v2, 30/11/2026) », « Charte non
// acceptée »; nothing at all while no version is published.
import { Browser, textOf } from '../../helpers/browser.js';
import { openBench, PASSWORD, type Bench } from '../admin-api/harness.js';
import { frDay } from '../../../src/admin/page/present.js';

let bench: Bench;
let token: string;

beforeAll(async () => {
  bench = await openBench();
  token = await bench.tokenFor(bench.school.teacherA.login);
});
afterAll(async () => bench?.ts.stop());

const list = () => bench.api(token, 'GET', `/v1/classes/${bench.school.classA.id}/accounts?profile=Student`);

it('API: termsAccepted is null until an acceptance, then the latest version and date', async () => {
  const before = await list();
  expect(before.status).toBe(200);
  expect(before.body.items.every((i: { termsAccepted: unknown }) => i.termsAccepted === null)).toBe(true);

  const { domain } = bench.ts.server;
  const pupil = bench.school.studentsA[0]!;
  await domain.terms.publish({ version: 'v1', content: Buffer.from('Un.'), publishedBy: 'test' });
  await domain.terms.accept({ accountId: pupil.id, version: 'v1', ip: null });
  await domain.terms.publish({ version: 'v2', content: Buffer.from('Deux.'), publishedBy: 'test' });
  await domain.terms.accept({ accountId: pupil.id, version: 'v2', ip: null });

  const after = await list();
  const row = after.body.items.find((i: { id: string }) => i.id === pupil.id);
  expect(row.termsAccepted).toEqual({ version: 'v2', acceptedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
  const others = after.body.items.filter((i: { id: string }) => i.id !== pupil.id);
  expect(others.every((i: { termsAccepted: unknown }) => i.termsAccepted === null)).toBe(true);
});

it('the class page shows « Charte acceptée (v2, dd/mm/yyyy) » or « Charte non acceptée » on each row', async () => {
  const browser = new Browser();
  const login = await browser.go(`${bench.ts.url}/admin/`);
  // The teacher too accepts the version in force before reaching the page.
  const terms = await browser.submit(login, '/login', {
    identifiant: bench.school.teacherA.login,
    mot_de_passe: PASSWORD,
  });
  expect(textOf(terms)).toContain('Charte d’utilisation de l’ENT');
  const page = await browser.submit(terms, '/charte', { decision: 'accepter' });
  expect(page.status).toBe(200);
  const text = textOf(page);
  expect(text).toContain(`Charte acceptée (v2, ${frDay(new Date())})`);
  expect(text).toContain('Charte non acceptée');
  // The live search answers the same rows.
  const rows = await browser.request(`${bench.ts.url}/admin/classes/${bench.school.classA.id}?partiel=1`);
  expect(textOf(rows)).toContain('Charte acceptée (v2,');
});
