// `npm run admin`: the admin app alone on its own port, signing teachers in through a provider
// running elsewhere (here a test server), registered like any ENT application.
import { startTestServer, freePort, type TestServer } from '../../helpers/server.js';
import { Browser, textOf } from '../../helpers/browser.js';
import { createAccount, createClass, createStructure, grantRole } from '../../helpers/factories.js';
import { adminAloneConfig, startAdminAlone } from '../../../src/admin/main.js';
import { ConfigError } from '../../../src/config/index.js';

const PASSWORD = 'le cahier de texte bleu';
let ts: TestServer;
let alone: { url: string; close(): Promise<void> };
let base: string;

beforeAll(async () => {
  ts = await startTestServer();
  const db = ts.server.db;
  const structure = await createStructure(db, { name: 'École du Centre' });
  const cls = await createClass(db, { structureId: structure.id, name: 'CM2 A' });
  const teacher = await createAccount(db, {
    profile: 'Teacher',
    login: 'prof.seule',
    firstName: 'Claire',
    lastName: 'Lefebvre',
    password: PASSWORD,
    classIds: [cls.id],
    structureId: structure.id,
  });
  await grantRole(db, teacher.id, 'class-admin', cls.id);
  await createAccount(db, {
    profile: 'Student',
    login: 'enfant.test',
    firstName: 'test',
    lastName: 'enfant',
    classIds: [cls.id],
    structureId: structure.id,
  });

  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const secret = 'un-secret-de-test-pour-l-admin-seule';
  await ts.server.oidc.clients.save({
    clientId: 'ent-admin-seule',
    name: 'Paramétrage de la classe',
    type: 'confidential',
    secret,
    redirectUris: [`${base}/admin/auth/callback`],
    postLogoutRedirectUris: [`${base}/admin/auth/logged-out`],
    grantTypes: ['authorization_code', 'refresh_token'],
    scopes: ['openid', 'profile', 'class-admin'],
    firstParty: true,
  });
  const { config } = adminAloneConfig({
    NODE_ENV: 'test',
    ADMIN_PORT: String(port),
    ADMIN_ISSUER: ts.url,
    ISSUER: base,
    DATABASE_URL: ts.database.url,
    ADMIN_CLIENT_ID: 'ent-admin-seule',
    ADMIN_CLIENT_SECRET: secret,
    LOG_LEVEL: 'silent',
  });
  expect(config.admin.audience).toBe(`${ts.url}/admin/api`);
  alone = await startAdminAlone(config, port, '127.0.0.1');
});

afterAll(async () => {
  await alone?.close();
  await ts?.stop();
});

test('ADMIN_ISSUER is required', () => {
  expect(() => adminAloneConfig({ NODE_ENV: 'test' })).toThrow(ConfigError);
});

test('a teacher signs in on the admin app alone and sees the class; its API answers with the cookie session', async () => {
  const browser = new Browser();
  const login = await browser.go(`${base}/`);
  expect(new URL(login.url).origin).toBe(ts.url);
  const page = await browser.submit(login, '/login', { identifiant: 'prof.seule', mot_de_passe: PASSWORD });
  expect(page.status).toBe(200);
  expect(new URL(page.url).origin).toBe(base);
  expect(textOf(page)).toContain('Paramétrage de la classe');
  expect(textOf(page)).toContain('enfant.test');
  expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
  const css = await fetch(`${base}/static/admin/admin.css`);
  expect(css.status).toBe(200);
  const me = await browser.request(`${base}/admin/api/v1/me`, { headers: { accept: 'application/json' } });
  expect(me.status).toBe(200);
});
