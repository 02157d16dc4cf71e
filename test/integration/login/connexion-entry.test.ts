// GET /connexion?identifiant=… — what the QR code of a connection sheet opens (issue 21): in
// production, the ENT portal's sign-in start (ENT_LOGIN_URL) with `login_hint`; without one,
// the demo application outside production (a French page in production, which these tests
// cannot start with its dev secrets). The answer never depends on whether the identifiant exists.
import { startTestServer, type TestServer } from '../../helpers/server.js';

const PORTAL = 'https://portail.example.test/auth/login?depuis=qr';
let withPortal: TestServer;
let without: TestServer;

beforeAll(async () => {
  withPortal = await startTestServer({
    env: { ENT_LOGIN_URL: PORTAL, ACCESSIBILITY_CONTACT: 'accessibilite@ecole.example' },
  });
  without = await startTestServer();
}, 30_000);
afterAll(async () => {
  await withPortal?.stop();
  await without?.stop();
});

const get = (ts: TestServer, query: string) => fetch(`${ts.url}/connexion${query}`, { redirect: 'manual' });

test('ENT_LOGIN_URL: the portal’s sign-in start, with the identifiant as login_hint', async () => {
  const res = await get(withPortal, '?identifiant=lucas.martin');
  expect(res.status).toBe(302);
  const target = new URL(res.headers.get('location')!);
  expect(`${target.origin}${target.pathname}`).toBe('https://portail.example.test/auth/login');
  expect(target.searchParams.get('depuis')).toBe('qr');
  expect(target.searchParams.get('login_hint')).toBe('lucas.martin');
  // Unknown or not, the same answer; hostile values are dropped, never forwarded.
  const unknown = new URL((await get(withPortal, '?identifiant=personne.inconnue')).headers.get('location')!);
  expect(unknown.searchParams.get('login_hint')).toBe('personne.inconnue');
  for (const hostile of ['%0d%0aSet-Cookie:x=1', 'a'.repeat(500), '']) {
    const location = new URL((await get(withPortal, `?identifiant=${hostile}`)).headers.get('location')!);
    expect(location.searchParams.has('login_hint')).toBe(false);
    expect(location.origin).toBe('https://portail.example.test');
  }
});

test('the accessibility statement: linked from every page, with the configured contact', async () => {
  const res = await fetch(`${withPortal.url}/accessibilite`);
  expect(res.status).toBe(200);
  const html = await res.text();
  expect(html).toContain('Déclaration d’accessibilité');
  expect(html).toContain('<a href="mailto:accessibilite@ecole.example">accessibilite@ecole.example</a>');
  expect(html).toContain('Défenseur des droits');
  const notFound = await (await fetch(`${without.url}/page-inconnue`)).text();
  expect(notFound).toContain('<a href="/accessibilite">Accessibilité : non conforme</a>');
  expect(await (await fetch(`${without.url}/accessibilite`)).text()).toContain('l’établissement (l’enseignant');
});

test('without ENT_LOGIN_URL outside production: the demo application’s sign-in', async () => {
  const res = await get(without, '?identifiant=lucas.martin');
  expect(res.status).toBe(302);
  const target = new URL(res.headers.get('location')!);
  expect(`${target.origin}${target.pathname}`).toBe(`${without.url}/demo-app/login`);
  expect(target.searchParams.get('login_hint')).toBe('lucas.martin');
});
