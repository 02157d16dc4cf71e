// Load child for bench/token.ts: autocannon against POST /token on 127.0.0.1.
//   cc       grant_type=client_credentials, the same request again and again
//   refresh  grant_type=refresh_token with rotation: each response's refresh token is used
//            once, by the next request; `connections` chains (one per signed-in user) run
//            side by side, so no token is ever presented twice.
import autocannon from 'autocannon';
import { childMain, reply } from '../proc.js';
import { discover, signIn, type LoginForm } from '../flows.js';
import { processCpuMs } from '../report.js';

interface Args {
  issuer: string;
  mode: 'cc' | 'refresh';
  clientId: string;
  secret: string;
  scope?: string;
  connections: number;
  seconds: number;
  form: LoginForm;
  logins: string[];
  password: string;
  /** The server's pid, to read its CPU time over the measured run. */
  serverPid?: number;
  /** The database server's pid (MariaDB on this machine), likewise. */
  databasePid?: number;
}

childMain(async () => {
  const a = JSON.parse(process.argv[2]!) as Args;
  if (!/^http:\/\/127\.0\.0\.1:/.test(a.issuer)) throw new Error('load only targets 127.0.0.1');
  const basic = `Basic ${Buffer.from(`${encodeURIComponent(a.clientId)}:${encodeURIComponent(a.secret)}`).toString('base64')}`;
  const headers = { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' };
  const url = new URL('/token', a.issuer).toString();

  const pool: string[] = [];
  let broken = 0;
  let firstFailure: string | null = null;
  if (a.mode === 'refresh') {
    const config = await discover(a.issuer, a.clientId, a.secret);
    for (let i = 0; i < a.connections; i++) {
      const { tokens } = await signIn(config, a.form, a.logins[i % a.logins.length]!, a.password);
      if (!tokens.refresh_token) throw new Error('no refresh token issued');
      pool.push(tokens.refresh_token);
    }
  }

  const request: autocannon.Request =
    a.mode === 'cc'
      ? {
          method: 'POST',
          path: '/token',
          headers,
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            ...(a.scope ? { scope: a.scope } : {}),
          }).toString(),
        }
      : {
          method: 'POST',
          path: '/token',
          headers,
          // Each connection takes a token from the pool, and gives back the one it receives.
          setupRequest: (req) => ({
            ...req,
            body: new URLSearchParams({
              grant_type: 'refresh_token',
              refresh_token: pool.shift() ?? 'chain-broken',
            }).toString(),
          }),
          onResponse: (status, body) => {
            if (status === 200) pool.push((JSON.parse(body) as { refresh_token: string }).refresh_token);
            else {
              broken++;
              firstFailure ??= `${status} ${body.slice(0, 200)}`;
            }
          },
        };

  const run = (seconds: number) =>
    autocannon({ url, connections: a.connections, pipelining: 1, duration: seconds, requests: [request], timeout: 10 });
  // Warm-up (JIT, prepared statements), 2 s: a server's first thousand requests cost more
  // than the next (V8 optimizing; the larger the code base, the longer: BENCHMARKS.md). A
  // timed autocannon run ends with requests in flight whose refresh tokens are lost, so the
  // chains are warmed by hand instead.
  const WARMUP_MS = 2000;
  if (a.mode === 'cc') await run(WARMUP_MS / 1000);
  else {
    for (const until = performance.now() + WARMUP_MS; performance.now() < until;) {
      const next = await Promise.all(
        pool.splice(0).map(async (token) => {
          const res = await fetch(url, {
            method: 'POST',
            headers,
            body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token }),
          });
          if (!res.ok) throw new Error(`warm-up refresh: ${res.status} ${await res.text()}`);
          return ((await res.json()) as { refresh_token: string }).refresh_token;
        }),
      );
      pool.push(...next);
    }
  }
  const cpu0 = a.serverPid ? processCpuMs(a.serverPid) : NaN;
  const dbCpu0 = a.databasePid ? processCpuMs(a.databasePid) : NaN;
  const ownCpu0 = process.cpuUsage();
  const result = await run(a.seconds);
  const serverCpuMs = a.serverPid ? processCpuMs(a.serverPid) - cpu0 : NaN;
  const databaseCpuMs = a.databasePid ? processCpuMs(a.databasePid) - dbCpu0 : NaN;
  const own = process.cpuUsage(ownCpu0);
  reply({
    type: 'result',
    requests: result.requests.total,
    perSecond: result['2xx'] / (result.duration || a.seconds),
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    brokenChains: broken,
    firstFailure,
    serverCpuPerRequestMs: serverCpuMs / result['2xx'],
    databaseCpuPerRequestMs: databaseCpuMs / result['2xx'],
    loadCpuPerRequestMs: (own.user + own.system) / 1000 / result['2xx'],
    p50: result.latency.p50,
    p99: result.latency.p99,
  });
  process.exit(0);
});
