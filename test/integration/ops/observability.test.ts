// /metrics moves with what happens (sign-ins by outcome, codes, tokens, HTTP latency), and
// the logs of a login + code flow carry one line per request with its id, and no secret:
// no password, code, token, client secret, cookie or Authorization value.
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/logger.js';
import { routeLabel } from '../../../src/http/metrics.js';
import { loggablePath } from '../../../src/http/request-id.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { Browser } from '../../helpers/browser.js';
import {
  authorizationRequest,
  client,
  exchange,
  REDIRECT_URI,
  registerClient,
  signIn,
  submitLogin,
  type RegisteredClient,
} from '../../helpers/oidc.js';
import { createAccount } from '../../helpers/factories.js';

const PASSWORD = 'une phrase de passe solide';
const NEW_PASSWORD = 'ma cabane au fond du jardin';

let ts: TestServer;
let app: RegisteredClient;
let logs = '';
beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs += String(chunk);
      done();
    },
  });
  ts = await startTestServer({ logger: createLogger('info', sink) });
  app = await registerClient(ts, { clientId: 'ent-messagerie' });
});
afterAll(() => ts?.stop());

async function metric(name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${ts.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('/metrics', () => {
  it('serves Prometheus text with the process defaults and the pool gauge', async () => {
    const res = await fetch(`${ts.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toMatch(/entidp_db_pool_connections\{state="max"\} \d+/);
  });

  it('counts sign-ins by outcome, codes generated and consumed, tokens issued, requests by route', async () => {
    await createAccount(ts.server.db, {
      login: 'emma.bernard',
      firstName: 'Emma',
      lastName: 'Bernard',
      profile: 'Student',
      password: PASSWORD,
    });
    const before = {
      ok: await metric('entidp_logins_total', 'outcome="ok"'),
      failed: await metric('entidp_logins_total', 'outcome="failed"'),
      access: await metric('entidp_tokens_issued_total', 'type="access_token"'),
      id: await metric('entidp_tokens_issued_total', 'type="id_token"'),
      generated: await metric('entidp_codes_generated_total', 'kind="activation"'),
      consumed: await metric('entidp_codes_consumed_total'),
    };
    const browser = new Browser();
    const request = await authorizationRequest(app);
    const connexion = await browser.go(request.url.toString(), { stopAt: REDIRECT_URI });
    await submitLogin(browser, connexion, 'emma.bernard', 'pas le bon mot de passe');
    await signIn(app, 'emma.bernard', PASSWORD);

    const child = await createAccount(ts.server.db, {
      login: 'lucas.martin',
      firstName: 'Lucas',
      lastName: 'Martin',
      profile: 'Student',
    });
    const { code } = await ts.server.domain.codes.issue({ accountId: child.id, kind: 'activation', createdBy: null });
    const b2 = new Browser();
    const r2 = await authorizationRequest(app);
    const page = await submitLogin(b2, await b2.go(r2.url.toString(), { stopAt: REDIRECT_URI }), 'lucas.martin', code);
    const callback = await b2.submit(
      page,
      '/mot-de-passe',
      { nouveau_mot_de_passe: NEW_PASSWORD, confirmation: NEW_PASSWORD },
      REDIRECT_URI,
    );
    await exchange(app, callback.url, r2);

    expect(await metric('entidp_logins_total', 'outcome="ok"')).toBe(before.ok + 1);
    expect(await metric('entidp_logins_total', 'outcome="failed"')).toBe(before.failed + 1);
    expect(await metric('entidp_logins_total', 'outcome="code"')).toBeGreaterThanOrEqual(1);
    expect(await metric('entidp_codes_generated_total', 'kind="activation"')).toBe(before.generated + 1);
    expect(await metric('entidp_codes_consumed_total')).toBe(before.consumed + 1);
    expect(await metric('entidp_tokens_issued_total', 'type="access_token"')).toBe(before.access + 2);
    expect(await metric('entidp_tokens_issued_total', 'type="id_token"')).toBe(before.id + 2);
    expect(
      await metric('entidp_http_request_duration_seconds_count', 'method="POST",route="/token",status="200"'),
    ).toBeGreaterThanOrEqual(2);
    expect(
      await metric(
        'entidp_http_request_duration_seconds_count',
        'method="POST",route="/interaction/:id/login",status="401"',
      ),
    ).toBeGreaterThanOrEqual(1);
  });

  it('labels routes without ids or unknown paths', () => {
    expect(routeLabel('/interaction/Xk3v9sQ2mB7wYpL0aZ1cD/login')).toBe('/interaction/:id/login');
    expect(routeLabel('/static/css/ent.css')).toBe('/static/*');
    expect(routeLabel('/wp-admin/install.php')).toBe('other');
    expect(routeLabel('/mot-de-passe/reinitialiser/0123456789abcdef0123')).toBe('/mot-de-passe/reinitialiser/:id');
    expect(loggablePath('/mot-de-passe/reinitialiser/tok3n-value')).toBe('/mot-de-passe/reinitialiser/[redacted]');
  });
});

/**
 * Cookie values, except the provider's `_interaction*` ones: their value is the interaction
 * uid, which is in the page's URL path anyway (and useless without its `.sig` cookie, which is
 * checked here).
 */
const cookieSecrets = (b: Browser): string[] =>
  b
    .cookieHeader()
    .split('; ')
    .map((c) => c.split('='))
    .filter(([name, value]) => value && value.length > 8 && !/^_interaction(_resume)?$/.test(name!))
    .map(([, value]) => value!);

describe('logs', () => {
  it('one info line per request with its id, and no secret anywhere', async () => {
    logs = '';
    await createAccount(ts.server.db, {
      login: 'ines.roux',
      firstName: 'Inès',
      lastName: 'Roux',
      profile: 'Student',
      password: PASSWORD,
    });
    const { tokens, browser } = await signIn(app, 'ines.roux', PASSWORD);
    await client.fetchUserInfo(app.config, tokens.access_token, tokens.claims()!.sub);
    const refreshed = await client.refreshTokenGrant(app.config, tokens.refresh_token ?? 'none').catch(() => null);
    const child = await createAccount(ts.server.db, {
      login: 'leo.roux',
      firstName: 'Léo',
      lastName: 'Roux',
      profile: 'Student',
    });
    const { code } = await ts.server.domain.codes.issue({ accountId: child.id, kind: 'activation', createdBy: null });
    const b2 = new Browser();
    const r2 = await authorizationRequest(app);
    const page = await submitLogin(
      b2,
      await b2.go(r2.url.toString(), { stopAt: REDIRECT_URI }),
      'leo.roux',
      ` ${code.toUpperCase()} `,
    );
    const callback = await b2.submit(
      page,
      '/mot-de-passe',
      { nouveau_mot_de_passe: NEW_PASSWORD, confirmation: NEW_PASSWORD },
      REDIRECT_URI,
    );
    const t2 = await exchange(app, callback.url, r2);
    await fetch(`${ts.url}/metrics`, { headers: { authorization: 'Bearer some-secret-bearer-value' } });

    const lines = logs
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const requests = lines.filter((l) => l.msg === 'request');
    expect(requests.length).toBeGreaterThan(8);
    for (const r of requests) {
      expect(r).toMatchObject({
        level: 30,
        reqId: expect.any(String),
        method: expect.any(String),
        path: expect.stringMatching(/^\//),
        status: expect.any(Number),
        ms: expect.any(Number),
      });
      expect(String(r.path)).not.toContain('?');
    }
    expect(requests.some((r) => r.path === '/token' && r.method === 'POST')).toBe(true);

    const secrets = [
      PASSWORD,
      NEW_PASSWORD,
      code,
      code.toUpperCase(),
      app.secret!,
      'some-secret-bearer-value',
      tokens.access_token,
      t2.access_token,
      tokens.id_token!,
      ...(tokens.refresh_token ? [tokens.refresh_token] : []),
      ...(refreshed ? [refreshed.access_token] : []),
      ...cookieSecrets(browser),
      ...cookieSecrets(b2),
    ];
    for (const secret of secrets)
      expect({
        secret,
        where: logs
          .split('\n')
          .find((l) => l.includes(secret))
          ?.slice(0, 400),
      }).toEqual({ secret, where: undefined });
    // Nor the authorization code or state from the redirect's query string.
    const query = new URL(callback.url).searchParams;
    expect(logs.includes(query.get('code')!)).toBe(false);
  });
});
