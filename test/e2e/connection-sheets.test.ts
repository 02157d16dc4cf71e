// FICHES DE CONNEXIONS for a whole class (issue 21): 8 sheets to an A4 page with cut lines,
// each with a QR code that opens CONNEXION with the identifiant filled in. The PDF is
// rendered to an image (pdf-parse's pdf.js renderer), each cell of the grid decoded with
// jsQR, and the URL opened in Chromium.
import { readFile } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import { jest } from '@jest/globals';
import jsQRModule from 'jsqr';
import { PDFParse } from 'pdf-parse';
import { PNG } from 'pngjs';
import type { Browser, Page } from 'playwright-core';
import { createAccount } from '../helpers/factories.js';
import {
  launchBrowser,
  newContext,
  SCREENSHOTS,
  seedSchool,
  shot,
  signInTeacher,
  startTestServer,
  type School,
  type TestServer,
} from './harness.js';

jest.setTimeout(90_000);

let ts: TestServer;
let browser: Browser;
let school: School;

beforeAll(async () => {
  ts = await startTestServer();
  school = await seedSchool(ts);
  // The seed's CM2 A has 7 pupils: an eighth fills the page.
  const structureId = school.child.structureId!;
  await createAccount(ts.server.db, {
    structureId,
    profile: 'Student',
    login: 'leo.garnier',
    firstName: 'Léo',
    lastName: 'Garnier',
    birthDate: '2010-04-04',
    classIds: [school.cm2a.id],
  });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await ts?.stop();
});

/** Clicks FICHES DE CONNEXIONS with `perPage` chosen and returns the downloaded PDF. */
async function printSheets(page: Page, perPage: '1' | '4' | '8'): Promise<Buffer> {
  await page.getByLabel('par page').selectOption(perPage);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'FICHES DE CONNEXIONS' }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^fiches-de-connexion.*\.pdf$/);
  return readFile((await download.path())!);
}

// jsqr is CommonJS with `exports.default`: typed as the module under NodeNext, a function at run time.
const jsQR = ((jsQRModule as unknown as { default?: unknown }).default ??
  jsQRModule) as unknown as typeof jsQRModule.default;

/** The QR codes of an A4 page cut in `columns` × `rows` cells (the right half of each), in reading order. */
function decodeGrid(png: Buffer, columns: number, rows: number): (string | null)[] {
  const image = PNG.sync.read(png);
  const cellWidth = Math.floor(image.width / columns);
  const cw = Math.floor(cellWidth / 2);
  const ch = Math.floor(image.height / rows);
  const found: (string | null)[] = [];
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < columns; c++) {
      const cell = new Uint8ClampedArray(cw * ch * 4);
      for (let y = 0; y < ch; y++) {
        const from = ((r * ch + y) * image.width + c * cellWidth + cellWidth - cw) * 4;
        cell.set(image.data.subarray(from, from + cw * 4), y * cw * 4);
      }
      found.push(jsQR(cell, cw, ch)?.data ?? null);
    }
  return found;
}

/** The text as one line: pdf.js breaks lines where the sheet wraps them. */
const flat = (text: string) => text.replace(/\s+/g, ' ');

describe('FICHES DE CONNEXIONS for a class', () => {
  test('a class of 8 printed 8 to a page: 8 names, 8 QR codes opening CONNEXION with the identifiant', async () => {
    const { page, context, problems } = await newContext(browser, { acceptDownloads: true });
    await signInTeacher(ts, page, 'claire.lefebvre');
    await page.getByLabel('Tout sélectionner').check();
    await page.getByText('8 utilisateurs sélectionnés').waitFor();
    const pdf = await printSheets(page, '8');
    // The script fetched the PDF: the page says at once how many sheets were printed.
    await page.getByText('8 fiches de connexion imprimées, 8 par page.').waitFor();
    await shot(page, 'fiches-classe');
    writeFileSync(`${SCREENSHOTS}/fiches-8-par-page.pdf`, pdf);

    const parser = new PDFParse({ data: new Uint8Array(pdf) });
    const text = await parser.getText();
    const image = await parser.getScreenshot({ scale: 3, imageDataUrl: false });
    await parser.destroy();
    expect(text.pages).toHaveLength(1);
    const logins = [
      'enfant.test',
      'lucas.martin',
      'ines.bernard',
      'hugo.petit',
      'zoe.ndiaye',
      'chloe.dubois',
      'emma.leroy',
      'leo.garnier',
    ];
    const names = ['test enfant', 'Lucas Martin', 'Inès Bernard', 'Hugo Petit', 'Zoé N', 'Chloé Dubois', 'Emma Leroy'];
    for (const name of [...names, 'Léo Garnier']) expect(text.pages[0]!.text).toContain(name);
    for (const login of logins) expect(text.pages[0]!.text).toContain(`Identifiant : ${login}`);
    expect(text.pages[0]!.text).toContain(school.activationCode);
    expect(text.pages[0]!.text).toContain('CM2 A');

    const png = Buffer.from(image.pages[0]!.data);
    writeFileSync(`${SCREENSHOTS}/fiches-8-par-page.png`, png);
    const urls = decodeGrid(png, 2, 4);
    const entry = (login: string) => `${ts.url}/connexion?identifiant=${encodeURIComponent(login)}`;
    expect(urls.filter(Boolean)).toHaveLength(8);
    expect([...urls].sort()).toEqual(logins.map(entry).sort());
    expect(problems).toEqual([]);
    await context.close();

    // A child scans Zoé's code: CONNEXION, the identifiant already there.
    const child = await newContext(browser);
    await child.page.goto(urls.find((u) => u!.endsWith('zoe.ndiaye'))!);
    await child.page.getByRole('heading', { name: 'Connexion' }).waitFor();
    expect(await child.page.getByLabel('Identifiant').inputValue()).toBe('zoe.ndiaye');
    expect(await child.page.evaluate<string | undefined>('document.activeElement?.id')).toBe('mot_de_passe');
    await shot(child.page, 'connexion-qr');
    expect(child.problems).toEqual([]);
    await child.context.close();
  });

  test('a renewal sheet says « Pour changer votre mot de passe », a parent’s names the child', async () => {
    const { page, context } = await newContext(browser, { acceptDownloads: true });
    await signInTeacher(ts, page, 'claire.lefebvre');
    await page.getByLabel('Sélectionner Inès Bernard (ines.bernard)').check();
    const renewal = await printSheets(page, '1');
    let parser = new PDFParse({ data: new Uint8Array(renewal) });
    const renewalText = flat((await parser.getText()).text);
    await parser.destroy();
    expect(renewalText).toContain('Pour changer votre mot de passe');
    expect(renewalText).not.toContain('la première fois');
    expect(renewalText).toContain('Réinitialisation du mot de passe');

    await page.getByRole('link', { name: 'PARENTS', exact: true }).click();
    await page.getByLabel('Sélectionner Karim Martin (karim.martin)').check();
    await page.getByLabel('Sélectionner Sophie Enfant (sophie.enfant)').check();
    const parents = await printSheets(page, '4');
    parser = new PDFParse({ data: new Uint8Array(parents) });
    const parentsText = flat((await parser.getText()).text);
    await parser.destroy();
    expect(parentsText).toContain('Pour le parent de Lucas Martin');
    expect(parentsText).toContain('Pour le parent de test enfant');
    expect(parentsText).toContain('Pour vous connecter la première fois');
    await page.getByText('2 fiches de connexion imprimées, 4 par page.').waitFor();
    await context.close();
  });

  test('without JavaScript the PDF still downloads and the class page counts the sheets on return', async () => {
    const { page, context } = await newContext(browser, { acceptDownloads: true, javaScriptEnabled: false });
    await signInTeacher(ts, page, 'claire.lefebvre');
    await page.getByLabel('Sélectionner Chloé Dubois (chloe.dubois)').check();
    const pdf = await printSheets(page, '4');
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await page.reload();
    await page.getByText('1 fiche de connexion imprimée, 4 par page.').waitFor();
    await context.close();
  });
});
