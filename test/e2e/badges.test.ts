// Issue 21, badge sign-in in Chromium: the teacher switches it on for the class and prints the
// badges; the printed QR code (rendered from the PDF and decoded) is fed to a second Chromium
// as its camera (a Y4M fake capture file); the child presses « Scanner mon badge » on
// CONNEXION and reaches the application. Then the teacher revokes the badge and the same
// scan is refused. axe-core checks CONNEXION with the scanner shown.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { AxeBuilder } from '@axe-core/playwright';
import jsQRModule from 'jsqr';
import { PDFParse } from 'pdf-parse';
import { PNG } from 'pngjs';
import QRCode from 'qrcode';
import { chromium, type Browser, type Page } from 'playwright-core';
import {
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

const jsQR = ((jsQRModule as unknown as { default?: unknown }).default ??
  jsQRModule) as unknown as typeof jsQRModule.default;

let ts: TestServer;
let app: TestApp;
let browser: Browser;
let school: School;
const dir = mkdtempSync(join(tmpdir(), 'ent-idp-badge-'));

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

/** A camera that films `text` as a QR code: a 640×480 grey Y4M clip Chromium loops. */
function fakeCamera(text: string): string {
  const [width, height] = [640, 480];
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const scale = Math.floor(400 / (modules.size + 8));
  const side = (modules.size + 8) * scale;
  const [left, top] = [(width - side) / 2, (height - side) / 2].map(Math.floor) as [number, number];
  const luma = Buffer.alloc(width * height, 235);
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++) {
      const [r, c] = [Math.floor(y / scale) - 4, Math.floor(x / scale) - 4];
      const dark = r >= 0 && c >= 0 && r < modules.size && c < modules.size && modules.get(r, c);
      if (dark) luma[(top + y) * width + left + x] = 16;
    }
  const chroma = Buffer.alloc((width / 2) * (height / 2), 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), luma, chroma, chroma]);
  const file = join(dir, 'badge.y4m');
  writeFileSync(
    file,
    Buffer.concat([Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`), frame, frame, frame]),
  );
  return file;
}

/** A Chromium whose camera films `y4m`; the camera permission is granted by the fake UI. */
const cameraBrowser = (y4m: string) =>
  chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${y4m}`,
    ],
  });

async function scanWithCamera(camera: Browser): Promise<{ page: Page; problems: string[] }> {
  const { page, problems } = await newContext(camera, { permissions: ['camera'] });
  await openApp(app, page);
  await page.getByRole('button', { name: 'Scanner mon badge' }).click();
  await page.waitForURL((url) => url.href.startsWith(app.url) || /badge|interaction/.test(url.pathname), {
    timeout: 20_000,
  });
  return { page, problems };
}

test('badge journey: enable, print, scan with the camera, sign in, revoke, refused', async () => {
  // The teacher: switch badges on, tick the child, print.
  const teacher = await newContext(browser, { acceptDownloads: true });
  await signInTeacher(ts, teacher.page, school.teacher.login);
  await teacher.page.getByRole('button', { name: 'ACTIVER LA CONNEXION PAR BADGE' }).click();
  await teacher.page.getByText('Connexion par badge activée').first().waitFor();
  await teacher.page.getByLabel(`Sélectionner test enfant (${school.child.login})`).check();
  const [download] = await Promise.all([
    teacher.page.waitForEvent('download'),
    teacher.page.getByRole('button', { name: 'IMPRIMER LES BADGES' }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^badges-.*\.pdf$/);
  await teacher.page.getByText('1 badge imprimé.').waitFor();
  await teacher.page.reload();
  await teacher.page.getByText('Badge', { exact: true }).waitFor();
  await shot(teacher.page, 'classe-badges');
  const pdf = readFileSync((await download.path())!);
  writeFileSync('test-results/badges.pdf', pdf);
  const parser = new PDFParse({ data: new Uint8Array(pdf) });
  const text = (await parser.getText()).text.replace(/\s+/g, ' ');
  const image = await parser.getScreenshot({ scale: 2, imageDataUrl: false });
  await parser.destroy();
  expect(text).toContain('test enfant');
  expect(text).toContain('Classe CM2 A');
  const png = PNG.sync.read(Buffer.from(image.pages[0]!.data));
  const badgeUrl = jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
  expect(badgeUrl).toMatch(new RegExp(`^${ts.url}/badge#[A-Za-z0-9_-]{43}$`));

  // The child: CONNEXION → « Scanner mon badge » → the camera films the badge → the application.
  const camera = await cameraBrowser(fakeCamera(badgeUrl!));
  try {
    const { page: connexion } = await newContext(camera, { permissions: ['camera'], bypassCSP: true });
    await openApp(app, connexion);
    await connexion.getByRole('button', { name: 'Scanner mon badge' }).waitFor();
    const axe = await new AxeBuilder({ page: connexion })
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
      .analyze();
    expect(axe.violations.map((v) => v.id)).toEqual([]);
    await shot(connexion, 'connexion-badge');
    await connexion.context().close();

    const child = await scanWithCamera(camera);
    await child.page.getByRole('heading', { name: 'Bienvenue test enfant' }).waitFor({ timeout: 20_000 });
    await shot(child.page, 'badge-signed-in');
    expect(child.problems).toEqual([]);
    await child.page.context().close();

    // The teacher revokes the badge: the same scan is refused.
    await teacher.page.getByLabel(`Sélectionner test enfant (${school.child.login})`).check();
    await teacher.page.getByRole('button', { name: 'RETIRER LE BADGE' }).click();
    await teacher.page.getByText('1 badge retiré.').waitFor();
    const refused = await scanWithCamera(camera);
    await refused.page.getByText('Ce badge ne marche pas').waitFor({ timeout: 20_000 });
    await shot(refused.page, 'badge-refused');
  } finally {
    await camera.close();
  }
  await teacher.context.close();
});
