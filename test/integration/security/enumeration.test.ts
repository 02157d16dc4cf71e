// Point 2 — no enumeration. Whether an identifiant exists, has this password, has a live code,
// has no password yet, or is blocked must not show in the answer to a failed sign-in: same
// status, same page (apart from the CSRF token and the echoed identifiant), and the same
// work. The same for « Mot de passe oublié » and « Identifiant oublié » (their lookups and
// mails run after the reply).
//
// Work, not time: what a client could time is what the server does, so each kind of attempt
// is sent alone and the server's own counters (GET /metrics: argon2 verifications, code
// lookups, recovery lookups) are read before and after, once its background work is over.
// Equal counts per kind are what the clock would otherwise be asked to show; the clock
// itself is measured by bench/enumeration.ts, never in `npm test`.
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { Browser, type Page } from '../../helpers/browser.js';
import { registerClient, type RegisteredClient } from '../../helpers/oidc.js';
import { createAccount } from '../../helpers/factories.js';
import { comparable, connexion, uidOf } from './support.js';

let ts: TestServer;
let app: RegisteredClient;

beforeAll(async () => {
  ts = await startTestServer({
    env: { TRUST_PROXY: 'true', LOGIN_MAX_FAILURES: '1000', LOGIN_MAX_FAILURES_PER_IP: '100000' },
  });
  app = await registerClient(ts, { clientId: 'ent-vie-scolaire' });
});
afterAll(async () => {
  await ts?.stop();
});

interface Work {
  verifications: number;
  codeLookups: number;
  recoveryLookups: number;
}

async function workSoFar(): Promise<Work> {
  const text = await (await fetch(`${ts.url}/metrics`)).text();
  const value = (name: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    if (!line) throw new Error(`${name} missing from /metrics`);
    return Number(line.split(' ').pop());
  };
  return {
    verifications: value('entidp_password_verifications_total'),
    codeLookups: value('entidp_code_lookups_total'),
    recoveryLookups: value('entidp_recovery_lookups_total'),
  };
}

let ipCounter = 0;
const nextIp = () => `10.${(++ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;

/** POSTs a form with the browser's cookies from a fresh X-Forwarded-For. */
async function post(browser: Browser, url: string, form: Record<string, string>): Promise<Page> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      cookie: browser.cookieHeader(),
      'content-type': 'application/x-www-form-urlencoded',
      'x-forwarded-for': nextIp(),
    },
    body: new URLSearchParams(form).toString(),
    redirect: 'manual',
  });
  return { url, status: res.status, html: await res.text(), headers: res.headers };
}

/**
 * Sends each kind alone, twice, and returns its answer and the work it cost; the work left
 * after the reply (recovery lookups, mails) is waited for before counting.
 */
async function costs<K extends string>(kinds: Record<K, () => Promise<Page>>) {
  const result = {} as Record<K, { status: number; page: Page; work: Work[] }>;
  for (const k of Object.keys(kinds) as K[]) {
    const work: Work[] = [];
    let last!: Page;
    for (let i = 0; i < 2; i++) {
      await ts.server.domain.mail.idle();
      const before = await workSoFar();
      last = await kinds[k]();
      await ts.server.domain.mail.idle();
      const after = await workSoFar();
      work.push({
        verifications: after.verifications - before.verifications,
        codeLookups: after.codeLookups - before.codeLookups,
        recoveryLookups: after.recoveryLookups - before.recoveryLookups,
      });
    }
    result[k] = { status: last.status, page: last, work };
  }
  return result;
}

const each = <K extends string, V>(record: Record<K, { work: V }>) =>
  Object.fromEntries(Object.entries<{ work: V }>(record).map(([k, v]) => [k, v.work]));
const twice = (work: Work) => [work, work];

describe('CONNEXION failures', () => {
  it('unknown identifiant, wrong password, wrong code, live code, no password yet and blocked account: same status, same page, same work', async () => {
    const { passwords, codes } = ts.server.domain;
    const hash = await passwords.hash('le vrai mot de passe');
    await createAccount(ts.server.db, {
      login: 'anna.colin',
      firstName: 'Anna',
      lastName: 'Colin',
      profile: 'Student',
      passwordHash: hash,
    });
    const withCode = await createAccount(ts.server.db, {
      login: 'remi.colin',
      firstName: 'Rémi',
      lastName: 'Colin',
      profile: 'Student',
      passwordHash: hash,
    });
    // A dead code (replaced by the live one after it): issue 21's « Ce code n'est plus valable ».
    const dead = await codes.issue({ accountId: withCode.id, kind: 'renewal', createdBy: null });
    await codes.issue({ accountId: withCode.id, kind: 'renewal', createdBy: null });
    // Never activated: no password, a live activation code (the dummy verification stands in).
    const fresh = await createAccount(ts.server.db, {
      login: 'neuf.colin',
      firstName: 'Neuf',
      lastName: 'Colin',
      profile: 'Student',
    });
    await codes.issue({ accountId: fresh.id, kind: 'activation', createdBy: null });
    await createAccount(ts.server.db, {
      login: 'bloque.colin',
      firstName: 'Bloqué',
      lastName: 'Colin',
      profile: 'Student',
      passwordHash: hash,
      blockedAt: new Date(),
    });

    const browser = new Browser();
    const { page } = await connexion(app, browser);
    const uid = uidOf(page);
    const csrf = /name="_csrf" value="([^"]*)"/.exec(page.html)![1]!;
    const url = `${ts.url}/interaction/${uid}/login`;
    const attempt = (identifiant: string, secret: string) => () =>
      post(browser, url, { _csrf: csrf, identifiant, mot_de_passe: secret });

    // Two shapes of secret: text, and one shaped like a code (8 characters of the codes'
    // alphabet), which alone makes the server look for a live code. The shape is the typer's
    // own knowledge, so the kinds are compared within each shape.
    const TEXT = 'pas le bon mot de passe';
    const CODE_SHAPED = 'abcd3456';
    const text = await costs({
      unknown: attempt('personne.inconnue', TEXT),
      wrongPassword: attempt('anna.colin', TEXT),
      hasLiveCode: attempt('remi.colin', TEXT),
      noPassword: attempt('neuf.colin', TEXT),
      blocked: attempt('bloque.colin', TEXT),
    });
    const codeShaped = await costs({
      unknown: attempt('personne.inconnue', CODE_SHAPED),
      wrongPassword: attempt('anna.colin', CODE_SHAPED),
      wrongCode: attempt('remi.colin', CODE_SHAPED),
      deadCode: attempt('remi.colin', dead.code),
      noPassword: attempt('neuf.colin', CODE_SHAPED),
      blocked: attempt('bloque.colin', CODE_SHAPED),
    });

    // One argon2 verification for every kind (a dummy one where there is no password), and a
    // code lookup exactly when the secret is shaped like a code.
    const textWork = twice({ verifications: 1, codeLookups: 0, recoveryLookups: 0 });
    const codeWork = twice({ verifications: 1, codeLookups: 1, recoveryLookups: 0 });
    expect(each(text)).toEqual({
      unknown: textWork,
      wrongPassword: textWork,
      hasLiveCode: textWork,
      noPassword: textWork,
      blocked: textWork,
    });
    expect(each(codeShaped)).toEqual({
      unknown: codeWork,
      wrongPassword: codeWork,
      wrongCode: codeWork,
      deadCode: codeWork,
      noPassword: codeWork,
      blocked: codeWork,
    });

    // The dead code is the one answer that differs (it needs a secret of the account): same status, same work.
    const { deadCode, ...rest } = codeShaped;
    expect(deadCode.page.html).toContain('plus valable : demande un nouveau code');
    const all = [...Object.entries(text), ...Object.entries(rest), ['deadCode', deadCode] as const];
    expect(all.map(([k, r]) => [k, r.status])).toEqual(all.map(([k]) => [k, 401]));
    const same = (p: Page) =>
      comparable(p).replace(
        /value="(personne\.inconnue|anna\.colin|remi\.colin|neuf\.colin|bloque\.colin)"/,
        'value="…"',
      );
    const reference = same(text.wrongPassword.page);
    expect(reference).toContain('Identifiant ou mot de passe incorrect.');
    for (const [kind, r] of all) if (kind !== 'deadCode') expect([kind, same(r.page)]).toEqual([kind, reference]);
  }, 60_000);
});

describe('recovery pages', () => {
  // Every kind looks up once, after the reply, and never verifies a password or a code.
  const recoveryWork = twice({ verifications: 0, codeLookups: 0, recoveryLookups: 1 });

  it('« Mot de passe oublié »: known with email, without email, blocked, unknown — same answer, same work', async () => {
    await createAccount(ts.server.db, {
      login: 'mail.colin',
      firstName: 'Mail',
      lastName: 'Colin',
      profile: 'Relative',
      email: 'mail.colin@example.test',
      password: 'un mot de passe',
    });
    await createAccount(ts.server.db, {
      login: 'sansmail.colin',
      firstName: 'Sans',
      lastName: 'Colin',
      profile: 'Student',
      password: 'un mot de passe',
    });
    await createAccount(ts.server.db, {
      login: 'bloquemail.colin',
      firstName: 'Bloqué',
      lastName: 'Colin',
      profile: 'Relative',
      email: 'bloque@example.test',
      blockedAt: new Date(),
    });
    const browser = new Browser();
    const form = await browser.go(`${ts.url}/mot-de-passe-oublie`);
    const csrf = /name="_csrf" value="([^"]*)"/.exec(form.html)![1]!;
    const ask = (identifiant: string) => () =>
      post(browser, `${ts.url}/mot-de-passe-oublie`, { _csrf: csrf, identifiant });
    const answers = await costs({
      withEmail: ask('mail.colin'),
      noEmail: ask('sansmail.colin'),
      blocked: ask('bloquemail.colin'),
      unknown: ask('personne.inconnue'),
    });
    expect(each(answers)).toEqual({
      withEmail: recoveryWork,
      noEmail: recoveryWork,
      blocked: recoveryWork,
      unknown: recoveryWork,
    });
    expect(Object.values(answers).map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(new Set(Object.values(answers).map((r) => comparable(r.page))).size).toBe(1);
  });

  it('« Identifiant oublié »: known address, blocked account’s address, unknown, not an address — same answer, same work', async () => {
    await createAccount(ts.server.db, {
      login: 'parent.colin',
      firstName: 'Parent',
      lastName: 'Colin',
      profile: 'Relative',
      email: 'parent.colin@example.test',
    });
    const browser = new Browser();
    const form = await browser.go(`${ts.url}/identifiant-oublie`);
    const csrf = /name="_csrf" value="([^"]*)"/.exec(form.html)![1]!;
    const ask = (courriel: string) => () => post(browser, `${ts.url}/identifiant-oublie`, { _csrf: csrf, courriel });
    const answers = await costs({
      known: ask('parent.colin@example.test'),
      blocked: ask('bloque@example.test'),
      unknown: ask('personne@example.test'),
      notAnAddress: ask('pas une adresse'),
    });
    expect(each(answers)).toEqual({
      known: recoveryWork,
      blocked: recoveryWork,
      unknown: recoveryWork,
      notAnAddress: recoveryWork,
    });
    expect(Object.values(answers).map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(new Set(Object.values(answers).map((r) => comparable(r.page))).size).toBe(1);
  });
});
