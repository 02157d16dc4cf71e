// Issue 21, accessibility: axe-core (WCAG 2.1 A and AA rules) on the pages people see, in
// Chromium, with zero violations expected. Screenshots of each page go to test-results/.
// The context bypasses the CSP only so axe's script can be injected; the pages are unchanged.
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { jest } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import {
  CHILD_PASSWORD,
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
    // « Mot de passe enregistré », held there (its script, which continues, is not loaded).
    await page.route('**/static/login/continue.js', (route) => route.abort());
    await page.getByLabel('Nouveau mot de passe', { exact: true }).fill('lucas aime le football');
    await page.getByLabel('Confirmation du nouveau mot de passe').fill('lucas aime le football');
    await page.getByRole('button', { name: 'ENREGISTRER' }).click();
    await page.getByRole('heading', { name: 'Mot de passe enregistré' }).waitFor();
    found.push(...(await violations(page, 'mot-de-passe-enregistre')));
    await page.unroute('**/static/login/continue.js');
    await page.goto(`${ts.url}/mot-de-passe-oublie`);
    found.push(...(await violations(page, 'mot-de-passe-oublie')));
    await page.goto(`${ts.url}/identifiant-oublie`);
    found.push(...(await violations(page, 'identifiant-oublie')));
    await page.goto(`${ts.url}/page-qui-n-existe-pas`);
    found.push(...(await violations(page, 'erreur')));
    // The statement every page's footer links to.
    await page.getByRole('link', { name: 'Accessibilité : non conforme' }).click();
    await page.getByRole('heading', { name: 'Déclaration d’accessibilité' }).waitFor();
    found.push(...(await violations(page, 'declaration-accessibilite')));
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

  test('the consent page of a third-party application and the error page of /auth', async () => {
    const found: string[] = [];
    const redirectUri = `${app.url}/partenaire`;
    await ts.server.oidc.clients.save({
      clientId: 'soutien-scolaire',
      name: 'Soutien scolaire',
      type: 'public',
      redirectUris: [redirectUri],
      grantTypes: ['authorization_code'],
      scopes: ['openid', 'profile'],
      firstParty: false,
    });
    const verifier = randomBytes(32).toString('base64url');
    const auth = new URL(`${ts.url}/auth`);
    for (const [k, v] of Object.entries({
      client_id: 'soutien-scolaire',
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'openid profile',
      state: randomBytes(8).toString('hex'),
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }))
      auth.searchParams.set(k, v);
    const { page, context } = await newContext(browser, { bypassCSP: true });
    await page.goto(auth.href);
    await fillConnexion(page, 'enfant.test', CHILD_PASSWORD);
    await page.getByRole('heading', { name: 'Autoriser l’application' }).waitFor();
    found.push(...(await violations(page, 'consentement')));

    // An unknown client_id: the provider's own error page (no redirect to an unknown address).
    auth.searchParams.set('client_id', 'application-inconnue');
    await page.goto(auth.href);
    found.push(...(await violations(page, 'erreur-oidc')));
    await context.close();
    expect(found).toEqual([]);
  });

  test('the link mailed by « Mot de passe oublié »', async () => {
    const found: string[] = [];
    const { page, context } = await newContext(browser, { bypassCSP: true });
    await page.goto(`${ts.url}/mot-de-passe-oublie`);
    await page.getByLabel('Identifiant').fill('sophie.enfant');
    await page.getByRole('button', { name: 'Envoyer' }).click();
    await ts.server.domain.mail.idle();
    const dir = ts.config.mail.dir!;
    const mail = readdirSync(dir)
      .map((f) => readFileSync(join(dir, f), 'utf8').replace(/=\r?\n/g, ''))
      .find((m) => m.includes('sophie.enfant@example.test'));
    const link = /(http:\/\/127\.0\.0\.1:\d+\/mot-de-passe\/reinitialiser\/[\w-]+)/.exec(mail ?? '')?.[1];
    expect(link).toBeTruthy();
    await page.goto(link!);
    await page.getByRole('heading', { name: 'Réinitialisation du mot de passe' }).waitFor();
    found.push(...(await violations(page, 'lien-reinitialisation')));
    await context.close();
    expect(found).toEqual([]);
  });

  test('the demo application: home, profile, Déconnexion and after', async () => {
    const found: string[] = [];
    const { page, context } = await newContext(browser, { bypassCSP: true });
    await page.goto(`${ts.url}/demo-app`);
    await page.getByRole('heading', { name: 'Bienvenue' }).waitFor();
    found.push(...(await violations(page, 'demo-accueil')));
    await page.getByRole('link', { name: 'Se connecter avec l’ENT' }).click();
    await fillConnexion(page, 'enfant.test', CHILD_PASSWORD);
    await page.getByRole('heading', { name: 'Bonjour test enfant' }).waitFor();
    found.push(...(await violations(page, 'demo-profil')));
    await page.getByRole('button', { name: 'Déconnexion' }).click();
    await page.getByRole('button', { name: 'Se déconnecter' }).waitFor();
    found.push(...(await violations(page, 'demo-deconnexion')));
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.getByRole('heading', { name: 'Bienvenue' }).waitFor();
    found.push(...(await violations(page, 'demo-deconnecte')));
    // The provider's own « Vous êtes déconnecté » (a logout without a way back to an application).
    await page.goto(`${ts.url}/demo-app`);
    await page.getByRole('link', { name: 'Se connecter avec l’ENT' }).click();
    await fillConnexion(page, 'enfant.test', CHILD_PASSWORD);
    await page.getByRole('heading', { name: 'Bonjour test enfant' }).waitFor();
    await page.goto(`${ts.url}/session/end`);
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.getByRole('heading', { name: 'Vous êtes déconnecté' }).waitFor();
    found.push(...(await violations(page, 'deconnecte-fournisseur')));
    await context.close();
    expect(found).toEqual([]);
  });

  test('the admin page’s dialogs before BLOQUER and RÉINITIALISER', async () => {
    const found: string[] = [];
    const { page, context } = await newContext(browser, { bypassCSP: true });
    await signInTeacher(ts, page, 'claire.lefebvre');
    await page.getByLabel('Sélectionner Emma Leroy (emma.leroy)').check();
    const dialog = page.getByRole('dialog');
    await page.getByRole('button', { name: 'BLOQUER', exact: true }).click();
    await dialog.getByRole('heading', { name: 'Bloquer ce compte ?' }).waitFor();
    found.push(...(await violations(page, 'dialogue-bloquer')));
    await dialog.getByRole('button', { name: 'Annuler' }).click();
    await page.getByRole('button', { name: 'RÉINITIALISER LE MOT DE PASSE' }).click();
    await dialog.getByRole('heading', { name: 'Réinitialiser le mot de passe ?' }).waitFor();
    found.push(...(await violations(page, 'dialogue-reinitialiser')));
    await dialog.getByRole('button', { name: 'Annuler' }).click();
    await context.close();
    expect(found).toEqual([]);
  });
});
