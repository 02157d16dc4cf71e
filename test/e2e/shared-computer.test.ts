// The shared classroom computer: a child signs in to two ENT applications (the demo app and
// its twin, two client ids), logs out of one; the other signs them out by itself, through
// back-channel logout, and the next child signing in on the same browser sees only their own
// data. Debian's Chromium, a real ent-idp, the demo apps' real receiving end.
import type { Browser, Page } from 'playwright-core';
import { fillConnexion, launchBrowser, newContext, shot, startTestServer, type TestServer } from './harness.js';
import { createAccount } from '../helpers/factories.js';

const PASSWORD = 'une phrase de passe solide';
let ts: TestServer;
let browser: Browser;

beforeAll(async () => {
  ts = await startTestServer();
  await createAccount(ts.server.db, {
    profile: 'Student',
    login: 'alice.poste',
    firstName: 'Alice',
    lastName: 'Poste',
    password: PASSWORD,
  });
  await createAccount(ts.server.db, {
    profile: 'Student',
    login: 'bruno.poste',
    firstName: 'Bruno',
    lastName: 'Poste',
    password: PASSWORD,
  });
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await ts?.stop();
});

/** The app's greeting once signed in, or null on its welcome page. */
async function greeting(page: Page, path: string): Promise<string | null> {
  await page.goto(`${ts.url}${path}`);
  const heading = await page.getByRole('heading', { level: 1 }).textContent();
  return heading?.startsWith('Bonjour') ? heading : null;
}

test('logout in one application signs the child out of the other; the next child sees only their own data', async () => {
  const { page, context, problems } = await newContext(browser);

  // Alice signs in to the first application, then the second knows her (single sign-on).
  await page.goto(`${ts.url}/demo-app`);
  await page.getByRole('link', { name: 'Se connecter avec l’ENT' }).click();
  await fillConnexion(page, 'alice.poste', PASSWORD);
  await page.getByRole('heading', { name: 'Bonjour Alice Poste' }).waitFor();
  await page.goto(`${ts.url}/demo-app-2`);
  await page.getByRole('link', { name: 'Se connecter avec l’ENT' }).click();
  await page.getByRole('heading', { name: 'Bonjour Alice Poste' }).waitFor();
  await shot(page, 'poste-partage-connectee');

  // She logs out of the second application…
  await page.getByRole('button', { name: 'Déconnexion' }).click();
  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await page.getByRole('heading', { name: 'Bienvenue' }).waitFor();

  // …and the first one has forgotten her by itself (its session ended by the logout token).
  let first = await greeting(page, '/demo-app');
  for (let tries = 0; first !== null && tries < 20; tries++) {
    await page.waitForTimeout(100);
    first = await greeting(page, '/demo-app');
  }
  expect(first).toBeNull();
  await shot(page, 'poste-partage-deconnectee');

  // Bruno, next on the same computer, signs in: CONNEXION asks, and he sees only himself.
  await page.getByRole('link', { name: 'Se connecter avec l’ENT' }).click();
  await fillConnexion(page, 'bruno.poste', PASSWORD);
  await page.getByRole('heading', { name: 'Bonjour Bruno Poste' }).waitFor();
  expect(await page.content()).not.toContain('alice.poste');
  expect(await greeting(page, '/demo-app-2')).toBeNull();
  expect(problems).toEqual([]);
  await context.close();
}, 60_000);
