// Issue 10, point 2: a full journey (activation code → password, renewal code → new password,
// reset link mail → new password, admin API renewal codes and connection sheet CSV, an ENT
// application registered with a secret, refresh tokens) with every log line captured at
// `trace`; then every row of every table is dumped as text. No code, password, reset token,
// client secret or refresh token may appear in clear in the dump or in the logs.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/logger.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { Browser } from '../../helpers/browser.js';
import { client, registerClient, signIn, type RegisteredClient } from '../../helpers/oidc.js';
import { seedSchool, signInWithCode, PASSWORD, API, type School } from '../admin-api/harness.js';
import { adminSignIn, dumpDatabase } from './web.js';

let ts: TestServer;
let school: School;
let logs = '';
/** Every secret seen during the journey, by what it is. */
const secrets = new Map<string, string>();
const keep = (what: string, value: string | undefined) => {
  if (!value) throw new Error(`no ${what}`);
  secrets.set(value, what);
};

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs += String(chunk);
      done();
    },
  });
  ts = await startTestServer({ logger: createLogger('trace', sink) });
  school = await seedSchool(ts);
}, 30_000);
afterAll(() => ts?.stop());

async function apiToken(adminClient: RegisteredClient, login: string): Promise<string> {
  const { tokens } = await signIn(adminClient, login, PASSWORD, {
    params: { scope: 'openid profile class-admin', resource: ts.config.admin.audience },
  });
  keep('admin API refresh token', tokens.refresh_token);
  return tokens.access_token;
}

async function api(token: string, path: string, body: unknown) {
  const res = await fetch(`${ts.url}${API}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

test('a full journey leaves no secret in clear in any table or any log line', async () => {
  const [known, fresh, hostile] = [school.studentsA[0]!, school.studentsA[1]!, school.studentsA[3]!];
  const relative = school.relativesA[0]!; // has an e-mail address
  keep('seed password', PASSWORD);
  keep('admin client secret', ts.config.admin.clientSecret);
  keep('demo app client secret', ts.config.demoApp.clientSecret);

  // An ENT application registered with a secret; the admin API's client too.
  const app = await registerClient(ts, { clientId: 'ent-messagerie' });
  keep('client secret', app.secret);
  const adminClient = await registerClient(ts, {
    clientId: 'classe-test',
    scopes: ['openid', 'profile', 'class-admin', 'offline_access'],
  });
  keep('client secret', adminClient.secret);

  // The teacher asks for codes through the admin API: an activation code (never activated)
  // and a renewal code (activated).
  const token = await apiToken(adminClient, school.teacherA.login);
  const issued = await api(token, '/v1/renewal-codes', {
    accountIds: [fresh.id, known.id, hostile.id],
    classId: school.classA.id,
  });
  expect(issued.status).toBe(200);
  const items = (JSON.parse(issued.text) as { items: { accountId: string; code: string; kind: string }[] }).items;
  for (const item of items) keep(`${item.kind} code`, item.code);
  const codeOf = (id: string) => items.find((i) => i.accountId === id)!.code;

  // The connection sheets as CSV carry the live codes.
  const csv = await api(token, '/v1/connection-sheets', { accountIds: [hostile.id], format: 'csv' });
  expect(csv.status).toBe(200);
  expect(csv.text).toContain(codeOf(hostile.id));

  // Activation code → first password; renewal code → new password.
  const activated = await signInWithCode(app, fresh.login, codeOf(fresh.id), 'le premier mot de passe choisi');
  keep('chosen password', 'le premier mot de passe choisi');
  keep('refresh token', activated.refresh_token);
  const renewed = await signInWithCode(app, known.login, codeOf(known.id), 'le mot de passe renouvelé');
  keep('chosen password', 'le mot de passe renouvelé');
  keep('refresh token', renewed.refresh_token);
  // A refresh rotates the token: both the old and the new one are secrets.
  const rotated = await client.refreshTokenGrant(app.config, renewed.refresh_token!);
  keep('rotated refresh token', rotated.refresh_token);

  // « Mot de passe oublié » → the mailed link → a new password.
  const browser = new Browser();
  const form = await browser.go(`${ts.url}/mot-de-passe-oublie`);
  await browser.submit(form, '/mot-de-passe-oublie', { identifiant: relative.login });
  await ts.server.domain.mail.idle();
  const dir = ts.config.mail.dir;
  const mails = readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8').replace(/=\r?\n/g, ''));
  const link = mails.map((m) => /\/mot-de-passe\/reinitialiser\/([\w-]+)/.exec(m)?.[1]).find(Boolean);
  keep('reset token', link);
  const resetPage = await browser.go(`${ts.url}/mot-de-passe/reinitialiser/${link}`);
  const done = await browser.submit(resetPage, '', {
    nouveau_mot_de_passe: 'un lien reçu par courriel',
    confirmation: 'un lien reçu par courriel',
  });
  expect(done.status).toBe(200);
  keep('reset password', 'un lien reçu par courriel');
  await signIn(app, relative.login, 'un lien reçu par courriel');

  // The admin page: the teacher's session (its tokens live sealed in the cookie).
  const page = await adminSignIn(ts, school.teacherA.login, PASSWORD);
  const renew = await page.browser.go(`${ts.url}/admin/classes/${school.classA.id}/actions`, {
    form: { _csrf: page.csrf, action: 'renouveler', ids: hostile.id },
  });
  const pageCode = (await ts.server.domain.codes.liveCode(hostile.id))!.code;
  expect(renew.html).toContain(pageCode);
  keep('renewal code (admin page)', pageCode);
  await ts.server.domain.mail.idle();

  expect(ts.server.logger.level).toBe('trace');
  expect(logs.split('\n').length).toBeGreaterThan(50); // the logs really hold the journey
  const dump = await dumpDatabase(ts);
  expect(dump).toContain(known.login); // the dump really holds the data
  expect(dump).toMatch(/\$argon2id\$/);
  const inDump = [...secrets].filter(([value]) => dump.includes(value)).map(([, what]) => what);
  const inLogs = [...secrets].filter(([value]) => logs.includes(value)).map(([, what]) => what);
  expect({ inDump, inLogs }).toEqual({ inDump: [], inLogs: [] });
  // Cookies and authorization headers never reach a log line either.
  expect(logs).not.toMatch(/"cookie":"(?!\[redacted\])/);
  expect(logs).not.toMatch(/"authorization":"(?!\[redacted\])/);
  expect(logs).not.toMatch(/Bearer ey/);
}, 60_000);
