// The browser tests' world: a real ent-idp on 127.0.0.1 (startTestServer), the seed's school
// made with the factories, a tiny ENT application (an OIDC client with openid-client that
// says « Bienvenue <name> » once signed in), and Debian's Chromium driven by playwright-core.
import { createServer, type Server } from 'node:http';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import * as client from 'openid-client';
import { startTestServer, type TestServer } from '../helpers/server.js';
import {
  addMembership,
  createAccount,
  createClass,
  createStructure,
  grantRole,
  linkRelative,
} from '../helpers/factories.js';
import type { Account } from '../../src/db/entities/index.js';

export const SCREENSHOTS = 'test-results';
export const TEACHER_PASSWORD = 'le cahier de texte bleu';
export const CHILD_PASSWORD = 'une phrase de passe solide';

export async function launchBrowser(): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
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
    ],
  });
}

/** A fresh browser context (its own cookies) that fails the test on CSP violations. */
export async function newContext(
  browser: Browser,
  options: Parameters<Browser['newContext']>[0] = {},
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1280, height: 860 }, ...options });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/Failed to load resource.*(404|401|403)/.test(msg.text())) problems.push(msg.text());
  });
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('dialog', (d) => {
    problems.push(`unexpected dialog: ${d.message()}`);
    void d.dismiss();
  });
  return { context, page, problems };
}

export const shot = (page: Page, name: string) =>
  page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });

/** The ENT application of the seed: signs in with code + PKCE and greets the user. */
export interface TestApp {
  url: string;
  clientId: string;
  close(): Promise<void>;
}

export async function startTestApp(ts: TestServer): Promise<TestApp> {
  const pending = new Map<string, { verifier: string; nonce: string }>();
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'cahier-de-textes';
  const { secret } = await ts.server.oidc.clients.save({
    clientId,
    name: 'Cahier de textes',
    type: 'confidential',
    redirectUris: [`${url}/callback`],
    postLogoutRedirectUris: [`${url}/`],
    grantTypes: ['authorization_code', 'refresh_token'],
    scopes: ['openid', 'profile'],
    firstParty: true,
  });
  let config: client.Configuration | undefined;
  const configuration = async () =>
    (config ??= await client.discovery(new URL(ts.url), clientId, secret, client.ClientSecretBasic(secret), {
      execute: [client.allowInsecureRequests],
    }));
  const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

  server.on('request', (req, res) => {
    void (async () => {
      const current = new URL(req.url ?? '/', url);
      if (current.pathname === '/login') {
        const verifier = client.randomPKCECodeVerifier();
        const state = client.randomState();
        const nonce = client.randomNonce();
        pending.set(state, { verifier, nonce });
        const auth = client.buildAuthorizationUrl(await configuration(), {
          redirect_uri: `${url}/callback`,
          scope: 'openid profile',
          code_challenge: await client.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
          state,
          nonce,
        });
        res.writeHead(302, { location: auth.href }).end();
        return;
      }
      if (current.pathname === '/callback') {
        const state = current.searchParams.get('state') ?? '';
        const p = pending.get(state);
        if (!p) return void res.writeHead(400).end('unknown state');
        pending.delete(state);
        const tokens = await client.authorizationCodeGrant(await configuration(), current, {
          pkceCodeVerifier: p.verifier,
          expectedState: state,
          expectedNonce: p.nonce,
          idTokenExpected: true,
        });
        const info = await client.fetchUserInfo(await configuration(), tokens.access_token, tokens.claims()!.sub);
        res
          .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
          .end(
            `<!doctype html><html lang="fr"><title>Cahier de textes</title><h1>Bienvenue ${escape(String(info.name))}</h1>`,
          );
        return;
      }
      res.writeHead(404).end();
    })().catch((err: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`application error: ${(err as Error).message}`);
    });
  });
  return {
    url,
    clientId,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** École du Centre: CM2 A (its teacher, the child, classmates in each state, parents) and CE1 B. */
export interface School {
  teacher: Account;
  otherTeacher: Account;
  child: Account;
  neverActivated: Account;
  activationCode: string;
  renewing: Account;
  blocked: Account;
  tricky: Account;
  parent: Account;
  otherPupil: Account;
  cm2a: { id: string };
  ce1b: { id: string };
}

export async function seedSchool(ts: TestServer): Promise<School> {
  const db = ts.server.db;
  const codes = ts.server.domain.codes;
  const structure = await createStructure(db, {
    name: 'École du Centre',
    entAddress: 'https://ecole.entsomme.fr',
    uai: '0801234A',
  });
  const cm2a = await createClass(db, { structureId: structure.id, name: 'CM2 A' });
  const ce1b = await createClass(db, { structureId: structure.id, name: 'CE1 B' });
  const common = { structureId: structure.id };

  const teacher = await createAccount(db, {
    ...common,
    profile: 'Teacher',
    login: 'claire.lefebvre',
    firstName: 'Claire',
    lastName: 'Lefebvre',
    password: TEACHER_PASSWORD,
    classIds: [cm2a.id],
  });
  await grantRole(db, teacher.id, 'class-admin', cm2a.id);
  const otherTeacher = await createAccount(db, {
    ...common,
    profile: 'Teacher',
    login: 'julien.moreau',
    firstName: 'Julien',
    lastName: 'Moreau',
    password: TEACHER_PASSWORD,
    classIds: [ce1b.id],
  });
  await grantRole(db, otherTeacher.id, 'class-admin', ce1b.id);

  const child = await createAccount(db, {
    ...common,
    profile: 'Student',
    login: 'enfant.test',
    firstName: 'test',
    lastName: 'enfant',
    birthDate: '2010-08-01',
    password: CHILD_PASSWORD,
    classIds: [cm2a.id],
  });
  const neverActivated = await createAccount(db, {
    ...common,
    profile: 'Student',
    login: 'lucas.martin',
    firstName: 'Lucas',
    lastName: 'Martin',
    birthDate: '2010-03-14',
    classIds: [cm2a.id],
  });
  const { code: activationCode } = await codes.issue({
    accountId: neverActivated.id,
    kind: 'activation',
    createdBy: null,
  });
  const renewing = await createAccount(db, {
    ...common,
    profile: 'Student',
    login: 'ines.bernard',
    firstName: 'Inès',
    lastName: 'Bernard',
    birthDate: '2010-11-02',
    password: 'un autre mot de passe',
    classIds: [cm2a.id],
  });
  await codes.issue({ accountId: renewing.id, kind: 'renewal', createdBy: teacher.id });
  const blocked = await createAccount(db, {
    ...common,
    profile: 'Student',
    login: 'hugo.petit',
    firstName: 'Hugo',
    lastName: 'Petit',
    birthDate: '2010-06-21',
    password: 'encore un mot de passe',
    classIds: [cm2a.id],
    blockedAt: new Date(),
  });
  const tricky = await createAccount(db, {
    ...common,
    profile: 'Student',
    login: 'zoe.ndiaye',
    firstName: 'Zoé',
    lastName: "N'Diaye <script>alert(1)</script>",
    birthDate: '2011-01-09',
    password: 'mot de passe de zoé',
    classIds: [cm2a.id],
  });
  await createAccount(db, {
    ...common,
    profile: 'Student',
    login: 'chloe.dubois',
    firstName: 'Chloé',
    lastName: 'Dubois',
    birthDate: '2010-09-30',
    password: 'un mot de passe de chloé',
    classIds: [cm2a.id],
  });
  await createAccount(db, {
    ...common,
    profile: 'Student',
    login: 'emma.leroy',
    firstName: 'Emma',
    lastName: 'Leroy',
    birthDate: '2010-12-12',
    password: 'un mot de passe pour emma',
    classIds: [cm2a.id],
  });

  const parent = await createAccount(db, {
    ...common,
    profile: 'Relative',
    login: 'sophie.enfant',
    firstName: 'Sophie',
    lastName: 'Enfant',
    email: 'sophie.enfant@example.test',
    password: 'le mot de passe de sophie',
  });
  await linkRelative(db, parent.id, child.id);
  const otherParent = await createAccount(db, {
    ...common,
    profile: 'Relative',
    login: 'karim.martin',
    firstName: 'Karim',
    lastName: 'Martin',
  });
  await linkRelative(db, otherParent.id, neverActivated.id);
  await codes.issue({ accountId: otherParent.id, kind: 'activation', createdBy: null });

  const director = await createAccount(db, {
    ...common,
    profile: 'Personnel',
    login: 'isabelle.faure',
    firstName: 'Isabelle',
    lastName: 'Faure',
    password: 'la direction de l’école',
  });
  await addMembership(db, director.id, cm2a.id);

  const otherPupil = await createAccount(db, {
    ...common,
    profile: 'Student',
    login: 'nina.roux',
    firstName: 'Nina',
    lastName: 'Roux',
    birthDate: '2012-02-02',
    password: 'le mot de passe de nina',
    classIds: [ce1b.id],
  });
  return {
    teacher,
    otherTeacher,
    child,
    neverActivated,
    activationCode,
    renewing,
    blocked,
    tricky,
    parent,
    otherPupil,
    cm2a,
    ce1b,
  };
}

/** CONNEXION on whatever login page `page` shows. */
export async function fillConnexion(page: Page, login: string, secret: string): Promise<void> {
  await page.getByLabel('Identifiant').fill(login);
  await page.getByLabel('Mot de passe').fill(secret);
  await page.getByRole('button', { name: 'CONNEXION' }).click();
}

/** Signs a teacher in to « Paramétrage de la classe » and returns on their class page. */
export async function signInTeacher(
  ts: TestServer,
  page: Page,
  login: string,
  password = TEACHER_PASSWORD,
): Promise<void> {
  await page.goto(`${ts.url}/admin/`);
  await fillConnexion(page, login, password);
  await page.getByRole('heading', { name: 'Paramétrage de la classe' }).waitFor();
}

/** The child (or anyone) signs in to the ENT application from a fresh context. */
export async function openApp(app: TestApp, page: Page): Promise<void> {
  await page.goto(`${app.url}/login`);
  await page.getByRole('heading', { name: /connexion/i }).waitFor();
}

export { startTestServer, type TestServer };
