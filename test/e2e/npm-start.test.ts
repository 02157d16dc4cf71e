// What a newcomer does on a fresh clone: `npm start` (development, empty database) prints how
// to sign in; following it in Chromium, the demo ENT application shows the child's claims.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { freePort } from '../helpers/server.js';
import { launchBrowser, newContext, shot } from './harness.js';

let browser: Browser;
let server: ChildProcess | undefined;
const dir = mkdtempSync(join(tmpdir(), 'ent-idp-start-'));

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  server?.kill('SIGKILL');
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Runs what `npm start` runs once built (`npm run test:e2e` builds first): the server
 * itself, not npm, so that SIGTERM reaches it. Resolves with what it printed once it listens.
 */
function npmStart(port: number): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    env: {
      ...process.env,
      NODE_ENV: 'development',
      NODE_OPTIONS: '',
      PORT: String(port),
      ISSUER: `http://127.0.0.1:${port}`,
      DATABASE_URL: `sqlite:${join(dir, 'ent-idp.sqlite')}`,
      MAIL_DIR: join(dir, 'mail'),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not listen in time:\n${out}`)), 60_000);
    child.on('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${out}`)));
    const poll = setInterval(() => {
      if (out.includes('listening on')) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve({ child, output: () => out });
      }
    }, 100);
  });
}

it('npm start prints how to sign in, and the demo application shows the child’s claims', async () => {
  const port = await freePort();
  const started = await npmStart(port);
  server = started.child;
  const printed = started.output();
  expect(printed).toContain(`http://127.0.0.1:${port}/admin`);
  expect(printed).toContain(`http://127.0.0.1:${port}/demo-app`);
  const password = /The child « test enfant »: identifiant enfant\.test\s+mot de passe (\S+)/.exec(printed)?.[1];
  expect(password).toBeTruthy();

  const { page, problems } = await newContext(browser);
  await page.goto(`http://127.0.0.1:${port}/demo-app`);
  await page.getByRole('link', { name: 'Se connecter avec l’ENT' }).click();
  await page.getByLabel('Identifiant').fill('enfant.test');
  await page.getByLabel('Mot de passe').fill(password!);
  await page.getByRole('button', { name: 'Connexion' }).click();
  await page.getByRole('heading', { name: /Bonjour test enfant/ }).waitFor();
  const text = await page.locator('main').innerText();
  expect(text).toContain('enfant.test');
  expect(text).toContain('"preferred_username": "enfant.test"');
  expect(text).toContain('CM2 A');
  await shot(page, 'demo-app');
  expect(problems).toEqual([]);

  const exited = new Promise<number | null>((resolve) => server!.on('exit', (code) => resolve(code)));
  server.kill('SIGTERM');
  expect(await exited).toBe(0);
  server = undefined;
}, 120_000);
