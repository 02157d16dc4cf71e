// Point 2 — no enumeration. Whether an identifiant exists, has this password, has a live code,
// or is blocked must not show in the answer to a failed sign-in: same status, same page
// (apart from the CSRF token and the echoed identifiant), and the same time. The same for
// « Mot de passe oublié » and « Identifiant oublié » (their mails leave in the background).
// The byte-identical check for three kinds is in test/integration/login/connexion.test.ts ›
// no enumeration; this file adds the blocked account and the timings.
//
// Timings: 200 tries of each kind, interleaved in rounds of random order (drift and other engineers' test
// runs on the shared cores hit every kind alike), after a warm-up; medians compared. argon2
// runs at a higher cost than the other tests so that skipping it (no dummy verify for unknown
// identifiants) would show well above the noise. The clock runs in a child process
// (timing-client.mjs), as an attacker's would: outside the server's event loop.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { Browser, type Page } from '../../helpers/browser.js';
import { registerClient, type RegisteredClient } from '../../helpers/oidc.js';
import { createAccount } from '../../helpers/factories.js';
import { comparable, connexion, median, uidOf } from './support.js';

let ts: TestServer;
let app: RegisteredClient;
let clock: ChildProcess;

beforeAll(async () => {
  clock = fork(fileURLToPath(new URL('./timing-client.mjs', import.meta.url)), { stdio: 'inherit' });
  ts = await startTestServer({
    env: { TRUST_PROXY: 'true', LOGIN_MAX_FAILURES: '1000', LOGIN_MAX_FAILURES_PER_IP: '100000', ARGON2_MEMORY_KIB: '8192', ARGON2_TIME_COST: '2' },
  });
  app = await registerClient(ts, { clientId: 'ent-vie-scolaire' });
});
afterAll(async () => {
  clock?.disconnect();
  await ts?.stop();
});

const TRIES = 200;
const WARMUP = 15;
let ipCounter = 0;
const nextIp = () => `10.${(++ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;

/** POSTs a form with the browser's cookies from a fresh X-Forwarded-For, from the child process; returns
 * status, body and ms. */
let nextId = 0;
function post(browser: Browser, url: string, form: Record<string, string>): Promise<{ status: number; html: string; ms: number }> {
  const id = ++nextId;
  return new Promise((resolve, reject) => {
    const onMessage = (m: { id: number; status: number; html: string; ms: number; error?: string }) => {
      if (m.id !== id) return;
      clock.off('message', onMessage);
      if (m.error) reject(new Error(m.error));
      else resolve(m);
    };
    clock.on('message', onMessage);
    clock.send({
      id,
      url,
      headers: { cookie: browser.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': nextIp() },
      body: new URLSearchParams(form).toString(),
    });
  });
}

function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Runs every kind TRIES times, round-robin, after a warm-up; returns each kind's answers and median. */
async function measure<K extends string>(kinds: Record<K, () => Promise<{ status: number; html: string; ms: number }>>) {
  const names = Object.keys(kinds) as K[];
  for (let i = 0; i < WARMUP; i++) for (const k of names) await kinds[k]().then(() => ts.server.domain.mail.idle());
  const times = Object.fromEntries(names.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  const last = {} as Record<K, { status: number; html: string }>;
  const statuses = new Set<string>();
  for (let i = 0; i < TRIES; i++) {
    // Each round in a new random order: the garbage one kind's work leaves (a mail) is
    // collected during whichever request comes next, which must not always be the same kind.
    for (const k of shuffled(names)) {
      const r = await kinds[k]();
      times[k].push(r.ms);
      // Work a reply leaves behind (mails, recovery lookups) ends before the next request,
      // so it does not land in another kind's timing.
      await ts.server.domain.mail.idle();
      last[k] = r;
      statuses.add(`${k}:${r.status}`);
    }
  }
  const medians = Object.fromEntries(names.map((k) => [k, median(times[k])])) as Record<K, number>;
  return { medians, last, statuses };
}

/**
 * Medians within `ratio` of each other — or, for answers of a few milliseconds, within
 * `floorMs`: on two shared cores the medians of ~2 ms answers move by up to 0.2 ms from run to
 * run. Doing the recovery lookup before answering (the mistake this guards against) adds
 * 1.0–1.3 ms on MariaDB and, for « Identifiant oublié », on SQLite too.
 */
function expectMediansWithin(medians: Record<string, number>, ratio: number, floorMs = 0) {
  process.stdout.write(`enumeration medians (ms): ${Object.entries(medians).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}\n`);
  const values = Object.values(medians);
  const spread = Math.max(...values) / Math.min(...values);
  if (Math.max(...values) - Math.min(...values) <= floorMs) return;
  if (spread > ratio) throw new Error(`median times differ by ${Math.round((spread - 1) * 100)} % (> ${Math.round((ratio - 1) * 100)} %): ${JSON.stringify(medians)}`);
}

describe('CONNEXION failures', () => {
  it('unknown identifiant, wrong password, wrong code, live code and blocked account: same status, same page, medians within 10 %', async () => {
    const { passwords, codes } = ts.server.domain;
    // Hashed by the server's own settings, so every verification costs the same as a dummy one.
    const hash = await passwords.hash('le vrai mot de passe');
    await createAccount(ts.server.db, { login: 'anna.colin', firstName: 'Anna', lastName: 'Colin', profile: 'Student', passwordHash: hash });
    const withCode = await createAccount(ts.server.db, { login: 'remi.colin', firstName: 'Rémi', lastName: 'Colin', profile: 'Student', passwordHash: hash });
    await codes.issue({ accountId: withCode.id, kind: 'renewal', createdBy: null });
    await createAccount(ts.server.db, { login: 'bloque.colin', firstName: 'Bloqué', lastName: 'Colin', profile: 'Student', passwordHash: hash, blockedAt: new Date() });

    const browser = new Browser();
    const { page } = await connexion(app, browser);
    const uid = uidOf(page);
    const csrf = /name="_csrf" value="([^"]*)"/.exec(page.html)![1]!;
    const url = `${ts.url}/interaction/${uid}/login`;
    const attempt = (identifiant: string, secret: string) => () => post(browser, url, { _csrf: csrf, identifiant, mot_de_passe: secret });

    // Two shapes of secret: text, and one shaped like a code (8 characters of the codes'
    // alphabet), which alone makes the server look for a live code. The shape is the typer's
    // own knowledge, so the kinds are compared within each shape.
    const TEXT = 'pas le bon mot de passe';
    const CODE_SHAPED = 'abcd3456';
    const { medians, last, statuses } = await measure({
      unknown: attempt('personne.inconnue', TEXT),
      wrongPassword: attempt('anna.colin', TEXT),
      hasLiveCode: attempt('remi.colin', TEXT),
      blocked: attempt('bloque.colin', TEXT),
      unknownCodeShaped: attempt('personne.inconnue', CODE_SHAPED),
      wrongPasswordCodeShaped: attempt('anna.colin', CODE_SHAPED),
      wrongCode: attempt('remi.colin', CODE_SHAPED),
      blockedCodeShaped: attempt('bloque.colin', CODE_SHAPED),
    });
    expect([...statuses].map((s) => s.split(':')[1])).toEqual(Array(statuses.size).fill('401'));
    const same = (k: keyof typeof last, login: string) => comparable(last[k] as Page).replace(`value="${login}"`, 'value="…"');
    const reference = same('wrongPassword', 'anna.colin');
    expect(same('unknown', 'personne.inconnue')).toBe(reference);
    expect(same('wrongCode', 'remi.colin')).toBe(reference);
    expect(same('blocked', 'bloque.colin')).toBe(reference);
    expect(same('blockedCodeShaped', 'bloque.colin')).toBe(reference);
    expect(reference).toContain('Identifiant ou mot de passe incorrect.');
    const { unknown, wrongPassword, hasLiveCode, blocked, ...codeShaped } = medians;
    expectMediansWithin({ unknown, wrongPassword, hasLiveCode, blocked }, 1.1);
    expectMediansWithin(codeShaped, 1.1);
  }, 120_000);
});

describe('recovery pages', () => {
  it('« Mot de passe oublié »: known with email, without email, blocked, unknown — same answer, medians within 10 %', async () => {
    await createAccount(ts.server.db, { login: 'mail.colin', firstName: 'Mail', lastName: 'Colin', profile: 'Relative', email: 'mail.colin@example.test', password: 'un mot de passe' });
    await createAccount(ts.server.db, { login: 'sansmail.colin', firstName: 'Sans', lastName: 'Colin', profile: 'Student', password: 'un mot de passe' });
    await createAccount(ts.server.db, { login: 'bloquemail.colin', firstName: 'Bloqué', lastName: 'Colin', profile: 'Relative', email: 'bloque@example.test', blockedAt: new Date() });
    const browser = new Browser();
    const form = await browser.go(`${ts.url}/mot-de-passe-oublie`);
    const csrf = /name="_csrf" value="([^"]*)"/.exec(form.html)![1]!;
    const ask = (identifiant: string) => () => post(browser, `${ts.url}/mot-de-passe-oublie`, { _csrf: csrf, identifiant });
    const { medians, last, statuses } = await measure({ withEmail: ask('mail.colin'), noEmail: ask('sansmail.colin'), blocked: ask('bloquemail.colin'), unknown: ask('personne.inconnue') });
    expect(new Set([...statuses].map((s) => s.split(':')[1]))).toEqual(new Set(['200']));
    const pages = Object.values(last).map((p) => comparable(p as Page));
    expect(new Set(pages).size).toBe(1);
    expectMediansWithin(medians, 1.1, 0.5);
    await ts.server.domain.mail.idle();
  }, 120_000);

  it('« Identifiant oublié »: known address, blocked account’s address, unknown — same answer, medians within 10 %', async () => {
    await createAccount(ts.server.db, { login: 'parent.colin', firstName: 'Parent', lastName: 'Colin', profile: 'Relative', email: 'parent.colin@example.test' });
    const browser = new Browser();
    const form = await browser.go(`${ts.url}/identifiant-oublie`);
    const csrf = /name="_csrf" value="([^"]*)"/.exec(form.html)![1]!;
    const ask = (courriel: string) => () => post(browser, `${ts.url}/identifiant-oublie`, { _csrf: csrf, courriel });
    const { medians, last, statuses } = await measure({ known: ask('parent.colin@example.test'), blocked: ask('bloque@example.test'), unknown: ask('personne@example.test'), notAnAddress: ask('pas une adresse') });
    expect(new Set([...statuses].map((s) => s.split(':')[1]))).toEqual(new Set(['200']));
    expect(new Set(Object.values(last).map((p) => comparable(p as Page))).size).toBe(1);
    expectMediansWithin(medians, 1.1, 0.5);
    await ts.server.domain.mail.idle();
  }, 120_000);
});
