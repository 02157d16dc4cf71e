// bench/login-steps.ts — where a sign-in's server CPU goes, request by request. One client
// signs in again and again, one request at a time, so each request's CPU on the server's
// main thread, and on its other threads but libuv's pool (where argon2 runs), is read around
// it (schedstat, ns). ent-idp and the bare oidc-provider (its form verifying one argon2id
// password, as in bench/login.ts), in memory and on SQLite, alternate in batches after a
// warm-up each; per request, the median of its samples. A profile for issue #22, not a
// target (the concurrent figures are bench/login.ts's, which prints this on a miss).
//
//   npx tsx bench/login-steps.ts     BENCH_STEPS_WARMUP=300 BENCH_STEPS_SIGNINS=250 BENCH_STEPS_BATCHES=3
//
// Variants of ent-idp run beside, each on its own copy of the seeded database: an A/B of a
// product change, or ablations in a throwaway build (BENCHMARKS.md, « Eighth session »):
//   BENCH_STEPS_VARIANT_DIST=/tmp/x/dist BENCH_STEPS_VARIANTS="none throttle,record"
// starts one ent-idp from /tmp/x/dist per word, with ABLATE=<word> in its environment
// (`none`: empty), for that build's code to read. BENCH_STEPS_BACKGROUND=N keeps N argon2
// verifications running in a process of their own meanwhile (shared cores and caches).
import { copyFileSync, readFileSync } from 'node:fs';
import { Browser, type Page } from '../test/helpers/browser.js';
import { authorizationRequest, exchange } from '../test/helpers/oidc.js';
import { discover } from './lib/flows.js';
import { ensureBuilt, startChild, type Child } from './lib/proc.js';
import { knob, machineLine, median, runIfMain } from './lib/report.js';
import { threadCpuMs, threadIds } from './lib/threads.mjs';
import { ARGON2_PRODUCTION, freePort, REDIRECT_URI, sqliteTarget, type Target } from './lib/setup.js';
import {
  BARE_SECRET,
  seedSignIns,
  startBare,
  startServer,
  type SignInServer,
  type SignInSetup,
} from './lib/sign-in-servers.js';

/** The requests of one sign-in, named by what they do (the bare provider's form posts to another path). */
const STEPS: [RegExp, string][] = [
  [/^GET \/auth$/, 'authorize'],
  [/^GET \/interaction\/[^/]+$/, 'login page'],
  [/^POST \/interaction\/[^/]+(\/login)?$/, 'form POST'],
  [/^GET \/auth\/[^/]+$/, 'resume'],
  [/^POST \/token$/, 'token'],
];

function stepOf(method: string, url: string): string {
  const request = `${method} ${new URL(url).pathname}`;
  return STEPS.find(([pattern]) => pattern.test(request))?.[1] ?? request;
}

/** CPU (ms) of a server's main thread and of its other threads but the pool, now. */
function serverCpu(server: SignInServer): { main: number; other: number } {
  let other = 0;
  for (const tid of threadIds(server.pid))
    if (tid !== server.pid && !server.poolTids.includes(tid)) other += threadCpuMs(server.pid, tid);
  return { main: threadCpuMs(server.pid, server.pid), other };
}

/** Bytes a process has written through write(2) and its kin (sockets, the WAL, the database file), and the calls. */
function written(pid: number): { bytes: number; calls: number } {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)`, 'm').exec(io)?.[1] ?? 0);
  return { bytes: field('wchar'), calls: field('syscw') };
}

type Samples = Map<string, { main: number[]; other: number[] }>;

/** The bench's browser (test/helpers/browser.ts), each request's server CPU recorded under its step. */
class MeasuringBrowser extends Browser {
  constructor(
    private readonly server: SignInServer,
    private readonly samples: Samples | null,
  ) {
    super();
  }

  override async request(url: string, init: Parameters<Browser['request']>[1] = {}): Promise<Page> {
    return this.measure(stepOf(init.method ?? (init.form ? 'POST' : 'GET'), url), () => super.request(url, init));
  }

  async measure<T>(step: string, run: () => Promise<T>): Promise<T> {
    const before = serverCpu(this.server);
    const result = await run();
    const after = serverCpu(this.server);
    if (this.samples) {
      const s = this.samples.get(step) ?? { main: [], other: [] };
      s.main.push(after.main - before.main);
      s.other.push(after.other - before.other);
      this.samples.set(step, s);
    }
    return result;
  }
}

interface Measured {
  name: string;
  label: string;
  server: SignInServer;
  form: 'ent' | 'dev';
  secret: string;
  password: string;
}

async function signInMeasured(
  m: Measured,
  config: Awaited<ReturnType<typeof discover>>,
  login: string,
  samples: Samples | null,
): Promise<void> {
  const browser = new MeasuringBrowser(m.server, samples);
  const request = await authorizationRequest({ config });
  const page = await browser.go(request.url.toString(), { stopAt: REDIRECT_URI });
  const fields: Record<string, string> =
    m.form === 'ent' ? { identifiant: login, mot_de_passe: m.password } : { login, password: m.password };
  const callback = await browser.submit(page, m.form === 'ent' ? '/login' : '/interaction/', fields, REDIRECT_URI);
  if (!callback.url.startsWith(REDIRECT_URI)) throw new Error(`${m.name}: sign-in refused (${callback.status})`);
  await browser.measure('token', () => exchange({ config }, callback.url, request));
}

/** One server's figures: per step, the main thread's median and mean and the other threads' mean (ms). */
export interface StepProfile {
  name: string;
  /** A short name for a column. */
  label: string;
  steps: { step: string; mainMedian: number; mainMean: number; otherMean: number }[];
  /** Per sign-in: the steps' means summed, and what the process wrote (KiB, calls). */
  main: number;
  other: number;
  writtenKiB: number;
  writeCalls: number;
}

/**
 * Signs in `warmup` times unmeasured on each server, then `batches` × `perBatch` times
 * measured, the servers taking turns by batch. Starts and stops its own servers: ent-idp on
 * `setup`'s database, the bare provider in memory and on SQLite, and the variants.
 */
export async function profileSignInRequests(
  setup: SignInSetup,
  o: {
    warmup: number;
    perBatch: number;
    batches: number;
    background?: number;
    variants?: string[];
    variantDist?: string;
  },
): Promise<StepProfile[]> {
  const servers: Measured[] = [];
  const files: Target[] = [];
  const samples = new Map<string, Samples>();
  const writes = new Map<string, { bytes: number; calls: number }>();
  let argon2Load: Child | undefined;
  const ent = (name: string, label: string, server: SignInServer): Measured => ({
    name,
    label,
    server,
    form: 'ent',
    secret: setup.secret,
    password: setup.password,
  });
  const bare = (name: string, label: string, server: SignInServer): Measured => ({
    name,
    label,
    server,
    form: 'dev',
    secret: BARE_SECRET,
    password: 'any',
  });
  try {
    if (o.background)
      argon2Load = startChild('lib/argon2-child.mjs', {
        args: [String(o.background), '3600', '1000000000'],
        env: { ...ARGON2_PRODUCTION, UV_THREADPOOL_SIZE: String(o.background) },
      });
    const argon2 = { ...ARGON2_PRODUCTION, UV_THREADPOOL_SIZE: setup.env.UV_THREADPOOL_SIZE ?? '4' };
    servers.push(ent('ent-idp (SQLite)', 'ent-idp', await startServer('lib/server-child.mjs', { env: setup.env })));
    for (const variant of o.variants ?? []) {
      const copy = sqliteTarget();
      files.push(copy);
      copyFileSync(setup.target.url.replace(/^sqlite:/, ''), copy.url.replace(/^sqlite:/, ''));
      const port = await freePort();
      const env = {
        ...setup.env,
        PORT: String(port),
        ISSUER: `http://127.0.0.1:${port}`,
        DATABASE_URL: copy.url,
        ABLATE: variant === 'none' ? '' : variant,
        ...(o.variantDist ? { BENCH_DIST: o.variantDist } : {}),
      };
      servers.push(ent(`variant ${variant}`, variant, await startServer('lib/server-child.mjs', { env })));
    }
    servers.push(bare('bare provider, memory', 'bare memory', await startBare({ clientId: setup.clientId, argon2 })));
    const durable = sqliteTarget();
    files.push(durable);
    const bareSqlite = await startBare({
      clientId: setup.clientId,
      argon2,
      sqlite: durable.url.replace(/^sqlite:/, ''),
    });
    servers.push(bare('bare provider, SQLite', 'bare SQLite', bareSqlite));

    let n = 0;
    const login = () => setup.logins[n++ % setup.logins.length]!;
    const configs = await Promise.all(servers.map((s) => discover(s.server.url, setup.clientId, s.secret)));
    for (const [i, s] of servers.entries()) {
      samples.set(s.name, new Map());
      writes.set(s.name, { bytes: 0, calls: 0 });
      for (let k = 0; k < o.warmup; k++) await signInMeasured(s, configs[i]!, login(), null);
    }
    for (let b = 0; b < o.batches; b++)
      for (const [i, s] of servers.entries()) {
        const before = written(s.server.pid);
        for (let k = 0; k < o.perBatch; k++) await signInMeasured(s, configs[i]!, login(), samples.get(s.name)!);
        const after = written(s.server.pid);
        const sum = writes.get(s.name)!;
        sum.bytes += after.bytes - before.bytes;
        sum.calls += after.calls - before.calls;
      }
  } finally {
    argon2Load?.proc.kill();
    await Promise.all(servers.map((s) => s.server.stop()));
    await Promise.all(files.map((f) => f.drop()));
  }
  const signIns = o.batches * o.perBatch;
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  return servers.map(({ name, label }) => {
    const steps = [...samples.get(name)!].map(([step, s]) => ({
      step,
      mainMedian: median(s.main),
      mainMean: mean(s.main),
      otherMean: mean(s.other),
    }));
    const w = writes.get(name)!;
    return {
      name,
      label,
      steps,
      main: steps.reduce((sum, s) => sum + s.mainMean, 0),
      other: steps.reduce((sum, s) => sum + s.otherMean, 0),
      writtenKiB: w.bytes / signIns / 1024,
      writeCalls: w.calls / signIns,
    };
  });
}

/** The profiles side by side: per step, each server's main-thread median (ms); then the sums. */
export function stepsTable(profiles: StepProfile[]): string {
  const steps = [...new Set(profiles.flatMap((p) => p.steps.map((s) => s.step)))];
  const width = 14;
  const cell = (v: string) => v.padStart(width);
  const header = `  ${'request'.padEnd(16)}${profiles.map((p) => cell(p.label.slice(0, width - 1))).join('')}`;
  const rows = steps.map(
    (step) =>
      `  ${step.padEnd(16)}${profiles
        .map((p) => cell(p.steps.find((s) => s.step === step)?.mainMedian.toFixed(3) ?? '-'))
        .join('')}`,
  );
  const sum = (label: string, value: (p: StepProfile) => string) =>
    `  ${label.padEnd(16)}${profiles.map((p) => cell(value(p))).join('')}`;
  return [
    'server CPU per request of one sign-in, one request at a time (ms, main thread, median of each request)',
    header,
    ...rows,
    sum('main, mean', (p) => p.main.toFixed(2)),
    sum('other threads', (p) => p.other.toFixed(2)),
    sum('written KiB', (p) => p.writtenKiB.toFixed(0)),
    "  (other threads: all but the main thread and libuv's pool, mean per sign-in: V8's GC and compiler, the SQLite checkpoint worker; written: write(2) bytes per sign-in, sockets and files)",
  ].join('\n');
}

export async function runLoginSteps(): Promise<void> {
  console.log(`\n== login steps: server CPU per request of a sign-in, one request at a time ==`);
  console.log(machineLine());
  ensureBuilt();
  const setup = await seedSignIns();
  try {
    const profiles = await profileSignInRequests(setup, {
      warmup: knob('STEPS_WARMUP', 300),
      perBatch: knob('STEPS_SIGNINS', 250),
      batches: knob('STEPS_BATCHES', 3),
      background: knob('STEPS_BACKGROUND', 0),
      variants: (process.env.BENCH_STEPS_VARIANTS ?? '').split(' ').filter(Boolean),
      variantDist: process.env.BENCH_STEPS_VARIANT_DIST,
    });
    console.log(stepsTable(profiles));
    for (const p of profiles)
      console.log(
        `${p.name}: ` +
          p.steps
            .map((s) => `${s.step} ${s.mainMedian.toFixed(3)}/${s.mainMean.toFixed(3)}+${s.otherMean.toFixed(3)}`)
            .join(', ') +
          ` (median/mean + other threads, ms); ${p.writeCalls.toFixed(0)} writes`,
      );
  } finally {
    await setup.target.drop();
  }
}

runIfMain(import.meta.url, runLoginSteps);
