// bench/login.ts — complete password sign-ins per second at the production argon2 cost,
// against the bound: a bare argon2id verify loop at the same parameters, concurrency and
// UV_THREADPOOL_SIZE, measured in the same run (before and after the sign-ins; the mean);
// and the server's CPU per sign-in outside argon2 against a bare oidc-provider doing the
// same sign-in (one argon2 verify in its form), in memory and on SQLite, in alternating rounds.
//
//   npx tsx bench/login.ts        BENCH_LOGIN_SECONDS=20 BENCH_LOGIN_ROUNDS=3 BENCH_LOGIN_CONCURRENCY=4 BENCH_PROFILE=1
import { ensureBuilt, startChild } from './lib/proc.js';
import { BARE_SECRET, seedSignIns, startBare, startServer, type SignInServer } from './lib/sign-in-servers.js';
import { profileSignInRequests, stepsTable } from './login-steps.js';
import { profileArgs, reportProfile } from './lib/profile-summary.js';
import type { LoginForm } from './lib/flows.js';
import { findingLine, knob, machineLine, median, runIfMain, table, type Finding } from './lib/report.js';
import { ARGON2_PRODUCTION, sqliteTarget } from './lib/setup.js';

interface VerifyResult {
  type: 'result';
  cpuPerVerifyMs: number;
  verifies: number;
  seconds: number;
  perSecond: number;
  params: string;
  threadpool: string;
}

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
  /** The server's libuv pool threads (argon2 for ent-idp); null when they were not found. */
  serverPoolCpuPerFlowMs: number | null;
  clientCpuPerFlowMs: number;
}

/**
 * A server's CPU per sign-in outside argon2: all its threads but libuv's pool, where argon2
 * runs (bench/lib/threads.mjs). Without the pool's threads, the argon2 loop's CPU per verify
 * is subtracted instead (`argon2Ms`: 0 for the bare provider, which checks no password).
 */
function outsideArgon2(r: FlowResult, argon2Ms: number): number {
  return r.serverPoolCpuPerFlowMs === null
    ? r.serverCpuPerFlowMs - argon2Ms
    : r.serverCpuPerFlowMs - r.serverPoolCpuPerFlowMs;
}

export async function runLogin(): Promise<Finding[]> {
  const seconds = knob('LOGIN_SECONDS', 20);
  const concurrency = knob('LOGIN_CONCURRENCY', 4);
  const threadpool = String(knob('THREADPOOL', 4));
  const maxFlows = knob('LOGIN_MAX_FLOWS', 5000);
  const roundCount = knob('LOGIN_ROUNDS', 3);
  const warmupSeconds = knob('LOGIN_WARMUP', 15);
  console.log(
    `\n== login: password sign-ins vs bare argon2id verify (concurrency ${concurrency}, UV_THREADPOOL_SIZE=${threadpool}, ${seconds} s) ==`,
  );
  console.log(machineLine());
  ensureBuilt();

  const setup = await seedSignIns(threadpool);
  const { target, env, clientId, secret } = setup;
  const users = { logins: setup.logins, password: setup.password };

  const verifyLoop = async () => {
    const child = startChild('lib/argon2-child.mjs', {
      args: [String(concurrency), String(seconds / 2), '100000'],
      env: { ...ARGON2_PRODUCTION, UV_THREADPOOL_SIZE: threadpool },
    });
    return child.next<VerifyResult>('result', (seconds + 60) * 1000);
  };

  const before = await verifyLoop();
  // ent-idp and the bare provider (its form checked with one argon2 verify, as ours), in
  // memory (the floor) and on the simplest durable SQLite adapter (what keeping sessions,
  // codes and tokens costs before any ent-idp code), run side by side, idle but for the round
  // measured: the rounds alternate, so a change in what else the machine does falls on all
  // three, and each ratio is the median of the rounds'. Each server first signs people in for
  // `warmupSeconds`, unmeasured: ent-idp's CPU per sign-in falls by a third over its first
  // ~600 sign-ins (V8 optimizing a larger code base), and a server at 8:30 has long been warm.
  const bareArgon2 = { ...ARGON2_PRODUCTION, UV_THREADPOOL_SIZE: threadpool };
  const durableFile = sqliteTarget();
  const servers: SignInServer[] = [];
  const rounds: Round[] = [];
  try {
    const ours = await startServer('lib/server-child.mjs', { env, nodeArgs: profileArgs('login') });
    servers.push(ours);
    const bare = await startBare({ clientId, argon2: bareArgon2 });
    servers.push(bare);
    const durable = await startBare({ clientId, argon2: bareArgon2, sqlite: durableFile.url.replace(/^sqlite:/, '') });
    servers.push(durable);
    const run = (server: SignInServer, form: LoginForm, secret: string, password: string, s = seconds / roundCount) =>
      signIns(server, { clientId, secret, password, form, logins: users.logins, concurrency, seconds: s, maxFlows });
    const ourRound = (s?: number) => run(ours, 'ent', secret, users.password, s);
    const bareRound = (server: SignInServer, s?: number) => run(server, 'dev', BARE_SECRET, 'any', s);
    if (warmupSeconds > 0)
      for (const warm of [ourRound, (s: number) => bareRound(bare, s), (s: number) => bareRound(durable, s)])
        await warm(warmupSeconds);
    for (let i = 0; i < roundCount; i++)
      rounds.push({ ours: await ourRound(), bare: await bareRound(bare), durable: await bareRound(durable) });
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await durableFile.drop();
  }
  const flows = pooled(rounds.map((r) => r.ours));
  const floor = pooled(rounds.map((r) => r.bare));
  const durableFloor = pooled(rounds.map((r) => r.durable));
  // Context only: the same bare sign-ins with no password check, on cores argon2 leaves idle.
  const idleServer = await startBare({ clientId });
  const idle = await signIns(idleServer, {
    clientId,
    secret: BARE_SECRET,
    password: 'any',
    form: 'dev',
    logins: users.logins,
    concurrency,
    seconds: 5,
    maxFlows,
  }).finally(() => idleServer.stop());
  const after = await verifyLoop();
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
        'pool ms/flow': flows.serverPoolCpuPerFlowMs ?? 'n/a',
        'load CPU ms/flow': flows.clientCpuPerFlowMs,
      },
    ]),
  );
  // Where a flow's CPU goes, on the same cores: argon2 (as in the bound), the rest of the
  // server's work, and the load generator's (a browser and an application in real life).
  const argon2Ms = (before.cpuPerVerifyMs + after.cpuPerVerifyMs) / 2;
  const pool = flows.serverPoolCpuPerFlowMs;
  console.log(
    `CPU per sign-in: argon2 ≈ ${argon2Ms.toFixed(1)} ms in the loop` +
      (pool === null ? '' : `, ${pool.toFixed(1)} ms on the server's libuv pool`) +
      `, rest of the server ≈ ${outsideArgon2(flows, argon2Ms).toFixed(1)} ms, load generator ≈ ${flows.clientCpuPerFlowMs.toFixed(1)} ms`,
  );
  if (flows.firstError) console.log(`first error: ${flows.firstError}`);
  // The floor: the same sign-in on a bare oidc-provider (in-memory adapter, development login
  // form whose submission verifies one argon2id password, as CONNEXION does). A product built
  // on oidc-provider cannot spend less than that around each argon2 verification, and on a
  // machine whose cores argon2 saturates (the bound does) every millisecond of it is taken
  // from argon2. It must verify its password too: on these 2 cores the same code costs about
  // twice the CPU while argon2 runs beside it (shared core and caches; the « idle » row).
  const bareRow = (run: string, r: FlowResult) => ({
    run,
    flows: r.flows,
    errors: r.errors,
    seconds: r.seconds,
    'flows/s': r.perSecond,
    'p50 flow ms': r.p50.total,
    'server CPU ms/flow': r.serverCpuPerFlowMs,
    'main thread ms/flow': r.serverMainThreadCpuPerFlowMs,
    'pool ms/flow': r.serverPoolCpuPerFlowMs ?? 'n/a',
    'load CPU ms/flow': r.clientCpuPerFlowMs,
  });
  console.log(
    table('bare oidc-provider sign-ins (the floor around argon2)', [
      bareRow('argon2 verify in its form (the floor)', floor),
      bareRow('the same on SQLite (the durable floor)', durableFloor),
      bareRow('no password check, idle cores (context)', idle),
    ]),
  );
  const bareCpu = outsideArgon2(floor, 0);
  const ceiling = argon2Ms / (argon2Ms + bareCpu + floor.clientCpuPerFlowMs);
  const serverCeiling = argon2Ms / (argon2Ms + bareCpu);
  console.log(
    `ceiling on this machine: argon2 ${argon2Ms.toFixed(1)} ÷ (argon2 + bare provider ${bareCpu.toFixed(1)} + load generator ${floor.clientCpuPerFlowMs.toFixed(1)}) ms = ${ceiling.toFixed(2)}` +
      ` (${serverCeiling.toFixed(2)} with the clients on other machines; the bare provider itself reached ${(floor.perSecond / bound).toFixed(2)}); ent-idp reaches ${((ratio / ceiling) * 100).toFixed(0)} % of it`,
  );
  // Issue #22's two targets, both same-run ratios: our server's CPU per sign-in outside
  // argon2 against the bare provider's for the same sign-in (≤ 1.3×), and the sign-in rate
  // against the ceiling this machine allows (≥ 0.9 of it). The rate ÷ argon2 is context.
  const ourCpu = outsideArgon2(flows, argon2Ms);
  const overBare = perRound(rounds, (r) => outsideArgon2(r.ours, argon2Ms) / outsideArgon2(r.bare, 0));
  const overDurableFloor = perRound(rounds, (r) => outsideArgon2(r.ours, argon2Ms) / outsideArgon2(r.durable, 0));
  const cpuRatio = overBare.median;
  const ofCeiling = ratio / ceiling;
  console.log(
    `server CPU per sign-in outside argon2: ent-idp ${ourCpu.toFixed(2)} ms (main thread ${flows.serverMainThreadCpuPerFlowMs.toFixed(2)}), bare provider ${bareCpu.toFixed(2)} ms (main thread ${floor.serverMainThreadCpuPerFlowMs.toFixed(2)}); ` +
      `rounds ${overBare.rounds}, median ${cpuRatio.toFixed(2)} ×`,
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
  // The same loop at the same CPU per verify but a different rate: something else had the
  // cores during one of them, and every rate ratio of this run moved with it.
  const boundDrift = Math.abs(before.perSecond - after.perSecond) / Math.max(before.perSecond, after.perSecond);
  if (boundDrift > 0.2)
    console.log(
      `warning: the argon2 loop ran at ${before.perSecond.toFixed(1)} then ${after.perSecond.toFixed(1)} verifies/s (${(boundDrift * 100).toFixed(0)} % apart) for the same CPU per verify: the machine was shared during one of them; the rate ratios of this run are unreliable, the CPU figures are not`,
    );
  const overDurable: Finding = {
    bench: 'login',
    name: 'server CPU/sign-in outside argon2 ÷ bare on SQLite',
    value: overDurableFloor.median,
    unit: '×',
    target: 'info',
    met: null,
  };
  const findings = [cpuFinding, ceilingShare, finding, ceilingFinding, overDurable];
  for (const f of findings) console.log(findingLine(f));
  if (!cpuFinding.met || !ceilingShare.met) {
    console.log(
      loginBreakdown({
        argon2Ms,
        ours: flows,
        bare: floor,
        bareOnSqlite: durableFloor,
        rounds,
        overDurableFloor,
        cpuFinding,
        ceilingShare,
      }),
    );
    // The same sign-ins request by request, one at a time: which request pays the difference.
    if (knob('LOGIN_STEPS', 1))
      console.log(`\n${stepsTable(await profileSignInRequests(setup, { warmup: 200, perBatch: 150, batches: 2 }))}`);
  }
  await target.drop();
  return findings;
}

/**
 * For each missed login target: where a sign-in's CPU goes (per process and thread, all from
 * this run) and the one-line reason the gap remains.
 */
export function loginBreakdown(o: {
  argon2Ms: number;
  ours: FlowResult;
  bare: FlowResult;
  bareOnSqlite: FlowResult;
  rounds: Round[];
  /** ent-idp ÷ the bare provider on SQLite, per round (computed once, for the info finding too). */
  overDurableFloor: { median: number; rounds: string };
  cpuFinding: Finding;
  ceilingShare: Finding;
}): string {
  const split = (r: FlowResult, argon2: number) => ({
    pool: r.serverPoolCpuPerFlowMs,
    main: r.serverMainThreadCpuPerFlowMs,
    // Every other thread of the server: V8's GC and compiler threads, the SQLite checkpoint
    // worker (libuv's pool, where argon2 runs, taken out).
    other: outsideArgon2(r, argon2) - r.serverMainThreadCpuPerFlowMs,
    server: outsideArgon2(r, argon2),
    load: r.clientCpuPerFlowMs,
  });
  const ours = split(o.ours, o.argon2Ms);
  const bare = split(o.bare, 0);
  const durable = split(o.bareOnSqlite, 0);
  const ms = (v: number) => v.toFixed(2);
  const row = (name: string, s: ReturnType<typeof split>) =>
    `  ${name.padEnd(30)} ${(s.pool === null ? '-' : s.pool.toFixed(1)).padStart(7)} ${ms(s.main).padStart(9)} ${ms(s.other).padStart(9)} ${ms(s.server).padStart(9)} ${ms(s.load).padStart(9)}`;
  const lines = [
    '\nwhy the login targets are missed (CPU ms per sign-in, this run)',
    `  ${'server'.padEnd(30)} ${'pool'.padStart(7)} ${'main thr'.padStart(9)} ${'other thr'.padStart(9)} ${'server*'.padStart(9)} ${'load gen'.padStart(9)}`,
    row('ent-idp (SQLite)', ours),
    row('bare oidc-provider, memory', bare),
    row('bare oidc-provider, SQLite', durable),
    `  (pool = libuv's threads, where argon2 runs: ${o.argon2Ms.toFixed(1)} ms per verify in the loop; server* = all ` +
      'threads but the pool; the bare provider verifies one argon2 password per sign-in, as ent-idp)',
  ];
  const durableRatio = perRound(o.rounds, (r) => outsideArgon2(r.durable, 0) / outsideArgon2(r.bare, 0));
  const oursOverDurable = o.overDurableFloor;
  const overDurable = ours.server - durable.server;
  if (!o.cpuFinding.met) {
    const reason =
      durableRatio.median > 1.3
        ? `the target is under the durable floor: the bare provider on SQLite already spends ${durableRatio.median.toFixed(2)}× its in-memory CPU per sign-in (rounds ${durableRatio.rounds})`
        : `durability costs the bare provider ${durableRatio.median.toFixed(2)}× (rounds ${durableRatio.rounds})`;
    lines.push(
      `  CPU ${o.cpuFinding.value.toFixed(2)}× the bare provider: ${reason}; ent-idp is ${oursOverDurable.median.toFixed(2)}× that floor ` +
        `(rounds ${oursOverDurable.rounds}), ${ms(overDurable)} ms more ` +
        `(main thread ${ms(ours.main - durable.main)}, other threads ${ms(ours.other - durable.other)}), request by request below. ` +
        `Why it does not go to 1.3× here: a throwaway build of ent-idp with its guarantees and ENT features taken out ` +
        `(throttle, audit and lastLoginAt, account and terms reads, flow session and CSRF, page template, middleware, ` +
        `checkpoint worker, token digests, resource indicators and back-channel logout, metric listeners, and the bare ` +
        `provider's own SQLite adapter) still spent 1.49× the bare provider in this bench on 2026-11-30: 1.3× is below ent-idp without ` +
        `them (BENCHMARKS.md, « Eighth session on issue #22 »)`,
    );
  }
  if (!o.ceilingShare.met) {
    // What the CPU alone predicts: the share of the machine a sign-in leaves to argon2, ours ÷ the ceiling's.
    const perSignIn = (server: number, load: number) => o.argon2Ms / (o.argon2Ms + server + load);
    const predicted = perSignIn(ours.server, ours.load) / perSignIn(bare.server, bare.load);
    lines.push(
      `  rate ${o.ceilingShare.value.toFixed(2)}× the ceiling; the CPU above predicts ${predicted.toFixed(2)}×: per sign-in ent-idp's server ` +
        `takes ${ms(ours.server - bare.server)} ms and its load generator ${ms(ours.load - bare.load)} ms (a real page, its form and cookies) ` +
        `more than the bare provider's, time taken from argon2 on the same cores ` +
        `(the build without its guarantees above reached 0.89× of the ceiling on 2026-11-30)` +
        (o.ceilingShare.value < predicted - 0.05
          ? '; the rest is the machine (other processes, load in the header)'
          : ''),
    );
  }
  return lines.join('\n');
}

/** One round of sign-ins against a running server (bench/lib/load/login-load.ts). */
async function signIns(
  server: SignInServer,
  o: {
    clientId: string;
    secret: string;
    password: string;
    form: LoginForm;
    logins: string[];
    concurrency: number;
    seconds: number;
    maxFlows: number;
  },
): Promise<FlowResult> {
  const load = startChild('lib/load/login-load.ts', {
    args: [
      JSON.stringify({
        issuer: server.url,
        ...o,
        warmup: 4,
        serverPid: server.pid,
        poolTids: server.poolTids,
      }),
    ],
  });
  return load.next<FlowResult>('result', (o.seconds + 120) * 1000);
}

/** Rounds taken together: counts and times summed, CPU per flow weighted by flows, p50s the rounds' median. */
function pooled(rounds: FlowResult[]): FlowResult {
  const flows = rounds.reduce((n, r) => n + r.flows, 0);
  const seconds = rounds.reduce((n, r) => n + r.seconds, 0);
  const perFlow = (pick: (r: FlowResult) => number) => rounds.reduce((n, r) => n + pick(r) * r.flows, 0) / flows;
  const mid = (pick: (r: FlowResult) => number) => median(rounds.map(pick));
  const pools = rounds.map((r) => r.serverPoolCpuPerFlowMs);
  return {
    type: 'result',
    flows,
    errors: rounds.reduce((n, r) => n + r.errors, 0),
    firstError: rounds.find((r) => r.firstError)?.firstError ?? null,
    seconds,
    perSecond: flows / seconds,
    p50: {
      authorize: mid((r) => r.p50.authorize),
      login: mid((r) => r.p50.login),
      token: mid((r) => r.p50.token),
      total: mid((r) => r.p50.total),
    },
    p95Total: Math.max(...rounds.map((r) => r.p95Total)),
    serverCpuPerFlowMs: perFlow((r) => r.serverCpuPerFlowMs),
    serverMainThreadCpuPerFlowMs: perFlow((r) => r.serverMainThreadCpuPerFlowMs),
    serverPoolCpuPerFlowMs: pools.some((p) => p === null) ? null : perFlow((r) => r.serverPoolCpuPerFlowMs!),
    clientCpuPerFlowMs: perFlow((r) => r.clientCpuPerFlowMs),
  };
}

type Round = { ours: FlowResult; bare: FlowResult; durable: FlowResult };

/** A ratio as the targets take it: the median of the rounds' (each from one alternation), and each round's. */
function perRound(rounds: Round[], ratio: (r: Round) => number): { median: number; rounds: string } {
  const values = rounds.map(ratio);
  return { median: median(values), rounds: values.map((v) => v.toFixed(2)).join(' ') };
}

runIfMain(import.meta.url, runLogin);
