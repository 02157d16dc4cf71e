// « Identifiant oublié » and « Mot de passe oublié » as an attacker drives them: a look-alike
// address (MariaDB's utf8mb4_unicode_ci took `exámple.fr` for `example.fr` and mailed the
// identifiants to the typed address), bursts for one address, and floods from one IP.
// Runs on SQLite and, with TEST_DATABASE_URL, on MariaDB, where the look-alike case matters.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { Browser } from '../../helpers/browser.js';
import { createAccount } from '../../helpers/factories.js';
import { AuditEvent } from '../../../src/db/entities/index.js';

const PER_IP = 30;
const PER_ADDRESS = 5;
const ENV = { TRUST_PROXY: 'true', RECOVERY_MAX_PER_IP: String(PER_IP), RECOVERY_MAX_PER_ADDRESS: String(PER_ADDRESS) };
let ts: TestServer;

beforeAll(async () => {
  ts = await startTestServer({ env: ENV });
});
afterAll(async () => ts?.stop());

/** The recipients of every mail written so far (MAIL_DIR), oldest first. */
function recipients(): string[] {
  const dir = ts.config.mail.dir;
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .map((f) => /^To: (.*)$/m.exec(readFileSync(join(dir, f), 'utf8'))?.[1] ?? '?');
}

/** A client at `ip` with a CSRF token, POSTing recovery forms as fast as it likes. */
async function client(ip: string) {
  const browser = new Browser({ 'x-forwarded-for': ip });
  const form = await browser.go(`${ts.url}/identifiant-oublie`);
  const csrf = /name="_csrf" value="([^"]*)"/.exec(form.html)![1]!;
  const post = async (path: '/identifiant-oublie' | '/mot-de-passe-oublie', fields: Record<string, string>) => {
    const res = await fetch(`${ts.url}${path}`, {
      method: 'POST',
      headers: {
        ...browser.headers,
        cookie: browser.cookieHeader(),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
      redirect: 'manual',
    });
    const html = await res.text();
    return {
      status: res.status,
      html: html.replace(/name="_csrf" value="[^"]*"/g, ''),
      retryAfter: res.headers.get('retry-after'),
    };
  };
  return {
    forgotLogin: (courriel: string) => post('/identifiant-oublie', { courriel }),
    forgotPassword: (identifiant: string) => post('/mot-de-passe-oublie', { identifiant }),
  };
}

const throttledAudits = (action: string) =>
  ts.server.db.read((m) => m.find(AuditEvent, { where: { action, outcome: 'throttled' } }));

describe('« Identifiant oublié » compares addresses exactly and mails the stored one', () => {
  it('a look-alike address (exámple.fr) gets no mail; the same address in capitals gets one, sent to the stored address', async () => {
    await createAccount(ts.server.db, {
      login: 'marie.enfant',
      firstName: 'Marie',
      lastName: 'Enfant',
      profile: 'Relative',
      email: 'marie.enfant@example.fr',
    });
    const before = recipients().length;
    const parent = await client('198.51.100.1');

    expect((await parent.forgotLogin('marie.enfant@exámple.fr')).status).toBe(200);
    await ts.server.domain.mail.idle();
    expect(recipients().slice(before)).toEqual([]);

    expect((await parent.forgotLogin('Marie.Enfant@Example.FR')).status).toBe(200);
    await ts.server.domain.mail.idle();
    expect(recipients().slice(before)).toEqual(['marie.enfant@example.fr']);
  });
});

describe('recovery throttling', () => {
  it('20 « Identifiant oublié » posts for one address in a burst send at most RECOVERY_MAX_PER_ADDRESS mails; an unknown address is throttled alike', async () => {
    await createAccount(ts.server.db, {
      login: 'paul.rafale',
      firstName: 'Paul',
      lastName: 'Rafale',
      profile: 'Relative',
      email: 'paul.rafale@example.fr',
    });
    const before = recipients().length;
    const auditsBefore = (await throttledAudits('login.forgot')).length;
    // Each burst from its own IP, so only the per-address limit is in play.
    const burst = async (ip: string, courriel: string) => {
      const parent = await client(ip);
      const answers = await Promise.all(Array.from({ length: 20 }, () => parent.forgotLogin(courriel)));
      await ts.server.domain.mail.idle();
      return answers;
    };
    const known = await burst('198.51.100.2', 'paul.rafale@example.fr');
    const unknown = await burst('198.51.100.3', 'personne.rafale@example.fr');

    expect(recipients().slice(before)).toEqual(Array(PER_ADDRESS).fill('paul.rafale@example.fr'));
    // The page says the same thing every time, known or not, throttled or not.
    const pages = new Set([...known, ...unknown].map((a) => `${a.status} ${a.html}`));
    expect(pages.size).toBe(1);
    expect([...pages][0]).toMatch(/^200 .*vos identifiants viennent d’y être envoyés/s);
    // One throttled event per address (the first refusal), known or unknown alike.
    expect((await throttledAudits('login.forgot')).length - auditsBefore).toBe(2);
  });

  it('« Mot de passe oublié » is throttled per identifiant too, known or not', async () => {
    const auditsBefore = (await throttledAudits('password.reset_request')).length;
    await createAccount(ts.server.db, {
      login: 'lea.rafale',
      firstName: 'Léa',
      lastName: 'Rafale',
      profile: 'Relative',
      email: 'lea.rafale@example.fr',
    });
    for (const [ip, login] of [
      ['198.51.100.4', 'lea.rafale'],
      ['198.51.100.5', 'personne.inconnue'],
    ] as const) {
      const parent = await client(ip);
      const answers = await Promise.all(Array.from({ length: 20 }, () => parent.forgotPassword(login)));
      expect(new Set(answers.map((a) => a.status))).toEqual(new Set([200]));
    }
    await ts.server.domain.mail.idle();
    const audits = (await throttledAudits('password.reset_request')).slice(auditsBefore);
    expect(audits.map((e) => JSON.parse(e.detail!).typedLogin).sort()).toEqual(['lea.rafale', 'personne.inconnue']);
  });

  it('past RECOVERY_MAX_PER_IP posts from one IP (both pages), a 429 page in French; another IP is still answered', async () => {
    const flood = await client('203.0.113.66');
    const answers = [];
    for (let i = 0; i < 40; i++)
      answers.push(
        await (i % 2 ? flood.forgotLogin(`adresse${i}@example.fr`) : flood.forgotPassword(`identifiant.${i}`)),
      );
    await ts.server.domain.mail.idle();
    expect(answers.slice(0, PER_IP).map((a) => a.status)).toEqual(Array(PER_IP).fill(200));
    expect(answers.slice(PER_IP).map((a) => a.status)).toEqual(Array(40 - PER_IP).fill(429));
    const refused = answers.at(-1)!;
    expect(refused.html).toMatch(/Trop de demandes depuis votre connexion\. Réessayez dans \d+ minute\(s\)\./);
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect((await (await client('203.0.113.67')).forgotLogin('adresse@example.fr')).status).toBe(200);
    await ts.server.domain.mail.idle();
  });
});
