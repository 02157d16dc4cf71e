// bench/saml.ts — SP-initiated SAML SSO with an existing session (AuthnRequest in, signed
// Response out) in Responses per second on ent-idp over SQLite, and server CPU per Response,
// against the bound: the product's own Response signing (Assertion + Response, xml-crypto,
// RSA-SHA256), alone in one process, measured before and after in the same run (the mean).
// With a session that may answer (src/saml/session-reuse.ts) one SSO Response is one request,
// GET /saml/sso: the request parsed and its id stored against replay, the SP read, the
// provider's session and pending terms read, the account's claims, the SAML session row and
// its audit event, both signatures, the auto-posting page. (A first SSO, ForceAuthn or pending
// terms take the OIDC round trip through /auth and /saml/callback instead; not measured here.)
//
//   npx tsx bench/saml.ts        BENCH_SAML_SECONDS=5 BENCH_SAML_CONCURRENCY=4 BENCH_PROFILE=1
import { ensureBuilt, startChild } from './lib/proc.js';
import { profileArgs, reportProfile } from './lib/profile-summary.js';
import { findingLine, knob, machineLine, runIfMain, table, type Finding } from './lib/report.js';
import { ARGON2_CHEAP, freePort, insertUsers, openBenchDatabase, serverEnv, sqliteTarget } from './lib/setup.js';
import { createLogger } from '../src/logger.js';
import { createAudit } from '../src/domain/audit.js';
import { createSamlServices } from '../src/domain/saml/services.js';
import { makeSp } from '../test/helpers/saml.js';

interface SignResult {
  type: 'result';
  perSecond: number;
  done: number;
  cpuPerResponseMs: number;
}

interface LoadResult {
  type: 'result';
  perSecond: number;
  responses: number;
  errors: number;
  firstFailure: string | null;
  serverCpuPerResponseMs: number;
  loadCpuPerResponseMs: number;
  p50: number;
  p99: number;
}

export async function runSaml(): Promise<Finding[]> {
  const seconds = knob('SAML_SECONDS', 5);
  const concurrency = knob('SAML_CONCURRENCY', 4);
  console.log(
    `\n== saml: SP-initiated SSO with a session, Responses/s vs signing alone, SQLite (${concurrency} browsers, ${seconds} s each) ==`,
  );
  console.log(machineLine());
  ensureBuilt();
  const target = sqliteTarget();
  const port = await freePort();
  const env = serverEnv({ url: target.url, port, argon2: ARGON2_CHEAP });
  const { config, db } = await openBenchDatabase(env);
  const profile = process.env.BENCH_PROFILE === '1';
  const server = startChild('lib/server-child.mjs', { env, nodeArgs: profile ? profileArgs('saml-server') : [] });
  try {
    const users = await insertUsers(db, config, 16);
    const sp = await makeSp('https://sp.bench.example/metadata', 'https://sp.bench.example/acs');
    await createSamlServices(db, createAudit(db, createLogger('silent'))).save({
      id: 'bench-sp',
      name: 'SP du banc',
      metadataXml: sp.metadata(),
    });
    await db.close();
    const { url, pid } = await server.next<{ type: 'ready'; url: string; pid: number }>('ready', 120_000);

    const sign = async () => {
      const child = startChild('lib/saml-sign-child.mjs', { args: [String(seconds)] });
      return child.next<SignResult>('result', (seconds + 60) * 1000);
    };
    const before = await sign();
    const child = startChild('lib/load/saml-load.ts', {
      args: [
        JSON.stringify({
          issuer: url,
          sp: { entityId: sp.entityId, acs: sp.acs },
          logins: users.logins,
          password: users.password,
          concurrency,
          seconds,
          serverPid: pid,
        }),
      ],
    });
    const sso = await child.next<LoadResult>('result', (seconds + 120) * 1000);
    if (profile) {
      await server.stop();
      reportProfile('saml-server');
    }
    const after = await sign();
    if (sso.errors) console.log(`  sso: ${sso.errors} failures; first: ${sso.firstFailure}`);
    console.log(
      table('ent-idp SQLite', [
        { what: 'signing alone (before)', 'Responses/s': before.perSecond, 'CPU ms/Response': before.cpuPerResponseMs },
        {
          what: 'SSO with a session',
          'Responses/s': sso.perSecond,
          'CPU ms/Response': sso.serverCpuPerResponseMs,
          'p50 ms': sso.p50,
          'p99 ms': sso.p99,
          'load CPU ms/Response': sso.loadCpuPerResponseMs,
        },
        { what: 'signing alone (after)', 'Responses/s': after.perSecond, 'CPU ms/Response': after.cpuPerResponseMs },
      ]),
    );
    const bound = (before.perSecond + after.perSecond) / 2;
    const signingCpu = (before.cpuPerResponseMs + after.cpuPerResponseMs) / 2;
    const value = sso.perSecond / bound;
    const findings: Finding[] = [
      {
        bench: 'saml',
        name: 'ent-idp SQLite SSO Responses/s ÷ signing alone',
        value,
        unit: '×',
        target: '≥ 0.7',
        met: value >= 0.7,
      },
      {
        bench: 'saml',
        name: 'signing CPU ÷ server CPU per Response',
        value: signingCpu / sso.serverCpuPerResponseMs,
        unit: '×',
        target: '(context)',
        met: null,
      },
    ];
    for (const f of findings) console.log(findingLine(f));
    return findings;
  } finally {
    await server.stop();
    await target.drop();
  }
}

runIfMain(import.meta.url, runSaml);
