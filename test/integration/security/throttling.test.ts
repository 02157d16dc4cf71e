// Point 3 — throttling of password guessing, at HTTP level (the single-request version is in
// test/integration/login/connexion.test.ts › throttling; the block arithmetic in
// test/integration/domain/throttle.test.ts). A scripted attack of 1,000 attempts, sequential
// and concurrent, gets at most LOGIN_MAX_FAILURES verifications; the legitimate user still
// signs in from elsewhere; the state lives in the database, so it survives a restart and two
// instances on one database share it.
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { Browser } from '../../helpers/browser.js';
import { registerClient, signIn, type RegisteredClient } from '../../helpers/oidc.js';
import { createAccount } from '../../helpers/factories.js';
import { AuditEvent } from '../../../src/db/entities/index.js';
import { connexion, uidOf } from './support.js';

const ENV = { TRUST_PROXY: 'true', LOGIN_MAX_FAILURES: '10', LOGIN_MAX_FAILURES_PER_IP: '100' };
let ts: TestServer;
let app: RegisteredClient;

beforeAll(async () => {
  ts = await startTestServer({ env: ENV });
  app = await registerClient(ts, { clientId: 'ent-devoirs' });
});
afterAll(async () => ts?.stop());

/** An attacker's script: one login page, then raw POSTs with its CSRF token, as fast as allowed. */
async function attacker(server: TestServer, ip: string) {
  const browser = new Browser({ 'x-forwarded-for': ip });
  const { page } = await connexion(app, browser);
  const uid = uidOf(page);
  const csrf = /name="_csrf" value="([^"]*)"/.exec(page.html)![1]!;
  return {
    browser,
    async attempt(baseUrl: string, login: string, secret: string): Promise<number> {
      const res = await fetch(`${baseUrl}/interaction/${uid}/login`, {
        method: 'POST',
        headers: { ...browser.headers, cookie: browser.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, identifiant: login, mot_de_passe: secret }).toString(),
        redirect: 'manual',
      });
      await res.arrayBuffer();
      return res.status;
    },
    server,
  };
}

/** Attempts that reached the password check (audited as failures) from this IP. */
const verifications = (ip: string) => ts.server.db.manager.countBy(AuditEvent, { action: 'login.password', outcome: 'failure', ip });

describe('a scripted attack on one account from one IP', () => {
  it('1,000 attempts (20 in parallel): at most LOGIN_MAX_FAILURES reach the password check, the rest are 429; the child signs in from another IP', async () => {
    await createAccount(ts.server.db, { login: 'jade.moreau', firstName: 'Jade', lastName: 'Moreau', profile: 'Student', password: 'le secret de jade' });
    const bot = await attacker(ts, '203.0.113.50');
    const statuses: number[] = [];
    let next = 0;
    const lane = async () => {
      while (next < 1000) {
        const i = next++;
        statuses.push(await bot.attempt(ts.url, 'jade.moreau', `essai numéro ${i}`));
      }
    };
    await Promise.all(Array.from({ length: 20 }, lane));
    const count = (s: number) => statuses.filter((x) => x === s).length;
    expect(statuses).toHaveLength(1000);
    expect(count(401) + count(429)).toBe(1000);
    expect(count(401)).toBeLessThanOrEqual(ts.config.throttle.maxFailures);
    expect(count(401)).toBeGreaterThan(0);
    expect(await verifications('203.0.113.50')).toBeLessThanOrEqual(ts.config.throttle.maxFailures);
    // Even the right password is refused to the attacker now…
    expect(await bot.attempt(ts.url, 'jade.moreau', 'le secret de jade')).toBe(429);
    // …while the child, elsewhere, signs in.
    await signIn(app, 'jade.moreau', 'le secret de jade', { browser: new Browser({ 'x-forwarded-for': '198.51.100.8' }) });
  }, 60_000);

  it('50 throttled attempts from one IP write 2 audit events (the 1st and 10th, with the count); /metrics counts all 50', async () => {
    await createAccount(ts.server.db, { login: 'ines.flot', firstName: 'Inès', lastName: 'Flot', profile: 'Student', password: 'le secret d’inès' });
    const bot = await attacker(ts, '203.0.113.51');
    const throttledMetric = async () => {
      const text = await (await fetch(`${ts.url}/metrics`)).text();
      return Number(/^entidp_logins_total\{outcome="throttled"\} (\d+)$/m.exec(text)?.[1] ?? 0);
    };
    for (let i = 0; i < ts.config.throttle.maxFailures; i++) expect(await bot.attempt(ts.url, 'ines.flot', `essai ${i}`)).toBe(401);
    const before = await throttledMetric();
    for (let i = 0; i < 50; i++) expect(await bot.attempt(ts.url, 'ines.flot', `encore ${i}`)).toBe(429);
    expect((await throttledMetric()) - before).toBe(50);
    const events = await ts.server.db.manager.find(AuditEvent, { where: { action: 'login.password', outcome: 'throttled', ip: '203.0.113.51' }, order: { createdAt: 'ASC' } });
    expect(events.map((e) => JSON.parse(e.detail!).throttledCount)).toEqual([1, 10]);
  });

  it('throttle state is shared by two instances on one database, and survives restarting both', async () => {
    await createAccount(ts.server.db, { login: 'leo.garnier', firstName: 'Léo', lastName: 'Garnier', profile: 'Student', password: 'le secret de léo' });
    const second = await startTestServer({ database: ts.database, env: ENV });
    try {
      const bot = await attacker(ts, '203.0.113.60');
      // Alternate instances: together they allow LOGIN_MAX_FAILURES, not twice that.
      const statuses: number[] = [];
      for (let i = 0; i < 14; i++) statuses.push(await bot.attempt(i % 2 ? second.url : ts.url, 'leo.garnier', `essai ${i}`));
      expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
      expect(statuses.slice(10)).toEqual([429, 429, 429, 429]);
    } finally {
      await second.stop({ keepDatabase: true });
    }
    // Restart the first instance on the same database and port: still throttled.
    const port = Number(new URL(ts.url).port);
    await ts.stop({ keepDatabase: true });
    ts = await startTestServer({ database: ts.database, port, env: ENV });
    app = await registerClient(ts, { clientId: 'ent-devoirs' });
    const bot = await attacker(ts, '203.0.113.60');
    expect(await bot.attempt(ts.url, 'leo.garnier', 'le secret de léo')).toBe(429);
    await signIn(app, 'leo.garnier', 'le secret de léo', { browser: new Browser({ 'x-forwarded-for': '198.51.100.9' }) });
  }, 60_000);
});
