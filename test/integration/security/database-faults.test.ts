// Point 7 — database faults. A TCP proxy sits between the server and MariaDB; cutting it is a
// network partition or a database restart. While it is cut, requests answer 503 with a
// French page (problem+json / OAuth JSON on API endpoints) and Retry-After; the process
// stays up; when the link returns the server recovers by itself. An ENREGISTRER interrupted
// mid-transaction leaves the old state or the new one, never a consumed code without a
// password.
//
// What is asserted is what a client sees (status, body, headers), not how long it took: the
// only time bound is the product's own contract, the request deadline (REQUEST_TIMEOUT_MS),
// which the client enforces by giving up well after it (an answer that does not come is a
// failure). The MariaDB tests run only when TEST_DATABASE_URL is a MySQL URL (CI runs the
// suite on MariaDB too) and show as skipped on SQLite; the proxy's own test runs everywhere.
import { createServer, connect, type Socket } from 'node:net';
import mysql from 'mysql2/promise';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';
import { createTestDatabaseUrl, usingMysql, type TestDatabase } from '../../helpers/db.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { Browser } from '../../helpers/browser.js';
import { REDIRECT_URI, registerClient, type RegisteredClient } from '../../helpers/oidc.js';
import { createAccount } from '../../helpers/factories.js';
import { Account, OneTimeCode } from '../../../src/db/entities/index.js';
import { choosePassword, connexion, issueCode, openWithCode, timed } from './support.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('tcp-proxy helper', () => {
  it('passes bytes both ways, destroys live sockets when cut, refuses new ones, works again when restored, holds bytes back while stalled', async () => {
    const echo = createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: (echo.address() as { port: number }).port });
    const roundTrip = (socket: Socket, text: string) =>
      new Promise<string>((resolve, reject) => {
        socket.once('data', (d) => resolve(d.toString()));
        socket.once('error', reject);
        socket.write(text);
      });
    const open = () =>
      new Promise<Socket>((resolve, reject) => {
        const s = connect(proxy.port, '127.0.0.1', () => resolve(s));
        s.once('error', reject);
      });
    try {
      const a = await open();
      expect(await roundTrip(a, 'bonjour')).toBe('bonjour');
      const closed = new Promise((r) => a.once('close', r));
      proxy.cut();
      await closed;
      const refused = await open().then(
        (s) =>
          new Promise<string>((r) => {
            s.once('error', (e: NodeJS.ErrnoException) => r(e.code ?? 'error'));
            s.once('close', () => r('closed'));
          }),
        (e: NodeJS.ErrnoException) => e.code ?? 'error',
      );
      expect(['ECONNRESET', 'closed']).toContain(refused);
      proxy.restore();
      const b = await open();
      expect(await roundTrip(b, 'encore')).toBe('encore');
      // Stalled: nothing comes back, nothing is closed; resumed: the held bytes arrive.
      proxy.stall();
      const held = roundTrip(b, 'patience');
      const early = await Promise.race([held, sleep(300).then(() => 'nothing yet')]);
      expect(early).toBe('nothing yet');
      expect(b.destroyed).toBe(false);
      proxy.resume();
      expect(await held).toBe('patience');
      b.destroy();
    } finally {
      await proxy.close();
      await new Promise((r) => echo.close(r));
    }
  });
});

const onMysql = usingMysql() ? describe : describe.skip;
/** The server's request deadline in these tests, and how long after it a client gives up. */
const REQUEST_TIMEOUT_MS = 3000;
const CLIENT_PATIENCE_MS = REQUEST_TIMEOUT_MS + 7000;

onMysql('MariaDB behind a cut link', () => {
  let proxy: TcpProxy;
  let real: TestDatabase;
  let ts: TestServer;
  let app: RegisteredClient;
  const unhandled: unknown[] = [];
  const onUnhandled = (err: unknown) => unhandled.push(err);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    real = await createTestDatabaseUrl();
    const url = new URL(real.url);
    proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 3306) });
    url.host = `127.0.0.1:${proxy.port}`;
    const viaProxy: TestDatabase = { ...real, url: url.toString() };
    ts = await startTestServer({
      database: viaProxy,
      env: {
        DATABASE_TIMEOUT_MS: '1000',
        REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
        DATABASE_POOL_SIZE: '8',
        TRUST_PROXY: 'true',
        LOGIN_MAX_FAILURES: '1000',
        LOGIN_MAX_FAILURES_PER_IP: '100000',
      },
    });
    app = await registerClient(ts, { clientId: 'ent-cantine' });
  });
  afterAll(async () => {
    proxy?.restore();
    proxy?.resume();
    await ts?.stop();
    await proxy?.close();
    process.off('unhandledRejection', onUnhandled);
  });

  it('cut for 10 s under light load: every request answers 503 with a French page (JSON on API endpoints) and Retry-After; then it recovers by itself', async () => {
    await createAccount(ts.server.db, {
      login: 'eva.blanc',
      firstName: 'Eva',
      lastName: 'Blanc',
      profile: 'Student',
      password: 'le mot de passe d’eva',
    });
    const browser = new Browser({ 'x-forwarded-for': '10.9.0.1' });
    const { page: loginPage } = await connexion(app, browser);
    const uid = /\/interaction\/([\w-]+)\/login/.exec(loginPage.html)![1]!;

    type Kind = 'page' | 'login' | 'authorize' | 'token' | 'readyz';
    type Sample = {
      kind: Kind;
      start: number;
      ms: number;
      status: number;
      type: string;
      retryAfter: string | null;
      body: string;
    };
    const samples: Sample[] = [];
    const t0 = Date.now();
    const patience = () => AbortSignal.timeout(CLIENT_PATIENCE_MS);
    const send: Record<Kind, () => Promise<Response>> = {
      page: () =>
        fetch(`${ts.url}/interaction/${uid}`, {
          headers: { cookie: browser.cookieHeader() },
          redirect: 'manual',
          signal: patience(),
        }),
      login: async () => {
        const csrf = /name="_csrf" value="([^"]*)"/.exec(loginPage.html)![1]!;
        return fetch(`${ts.url}/interaction/${uid}/login`, {
          method: 'POST',
          headers: {
            cookie: browser.cookieHeader(),
            'content-type': 'application/x-www-form-urlencoded',
            'x-forwarded-for': '10.9.0.2',
          },
          body: new URLSearchParams({ _csrf: csrf, identifiant: 'eva.blanc', mot_de_passe: 'pas le bon' }).toString(),
          redirect: 'manual',
          signal: patience(),
        });
      },
      authorize: () =>
        fetch(
          `${ts.url}/auth?client_id=ent-cantine&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`,
          { redirect: 'manual', signal: patience() },
        ),
      token: () =>
        fetch(`${ts.url}/token`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: `Basic ${Buffer.from(`ent-cantine:${app.secret}`).toString('base64')}`,
          },
          body:
            'grant_type=authorization_code&code=inconnu&redirect_uri=' +
            encodeURIComponent(REDIRECT_URI) +
            '&code_verifier=' +
            'b'.repeat(43),
          signal: patience(),
        }),
      readyz: () => fetch(`${ts.url}/readyz`, { signal: patience() }),
    };
    let running = true;
    const worker = async (kinds: Kind[]) => {
      for (let i = 0; running; i++) {
        const kind = kinds[i % kinds.length]!;
        const start = Date.now() - t0;
        // `ms` only sorts samples into before / during / after the cut; no bound is asserted on it.
        const { ms, value: res } = await timed(() => send[kind]().catch(() => null));
        samples.push({
          kind,
          start,
          ms,
          status: res?.status ?? -1,
          type: res?.headers.get('content-type') ?? '',
          retryAfter: res?.headers.get('retry-after') ?? null,
          body: res ? await res.text() : '(no answer)',
        });
        await sleep(50);
      }
    };
    const workers = [worker(['page', 'login']), worker(['authorize', 'token']), worker(['login', 'readyz', 'page'])];

    await sleep(1500);
    const cutAt = Date.now() - t0;
    proxy.cut();
    await sleep(10_000);
    const restoredAt = Date.now() - t0;
    proxy.restore();
    // Recovers by itself: a fresh interaction page answers again (the pool reconnects on demand).
    let recoveredAt = -1;
    for (let i = 0; i < 300 && recoveredAt < 0; i++) {
      const res = await send.page();
      if (res.status === 200) recoveredAt = Date.now() - t0;
      else await sleep(100);
    }
    await sleep(1500);
    running = false;
    await Promise.all(workers);

    const before = samples.filter((s) => s.start + s.ms < cutAt);
    const during = samples.filter((s) => s.start > cutAt + 50 && s.start + s.ms < restoredAt);
    const after = samples.filter((s) => s.start > recoveredAt && recoveredAt > 0);
    const expected: Record<Kind, number> = { page: 200, login: 401, authorize: 303, token: 400, readyz: 200 };
    for (const s of before) expect([s.kind, s.status]).toEqual([s.kind, expected[s.kind]]);

    expect(new Set(during.map((s) => s.kind))).toEqual(new Set(['page', 'login', 'authorize', 'token', 'readyz']));
    for (const s of during) {
      expect([s.kind, s.status]).toEqual([s.kind, 503]);
      if (s.kind !== 'readyz') expect([s.kind, s.retryAfter]).toEqual([s.kind, '5']);
      if (s.kind === 'page' || s.kind === 'login' || s.kind === 'authorize') {
        expect(s.type).toMatch(/text\/html/);
        expect(s.body).toContain('Service indisponible');
        expect(s.body).toContain('momentanément indisponible');
        expect(s.body).not.toMatch(/\bat .*\.(js|ts):\d+/);
      } else if (s.kind === 'token') {
        expect(s.type).toMatch(/json/);
        expect(JSON.parse(s.body)).toMatchObject({ error: 'temporarily_unavailable' });
      } else {
        expect(JSON.parse(s.body)).toMatchObject({ status: 'unavailable', database: 'down' });
      }
    }
    expect(recoveredAt).toBeGreaterThan(0);
    expect(after.length).toBeGreaterThan(5);
    for (const s of after) expect([s.kind, s.status]).toEqual([s.kind, expected[s.kind]]);
    expect(unhandled).toEqual([]);
  }, 40_000);

  it('ENREGISTRER cut mid-transaction: every account is in the old state or the new one, never a consumed code without a password', async () => {
    const waves = [0, 4, 12, 30];
    const perWave = 12;
    const statuses: number[] = [];
    const accounts: { id: string; login: string; codeId: string }[] = [];
    for (const [w, delay] of waves.entries()) {
      const opened = [];
      for (let i = 0; i < perWave; i++) {
        const login = `cut.${w}.${i}`;
        const child = await createAccount(ts.server.db, {
          login,
          firstName: 'Cut',
          lastName: `W${w}N${i}`,
          profile: 'Student',
        });
        const { id, code } = await issueCode(ts, child.id, 'activation');
        accounts.push({ id: child.id, login, codeId: id });
        opened.push(await openWithCode(app, login, code, new Browser({ 'x-forwarded-for': `10.8.${w}.${i}` })));
      }
      const inFlight = Promise.all(
        opened.map((o, i) =>
          choosePassword(o.browser, o.page, `mot de passe coupé ${w} ${i}`).then(
            (p) => p.status,
            () => -1,
          ),
        ),
      );
      await sleep(delay);
      proxy.cut();
      statuses.push(...(await inFlight));
      proxy.restore();
      // Wait for the pool to be back before the next wave.
      for (let i = 0; i < 50 && !(await ts.server.db.ping()); i++) await sleep(100);
    }
    // Something was cut (503) and, across waves, something went through (303 to the app).
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0);
    for (const s of statuses) expect([303, 503]).toContain(s);

    for (const a of accounts) {
      const account = await ts.server.db.read((m) => m.findOneByOrFail(Account, { id: a.id }));
      const code = await ts.server.db.read((m) => m.findOneByOrFail(OneTimeCode, { id: a.codeId }));
      const consumed = code.consumedAt !== null;
      const passwordSet = account.passwordHash !== null;
      expect({ login: a.login, consumed, passwordSet, activated: account.activatedAt !== null }).toEqual({
        login: a.login,
        consumed: passwordSet,
        passwordSet,
        activated: passwordSet,
      });
    }
    expect(unhandled).toEqual([]);
  }, 60_000);

  it('stalled (packets dropped, connections left open) for 8 s: every request answers 503 with Retry-After, readiness turns unavailable, then it recovers by itself', async () => {
    await createAccount(ts.server.db, {
      login: 'noe.gris',
      firstName: 'Noé',
      lastName: 'Gris',
      profile: 'Student',
      password: 'le mot de passe de noé',
    });
    const browser = new Browser({ 'x-forwarded-for': '10.7.0.1' });
    const { page: loginPage } = await connexion(app, browser);
    const uid = /\/interaction\/([\w-]+)\/login/.exec(loginPage.html)![1]!;
    const csrf = /name="_csrf" value="([^"]*)"/.exec(loginPage.html)![1]!;
    // « Mot de passe oublié » counts the request per IP in the database before answering
    // (recovery-throttle.ts), so it meets the deadline like the others; that its account
    // lookup waits until after the reply is the next test's.
    const forgot = await browser.go(`${ts.url}/mot-de-passe-oublie`);
    const forgotCsrf = /name="_csrf" value="([^"]*)"/.exec(forgot.html)![1]!;
    type Kind = 'page' | 'login' | 'token' | 'readyz' | 'recovery';
    const send: Record<Kind, () => Promise<Response>> = {
      page: () =>
        fetch(`${ts.url}/interaction/${uid}`, {
          headers: { cookie: browser.cookieHeader() },
          redirect: 'manual',
          signal: AbortSignal.timeout(CLIENT_PATIENCE_MS),
        }),
      login: () =>
        fetch(`${ts.url}/interaction/${uid}/login`, {
          method: 'POST',
          headers: {
            cookie: browser.cookieHeader(),
            'content-type': 'application/x-www-form-urlencoded',
            'x-forwarded-for': '10.7.0.2',
          },
          body: new URLSearchParams({ _csrf: csrf, identifiant: 'noe.gris', mot_de_passe: 'pas le bon' }).toString(),
          redirect: 'manual',
          signal: AbortSignal.timeout(CLIENT_PATIENCE_MS),
        }),
      token: () =>
        fetch(`${ts.url}/token`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: `Basic ${Buffer.from(`ent-cantine:${app.secret}`).toString('base64')}`,
          },
          body:
            'grant_type=authorization_code&code=inconnu&redirect_uri=' +
            encodeURIComponent(REDIRECT_URI) +
            '&code_verifier=' +
            'b'.repeat(43),
          signal: AbortSignal.timeout(CLIENT_PATIENCE_MS),
        }),
      readyz: () => fetch(`${ts.url}/readyz`, { signal: AbortSignal.timeout(CLIENT_PATIENCE_MS) }),
      recovery: () =>
        fetch(`${ts.url}/mot-de-passe-oublie`, {
          method: 'POST',
          headers: {
            cookie: browser.cookieHeader(),
            'content-type': 'application/x-www-form-urlencoded',
            'x-forwarded-for': '10.7.0.3',
          },
          body: new URLSearchParams({ _csrf: forgotCsrf, identifiant: 'noe.gris' }).toString(),
          redirect: 'manual',
          signal: AbortSignal.timeout(CLIENT_PATIENCE_MS),
        }),
    };
    expect((await send.page()).status).toBe(200);

    proxy.stall();
    const stalledAt = Date.now();
    const samples: { kind: Kind; status: number; type: string; retryAfter: string | null; body: string }[] = [];
    const worker = async (kinds: Kind[]) => {
      for (let i = 0; Date.now() - stalledAt < 8000; i++) {
        const kind = kinds[i % kinds.length]!;
        // Without the deadline a request would hang until TCP gives up: the client gives up
        // CLIENT_PATIENCE_MS after sending, well past REQUEST_TIMEOUT_MS (status -1 then).
        const res = await send[kind]().catch(() => null);
        samples.push({
          kind,
          status: res?.status ?? -1,
          type: res?.headers.get('content-type') ?? '',
          retryAfter: res?.headers.get('retry-after') ?? null,
          body: res ? await res.text() : '(no answer)',
        });
      }
    };
    await Promise.all([worker(['page', 'token']), worker(['login', 'readyz']), worker(['readyz', 'page', 'recovery'])]);
    proxy.resume();
    let recoveredAt = -1;
    for (let i = 0; i < 300 && recoveredAt < 0; i++) {
      if ((await send.page()).status === 200) recoveredAt = Date.now();
      else await sleep(100);
    }

    expect(new Set(samples.map((s) => s.kind))).toEqual(new Set(['page', 'login', 'token', 'readyz', 'recovery']));
    for (const s of samples) {
      expect([s.kind, s.status]).toEqual([s.kind, 503]);
      if (s.kind !== 'readyz') expect([s.kind, s.retryAfter]).toEqual([s.kind, '5']);
      if (s.kind === 'page' || s.kind === 'login' || s.kind === 'recovery') {
        expect(s.type).toMatch(/text\/html/);
        expect(s.body).toContain('Service indisponible');
      } else if (s.kind === 'token') {
        expect(JSON.parse(s.body)).toMatchObject({ error: 'temporarily_unavailable' });
      } else {
        expect(JSON.parse(s.body)).toMatchObject({ status: 'unavailable', database: 'down' });
      }
    }
    expect(recoveredAt).toBeGreaterThan(0);
    expect((await send.readyz()).status).toBe(200);
    expect((await send.login()).status).toBe(401);
    expect(unhandled).toEqual([]);
  }, 60_000);
  it('the accounts table locked by another connection: « Mot de passe oublié » and « Identifiant oublié » still answer 200, and look up once it is free', async () => {
    // The account lookup runs after the reply: while it is held up by a table lock, the
    // answer must still come (before the change it waited for the lock, then met the
    // deadline). The per-IP count (rate_limits) is not locked, so only the lookup waits.
    await createAccount(ts.server.db, {
      login: 'lou.vert',
      firstName: 'Lou',
      lastName: 'Vert',
      profile: 'Relative',
      email: 'lou.vert@example.test',
      password: 'le mot de passe de lou',
    });
    const browser = new Browser({ 'x-forwarded-for': '10.6.0.1' });
    const csrfOf = async (path: string) =>
      /name="_csrf" value="([^"]*)"/.exec((await browser.go(`${ts.url}${path}`)).html)![1]!;
    const forms = {
      '/mot-de-passe-oublie': { _csrf: await csrfOf('/mot-de-passe-oublie'), identifiant: 'lou.vert' },
      '/identifiant-oublie': { _csrf: await csrfOf('/identifiant-oublie'), courriel: 'lou.vert@example.test' },
    };
    const lookups = async () =>
      Number(/^entidp_recovery_lookups_total (\d+)/m.exec(await (await fetch(`${ts.url}/metrics`)).text())![1]);
    await ts.server.domain.mail.idle();
    const before = await lookups();

    const target = new URL(real.url);
    const locker = await mysql.createConnection({
      host: target.hostname,
      port: Number(target.port || 3306),
      user: decodeURIComponent(target.username),
      password: decodeURIComponent(target.password),
      database: target.pathname.slice(1),
    });
    let answers: { status: number; body: string }[];
    try {
      await locker.query('LOCK TABLES accounts WRITE');
      answers = await Promise.all(
        Object.entries(forms).map(async ([path, form]) => {
          const res = await fetch(`${ts.url}${path}`, {
            method: 'POST',
            headers: {
              cookie: browser.cookieHeader(),
              'content-type': 'application/x-www-form-urlencoded',
              'x-forwarded-for': '10.6.0.2',
            },
            body: new URLSearchParams(form).toString(),
            signal: AbortSignal.timeout(CLIENT_PATIENCE_MS),
          });
          return { status: res.status, body: await res.text() };
        }),
      );
    } finally {
      await locker.query('UNLOCK TABLES');
      await locker.end();
    }
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(answers[0]!.body).toContain('un lien pour choisir un nouveau mot de passe');
    expect(answers[1]!.body).toContain('vos identifiants viennent d’y être envoyés');
    await ts.server.domain.mail.idle();
    expect(await lookups()).toBe(before + 2);
    expect(unhandled).toEqual([]);
  }, 60_000);
});
