// What the logs keep of refused requests, captured at `trace`: a reset link posted with a
// missing or stale CSRF token is logged with its path masked (never the live token) and
// its error code in clear; so is an admin API refusal. (That a whole login + code flow
// never logs the code: ops/observability.test.ts and security/secrets-at-rest.test.ts.)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/logger.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { Browser, formOf } from '../../helpers/browser.js';
import { createAccount } from '../../helpers/factories.js';

let ts: TestServer;
let logs = '';
beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs += String(chunk);
      done();
    },
  });
  ts = await startTestServer({ logger: createLogger('trace', sink) });
});
afterAll(() => ts?.stop());

const logLines = () =>
  logs
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** A live reset link's token, as mailed. */
async function liveResetToken(login: string): Promise<string> {
  await ts.server.domain.recovery.requestPasswordReset({ login, ip: '127.0.0.1' });
  await ts.server.domain.mail.idle();
  const dir = ts.config.mail.dir;
  const newest = readdirSync(dir)
    .map((f) => join(dir, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]!;
  const token = /\/mot-de-passe\/reinitialiser\/([\w-]+)/.exec(
    readFileSync(newest, 'utf8').replace(/=\r?\n/g, ''),
  )![1]!;
  expect(await ts.server.domain.recovery.findResetToken(token)).not.toBeNull();
  return token;
}

test('a reset link posted with a missing or stale CSRF token: the token is in no log line, the path is masked, the code shows', async () => {
  const parent = await createAccount(ts.server.db, {
    profile: 'Relative',
    firstName: 'Pierre',
    lastName: 'Enfant',
    email: 'pierre@example.fr',
  });
  const token = await liveResetToken(parent.login);
  const form = { nouveau_mot_de_passe: 'un autre mot de passe long', confirmation: 'un autre mot de passe long' };
  // A page left open in another browser: its token belongs to another session (stale here).
  const elsewhere = new Browser();
  const stale = formOf(await elsewhere.go(`${ts.url}/mot-de-passe/reinitialiser/${token}`), '').hidden._csrf!;
  logs = '';
  const browser = new Browser();
  await browser.go(`${ts.url}/mot-de-passe/reinitialiser/${token}`);
  for (const csrf of [undefined, stale]) {
    const res = await browser.request(`${ts.url}/mot-de-passe/reinitialiser/${token}`, {
      form: csrf ? { ...form, _csrf: csrf } : form,
    });
    expect(res.status).toBe(403);
  }
  expect(await ts.server.domain.recovery.findResetToken(token)).not.toBeNull(); // still live: a real secret

  const lines = logLines();
  expect(lines.length).toBeGreaterThanOrEqual(4);
  expect(logs.split('\n').filter((l) => l.includes(token))).toEqual([]);
  const refused = lines.filter((l) => l.msg === 'request refused');
  expect(refused).toEqual(
    [1, 2].map(() =>
      expect.objectContaining({
        code: 'invalid_csrf_token',
        path: '/mot-de-passe/reinitialiser/[redacted]',
        reqId: expect.any(String),
      }),
    ),
  );
  const requests = lines.filter((l) => l.msg === 'request');
  expect(requests.map((l) => [l.method, l.path, l.status])).toEqual([
    ['GET', '/mot-de-passe/reinitialiser/[redacted]', 200],
    ['POST', '/mot-de-passe/reinitialiser/[redacted]', 403],
    ['POST', '/mot-de-passe/reinitialiser/[redacted]', 403],
  ]);
});

test('an admin API refusal logs its error code, not « [redacted] »', async () => {
  logs = '';
  const res = await fetch(`${ts.url}/admin/api/v1/me`);
  expect(res.status).toBe(401);
  const { code } = (await res.json()) as { code: string };
  expect(logLines().filter((l) => l.msg === 'admin API request refused')).toEqual([
    expect.objectContaining({ code, path: expect.stringMatching(/\/api\/v1\/me$/) }),
  ]);
  expect(code).not.toBe('[redacted]');
});
