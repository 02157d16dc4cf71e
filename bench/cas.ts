// bench/cas.ts — CAS ticket validation (GET /cas/serviceValidate) requests per second on
// ent-idp over SQLite, against the client_credentials token endpoint of the same server in
// the same run (measured before and after; the mean). Each validation spends a ticket issued
// beforehand (through the domain, as /cas/callback does), so every request does the real
// work: digest, conditional UPDATE, account read, audit-free success, XML.
//
//   npx tsx bench/cas.ts        BENCH_CAS_SECONDS=5 BENCH_CAS_CONNECTIONS=16 BENCH_CAS_TICKETS=15000
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, startChild } from './lib/proc.js';
import { findingLine, knob, machineLine, runIfMain, table, type Finding } from './lib/report.js';
import {
  ARGON2_CHEAP,
  freePort,
  insertUsers,
  openBenchDatabase,
  registerClient,
  serverEnv,
  sqliteTarget,
} from './lib/setup.js';
import { createLogger } from '../src/logger.js';
import { createAudit } from '../src/domain/audit.js';
import { createCasServices } from '../src/domain/cas/services.js';
import { createCasTickets } from '../src/domain/cas/tickets.js';
import { Account } from '../src/db/entities/index.js';

interface LoadResult {
  type: 'result';
  perSecond: number;
  ok: number;
  refused: number;
  ticketsLeft: number;
  firstFailure: string | null;
  errors: number;
  serverCpuPerRequestMs: number;
  p50: number;
  p99: number;
}

const SERVICE_URL = 'https://moodle.ecole.example/login/index.php';

export async function runCas(): Promise<Finding[]> {
  const seconds = knob('CAS_SECONDS', 5);
  const connections = knob('CAS_CONNECTIONS', 16);
  const ticketCount = knob('CAS_TICKETS', 15_000);
  console.log(
    `\n== cas: /cas/serviceValidate requests/s vs client_credentials /token, SQLite (${connections} connections, ${seconds} s each) ==`,
  );
  console.log(machineLine());
  ensureBuilt();
  const target = sqliteTarget();
  const port = await freePort();
  const env = serverEnv({ url: target.url, port, argon2: ARGON2_CHEAP, extra: { CAS_TICKET_TTL: '300' } });
  const { config, db } = await openBenchDatabase(env);
  const server = startChild('lib/server-child.mjs', { env });
  try {
    const users = await insertUsers(db, config, 64);
    const secret = await registerClient(db, config, {
      clientId: 'bench-service',
      name: 'Service',
      type: 'confidential',
      grantTypes: ['client_credentials'],
      scopes: ['ent'],
    });
    const audit = createAudit(db, createLogger('silent'));
    const service = await createCasServices(db, audit).save({
      id: 'moodle',
      name: 'Moodle',
      protocol: 'cas',
      serviceUrls: ['https://moodle.ecole.example/'],
    });
    const { url, pid } = await server.next<{ type: 'ready'; url: string; pid: number }>('ready', 120_000);
    const tickets = createCasTickets({ config, db, audit });
    const accounts = await db.read((m) => m.find(Account, { select: { id: true } }));
    const started = performance.now();
    const issued: string[] = [];
    for (let i = 0; i < ticketCount; i++) {
      const result = await tickets.issue({
        accountId: accounts[i % accounts.length]!.id,
        sid: null,
        service,
        serviceUrl: SERVICE_URL,
        renewed: false,
        ip: null,
      });
      if (result.ok) issued.push(result.ticket);
    }
    console.log(
      `  ${issued.length} tickets issued in ${((performance.now() - started) / 1000).toFixed(1)} s (${users.logins.length} accounts)`,
    );
    await db.close();

    // The tickets go to the load child in a file (too many for its command line).
    const dir = mkdtempSync(join(tmpdir(), 'ent-idp-bench-cas-'));
    let files = 0;
    const load = async (mode: 'cas' | 'cc', pool: string[] = [], duration = seconds) => {
      const ticketsFile = join(dir, `tickets-${files++}.json`);
      writeFileSync(ticketsFile, JSON.stringify(pool));
      const child = startChild('lib/load/cas-load.ts', {
        args: [
          JSON.stringify({
            issuer: url,
            mode,
            service: SERVICE_URL,
            ticketsFile,
            clientId: 'bench-service',
            secret,
            connections,
            seconds: duration,
            serverPid: pid,
          }),
        ],
      });
      const result = await child.next<LoadResult>('result', (duration + 120) * 1000);
      if (result.refused || result.errors)
        console.log(`  ${mode}: ${result.refused} refused, ${result.errors} errors; first: ${result.firstFailure}`);
      return result;
    };
    // Warm-up of both paths, then cc, CAS, cc: the ratio compares CAS with the cc runs around it.
    await load('cc', [], 1);
    await load('cas', issued.splice(0, 1000), 1);
    const before = await load('cc');
    const cas = await load('cas', issued);
    const after = await load('cc');
    rmSync(dir, { recursive: true, force: true });
    if (cas.ticketsLeft === 0) console.log('  notice: the ticket pool ran out (raise BENCH_CAS_TICKETS)');
    const row = (name: string, r: LoadResult) => ({
      endpoint: name,
      'req/s': r.perSecond,
      'p50 ms': r.p50,
      'p99 ms': r.p99,
      'server CPU ms/req': r.serverCpuPerRequestMs,
      refused: r.refused + r.errors,
    });
    console.log(
      table('ent-idp SQLite', [
        row('POST /token client_credentials (before)', before),
        row('GET /cas/serviceValidate', cas),
        row('POST /token client_credentials (after)', after),
      ]),
    );
    const value = cas.perSecond / ((before.perSecond + after.perSecond) / 2);
    const findings: Finding[] = [
      {
        bench: 'cas',
        name: 'ent-idp SQLite serviceValidate ÷ client_credentials',
        value,
        unit: '×',
        target: '≥ 0.6',
        met: value >= 0.6,
      },
    ];
    for (const f of findings) console.log(findingLine(f));
    return findings;
  } finally {
    await server.stop();
    await target.drop();
  }
}

runIfMain(import.meta.url, runCas);
