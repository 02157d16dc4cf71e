// Load child for bench/cas.ts: autocannon against GET /cas/serviceValidate on 127.0.0.1, each
// request with a ticket of its own from the pool the coordinator issued (a ticket is used
// once); or, for the comparison, POST /token with client_credentials.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { childMain, reply } from '../proc.js';
import { processCpuMs } from '../report.js';

interface Args {
  issuer: string;
  mode: 'cas' | 'cc';
  service: string;
  ticketsFile: string;
  clientId: string;
  secret: string;
  connections: number;
  seconds: number;
  serverPid?: number;
}

childMain(async () => {
  const a = JSON.parse(process.argv[2]!) as Args;
  if (!/^http:\/\/127\.0\.0\.1:/.test(a.issuer)) throw new Error('load only targets 127.0.0.1');
  const tickets = JSON.parse(readFileSync(a.ticketsFile, 'utf8')) as string[];
  let refused = 0;
  let firstFailure: string | null = null;
  const basic = `Basic ${Buffer.from(`${encodeURIComponent(a.clientId)}:${encodeURIComponent(a.secret)}`).toString('base64')}`;
  const request: autocannon.Request =
    a.mode === 'cc'
      ? {
          method: 'POST',
          path: '/token',
          headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=client_credentials&scope=ent',
        }
      : {
          method: 'GET',
          setupRequest: (req) => ({
            ...req,
            path: `/cas/serviceValidate?ticket=${tickets.pop() ?? 'ST-none'}&service=${encodeURIComponent(a.service)}`,
          }),
          onResponse: (status, body) => {
            if (status !== 200 || !body.includes('authenticationSuccess')) {
              refused++;
              firstFailure ??= `${status} ${body.slice(0, 200)}`;
            }
          },
        };
  const cpu0 = a.serverPid ? processCpuMs(a.serverPid) : NaN;
  const result = await autocannon({
    url: a.issuer,
    connections: a.connections,
    pipelining: 1,
    duration: a.seconds,
    requests: [request],
    timeout: 10,
  });
  const serverCpuMs = a.serverPid ? processCpuMs(a.serverPid) - cpu0 : NaN;
  const ok = result['2xx'] - refused;
  reply({
    type: 'result',
    perSecond: ok / (result.duration || a.seconds),
    ok,
    refused,
    ticketsLeft: tickets.length,
    firstFailure,
    errors: result.errors + result.timeouts,
    serverCpuPerRequestMs: serverCpuMs / ok,
    p50: result.latency.p50,
    p99: result.latency.p99,
  });
  process.exit(0);
});
