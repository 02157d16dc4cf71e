// npm run bench — every benchmark in sequence (login, token, cas, saml, memory, admin, enumeration), then every
// ratio and latency against its target in one table. Each bench can also be run alone
// (`npx tsx bench/login.ts`, …). Knobs: BENCH_* environment variables (see BENCHMARKS.md).
import { runAdmin } from './admin.js';
import { runCas } from './cas.js';
import { runEnumeration } from './enumeration.js';
import { runLogin } from './login.js';
import { runMemory } from './memory.js';
import { runSaml } from './saml.js';
import { runToken } from './token.js';
import { findingLine, machine, type Finding } from './lib/report.js';

const benches: [string, () => Promise<Finding[]>][] = [
  ['login', runLogin],
  ['token', runToken],
  ['cas', runCas],
  ['saml', runSaml],
  ['memory', runMemory],
  ['admin', runAdmin],
  ['enumeration', runEnumeration],
];

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY?.split(',');
  const started = performance.now();
  const m = machine();
  const findings: Finding[] = [];
  const failures: string[] = [];
  for (const [name, run] of benches) {
    if (only && !only.includes(name)) continue;
    try {
      findings.push(...(await run()));
    } catch (err) {
      failures.push(`${name}: ${(err as Error).message}`);
      console.error(`\n${name} failed:`, err);
    }
  }
  const minutes = (performance.now() - started) / 60_000;
  console.log(`\n== summary (${minutes.toFixed(1)} min) ==`);
  console.log(`machine: ${m.nproc} CPU (${m.cpu}), ${m.memory}, node ${m.node}`);
  console.log(`load at start: ${m.load}; at end: ${machine().load}`);
  for (const f of findings) console.log(findingLine(f));
  for (const f of failures) console.log(`FAILED  ${f}`);
  process.exitCode = failures.length ? 1 : 0;
}

// A failure prints its stack and exits 1 (not an unhandled rejection, whose output depends on Node's flags).
main().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
