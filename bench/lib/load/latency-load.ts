// Load child for bench/admin.ts: GET requests with a bearer token, `concurrency` at a time,
// round-robin over `paths`, at most `count` per path and `seconds` in all; per-path
// latency percentiles measured here, on the client side.
import { childMain, reply } from '../proc.js';
import { percentile } from '../report.js';

interface Args {
  base: string;
  token: string;
  paths: string[];
  concurrency: number;
  count: number;
  seconds: number;
  warmup: number;
}

childMain(async () => {
  const a = JSON.parse(process.argv[2]!) as Args;
  if (!/^http:\/\/127\.0\.0\.1:/.test(a.base)) throw new Error('load only targets 127.0.0.1');
  const get = async (path: string) => {
    const t = performance.now();
    const res = await fetch(`${a.base}${path}`, { headers: { authorization: `Bearer ${a.token}` } });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${body.slice(0, 200)}`);
    return { ms: performance.now() - t, body };
  };
  const samples = new Map<string, number[]>(a.paths.map((p) => [p, []]));
  const totals = new Map<string, number>();
  for (const path of a.paths) {
    for (let i = 0; i < a.warmup; i++) await get(path);
    totals.set(path, (JSON.parse((await get(path)).body) as { total: number }).total);
  }
  const jobs = a.paths.flatMap((p) => Array.from({ length: a.count }, () => p));
  let next = 0;
  const deadline = performance.now() + a.seconds * 1000;
  await Promise.all(
    Array.from({ length: a.concurrency }, async () => {
      while (next < jobs.length && performance.now() < deadline) {
        const path = jobs[next++]!;
        samples.get(path)!.push((await get(path)).ms);
      }
    }),
  );
  const rows = [...samples].map(([path, ms]) => {
    const sorted = ms.sort((x, y) => x - y);
    return {
      path,
      total: totals.get(path) ?? 0,
      n: sorted.length,
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
    };
  });
  reply({ type: 'result', rows });
  process.exit(0);
});
