// bench/memory.ts — resident memory of one ent-idp instance (SQLite) holding 10,000 live
// sessions and 10,000 refresh tokens, measured after full GCs in a child run with
// --expose-gc: at start, once the artifacts are written (through provider.Session /
// provider.Grant / provider.RefreshToken and the TypeORM adapter, in-process), and after
// real traffic from a load child (client_credentials, then rotating refresh tokens).
//
//   npx tsx bench/memory.ts        BENCH_MEMORY_COUNT=10000 BENCH_MEMORY_SECONDS=5
import { ensureBuilt, startChild } from './lib/proc.js';
import { findingLine, knob, machineLine, runIfMain, table, type Finding } from './lib/report.js';
import {
  ARGON2_CHEAP,
  freePort,
  insertUsers,
  openBenchDatabase,
  REDIRECT_URI,
  registerClient,
  serverEnv,
  sqliteTarget,
} from './lib/setup.js';

interface Mem {
  rssMiB: number;
  heapMiB: number;
}
interface Ready {
  type: 'ready';
  url: string;
  start: Mem;
  loaded: Mem;
  seconds: number;
  rows: Record<string, number>;
}
interface Measured {
  type: 'measured';
  afterTraffic: Mem;
  peakRssMiB: number;
}
interface LoadResult {
  type: 'result';
  perSecond: number;
  ok: number;
  non2xx: number;
}

export async function runMemory(): Promise<Finding[]> {
  const count = knob('MEMORY_COUNT', 10_000);
  const seconds = knob('MEMORY_SECONDS', 5);
  console.log(`\n== memory: RSS with ${count} sessions + ${count} refresh tokens (SQLite), after GC ==`);
  console.log(machineLine());
  ensureBuilt();
  const target = sqliteTarget();
  const port = await freePort();
  const env = serverEnv({ url: target.url, port, argon2: ARGON2_CHEAP });
  const { config, db } = await openBenchDatabase(env);
  const users = await insertUsers(db, config, 64);
  const secrets: Record<string, string> = {
    'bench-app': await registerClient(db, config, {
      clientId: 'bench-app',
      name: 'Banc',
      type: 'confidential',
      redirectUris: [REDIRECT_URI],
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['openid', 'profile'],
      firstParty: true,
    }),
    'bench-service': await registerClient(db, config, {
      clientId: 'bench-service',
      name: 'Service',
      type: 'confidential',
      grantTypes: ['client_credentials'],
      scopes: ['ent'],
    }),
  };
  await db.close();
  const child = startChild('lib/memory-child.mjs', { args: [String(count)], env, nodeArgs: ['--expose-gc'] });
  try {
    const ready = await child.next<Ready>('ready', 600_000);
    const traffic: Record<string, LoadResult> = {};
    for (const mode of ['cc', 'refresh'] as const) {
      const clientId = mode === 'cc' ? 'bench-service' : 'bench-app';
      const load = startChild('lib/load/token-load.ts', {
        args: [
          JSON.stringify({
            issuer: ready.url,
            mode,
            clientId,
            secret: secrets[clientId],
            scope: mode === 'cc' ? 'ent' : undefined,
            connections: 16,
            seconds,
            form: 'ent',
            logins: users.logins,
            password: users.password,
          }),
        ],
      });
      traffic[mode] = await load.next<LoadResult>('result', (seconds + 120) * 1000);
    }
    child.send({ type: 'measure' });
    const measured = await child.next<Measured>('measured', 60_000);
    console.log(
      `artifacts written in ${ready.seconds.toFixed(1)} s: ${Object.entries(ready.rows)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
    console.log(
      `traffic: client_credentials ${traffic.cc!.ok} requests, refresh_token ${traffic.refresh!.ok} requests (${seconds} s each, 16 connections)`,
    );
    console.log(
      table('ent-idp memory (after 3 full GCs)', [
        { moment: 'started, idle', 'RSS MiB': ready.start.rssMiB, 'heap used MiB': ready.start.heapMiB },
        {
          moment: `${count} sessions + grants + refresh tokens stored`,
          'RSS MiB': ready.loaded.rssMiB,
          'heap used MiB': ready.loaded.heapMiB,
        },
        {
          moment: 'after token traffic',
          'RSS MiB': measured.afterTraffic.rssMiB,
          'heap used MiB': measured.afterTraffic.heapMiB,
        },
        { moment: 'peak RSS of the process (maxRSS)', 'RSS MiB': measured.peakRssMiB, 'heap used MiB': '' },
      ]),
    );
    const rss = Math.max(ready.loaded.rssMiB, measured.afterTraffic.rssMiB);
    const finding: Finding = {
      bench: 'memory',
      name: `RSS with ${count} sessions + ${count} refresh tokens`,
      value: rss,
      unit: 'MiB',
      target: '< 250',
      met: rss < 250,
    };
    console.log(findingLine(finding));
    return [finding];
  } finally {
    await child.stop();
    await target.drop();
  }
}

runIfMain(import.meta.url, runMemory);
