// Issue 21, accessibility: axe-core (WCAG 2.1 A and AA rules) on the pages people see, in
// Chromium, with zero violations expected. Screenshots of each page go to test-results/.
// The context bypasses the CSP only so axe's script can be injected; the pages are unchanged.
import { AxeBuilder } from '@axe-core/playwright';
import { jest } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import {
  fillConnexion,
  launchBrowser,
  newContext,
  openApp,
  seedSchool,
  shot,
  signInTeacher,
  startTestApp,
  startTestServer,
  type School,
  type TestApp,
  type TestServer,
} from './harness.js';

jest.setTimeout(120_000);

let ts: TestServer;
let app: TestApp;
let browser: Browser;
let school: School;

beforeAll(async () => {
  ts = await startTestServer();
  app = await startTestApp(ts);
  school = await seedSchool(ts);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await ts?.stop();
});

/** The violations of `page` as « rule: target » lines (empty when none), and a screenshot. */
async function violations(page: Page, name: string): Promise<string[]> {
  await shot(page, `a11y-${name}`);
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return result.violations.flatMap((v) => v.nodes.map((n) => `${name} — ${v.id}: ${n.target.join(' ')}`));
}

describe('axe, WCAG 2.1 A and AA', () => {
  test('CONNEXION, its error, the code → password page, recovery pages', async () => {
    const found: string[] = [];
    const { page, context } = await newContext(browser, { bypassCSP: true });
    await openApp(app, page);
    found.push(...(await violations(page, 'connexion')));
    await fillConnexion(page, 'enfant.test', 'pas le bon mot de passe');
    await page.getByText('Identifiant ou mot de passe incorrect.').waitFor();
    found.push(...(await violations(page, 'connexion-erreur')));
    await fillConnexion(page, 'lucas.martin', school.activationCode);
    await page.getByRole('heading', { name: 'Activation de votre compte' }).waitFor();
    found.push(...(await violations(page, 'activation')));
    await page.goto(`${ts.url}/mot-de-passe-oublie`);
    found.push(...(await violations(page, 'mot-de-passe-oublie')));
    await page.goto(`${ts.url}/identifiant-oublie`);
    found.push(...(await violations(page, 'identifiant-oublie')));
    await page.goto(`${ts.url}/page-qui-n-existe-pas`);
    found.push(...(await violations(page, 'erreur')));
    await context.close();
    expect(found).toEqual([]);
  });

  test('the admin class page, its confirmation page and codes page, Déconnexion', async () => {
    const found: string[] = [];
    const { page, context } = await newContext(browser, { bypassCSP: true });
    await signInTeacher(ts, page, 'claire.lefebvre');
    found.push(...(await violations(page, 'admin-classe')));
    await page.getByLabel('Sélectionner Chloé Dubois (chloe.dubois)').check();
    await page.getByRole('button', { name: 'GÉNÉRER UN CODE DE RENOUVELLEMENT' }).click();
    await page.getByRole('heading', { name: 'Codes de renouvellement' }).waitFor();
    found.push(...(await violations(page, 'admin-codes')));
    await page.getByRole('link', { name: 'Retour à la classe' }).first().click();
    await page.getByRole('link', { name: 'PARENTS', exact: true }).click();
    found.push(...(await violations(page, 'admin-parents')));
    await page.getByRole('button', { name: 'Déconnexion' }).click();
    await page.getByRole('button', { name: 'Se déconnecter' }).waitFor();
    found.push(...(await violations(page, 'deconnexion')));
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.getByRole('heading', { name: 'Vous êtes déconnecté' }).waitFor();
    found.push(...(await violations(page, 'deconnecte')));
    await context.close();

    // The confirmation page (what BLOQUER shows without JavaScript; axe itself needs it, so
    // the button's dialog is taken off instead).
    const confirm = await newContext(browser, { bypassCSP: true });
    await signInTeacher(ts, confirm.page, 'claire.lefebvre');
    await confirm.page.getByLabel('Sélectionner Inès Bernard (ines.bernard)').check();
    const bloquer = confirm.page.getByRole('button', { name: 'BLOQUER', exact: true });
    await bloquer.evaluate((b) => b.removeAttribute('data-confirm'));
    await bloquer.click();
    await confirm.page.getByRole('heading', { name: 'Bloquer ce compte ?' }).waitFor();
    found.push(...(await violations(confirm.page, 'admin-confirmation')));
    await confirm.context.close();
    expect(found).toEqual([]);
  });
});
