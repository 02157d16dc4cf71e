// bench/token.ts — token endpoint requests per second on ent-idp (SQLite, then MariaDB)
// against a bare oidc-provider with its in-memory adapter, started here in the same run
// (before and after ent-idp; the mean). Both issue opaque tokens: client_credentials without
// a resource indicator, refresh_token with rotation, chained per signed-in user. For context,
// the same bare provider is also measured on the simplest durable adapter for each database
// (bench/lib/bare-*-adapter.mjs): what keeping tokens in that database costs before any
// ent-idp code. Everything runs in rounds (3 by default); figures are medians over rounds.
//
//   npx tsx bench/token.ts        BENCH_TOKEN_SECONDS=5 BENCH_TOKEN_ROUNDS=3 BENCH_TOKEN_CONNECTIONS=16 BENCH_PROFILE=1
import { ensureBuilt, localPid, startChild, type Child } from './lib/proc.js';
import { profileArgs, reportProfile } from './lib/profile-summary.js';
import { findingLine, knob, machineLine, median, runIfMain, table, type Finding } from './lib/report.js';
import {
  ARGON2_CHEAP,
  freePort,
  insertUsers,
  mysqlTarget,
  openBenchDatabase,
  REDIRECT_URI,
  registerClient,
  serverEnv,
  sqliteTarget,
  type Target,
} from './lib/setup.js';
import type { LoginForm } from './lib/flows.js';

interface LoadResult {
  type: 'result';
  perSecond: number;
  serverCpuPerRequestMs: number;
  databaseCpuPerRequestMs: number;
  loadCpuPerRequestMs: number;
  ok: number;
  non2xx: number;
  errors: number;
  brokenChains: number;
  firstFailure: string | null;
  p50: number;
  p99: number;
}
interface Measured {
  server: string;
  cc: LoadResult;
  refresh: LoadResult;
}

const APP = { clientId: 'bench-app', scopes: ['openid', 'profile'] };
const SERVICE = { clientId: 'bench-service', scopes: ['ent'] };

async function load(
  issuer: string,
  serverPid: number,
  databasePid: number | undefined,
  mode: 'cc' | 'refresh',
  clients: Record<string, string>,
  form: LoginForm,
  logins: string[],
  password: string,
): Promise<LoadResult> {
  const seconds = knob('TOKEN_SECONDS', 5);
  const connections = knob('TOKEN_CONNECTIONS', 16);
  const clientId = mode === 'cc' ? SERVICE.clientId : APP.clientId;
  const child = startChild('lib/load/token-load.ts', {
    args: [
      JSON.stringify({
        issuer,
        mode,
        clientId,
        secret: clients[clientId],
        scope: mode === 'cc' ? 'ent' : undefined,
        connections,
        seconds,
        form,
        logins,
        password,
        serverPid,
        databasePid,
      }),
    ],
  });
  const result = await child.next<LoadResult>('result', (seconds + 180) * 1000);
  if (result.brokenChains || result.errors)
    console.log(`  ${mode}: ${result.brokenChains} refused, ${result.errors} errors; first: ${result.firstFailure}`);
  return result;
}

async function measure(
  name: string,
  server: Child,
  clients: Record<string, string>,
  form: LoginForm,
  logins: string[],
  password: string,
  databasePid?: number,
): Promise<Measured> {
  try {
    const { url, pid } = await server.next<{ type: 'ready'; url: string; pid: number }>('ready', 120_000);
    const cc = await load(url, pid, databasePid, 'cc', clients, form, logins, password);
    const refresh = await load(url, pid, databasePid, 'refresh', clients, form, logins, password);
    console.log(
      `  ${name}: client_credentials ${cc.perSecond.toFixed(0)}/s, refresh_token ${refresh.perSecond.toFixed(0)}/s`,
    );
    return { server: name, cc, refresh };
  } finally {
    await server.stop();
  }
}

async function bare(durable?: Target): Promise<Measured> {
  const port = await freePort();
  const secrets = {
    [APP.clientId]: 'bench-app-secret-0123456789abcdefghijklmnop',
    [SERVICE.clientId]: 'bench-service-secret-0123456789abcdefghijkl',
  };
  const clients = [
    {
      client_id: APP.clientId,
      client_secret: secrets[APP.clientId],
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      scope: APP.scopes.join(' '),
    },
    {
      client_id: SERVICE.clientId,
      client_secret: secrets[SERVICE.clientId],
      redirect_uris: [],
      grant_types: ['client_credentials'],
      response_types: [],
      scope: SERVICE.scopes.join(' '),
    },
  ];
  const storage = !durable
    ? {}
    : durable.kind === 'sqlite'
      ? { BARE_SQLITE: durable.url.replace(/^sqlite:/, '') }
      : { BARE_MYSQL: durable.url };
  const server = startChild('lib/bare-provider-child.mjs', {
    env: { PORT: String(port), BENCH_CLIENTS: JSON.stringify(clients), ...storage },
  });
  const users = Array.from({ length: 64 }, (_, i) => `bench.${i}`);
  const name = !durable
    ? 'bare oidc-provider (memory)'
    : `bare oidc-provider (${durable.kind === 'sqlite' ? 'SQLite' : 'MariaDB'} adapter)`;
  const databasePid = durable?.kind === 'mysql' ? localPid(['mariadbd', 'mysqld']) : undefined;
  try {
    return await measure(name, server, secrets, 'dev', users, 'any', databasePid);
  } finally {
    await durable?.drop();
  }
}

async function entIdp(target: Target, profile: boolean): Promise<Measured> {
  const port = await freePort();
  const env = serverEnv({ url: target.url, port, argon2: ARGON2_CHEAP });
  const { config, db } = await openBenchDatabase(env);
  const users = await insertUsers(db, config, 64);
  const secrets = {
    [APP.clientId]: await registerClient(db, config, {
      clientId: APP.clientId,
      name: 'Banc',
      type: 'confidential',
      redirectUris: [REDIRECT_URI],
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: APP.scopes,
      firstParty: true,
    }),
    [SERVICE.clientId]: await registerClient(db, config, {
      clientId: SERVICE.clientId,
      name: 'Service',
      type: 'confidential',
      grantTypes: ['client_credentials'],
      scopes: SERVICE.scopes,
    }),
  };
  await db.close();
  const server = startChild('lib/server-child.mjs', {
    env,
    nodeArgs: profile ? profileArgs(`token-${target.kind}`) : [],
  });
  try {
    const databasePid = target.kind === 'mysql' ? localPid(['mariadbd', 'mysqld']) : undefined;
    return await measure(
      `ent-idp ${target.kind === 'sqlite' ? 'SQLite' : 'MariaDB'}`,
      server,
      secrets,
      'ent',
      users.logins,
      users.password,
      databasePid,
    );
  } finally {
    await target.drop();
    if (profile) reportProfile(`token-${target.kind}`);
  }
}

type Mode = 'cc' | 'refresh';
const MODES: Mode[] = ['cc', 'refresh'];
const LABEL: Record<Mode, string> = { cc: 'client_credentials', refresh: 'refresh_token' };

/**
 * The machine's speed drifts within minutes (other tenants), so the measurements run in
 * rounds: bare, ent-idp SQLite, bare on SQLite, ent-idp MariaDB, bare on MariaDB, and the
 * next round's bare; each ratio compares a measurement with the bare runs on either side of
 * its round, and the figure is the median over the rounds.
 */
export async function runToken(): Promise<Finding[]> {
  const rounds = knob('TOKEN_ROUNDS', 3);
  console.log(
    `\n== token: /token requests/s, ent-idp vs bare oidc-provider (${knob('TOKEN_CONNECTIONS', 16)} connections, ${knob('TOKEN_SECONDS', 5)} s each, ${rounds} rounds) ==`,
  );
  console.log(machineLine());
  ensureBuilt();
  const probe = await mysqlTarget();
  const mariadb = !('unreachable' in probe);
  if ('unreachable' in probe) console.log(`MariaDB skipped: unreachable (${probe.unreachable})`);
  else await probe.drop();

  const bares: Measured[] = [];
  // Per round: ent-idp on each database and, right after it, the durable floor on the same
  // database (the bare provider through the simplest adapter: no ent-idp code).
  const measured: { round: number; run: Measured }[] = [];
  for (let round = 0; round < rounds; round++) {
    console.log(`  round ${round + 1}/${rounds}`);
    bares.push(await bare());
    measured.push({ round, run: await entIdp(sqliteTarget(), round === 0) });
    measured.push({ round, run: await bare(sqliteTarget()) });
    if (mariadb) {
      const target = await mysqlTarget();
      if (!('unreachable' in target)) measured.push({ round, run: await entIdp(target, round === 0) });
      const floorDb = await mysqlTarget();
      if (!('unreachable' in floorDb)) measured.push({ round, run: await bare(floorDb) });
    }
  }
  bares.push(await bare());
  const reference = (round: number, mode: Mode) =>
    (bares[round]![mode].perSecond + bares[round + 1]![mode].perSecond) / 2;

  const row = (m: Measured, label = m.server) => ({
    server: label,
    'cc req/s': m.cc.perSecond,
    'cc p50 ms': m.cc.p50,
    'cc p99 ms': m.cc.p99,
    'cc CPU ms/req': m.cc.serverCpuPerRequestMs,
    'refresh req/s': m.refresh.perSecond,
    'refresh p50 ms': m.refresh.p50,
    'refresh p99 ms': m.refresh.p99,
    'refresh CPU ms/req': m.refresh.serverCpuPerRequestMs,
    'non-2xx': m.cc.non2xx + m.refresh.non2xx,
  });
  const ordered: { label: string; run: Measured }[] = [];
  for (let round = 0; round < rounds; round++) {
    ordered.push({ label: `${round + 1} bare oidc-provider (memory)`, run: bares[round]! });
    for (const m of measured.filter((x) => x.round === round))
      ordered.push({ label: `${round + 1} ${m.run.server}`, run: m.run });
  }
  ordered.push({ label: `${rounds + 1} bare oidc-provider (memory)`, run: bares[rounds]! });
  console.log(
    table(
      'POST /token (first column: round)',
      ordered.map(({ label, run }) => row(run, label)),
    ),
  );
  // Where each request's CPU goes on the machine's cores: the server (every thread), the
  // database server when it is a process of its own, and the load generator.
  const cpuRow = (m: Measured, label: string) => {
    const cells: Record<string, number | string> = { server: label };
    for (const mode of MODES) {
      const r = m[mode];
      const db = Number.isFinite(r.databaseCpuPerRequestMs) ? r.databaseCpuPerRequestMs : 0;
      Object.assign(cells, {
        [`${mode} server ms`]: r.serverCpuPerRequestMs,
        [`${mode} database ms`]: Number.isFinite(r.databaseCpuPerRequestMs) ? r.databaseCpuPerRequestMs : '-',
        [`${mode} load ms`]: r.loadCpuPerRequestMs,
        [`${mode} total ms`]: r.serverCpuPerRequestMs + db + r.loadCpuPerRequestMs,
      });
    }
    return cells;
  };
  console.log(
    table(
      'CPU per request (ms, all processes on the 2 cores)',
      ordered.map(({ label, run }) => cpuRow(run, label)),
    ),
  );

  // Ratios per round, then the median over rounds.
  const ratios = (server: string, mode: Mode) =>
    measured.filter((m) => m.run.server === server).map((m) => m.run[mode].perSecond / reference(m.round, mode));
  const findings: Finding[] = [];
  const perRound: string[] = [];
  for (const dbName of ['SQLite', ...(mariadb ? ['MariaDB'] : [])]) {
    // Issue #22: SQLite ≥ 0.8× the bare in-memory provider in both modes; on MariaDB
    // client_credentials keeps its 0.4 and refresh is held to the durable floor (below).
    const target = dbName === 'SQLite' ? 0.8 : 0.4;
    for (const mode of MODES) {
      if (dbName === 'MariaDB' && mode === 'refresh') continue;
      const values = ratios(`ent-idp ${dbName}`, mode);
      const value = median(values);
      findings.push({
        bench: 'token',
        name: `ent-idp ${dbName} ${LABEL[mode]} ÷ bare`,
        value,
        unit: '×',
        target: `≥ ${target}`,
        met: value >= target,
      });
      perRound.push(`ent-idp ${dbName} ${LABEL[mode]} ÷ bare, per round: ${values.map((v) => v.toFixed(2)).join(' ')}`);
    }
  }
  // Context, not targets: what durable storage alone costs the bare provider, and how close
  // ent-idp comes to that floor on the same database (medians over rounds).
  for (const dbName of ['SQLite', ...(mariadb ? ['MariaDB'] : [])]) {
    for (const mode of MODES) {
      const floor = ratios(`bare oidc-provider (${dbName} adapter)`, mode);
      const ours = ratios(`ent-idp ${dbName}`, mode);
      const label = mode === 'cc' ? 'cc' : 'refresh';
      findings.push({
        bench: 'token',
        name: `floor: bare on ${dbName} ${label} ÷ bare`,
        value: median(floor),
        unit: '×',
        target: 'info',
        met: null,
      });
      // Issue #22: the MariaDB refresh grant is held to the bare provider on the simplest
      // durable MariaDB adapter (≥ 1.0×, same round); the other comparisons are context.
      const onFloor = median(ours.map((v, i) => v / floor[i]!));
      const held = dbName === 'MariaDB' && mode === 'refresh';
      findings.push({
        bench: 'token',
        name: `ent-idp ${dbName} ${label} ÷ bare on ${dbName}`,
        value: onFloor,
        unit: '×',
        target: held ? '≥ 1.0' : 'info',
        met: held ? onFloor >= 1.0 : null,
      });
      perRound.push(
        `floor: bare on ${dbName} ${LABEL[mode]} ÷ bare, per round: ${floor.map((v) => v.toFixed(2)).join(' ')}`,
      );
    }
  }
  for (const line of perRound) console.log(line);
  for (const f of findings) console.log(findingLine(f));
  const missed = findings.filter((f) => f.met === false);
  if (missed.length) console.log(tokenBreakdown(missed, measured, bares, ratios));
  return findings;
}

/**
 * For each missed token target: the CPU per request of the server (and of MariaDB) for
 * ent-idp, the bare provider on the same database's simplest adapter, and in memory (medians
 * over the rounds of this run), and the one-line reason the gap remains.
 */
function tokenBreakdown(
  missed: Finding[],
  measured: { round: number; run: Measured }[],
  bares: Measured[],
  ratios: (server: string, mode: Mode) => number[],
): string {
  const cpu = (runs: Measured[], mode: Mode, part: 'serverCpuPerRequestMs' | 'databaseCpuPerRequestMs') =>
    median(runs.map((r) => r[mode][part]).filter(Number.isFinite));
  const runsOf = (server: string) => measured.filter((m) => m.run.server === server).map((m) => m.run);
  const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '-');
  const lines = ['\nwhy the token targets are missed (CPU ms per request, medians over the rounds of this run)'];
  for (const f of missed) {
    const dbName = f.name.includes('MariaDB') ? 'MariaDB' : 'SQLite';
    const mode: Mode = f.name.includes('refresh') ? 'refresh' : 'cc';
    const ours = runsOf(`ent-idp ${dbName}`);
    const floor = runsOf(`bare oidc-provider (${dbName} adapter)`);
    const server = [cpu(ours, mode, 'serverCpuPerRequestMs'), cpu(floor, mode, 'serverCpuPerRequestMs')];
    const database = [cpu(ours, mode, 'databaseCpuPerRequestMs'), cpu(floor, mode, 'databaseCpuPerRequestMs')];
    const memory = cpu(bares, mode, 'serverCpuPerRequestMs');
    const floorRatio = median(ratios(`bare oidc-provider (${dbName} adapter)`, mode));
    const withDb = dbName === 'MariaDB' ? ` + mariadbd ${ms(database[0]!)}` : '';
    const floorDb = dbName === 'MariaDB' ? ` + mariadbd ${ms(database[1]!)}` : '';
    lines.push(
      `  ${f.name}: ent-idp ${ms(server[0]!)}${withDb}; bare on ${dbName} ${ms(server[1]!)}${floorDb}; bare in memory ${ms(memory)}`,
    );
    const overFloor =
      `ent-idp's server spends ${ms(server[0]! - server[1]!)} ms more per request than the bare provider on the same database ` +
      '(our middleware, the client and account reads, token digests, the batched writes); a throwaway build without the ' +
      "account read (blocked accounts' refresh refused), the digests (no token stored in clear), our middleware and the " +
      "provider's metric listeners reached 0.87× (SQLite refresh) and 0.99× (MariaDB refresh) of the floor on 2026-11-30 " +
      '(BENCHMARKS.md, « Eighth session on issue #22 »)';
    const target = Number(f.target.replace(/[^0-9.]/g, ''));
    // Held to the durable floor: when the CPU per request (server and database together) is
    // within 10 % of the floor's, the rate ratio is the machine's doing, not the code's.
    const total = (i: number) => server[i]! + (Number.isFinite(database[i]!) ? database[i]! : 0);
    const cpuOverFloor = total(0) / total(1) - 1;
    const onFloor = ratios(`ent-idp ${dbName}`, mode).map(
      (v, i) => v / ratios(`bare oidc-provider (${dbName} adapter)`, mode)[i]!,
    );
    const reason = f.name.includes(`÷ bare on`)
      ? Math.abs(cpuOverFloor) < 0.1
        ? `the same CPU per request as the floor (${cpuOverFloor >= 0 ? '+' : ''}${(cpuOverFloor * 100).toFixed(0)} %, server and MariaDB), the rate ratio per round ${onFloor.map((v) => v.toFixed(2)).join(' ')}: what is left moves with the machine, not with the code`
        : `${overFloor}${dbName === 'MariaDB' ? `; MariaDB ${ms(database[0]! - database[1]!)} ms` : ''}`
      : floorRatio < target
        ? `durable writes: the bare provider on ${dbName} itself is ${floorRatio.toFixed(2)}× of bare in memory, under the target of ${target}`
        : `${overFloor}; the bare provider on ${dbName} is ${floorRatio.toFixed(2)}× of bare in memory`;
    lines.push(`    why: ${reason}`);
  }
  return lines.join('\n');
}

runIfMain(import.meta.url, runToken);
