// bench/login.ts — complete password sign-ins per second at the production argon2 cost,
// against the bound: a bare argon2id verify loop at the same parameters, concurrency and
// UV_THREADPOOL_SIZE, measured in the same run (before and after the sign-ins; the mean).
//
//   npx tsx bench/login.ts        BENCH_LOGIN_SECONDS=20 BENCH_LOGIN_CONCURRENCY=4 BENCH_PROFILE=1
import { ensureBuilt, startChild } from './lib/proc.js';
import { profileArgs, reportProfile } from './lib/profile-summary.js';
import { findingLine, isMain, knob, machineLine, table, type Finding } from './lib/report.js';
import {
  ARGON2_PRODUCTION,
  freePort,
  insertUsers,
  openBenchDatabase,
  REDIRECT_URI,
  registerClient,
  serverEnv,
  sqliteTarget,
} from './lib/setup.js';

interface VerifyResult {
  type: 'result';
  cpuPerVerifyMs: number;
  verifies: number;
  seconds: number;
  perSecond: number;
  params: string;
  threadpool: string;
}
const BARE_SECRET = 'bench-app-secret-0123456789abcdefghijklmnop';

interface FlowResult {
  type: 'result';
  flows: number;
  errors: number;
  firstError: string | null;
  seconds: number;
  perSecond: number;
  p50: { authorize: number; login: number; token: number; total: number };
  p95Total: number;
  serverCpuPerFlowMs: number;
  serverMainThreadCpuPerFlowMs: number;
  clientCpuPerFlowMs: number;
}

export async function runLogin(): Promise<Finding[]> {
  const seconds = knob('LOGIN_SECONDS', 20);
  const concurrency = knob('LOGIN_CONCURRENCY', 4);
  const threadpool = String(knob('THREADPOOL', 4));
  const maxFlows = knob('LOGIN_MAX_FLOWS', 5000);
  console.log(
    `\n== login: password sign-ins vs bare argon2id verify (concurrency ${concurrency}, UV_THREADPOOL_SIZE=${threadpool}, ${seconds} s) ==`,
  );
  console.log(machineLine());
  ensureBuilt();

  const target = sqliteTarget();
  const port = await freePort();
  const env = { ...serverEnv({ url: target.url, port, argon2: ARGON2_PRODUCTION }), UV_THREADPOOL_SIZE: threadpool };
  const { config, db } = await openBenchDatabase(env);
  const users = await insertUsers(db, config, 64);
  const clientId = 'bench-app';
  const secret = await registerClient(db, config, {
    clientId,
    name: 'Banc',
    type: 'confidential',
    redirectUris: [REDIRECT_URI],
    grantTypes: ['authorization_code', 'refresh_token'],
    scopes: ['openid', 'profile'],
    firstParty: true,
  });
  await db.close();

  const verifyLoop = async () => {
    const child = startChild('lib/argon2-child.mjs', {
      args: [String(concurrency), String(seconds / 2), '100000'],
      env: { ...ARGON2_PRODUCTION, UV_THREADPOOL_SIZE: threadpool },
    });
    return child.next<VerifyResult>('result', (seconds + 60) * 1000);
  };

  const before = await verifyLoop();
  const server = startChild('lib/server-child.mjs', {
    env,
    nodeArgs: profileArgs('login'),
  });
  let flows: FlowResult;
  try {
    const { url, pid } = await server.next<{ type: 'ready'; url: string; pid: number }>('ready', 60_000);
    const load = startChild('lib/load/login-load.ts', {
      args: [
        JSON.stringify({
          issuer: url,
          clientId,
          secret,
          logins: users.logins,
          password: users.password,
          form: 'ent',
          concurrency,
          seconds,
          maxFlows,
          warmup: 4,
          serverPid: pid,
        }),
      ],
    });
    flows = await load.next<FlowResult>('result', (seconds + 120) * 1000);
  } finally {
    await server.stop();
  }
  const floor = await bareSignIns({
    clientId,
    concurrency,
    seconds: Math.max(5, seconds / 2),
    maxFlows,
    logins: users.logins,
  });
  const after = await verifyLoop();
  await target.drop();
  reportProfile('login');

  const bound = (before.perSecond + after.perSecond) / 2;
  const ratio = flows.perSecond / bound;
  console.log(
    table('argon2id verify loop (the bound)', [
      {
        run: 'before',
        params: before.params,
        threadpool: before.threadpool,
        verifies: before.verifies,
        seconds: before.seconds,
        'verifies/s': before.perSecond,
        'CPU ms/verify': before.cpuPerVerifyMs,
      },
      {
        run: 'after',
        params: after.params,
        threadpool: after.threadpool,
        verifies: after.verifies,
        seconds: after.seconds,
        'verifies/s': after.perSecond,
        'CPU ms/verify': after.cpuPerVerifyMs,
      },
    ]),
  );
  console.log(
    table('ent-idp password sign-ins (authorize → CONNEXION → POST → callback → token, PKCE)', [
      {
        flows: flows.flows,
        errors: flows.errors,
        seconds: flows.seconds,
        'flows/s': flows.perSecond,
        'p50 authorize ms': flows.p50.authorize,
        'p50 login ms': flows.p50.login,
        'p50 token ms': flows.p50.token,
        'p50 flow ms': flows.p50.total,
        'p95 flow ms': flows.p95Total,
        'server CPU ms/flow': flows.serverCpuPerFlowMs,
        'main thread ms/flow': flows.serverMainThreadCpuPerFlowMs,
        'load CPU ms/flow': flows.clientCpuPerFlowMs,
      },
    ]),
  );
  // Where a flow's CPU goes, on the same cores: argon2 (as in the bound), the rest of the
  // server's work, and the load generator's (a browser and an application in real life).
  const argon2Ms = (before.cpuPerVerifyMs + after.cpuPerVerifyMs) / 2;
  console.log(
    `CPU per sign-in: argon2 ≈ ${argon2Ms.toFixed(1)} ms, rest of the server ≈ ${(flows.serverCpuPerFlowMs - argon2Ms).toFixed(1)} ms, load generator ≈ ${flows.clientCpuPerFlowMs.toFixed(1)} ms`,
  );
  if (flows.firstError) console.log(`first error: ${flows.firstError}`);
  // The floor: the same sign-in on a bare oidc-provider (in-memory adapter, development login
  // form, no password check at all). A product built on oidc-provider cannot spend less than
  // that around each argon2 verification, and on a machine whose cores argon2 saturates (the
  // bound does) every millisecond of it is taken from argon2.
  console.log(
    table('bare oidc-provider sign-ins, no password check (the floor around argon2)', [
      {
        flows: floor.flows,
        errors: floor.errors,
        seconds: floor.seconds,
        'flows/s': floor.perSecond,
        'p50 flow ms': floor.p50.total,
        'server CPU ms/flow': floor.serverCpuPerFlowMs,
        'main thread ms/flow': floor.serverMainThreadCpuPerFlowMs,
        'load CPU ms/flow': floor.clientCpuPerFlowMs,
      },
    ]),
  );
  const ceiling = argon2Ms / (argon2Ms + floor.serverCpuPerFlowMs + floor.clientCpuPerFlowMs);
  const serverCeiling = argon2Ms / (argon2Ms + floor.serverCpuPerFlowMs);
  console.log(
    `ceiling on this machine: argon2 ${argon2Ms.toFixed(1)} ÷ (argon2 + bare provider ${floor.serverCpuPerFlowMs.toFixed(1)} + load generator ${floor.clientCpuPerFlowMs.toFixed(1)}) ms = ${ceiling.toFixed(2)}` +
      ` (${serverCeiling.toFixed(2)} with the clients on other machines); ent-idp reaches ${((ratio / ceiling) * 100).toFixed(0)} % of it`,
  );
  // Issue #22's two targets, both same-run ratios: our server's CPU per sign-in outside
  // argon2 against the bare provider's for the same sign-in (≤ 1.3×), and the sign-in rate
  // against the ceiling this machine allows (≥ 0.9 of it). The rate ÷ argon2 is context.
  const ourCpu = flows.serverCpuPerFlowMs - argon2Ms;
  const cpuRatio = ourCpu / floor.serverCpuPerFlowMs;
  const ofCeiling = ratio / ceiling;
  console.log(
    `server CPU per sign-in outside argon2: ent-idp ${ourCpu.toFixed(2)} ms (main thread ${flows.serverMainThreadCpuPerFlowMs.toFixed(2)}), bare provider ${floor.serverCpuPerFlowMs.toFixed(2)} ms (main thread ${floor.serverMainThreadCpuPerFlowMs.toFixed(2)}): ${cpuRatio.toFixed(2)} ×`,
  );
  const cpuFinding: Finding = {
    bench: 'login',
    name: 'server CPU/sign-in outside argon2 ÷ bare',
    value: cpuRatio,
    unit: '×',
    target: '≤ 1.3',
    met: cpuRatio <= 1.3,
  };
  const ceilingShare: Finding = {
    bench: 'login',
    name: 'sign-ins/s ÷ ceiling',
    value: ofCeiling,
    unit: '×',
    target: '≥ 0.9',
    met: ofCeiling >= 0.9,
  };
  const finding: Finding = {
    bench: 'login',
    name: 'sign-ins/s ÷ argon2 verifies/s',
    value: ratio,
    unit: '×',
    target: 'info',
    met: null,
  };
  const ceilingFinding: Finding = {
    bench: 'login',
    name: 'ceiling: argon2 ÷ (argon2 + bare sign-in CPU)',
    value: ceiling,
    unit: '×',
    target: 'info',
    met: null,
  };
  console.log(`ratio: ${flows.perSecond.toFixed(2)} flows/s ÷ ${bound.toFixed(2)} verifies/s = ${ratio.toFixed(3)}`);
  for (const f of [cpuFinding, ceilingShare, finding, ceilingFinding]) console.log(findingLine(f));
  return [cpuFinding, ceilingShare, finding, ceilingFinding];
}

/** The same load generator against a bare oidc-provider (`bench/lib/bare-provider-child.mjs`). */
async function bareSignIns(o: {
  clientId: string;
  concurrency: number;
  seconds: number;
  maxFlows: number;
  logins: string[];
}): Promise<FlowResult> {
  const port = await freePort();
  const clients = [
    {
      client_id: o.clientId,
      client_secret: BARE_SECRET,
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      scope: 'openid profile',
    },
  ];
  const server = startChild('lib/bare-provider-child.mjs', {
    env: { PORT: String(port), BENCH_CLIENTS: JSON.stringify(clients) },
  });
  try {
    const { url, pid } = await server.next<{ type: 'ready'; url: string; pid: number }>('ready', 60_000);
    const load = startChild('lib/load/login-load.ts', {
      args: [
        JSON.stringify({
          issuer: url,
          clientId: o.clientId,
          secret: BARE_SECRET,
          logins: o.logins,
          password: 'any',
          form: 'dev',
          concurrency: o.concurrency,
          seconds: o.seconds,
          maxFlows: o.maxFlows,
          warmup: 4,
          serverPid: pid,
        }),
      ],
    });
    return await load.next<FlowResult>('result', (o.seconds + 120) * 1000);
  } finally {
    await server.stop();
  }
}

if (isMain(import.meta.url)) {
  runLogin().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
