// « Paramétrage de la classe » in Chromium: the seed's whole story, codes replacing codes,
// BLOQUER / DÉBLOQUER, the wall between classes, issue 5's activation journey, phone width,
// no JavaScript, and Déconnexion. Screenshots of each screen go to test-results/.
import { readFile } from 'node:fs/promises';
import { jest } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { Account } from '../../src/db/entities/index.js';
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

jest.setTimeout(60_000);

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

const rowOf = (page: Page, login: string) => page.locator('#lignes tr', { hasText: login });

async function search(page: Page, text: string): Promise<void> {
  await page.getByLabel('Recherche par nom ou prénom').fill(text);
  // The script updates the address once the rows are in (no waitForFunction: the CSP forbids eval).
  await page.waitForURL((url) => url.searchParams.get('q') === text);
}

/** Ticks the user's box on their profile picture, generates a code and reads it on the codes screen. */
async function generateCode(page: Page, login: string, name: string): Promise<string> {
  await page.goto(`${ts.url}/admin/classes/${school.cm2a.id}`);
  await search(page, login.split('.')[0]!);
  await page.getByLabel(`Sélectionner ${name} (${login})`).check();
  await page.getByRole('button', { name: 'GÉNÉRER UN CODE DE RENOUVELLEMENT' }).click();
  await page.getByRole('heading', { name: 'Codes de renouvellement' }).waitFor();
  const row = page.locator('table.codes tbody tr', { hasText: login });
  return (await row.locator('.code').textContent())!.trim();
}

async function childSignsIn(secret: string): Promise<Page> {
  const { page } = await newContext(browser);
  await openApp(app, page);
  await fillConnexion(page, 'enfant.test', secret);
  return page;
}

describe('the seed: a teacher helps « test enfant » back into the ENT', () => {
  test('sign in, search, tick, generate, the child sets a password and lands on the application, the row shows Activé', async () => {
    const { page, problems } = await newContext(browser);
    await signInTeacher(ts, page, 'claire.lefebvre');
    await expectText(page, 'Classe CM2 A');
    for (const tab of ['ÉLÈVES', 'PARENTS', 'ENSEIGNANTS', 'PERSONNELS'])
      await page.getByRole('link', { name: tab, exact: true }).waitFor();
    for (const column of ['Nom', 'Date de naissance', 'Identifiant', 'Activation'])
      await page.getByRole('columnheader', { name: column, exact: true }).waitFor();

    // The activation states, as the seed lists them.
    expect(await rowOf(page, 'enfant.test').locator('.state').innerText()).toBe('Activé');
    expect(await rowOf(page, 'enfant.test').locator('.birth').innerText()).toBe('01/08/2010');
    expect(await rowOf(page, 'lucas.martin').locator('.state .code').innerText()).toBe(school.activationCode);
    expect(await rowOf(page, 'ines.bernard').locator('.state').innerText()).toMatch(/^Code temporaire: [a-z0-9]{8}$/);
    expect(await rowOf(page, 'hugo.petit').locator('.state').innerText()).toBe('Bloqué');
    // Accents, apostrophes and <script> are shown as text.
    expect(await rowOf(page, 'zoe.ndiaye').locator('.name').innerText()).toContain(
      "Zoé N'Diaye <script>alert(1)</script>",
    );
    await shot(page, 'classe');

    // Search "test" as you type: only the child is left.
    await search(page, 'test');
    await toHaveCount(page.locator('#lignes tr'), 1);
    await page.getByLabel('Sélectionner test enfant (enfant.test)').check();
    await expectText(page, '1 utilisateur sélectionné');
    await page.getByRole('button', { name: 'GÉNÉRER UN CODE DE RENOUVELLEMENT' }).click();

    // The codes screen: the seed's table and reminder.
    await page.getByRole('heading', { name: 'Codes de renouvellement' }).waitFor();
    await expectText(page, '1 code de renouvellement généré.');
    for (const column of ['Utilisateur', 'Identifiant', "Code de renouvellement / Code d'activation"])
      await page.getByRole('columnheader', { name: column, exact: true }).waitFor();
    const row = page.locator('table.codes tbody tr');
    await toHaveCount(row, 1);
    expect(await row.locator('th').innerText()).toBe('test enfant');
    const code = (await row.locator('.code').innerText()).trim();
    expect(code).toMatch(/^[a-z0-9]{8}$/);
    await expectText(
      page,
      'Vous pouvez maintenant communiquer à cet élève ou parent ce code par mail ou par téléphone.',
    );
    await page.getByRole('link', { name: 'https://ecole.entsomme.fr' }).waitFor();
    await page.getByRole('button', { name: 'IMPRIMER' }).waitFor();
    await shot(page, 'codes');
    // FICHES DE CONNEXIONS downloads the PDF (the admin API's, from the same rows).
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'FICHES DE CONNEXIONS' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^fiches-de-connexion.*\.pdf$/);
    const pdf = await readFile((await download.path())!);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');

    // The class page now shows the live code.
    await page.getByRole('link', { name: 'Retour à la classe' }).first().click();
    expect(await rowOf(page, 'enfant.test').locator('.state').innerText()).toBe(`Code temporaire: ${code}`);

    // The child, in a browser of their own: CONNEXION with the code → RÉINITIALISATION → the application.
    const child = await newContext(browser);
    await openApp(app, child.page);
    await shot(child.page, 'connexion');
    await fillConnexion(child.page, 'enfant.test', code);
    await child.page.getByRole('heading', { name: 'Réinitialisation du mot de passe' }).waitFor();
    expect(await child.page.getByLabel('Identifiant').inputValue()).toBe('enfant.test');
    await shot(child.page, 'reinitialisation');
    await child.page.getByLabel('Nouveau mot de passe', { exact: true }).fill('mon nouveau mot de passe');
    await child.page.getByLabel('Confirmation du nouveau mot de passe').fill('mon nouveau mot de passe');
    await child.page.getByRole('button', { name: 'ENREGISTRER' }).click();
    await child.page.getByRole('heading', { name: 'Bienvenue test enfant' }).waitFor();
    expect(child.problems).toEqual([]);
    await child.context.close();

    // Back on the teacher's page: Activé.
    await page.reload();
    expect(await rowOf(page, 'enfant.test').locator('.state').innerText()).toBe('Activé');
    expect(problems).toEqual([]);
    await page.context().close();

    // The new password works from now on.
    const again = await childSignsIn('mon nouveau mot de passe');
    await again.getByRole('heading', { name: 'Bienvenue test enfant' }).waitFor();
    await again.context().close();
  });

  test('a second code makes the first one fail at login', async () => {
    const { page, context } = await newContext(browser);
    await signInTeacher(ts, page, 'claire.lefebvre');
    const first = await generateCode(page, 'enfant.test', 'test enfant');
    const second = await generateCode(page, 'enfant.test', 'test enfant');
    expect(second).not.toBe(first);
    await context.close();

    const child = await childSignsIn(first);
    await child.getByText("Ce code n'est plus valable : demande un nouveau code à ton enseignant.").waitFor();
    await child.context().close();

    const ok = await childSignsIn(second);
    await ok.getByRole('heading', { name: 'Réinitialisation du mot de passe' }).waitFor();
    await ok.context().close();
  });

  test('BLOQUER: the child cannot sign in; DÉBLOQUER: they can', async () => {
    // The child's password is whatever the previous test left: set a known one.
    await ts.server.domain.passwords
      .hash(CHILD_PASSWORD)
      .then((hash) =>
        ts.server.db.transaction((m) => m.update(Account, { id: school.child.id }, { passwordHash: hash })),
      );
    const { page, context, problems } = await newContext(browser);
    await signInTeacher(ts, page, 'claire.lefebvre');
    await search(page, 'test');
    await page.getByLabel('Sélectionner test enfant (enfant.test)').check();
    await page.getByRole('button', { name: 'BLOQUER', exact: true }).click();
    // With JavaScript the confirmation is a dialog.
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: 'Bloquer ce compte ?' }).waitFor();
    await shot(page, 'confirmation-bloquer');
    await dialog.getByRole('button', { name: 'BLOQUER', exact: true }).click();
    await expectText(page, '1 compte bloqué.');
    expect(await rowOf(page, 'enfant.test').locator('.state').innerText()).toBe('Bloqué');

    const refused = await childSignsIn(CHILD_PASSWORD);
    await refused
      .getByText('Votre compte est bloqué', { exact: false })
      .or(refused.getByText('Identifiant ou mot de passe incorrect.'))
      .waitFor();
    expect(refused.url()).not.toContain(app.url);
    await refused.context().close();

    await page.getByLabel('Sélectionner test enfant (enfant.test)').check();
    await page.getByRole('button', { name: 'DÉBLOQUER', exact: true }).click();
    await expectText(page, '1 compte débloqué.');
    // Blocking keeps the live code of the previous test: the row shows it again.
    expect(await rowOf(page, 'enfant.test').locator('.state').innerText()).toMatch(
      /^(Activé|Code temporaire: [a-z0-9]{8})$/,
    );
    expect(problems).toEqual([]);
    await context.close();

    const welcome = await childSignsIn(CHILD_PASSWORD);
    await welcome.getByRole('heading', { name: 'Bienvenue test enfant' }).waitFor();
    await welcome.context().close();
  });
});

describe('the wall between classes', () => {
  test('a teacher of another class sees none of these accounts, and a crafted POST is refused', async () => {
    const { page, context } = await newContext(browser);
    await signInTeacher(ts, page, 'julien.moreau');
    await expectText(page, 'Classe CE1 B');
    await rowOf(page, 'nina.roux').waitFor();
    const text = await page.locator('main').innerText();
    for (const login of ['enfant.test', 'lucas.martin', 'ines.bernard', 'hugo.petit', 'zoe.ndiaye'])
      expect(text).not.toContain(login);

    // CM2 A itself: 404.
    const other = await page.goto(`${ts.url}/admin/classes/${school.cm2a.id}`);
    expect(other!.status()).toBe(404);

    // A crafted POST with this teacher's own valid CSRF token, on their class and on CM2 A.
    await page.goto(`${ts.url}/admin/classes/${school.ce1b.id}`);
    const csrf = await page.locator('#selection input[name=_csrf]').inputValue();
    for (const classId of [school.ce1b.id, school.cm2a.id]) {
      for (const action of ['bloquer', 'renouveler', 'reinitialiser', 'fiches']) {
        const res = await context.request.post(`${ts.url}/admin/classes/${classId}/actions`, {
          form: { _csrf: csrf, action, ids: school.child.id, confirme: 'oui' },
          maxRedirects: 0,
        });
        expect([action, classId, res.status()]).toEqual([action, classId, 404]);
      }
    }
    // Mixed with one of their own pupils: all or nothing.
    const mixed = await context.request.post(`${ts.url}/admin/classes/${school.ce1b.id}/actions`, {
      data: `_csrf=${encodeURIComponent(csrf)}&action=bloquer&confirme=oui&ids=${school.otherPupil.id}&ids=${school.child.id}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      maxRedirects: 0,
    });
    expect(mixed.status()).toBe(404);
    // Without the CSRF token: refused before anything.
    const forged = await context.request.post(`${ts.url}/admin/classes/${school.ce1b.id}/actions`, {
      form: { action: 'bloquer', ids: school.otherPupil.id, confirme: 'oui' },
      maxRedirects: 0,
    });
    expect(forged.status()).toBe(403);

    const accounts = await ts.server.db.read((m) => m.findBy(Account, {}));
    expect(accounts.find((a) => a.id === school.child.id)!.blockedAt).toBeNull();
    expect(accounts.find((a) => a.id === school.otherPupil.id)!.blockedAt).toBeNull();
    await context.close();
  });
});

describe('issue 5: first connection with an activation code', () => {
  test('CONNEXION with the code → « Activation de votre compte » → ENREGISTRER → the application', async () => {
    const { page, context, problems } = await newContext(browser);
    await openApp(app, page);
    await fillConnexion(page, 'lucas.martin', school.activationCode.toUpperCase());
    await page.getByRole('heading', { name: 'Activation de votre compte' }).waitFor();
    await shot(page, 'activation');
    await page.getByLabel('Nouveau mot de passe', { exact: true }).fill('lucas aime le football');
    await page.getByLabel('Confirmation du nouveau mot de passe').fill('lucas aime le football');
    await page.getByRole('button', { name: 'ENREGISTRER' }).click();
    // « Mot de passe enregistré » on the provider, then on to the application by itself.
    await page.getByRole('heading', { name: 'Mot de passe enregistré' }).waitFor();
    await shot(page, 'mot-de-passe-enregistre');
    await page.getByRole('heading', { name: 'Bienvenue Lucas Martin' }).waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe('phone width, keyboard and no JavaScript', () => {
  test('at phone width the table becomes cards', async () => {
    const { page, context, problems } = await newContext(browser, {
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    await signInTeacher(ts, page, 'claire.lefebvre');
    const width = await page.evaluate<number>('document.documentElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(390);
    expect(await page.locator('thead th', { hasText: 'Date de naissance' }).isVisible()).toBe(false);
    await page.getByLabel('Sélectionner test enfant (enfant.test)').check();
    await shot(page, 'classe-mobile');
    expect(problems).toEqual([]);
    await context.close();
  });

  test('at 320 px (a 1280 px screen zoomed to 400 %) CONNEXION and the class page need no horizontal scroll', async () => {
    const { page, context, problems } = await newContext(browser, { viewport: { width: 320, height: 640 } });
    const scrollWidth = () => page.evaluate<number>('document.documentElement.scrollWidth');
    await openApp(app, page);
    await shot(page, 'connexion-320');
    expect(await scrollWidth()).toBeLessThanOrEqual(320);
    await signInTeacher(ts, page, 'claire.lefebvre');
    await shot(page, 'classe-320');
    expect(await scrollWidth()).toBeLessThanOrEqual(320);
    await page.getByRole('link', { name: 'PARENTS', exact: true }).click();
    await rowOf(page, 'sophie.enfant').waitFor();
    await shot(page, 'classe-parents-320');
    expect(await scrollWidth()).toBeLessThanOrEqual(320);
    expect(problems).toEqual([]);
    await context.close();
  });

  test('keyboard only: tick a row, FICHES DE CONNEXIONS, generate a code; focus is visible', async () => {
    const { page, context } = await newContext(browser);
    await signInTeacher(ts, page, 'claire.lefebvre');
    // From the top of the page, Tab after Tab, as someone without a mouse would.
    await tabUntil(page, 'Sélectionner Chloé Dubois (chloe.dubois)');
    await page.keyboard.press('Space');
    expect(await page.getByLabel('Sélectionner Chloé Dubois (chloe.dubois)').isChecked()).toBe(true);
    const outline = await page.evaluate<string>('getComputedStyle(document.activeElement.parentElement).outlineStyle');
    expect(outline).toBe('solid');
    await tabUntil(page, 'FICHES DE CONNEXIONS', 'Shift+Tab');
    expect(await focusRing(page)).toBe(true);
    const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    expect(download.suggestedFilename()).toMatch(/^fiches-de-connexion.*\.pdf$/);
    await expectText(page, '1 fiche de connexion imprimée.');
    await tabUntil(page, 'GÉNÉRER UN CODE DE RENOUVELLEMENT', 'Shift+Tab');
    expect(await focusRing(page)).toBe(true);
    await shot(page, 'clavier-focus');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Codes de renouvellement' }).waitFor();
    await context.close();
  });

  test('without JavaScript: ?q= search, a confirmation page, select all', async () => {
    const { page, context } = await newContext(browser, { javaScriptEnabled: false });
    await signInTeacher(ts, page, 'claire.lefebvre');
    await page.getByLabel('Recherche par nom ou prénom').fill('ines');
    await page.getByRole('button', { name: 'Rechercher' }).click();
    expect(page.url()).toContain('q=ines');
    await toHaveCount(page.locator('#lignes tr'), 1);
    await page.getByLabel('Sélectionner Inès Bernard (ines.bernard)').check();
    await page.getByRole('button', { name: 'BLOQUER', exact: true }).click();
    await page.getByRole('heading', { name: 'Bloquer ce compte ?' }).waitFor();
    await shot(page, 'confirmation-sans-js');
    await page.getByRole('link', { name: 'Annuler' }).click();
    expect(await rowOf(page, 'ines.bernard').locator('.state').innerText()).toMatch(/^Code temporaire: /);
    await page.getByRole('link', { name: 'Tout cocher' }).click();
    expect(await page.getByLabel('Sélectionner Inès Bernard (ines.bernard)').isChecked()).toBe(true);
    await context.close();
  });
});

describe('issue 21: comfort of the class page', () => {
  test('the search stays after an action, and « Retour à la classe » returns to the same tab and search', async () => {
    const { page, context, problems } = await newContext(browser);
    await signInTeacher(ts, page, 'claire.lefebvre');
    await search(page, 'chloe');
    await page.getByLabel('Sélectionner Chloé Dubois (chloe.dubois)').check();
    await page.getByRole('button', { name: 'DÉBLOQUER', exact: true }).click();
    await expectText(page, '1 compte n’était pas bloqué.');
    expect(new URL(page.url()).searchParams.get('q')).toBe('chloe');
    expect(await page.getByLabel('Recherche par nom ou prénom').inputValue()).toBe('chloe');
    await toHaveCount(page.locator('#lignes tr'), 1);

    await page.getByLabel('Sélectionner Chloé Dubois (chloe.dubois)').check();
    await page.getByRole('button', { name: 'GÉNÉRER UN CODE DE RENOUVELLEMENT' }).click();
    await page.getByRole('heading', { name: 'Codes de renouvellement' }).waitFor();
    await page.getByRole('link', { name: 'Retour à la classe' }).first().click();
    await page.getByRole('heading', { name: 'Paramétrage de la classe' }).waitFor();
    expect(new URL(page.url()).searchParams.get('q')).toBe('chloe');
    await toHaveCount(page.locator('#lignes tr'), 1);

    // The PARENTS tab: the tab too.
    await page.getByRole('link', { name: 'PARENTS', exact: true }).click();
    await search(page, 'karim');
    await page.getByLabel('Sélectionner Karim Martin (karim.martin)').check();
    await page.getByRole('button', { name: 'GÉNÉRER UN CODE DE RENOUVELLEMENT' }).click();
    await page.getByRole('heading', { name: 'Codes de renouvellement' }).waitFor();
    await page.getByRole('link', { name: 'Retour à la classe' }).last().click();
    await page.getByRole('heading', { name: 'Paramétrage de la classe' }).waitFor();
    const back = new URL(page.url()).searchParams;
    expect([back.get('onglet'), back.get('q')]).toEqual(['parents', 'karim']);
    expect(await page.getByRole('link', { name: 'PARENTS', exact: true }).getAttribute('aria-current')).toBe('page');
    await rowOf(page, 'karim.martin').waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });

  test('a click anywhere on a row ticks its box; the box itself still works and is a 44 × 44 px target', async () => {
    const { page, context, problems } = await newContext(browser);
    await signInTeacher(ts, page, 'claire.lefebvre');
    const box = page.getByLabel('Sélectionner Emma Leroy (emma.leroy)');
    await rowOf(page, 'emma.leroy').locator('.login').click();
    expect(await box.isChecked()).toBe(true);
    await expectText(page, '1 utilisateur sélectionné');
    await rowOf(page, 'emma.leroy').locator('.name').click();
    expect(await box.isChecked()).toBe(false);
    await box.click();
    expect(await box.isChecked()).toBe(true);
    await box.click();
    expect(await box.isChecked()).toBe(false);
    const size = await box.boundingBox();
    expect(size!.width).toBeGreaterThanOrEqual(44);
    expect(size!.height).toBeGreaterThanOrEqual(44);
    // « Tout sélectionner » and the top bar's Déconnexion are 44 × 44 px targets too.
    for (const target of [page.locator('label[for=tout]'), page.getByRole('button', { name: 'Déconnexion' })]) {
      const area = await target.boundingBox();
      expect(area!.width).toBeGreaterThanOrEqual(44);
      expect(area!.height).toBeGreaterThanOrEqual(44);
    }
    await page.locator('label[for=tout]').click({ position: { x: 2, y: 2 } });
    expect(await page.getByLabel('Tout sélectionner').isChecked()).toBe(true);
    await page.locator('label[for=tout]').click({ position: { x: 2, y: 2 } });
    await rowOf(page, 'emma.leroy').locator('.state').click();
    await shot(page, 'ligne-cochee');
    expect(await box.isChecked()).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  });

  test('PARENTS shows whose parent each one is instead of a birth date', async () => {
    const { page, context } = await newContext(browser);
    await signInTeacher(ts, page, 'claire.lefebvre');
    await page.getByRole('link', { name: 'PARENTS', exact: true }).click();
    await page.getByRole('columnheader', { name: 'Parent de', exact: true }).waitFor();
    expect(await page.getByRole('columnheader', { name: 'Date de naissance' }).count()).toBe(0);
    expect(await rowOf(page, 'sophie.enfant').locator('.children-of').innerText()).toBe('test enfant');
    expect(await rowOf(page, 'karim.martin').locator('.children-of').innerText()).toBe('Lucas Martin');
    await shot(page, 'classe-parents');
    // The live search's rows say the same.
    await search(page, 'sophie');
    expect(await rowOf(page, 'sophie.enfant').locator('.children-of').innerText()).toBe('test enfant');
    await context.close();
  });
});

describe('Déconnexion', () => {
  test('RP-initiated logout ends on « Vous êtes déconnecté » with a way back', async () => {
    const { page, context, problems } = await newContext(browser);
    await signInTeacher(ts, page, 'claire.lefebvre');
    await page.getByRole('button', { name: 'Déconnexion' }).click();
    // The provider asks (its own page), then comes back to the admin page's logged-out page.
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.getByRole('heading', { name: 'Vous êtes déconnecté' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/admin/auth/logged-out');
    await shot(page, 'deconnecte');
    await page.getByRole('link', { name: 'Se reconnecter' }).click();
    await page.getByLabel('Identifiant').waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });
});

/** Presses `key` until the focused element is named `name` (its label or its text). */
async function tabUntil(page: Page, name: string, key = 'Tab'): Promise<void> {
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press(key);
    const focused = await page.evaluate<string>(
      "(() => { const el = document.activeElement; if (!el) return ''; const label = el.labels && el.labels[0]; return ((label || el).textContent || '').trim(); })()",
    );
    if (focused === name) return;
  }
  throw new Error(`« ${name} » is not reached with ${key}`);
}

/** Whether the focused element draws a focus ring (an outline or a box-shadow). */
async function focusRing(page: Page): Promise<boolean> {
  const style = await page.evaluate<{ outline: string; shadow: string }>(
    '(() => { const s = getComputedStyle(document.activeElement); return { outline: s.outlineStyle, shadow: s.boxShadow }; })()',
  );
  return style.outline !== 'none' || style.shadow !== 'none';
}

async function expectText(page: Page, text: string): Promise<void> {
  await page.getByText(text, { exact: false }).first().waitFor();
}

/** Waits until the locator matches `n` elements (playwright-core has no web-first assertions). */
async function toHaveCount(locator: { count(): Promise<number> }, n: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  let seen = await locator.count();
  while (seen !== n && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    seen = await locator.count();
  }
  expect(seen).toBe(n);
}
