// Load child for bench/login.ts: complete password sign-ins, `concurrency` at a time, for at
// most `seconds` and at most `maxFlows`, against one issuer on 127.0.0.1.
import { childMain, reply } from '../proc.js';
import { discover, signIn, type FlowTimings, type LoginForm } from '../flows.js';
import { mainThreadCpuMs, percentile, processCpuMs } from '../report.js';
import { threadsCpuMs } from '../threads.mjs';

interface Args {
  issuer: string;
  clientId: string;
  secret: string;
  logins: string[];
  password: string;
  concurrency: number;
  seconds: number;
  maxFlows: number;
  warmup: number;
  /** `ent`: CONNEXION; `dev`: the bare provider's development form (no password check). */
  form: LoginForm;
  /** The server's pid, to read its CPU time over the measured window. */
  serverPid: number;
  /** Its libuv pool threads (argon2's), counted apart (threads.mjs); empty: not known. */
  poolTids: number[];
}

childMain(async () => {
  const a = JSON.parse(process.argv[2]!) as Args;
  if (!/^http:\/\/127\.0\.0\.1:/.test(a.issuer)) throw new Error('load only targets 127.0.0.1');
  const config = await discover(a.issuer, a.clientId, a.secret);
  let next = 0;
  const account = () => a.logins[next++ % a.logins.length]!;
  // Warm-up: JIT, the JWKS cache of the client, the server's prepared statements.
  for (let i = 0; i < a.warmup; i++) await signIn(config, a.form, account(), a.password);

  const timings: FlowTimings[] = [];
  const errors: string[] = [];
  const serverCpu0 = processCpuMs(a.serverPid);
  const serverMain0 = mainThreadCpuMs(a.serverPid);
  const serverPool0 = threadsCpuMs(a.serverPid, a.poolTids);
  const ownCpu0 = process.cpuUsage();
  const start = performance.now();
  const deadline = start + a.seconds * 1000;
  let started = 0;
  await Promise.all(
    Array.from({ length: a.concurrency }, async () => {
      while (performance.now() < deadline && started < a.maxFlows) {
        started++;
        try {
          timings.push((await signIn(config, a.form, account(), a.password)).timings);
        } catch (err) {
          errors.push((err as Error).message);
          if (errors.length > 20) throw new Error(`too many failed sign-ins: ${errors[0]}`, { cause: err });
        }
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  const serverCpuMs = processCpuMs(a.serverPid) - serverCpu0;
  const serverMainMs = mainThreadCpuMs(a.serverPid) - serverMain0;
  const serverPoolMs = threadsCpuMs(a.serverPid, a.poolTids) - serverPool0;
  const own = process.cpuUsage(ownCpu0);
  const p50 = (key: keyof FlowTimings) =>
    percentile(
      timings.map((t) => t[key]).sort((x, y) => x - y),
      50,
    );
  const total = timings.map((t) => t.authorize + t.login + t.token).sort((x, y) => x - y);
  reply({
    type: 'result',
    flows: timings.length,
    errors: errors.length,
    firstError: errors[0] ?? null,
    seconds: elapsed,
    perSecond: timings.length / elapsed,
    p50: { authorize: p50('authorize'), login: p50('login'), token: p50('token'), total: percentile(total, 50) },
    p95Total: percentile(total, 95),
    serverCpuPerFlowMs: serverCpuMs / timings.length,
    serverMainThreadCpuPerFlowMs: serverMainMs / timings.length,
    serverPoolCpuPerFlowMs: a.poolTids.length ? serverPoolMs / timings.length : null,
    clientCpuPerFlowMs: (own.user + own.system) / 1000 / timings.length,
  });
  process.exit(0);
});
