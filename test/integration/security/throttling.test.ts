// Point 3 — throttling of password guessing, at HTTP level (the single-request version is in
// test/integration/login/connexion.test.ts › throttling; the block arithmetic in
// test/integration/domain/throttle.test.ts). A scripted attack of 1,000 attempts, sequential
// and concurrent, gets at most LOGIN_MAX_FAILURES verifications; the legitimate user still
// signs in from elsewhere; the state lives in the database, so it survives a restart and two
// instances on one database share it. Behind proxies, the client is the X-Forwarded-For entry
// PROXY_HOPS from the right, whatever the client writes left of it, and an IPv6 client is its /64.
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
async function attacker(server: TestServer, ip: string, client = app) {
  const browser = new Browser({ 'x-forwarded-for': ip });
  const { page } = await connexion(client, browser);
  const uid = uidOf(page);
  const csrf = /name="_csrf" value="([^"]*)"/.exec(page.html)![1]!;
  return {
    browser,
    /** `headers` replace the browser's for this attempt (e.g. another X-Forwarded-For). */
    async attempt(
      baseUrl: string,
      login: string,
      secret: string,
      headers: Record<string, string> = {},
    ): Promise<number> {
      const res = await fetch(`${baseUrl}/interaction/${uid}/login`, {
        method: 'POST',
        headers: {
          ...browser.headers,
          ...headers,
          cookie: browser.cookieHeader(),
          'content-type': 'application/x-www-form-urlencoded',
        },
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
const verifications = (ip: string) =>
  ts.server.db.read((m) => m.countBy(AuditEvent, { action: 'login.password', outcome: 'failure', ip }));

describe('a scripted attack on one account from one IP', () => {
  it('1,000 attempts (20 in parallel): at most LOGIN_MAX_FAILURES reach the password check, the rest are 429; the child signs in from another IP', async () => {
    await createAccount(ts.server.db, {
      login: 'jade.moreau',
      firstName: 'Jade',
      lastName: 'Moreau',
      profile: 'Student',
      password: 'le secret de jade',
    });
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
    await signIn(app, 'jade.moreau', 'le secret de jade', {
      browser: new Browser({ 'x-forwarded-for': '198.51.100.8' }),
    });
  }, 60_000);

  it('50 throttled attempts from one IP write 2 audit events (the 1st and 10th, with the count); /metrics counts all 50', async () => {
    await createAccount(ts.server.db, {
      login: 'ines.flot',
      firstName: 'Inès',
      lastName: 'Flot',
      profile: 'Student',
      password: 'le secret d’inès',
    });
    const bot = await attacker(ts, '203.0.113.51');
    const throttledMetric = async () => {
      const text = await (await fetch(`${ts.url}/metrics`)).text();
      return Number(/^entidp_logins_total\{outcome="throttled"\} (\d+)$/m.exec(text)?.[1] ?? 0);
    };
    for (let i = 0; i < ts.config.throttle.maxFailures; i++)
      expect(await bot.attempt(ts.url, 'ines.flot', `essai ${i}`)).toBe(401);
    const before = await throttledMetric();
    for (let i = 0; i < 50; i++) expect(await bot.attempt(ts.url, 'ines.flot', `encore ${i}`)).toBe(429);
    expect((await throttledMetric()) - before).toBe(50);
    const events = await ts.server.db.read((m) =>
      m.find(AuditEvent, {
        where: { action: 'login.password', outcome: 'throttled', ip: '203.0.113.51' },
        order: { createdAt: 'ASC' },
      }),
    );
    expect(events.map((e) => JSON.parse(e.detail!).throttledCount)).toEqual([1, 10]);
  });

  it('throttle state is shared by two instances on one database, and survives restarting both', async () => {
    await createAccount(ts.server.db, {
      login: 'leo.garnier',
      firstName: 'Léo',
      lastName: 'Garnier',
      profile: 'Student',
      password: 'le secret de léo',
    });
    const second = await startTestServer({ database: ts.database, env: ENV });
    try {
      const bot = await attacker(ts, '203.0.113.60');
      // Alternate instances: together they allow LOGIN_MAX_FAILURES, not twice that.
      const statuses: number[] = [];
      for (let i = 0; i < 14; i++)
        statuses.push(await bot.attempt(i % 2 ? second.url : ts.url, 'leo.garnier', `essai ${i}`));
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
    await signIn(app, 'leo.garnier', 'le secret de léo', {
      browser: new Browser({ 'x-forwarded-for': '198.51.100.9' }),
    });
  }, 60_000);
});

/** The addresses the audit trail holds for this account's password attempts. */
const auditedIps = async (server: TestServer, accountId: string) =>
  (await server.server.db.read((m) => m.findBy(AuditEvent, { action: 'login.password', targetId: accountId }))).map(
    (e) => e.ip,
  );

/** Wrong passwords, each attempt with its own X-Forwarded-For; the statuses. */
async function guesses(
  bot: Awaited<ReturnType<typeof attacker>>,
  login: string,
  forwardedFor: (i: number) => string,
  count = 40,
) {
  const statuses: number[] = [];
  for (let i = 1; i <= count; i++)
    statuses.push(await bot.attempt(bot.server.url, login, `essai ${i}`, { 'x-forwarded-for': forwardedFor(i) }));
  return statuses;
}
const throttledAfter = (limit: number, count = 40) => [...Array(limit).fill(401), ...Array(count - limit).fill(429)];

describe('behind a proxy (TRUST_PROXY), the client cannot choose its address', () => {
  it('40 wrong passwords with a forged left-most X-Forwarded-For each are throttled after LOGIN_MAX_FAILURES; the audit trail holds the proxy’s entry only', async () => {
    const child = await createAccount(ts.server.db, {
      login: 'lina.roux',
      firstName: 'Lina',
      lastName: 'Roux',
      profile: 'Student',
      password: 'le secret de lina',
    });
    const bot = await attacker(ts, '203.0.113.7');
    const statuses = await guesses(bot, 'lina.roux', (i) => `198.51.100.${i}, 203.0.113.7`);
    expect(statuses).toEqual(throttledAfter(ts.config.throttle.maxFailures));
    const ips = await auditedIps(ts, child.id);
    // Every checked attempt, and the 1st and 10th throttled one (throttled attempts are counted, not each audited).
    expect(ips).toHaveLength(ts.config.throttle.maxFailures + 2);
    expect(new Set(ips)).toEqual(new Set(['203.0.113.7']));
  }, 60_000);

  it('with PROXY_HOPS=2 the client is the second entry from the right, and what is left of it is ignored', async () => {
    const twoHops = await startTestServer({ env: { ...ENV, PROXY_HOPS: '2' } });
    try {
      const client = await registerClient(twoHops, { clientId: 'ent-devoirs' });
      const child = await createAccount(twoHops.server.db, {
        login: 'noe.blanc',
        firstName: 'Noé',
        lastName: 'Blanc',
        profile: 'Student',
        password: 'le secret de noé',
      });
      const bot = await attacker(twoHops, '192.0.2.44, 10.0.0.2', client);
      const statuses = await guesses(bot, 'noe.blanc', (i) => `198.51.100.${i}, 192.0.2.44, 10.0.0.2`);
      expect(statuses).toEqual(throttledAfter(twoHops.config.throttle.maxFailures));
      expect(new Set(await auditedIps(twoHops, child.id))).toEqual(new Set(['192.0.2.44']));
    } finally {
      await twoHops.stop();
    }
  }, 60_000);

  it('wrong passwords from rotating IPv6 addresses of one /64 are throttled as one client; another /64 is not; the audit trail keeps each address', async () => {
    const child = await createAccount(ts.server.db, {
      login: 'ines.faure',
      firstName: 'Inès',
      lastName: 'Faure',
      profile: 'Student',
      password: 'le secret d’inès',
    });
    const bot = await attacker(ts, '2001:db8:5:6::1');
    const statuses = await guesses(bot, 'ines.faure', (i) => `2001:db8:5:6:${i.toString(16)}::${i.toString(16)}`, 20);
    expect(statuses).toEqual(throttledAfter(ts.config.throttle.maxFailures, 20));
    // Each audited attempt keeps its own full address (checked ones, and the 1st and 10th throttled).
    const ips = await auditedIps(ts, child.id);
    expect(ips).toHaveLength(ts.config.throttle.maxFailures + 2);
    expect(new Set(ips).size).toBe(ips.length);
    expect(ips.every((ip) => ip?.startsWith('2001:db8:5:6:'))).toBe(true);
    // The neighbouring /64 is someone else: its first wrong password is checked (401)…
    expect(await bot.attempt(ts.url, 'ines.faure', 'essai voisin', { 'x-forwarded-for': '2001:db8:5:7::1' })).toBe(401);
    // …and the child there signs in.
    await signIn(app, 'ines.faure', 'le secret d’inès', {
      browser: new Browser({ 'x-forwarded-for': '2001:db8:5:7::2' }),
    });
  }, 60_000);

  it('oidc-provider sees the same client: on its own contexts too, a forged left-most entry is ignored', async () => {
    const seen: { outer: string; own: string }[] = [];
    // interaction.started runs on the outer app's context; createContext builds one of the
    // provider's own, as its interactionDetails and cookie handling do.
    ts.server.oidc.onProvider((provider) =>
      provider.on('interaction.started', (ctx) =>
        seen.push({ outer: ctx.ip, own: provider.createContext(ctx.req, ctx.res).ip }),
      ),
    );
    await connexion(app, new Browser({ 'x-forwarded-for': '198.51.100.99, 203.0.113.8' }));
    expect(seen).toEqual([{ outer: '203.0.113.8', own: '203.0.113.8' }]);
  });
});
