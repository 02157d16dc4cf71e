// Issue 20, terms of use in Chromium: after CONNEXION the child reads the charte in its own
// scrollable region, « J'accepte » lands on the application; a second child « Je refuse » and
// the application hears access_denied. axe (WCAG 2.1 A and AA) on the page, no CSP violation.
import { AxeBuilder } from '@axe-core/playwright';
import { jest } from '@jest/globals';
import type { Browser } from 'playwright-core';
import {
  CHILD_PASSWORD,
  fillConnexion,
  launchBrowser,
  newContext,
  openApp,
  shot,
  startTestApp,
  startTestServer,
  type TestApp,
  type TestServer,
} from './harness.js';
import { createAccount } from '../helpers/factories.js';

jest.setTimeout(120_000);

const CHARTE = [
  '# Charte d’utilisation de l’ENT de l’école',
  '',
  'L’ENT est un espace de travail partagé par les élèves, leurs parents et l’équipe de l’école.',
  '',
  '## Je respecte les autres',
  '',
  ...Array.from(
    { length: 30 },
    (_, i) => `${i + 1}. Je reste poli et bienveillant dans mes messages (règle ${i + 1}).`,
  ),
  '',
  '## Je protège mon compte',
  '',
  '- Je ne donne **jamais** mon mot de passe.',
  '- Je me déconnecte quand j’ai fini.',
  '',
  '<script>document.title = "piégé"</script>',
].join('\n');

let ts: TestServer;
let app: TestApp;
let browser: Browser;

beforeAll(async () => {
  ts = await startTestServer();
  app = await startTestApp(ts);
  for (const [login, firstName] of [
    ['lea.charte', 'Léa'],
    ['tom.charte', 'Tom'],
  ] as const)
    await createAccount(ts.server.db, {
      profile: 'Student',
      login,
      firstName,
      lastName: 'Martin',
      password: CHILD_PASSWORD,
    });
  await ts.server.domain.terms.publish({ version: 'v1', content: Buffer.from(CHARTE), publishedBy: 'e2e' });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await ts?.stop();
});

test("the charte after CONNEXION: accessible, scrollable, « J'accepte » reaches the application", async () => {
  const { page, context, problems } = await newContext(browser);
  await openApp(app, page);
  await fillConnexion(page, 'lea.charte', CHILD_PASSWORD);
  await page.getByRole('heading', { level: 1, name: 'Charte d’utilisation de l’ENT' }).waitFor();
  await page.getByRole('heading', { level: 2, name: 'Charte d’utilisation de l’ENT de l’école' }).waitFor();
  const region = page.getByRole('region', { name: 'Texte de la charte, version v1' });
  // The text scrolls in its own region, reachable from the keyboard; the buttons stay on the page.
  expect(await region.evaluate((el) => el.scrollHeight > el.clientHeight)).toBe(true);
  expect(await region.getAttribute('tabindex')).toBe('0');
  expect(await page.title()).not.toBe('piégé');
  await page.getByText('<script>document.title = "piégé"</script>').waitFor();
  await shot(page, 'charte');
  expect(problems).toEqual([]);

  // axe needs its script injected: a second context that bypasses the CSP, on the same page.
  const audit = await newContext(browser, { bypassCSP: true });
  await openApp(app, audit.page);
  await fillConnexion(audit.page, 'lea.charte', CHILD_PASSWORD);
  await audit.page.getByRole('heading', { level: 1, name: 'Charte d’utilisation de l’ENT' }).waitFor();
  const result = await new AxeBuilder({ page: audit.page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  expect(result.violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')}`))).toEqual([]);
  await audit.context.close();

  await page.getByRole('button', { name: "J'accepte" }).click();
  await page.getByRole('heading', { name: 'Bienvenue Léa Martin' }).waitFor();
  expect(problems).toEqual([]);
  await context.close();
});

test('« Je refuse »: the application receives access_denied, and CONNEXION is asked again', async () => {
  const { page, context } = await newContext(browser);
  await openApp(app, page);
  await fillConnexion(page, 'tom.charte', CHILD_PASSWORD);
  await page.getByRole('heading', { level: 1, name: 'Charte d’utilisation de l’ENT' }).waitFor();
  const callback = page.waitForRequest((r) => r.url().startsWith(`${app.url}/callback`));
  await page.getByRole('button', { name: 'Je refuse' }).click();
  expect(new URL((await callback).url()).searchParams.get('error')).toBe('access_denied');
  await openApp(app, page);
  await page.getByRole('button', { name: 'CONNEXION' }).waitFor();
  await context.close();
});
