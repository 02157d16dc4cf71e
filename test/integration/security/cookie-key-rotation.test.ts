// COOKIE_KEYS rotates by prepending a key: the first key signs and seals, every key verifies
// and opens. A teacher's page session and a child's code flow in progress survive the
// rotation (a restart with the new list), and a cookie signed with one of our keys that none
// of them opens is logged instead of silently starting an empty session.
import { createHmac } from 'node:crypto';
import { Writable } from 'node:stream';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { Browser, formOf, textOf } from '../../helpers/browser.js';
import { authorizationRequest, exchange, REDIRECT_URI, registerClient, submitLogin } from '../../helpers/oidc.js';
import { createAccount, createClass, createStructure, grantRole } from '../../helpers/factories.js';
import { createLogger } from '../../../src/logger.js';

const OLD_KEY = 'rotation-test-old-cookie-key-0123456789abcdef';
const NEW_KEY = 'rotation-test-new-cookie-key-0123456789abcdef';
const PASSWORD = 'le cahier de texte bleu';

let ts: TestServer;
let logs = '';
const sink = new Writable({
  write(chunk, _encoding, done) {
    logs += String(chunk);
    done();
  },
});

afterAll(async () => {
  await ts?.stop();
});

/** koa's cookie signature (keygrip, sha1, base64url) of `name=value` with `key`. */
const koaSignature = (name: string, value: string, key: string) =>
  createHmac('sha1', key)
    .update(`${name}=${value}`)
    .digest('base64')
    .replace(/\/|\+|=/g, (c) => ({ '/': '_', '+': '-', '=': '' })[c]!);

test('a teacher’s page session and a child’s code flow survive prepending a key', async () => {
  ts = await startTestServer({ env: { COOKIE_KEYS: OLD_KEY } });
  const db = ts.server.db;
  const structure = await createStructure(db);
  const cls = await createClass(db, { structureId: structure.id, name: 'CE2 A' });
  const teacher = await createAccount(db, {
    profile: 'Teacher',
    login: 'prof.cle',
    firstName: 'Anne',
    lastName: 'Clé',
    password: PASSWORD,
    classIds: [cls.id],
    structureId: structure.id,
  });
  await grantRole(db, teacher.id, 'class-admin', cls.id);
  const child = await createAccount(db, {
    profile: 'Student',
    login: 'tom.cle',
    firstName: 'Tom',
    lastName: 'Clé',
    classIds: [cls.id],
    structureId: structure.id,
  });
  const { code } = await ts.server.domain.codes.issue({ accountId: child.id, kind: 'activation', createdBy: null });
  const app = await registerClient(ts, { clientId: 'ent-cahier' });

  // Before the rotation: the teacher is signed in, the child is on the password page.
  const teacherBrowser = new Browser();
  const login = await teacherBrowser.go(`${ts.url}/admin/`);
  const classPage = await teacherBrowser.submit(login, '/login', { identifiant: 'prof.cle', mot_de_passe: PASSWORD });
  expect(textOf(classPage)).toContain('tom.cle');
  const childBrowser = new Browser();
  const request = await authorizationRequest(app);
  const connexion = await childBrowser.go(request.url.toString(), { stopAt: REDIRECT_URI });
  const passwordPage = await submitLogin(childBrowser, connexion, 'tom.cle', code);
  expect(passwordPage.html).toContain('nouveau_mot_de_passe');

  // Rotation: the same database and address, the new key first.
  const port = Number(new URL(ts.url).port);
  await ts.stop({ keepDatabase: true });
  ts = await startTestServer({
    database: ts.database,
    port,
    env: { COOKIE_KEYS: `${NEW_KEY},${OLD_KEY}` },
    logger: createLogger('warn', sink),
  });

  const after = await teacherBrowser.request(`${ts.url}/admin/classes/${cls.id}`);
  expect(after.status).toBe(200);
  expect(textOf(after)).toContain('tom.cle');
  const done = await childBrowser.submit(
    passwordPage,
    '/mot-de-passe',
    { nouveau_mot_de_passe: 'ma phrase de passe à moi', confirmation: 'ma phrase de passe à moi' },
    REDIRECT_URI,
  );
  expect(done.url.startsWith(REDIRECT_URI)).toBe(true);
  const tokens = await exchange(app, done.url, request);
  expect(tokens.claims()?.sub).toBe(child.id);
  // The page still acts: its forms carry the session's CSRF token.
  const acted = await teacherBrowser.go(`${ts.url}/admin/classes/${cls.id}/actions`, {
    form: { ...formOf(after, '/actions').hidden, action: 'renouveler', ids: child.id },
  });
  expect(textOf(acted)).toContain('1 code de renouvellement généré.');
  expect(logs).not.toContain('could not be opened');
});

test('a signed cookie that no key opens is logged, and the visitor starts afresh', async () => {
  logs = '';
  // Signed with a configured key, but its content sealed with none of them.
  const value = 'v1.bm90LWEtcmVhbC1pdg.bm90LWEtdGFn.Z2FyYmFnZQ';
  const cookie = `ent.admin=${value}; ent.admin.sig=${koaSignature('ent.admin', value, NEW_KEY)}`;
  const res = await fetch(`${ts.url}/admin/`, { headers: { cookie }, redirect: 'manual' });
  expect(res.status).toBe(303);
  expect(res.headers.get('location')).toMatch(/^\/admin\/auth\/login/);
  const line = logs.split('\n').find((l) => l.includes('could not be opened'));
  expect(line).toBeDefined();
  expect(JSON.parse(line!)).toMatchObject({ level: 40, cookie: 'ent.admin' });
});
