// Summarizes a V8 .cpuprofile (from `node --cpu-prof`): self time by function and by
// package/folder, so a bench can say where the server's CPU went.
//   npx tsx bench/lib/profile-summary.ts bench/profiles/login-server.cpuprofile [top]
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMain, table } from './report.js';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function area(url: string): string {
  if (!url) return '(native/vm)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return url;
  const src = url.indexOf('/src/');
  if (src >= 0)
    return url
      .slice(src + 1)
      .split('/')
      .slice(0, 3)
      .join('/');
  return url.split('/').slice(-2).join('/');
}

export function summarize(path: string, top = 25): string {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const { functionName, url, lineNumber } = n.callFrame;
    const key = `${functionName || '(anonymous)'} ${url ? `${area(url)}:${lineNumber + 1}` : ''}`.trim();
    fn.set(key, (fn.get(key) ?? 0) + us);
    const a =
      functionName === '(idle)' || functionName === '(program)' || functionName === '(garbage collector)'
        ? functionName
        : area(url);
    pkg.set(a, (pkg.get(a) ?? 0) + us);
  }
  const rows = (m: Map<string, number>) =>
    [...m]
      .sort((x, y) => y[1] - x[1])
      .slice(0, top)
      .map(([k, us]) => ({
        where: k.slice(0, 90),
        ms: Math.round(us / 1000),
        '%': Number(((100 * us) / total).toFixed(1)),
      }));
  // Inclusive time of the product's own functions (src/), to see which step pays.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  for (const [id, us] of self) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const { functionName, url, lineNumber } = byId.get(cur)!.callFrame;
      if (!url.includes('/src/') || url.includes('node_modules')) continue;
      const key = `${functionName || '(anonymous)'} ${area(url)}/${url.split('/').pop()}:${lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  return (
    `${path}: ${(total / 1e6).toFixed(1)} s sampled\n` +
    table('self time by package / folder', rows(pkg)) +
    table('self time by function', rows(fn)) +
    table('inclusive time of src/ functions', rows(inclusive))
  );
}

export const PROFILE_DIR = fileURLToPath(new URL('../profiles/', import.meta.url));

/**
 * Node flags for a server child when BENCH_PROFILE is set: one folder per bench, emptied
 * first. (tsx's loader thread writes a profile of its own there too; the largest file is the
 * server's main thread.)
 */
export function profileArgs(name: string): string[] {
  if (!process.env.BENCH_PROFILE) return [];
  const dir = join(PROFILE_DIR, name);
  rmSync(dir, { recursive: true, force: true });
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`];
}

/** Prints the summary of the server's profile, when BENCH_PROFILE is set. */
export function reportProfile(name: string, top = 20): void {
  if (!process.env.BENCH_PROFILE) return;
  const dir = join(PROFILE_DIR, name);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(dir, f));
  const main = files.sort((a, b) => statSync(b).size - statSync(a).size)[0];
  if (main) console.log(summarize(main, top));
}

if (isMain(import.meta.url)) console.log(summarize(process.argv[2]!, Number(process.argv[3] ?? 25)));
