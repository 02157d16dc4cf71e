// bench/admin.ts — the admin API on a district-sized database (100,000 accounts, 3,000
// classes): a class's tab listing and the name search, p50/p95/p99 measured by a load
// child, on SQLite and MariaDB. The teacher's bearer token comes from a real OIDC flow
// (authorization code + PKCE, `resource` = the admin API audience, scope class-admin).
//
//   npx tsx bench/admin.ts        BENCH_ADMIN_COUNT=300 BENCH_ADMIN_CONCURRENCY=1
import { ensureBuilt, startChild } from './lib/proc.js';
import { profileArgs, reportProfile } from './lib/profile-summary.js';
import { findingLine, knob, machineLine, runIfMain, table, type Finding } from './lib/report.js';
import {
  ARGON2_CHEAP,
  freePort,
  mysqlTarget,
  openBenchDatabase,
  REDIRECT_URI,
  registerClient,
  serverEnv,
  sqliteTarget,
  type Target,
} from './lib/setup.js';
import { insertDistrict } from './lib/district.js';
import { discover, signIn } from './lib/flows.js';

interface Row {
  path: string;
  total: number;
  n: number;
  p50: number;
  p95: number;
  p99: number;
}

async function measure(target: Target): Promise<{ name: string; rows: Row[] }> {
  const name = target.kind === 'sqlite' ? 'SQLite' : 'MariaDB';
  const port = await freePort();
  const env = serverEnv({ url: target.url, port, argon2: ARGON2_CHEAP });
  const { config, db } = await openBenchDatabase(env);
  const district = await insertDistrict(db, config);
  console.log(
    `  ${name}: district inserted in ${district.seconds.toFixed(1)} s (${Object.entries(district.counts)
      .map(([k, v]) => `${v} ${k}`)
      .join(', ')})`,
  );
  const clientId = 'bench-classe';
  const secret = await registerClient(db, config, {
    clientId,
    name: 'Classe',
    type: 'confidential',
    redirectUris: [REDIRECT_URI],
    grantTypes: ['authorization_code', 'refresh_token'],
    scopes: ['openid', 'profile', 'class-admin'],
    firstParty: true,
  });
  await db.close();

  const server = startChild('lib/server-child.mjs', { env, nodeArgs: profileArgs(`admin-${target.kind}`) });
  try {
    const { url } = await server.next<{ url: string }>('ready', 120_000);
    const client = await discover(url, clientId, secret);
    const { tokens } = await signIn(client, 'ent', district.teacher.login, district.teacher.password, {
      scope: 'openid profile class-admin',
      resource: config.admin.audience,
    });
    const base = `${url}/admin/api/v1/classes/${district.classId}/accounts`;
    const paths = [
      '?profile=Student',
      '?profile=Relative',
      '?profile=Student&q=mar',
      '?profile=Relative&q=b',
      '?profile=Student&q=dupont%20lou',
    ].map((q) => `${base.slice(url.length)}${q}`);
    const load = startChild('lib/load/latency-load.ts', {
      args: [
        JSON.stringify({
          base: url,
          token: tokens.access_token,
          paths,
          concurrency: knob('ADMIN_CONCURRENCY', 1),
          count: knob('ADMIN_COUNT', 300),
          seconds: 60,
          warmup: 10,
        }),
      ],
    });
    const { rows } = await load.next<{ rows: Row[] }>('result', 180_000);
    return { name, rows: rows.map((r) => ({ ...r, path: r.path.slice(r.path.indexOf('?')) })) };
  } finally {
    await server.stop();
    await target.drop();
    reportProfile(`admin-${target.kind}`);
  }
}

export async function runAdmin(): Promise<Finding[]> {
  console.log(
    `\n== admin: GET /admin/api/v1/classes/:id/accounts on a 100,000-account district (concurrency ${knob('ADMIN_CONCURRENCY', 1)}) ==`,
  );
  console.log(machineLine());
  ensureBuilt();
  const results = [await measure(sqliteTarget())];
  const maria = await mysqlTarget();
  if ('unreachable' in maria) console.log(`MariaDB skipped: unreachable (${maria.unreachable})`);
  else results.push(await measure(maria));

  const findings: Finding[] = [];
  for (const { name, rows } of results) {
    console.log(
      table(
        `admin API latency, ${name} (ms, client side)`,
        rows.map((r) => ({ query: r.path, rows: r.total, requests: r.n, p50: r.p50, p95: r.p95, p99: r.p99 })),
      ),
    );
    const worst = rows.reduce((a, b) => (b.p95 > a.p95 ? b : a));
    findings.push({
      bench: 'admin',
      name: `${name} worst p95 (${worst.path})`,
      value: worst.p95,
      unit: 'ms',
      target: '< 20',
      met: worst.p95 < 20,
    });
  }
  for (const f of findings) console.log(findingLine(f));
  return findings;
}

runIfMain(import.meta.url, runAdmin);
