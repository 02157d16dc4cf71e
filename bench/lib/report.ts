// Printing: tables, ratios against targets, percentiles, and the machine the run was on.
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export type Cell = string | number;

export function fmt(value: Cell, digits = 1): string {
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(digits);
}

export function table(title: string, rows: Record<string, Cell>[]): string {
  if (!rows.length) return `${title}\n  (no rows)\n`;
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cells = rows.map((r) => columns.map((c) => (r[c] === undefined ? '' : fmt(r[c]!, 2))));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) => `| ${values.map((v, i) => v.padEnd(widths[i]!)).join(' | ')} |`;
  return (
    [`\n${title}`, line(columns), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join(
      '\n',
    ) + '\n'
  );
}

/** One figure compared with its target. */
export interface Finding {
  bench: string;
  name: string;
  value: number;
  unit: string;
  target: string;
  met: boolean | null;
}

export function findingLine(f: Finding): string {
  const verdict = f.met === null ? 'n/a' : f.met ? 'MET' : 'MISSED';
  return `${f.bench.padEnd(7)} ${f.name.padEnd(46)} ${fmt(f.value, 2).padStart(9)} ${f.unit.padEnd(6)} target ${f.target.padEnd(10)} ${verdict}`;
}

/** The middle value (the mean of the two middle ones for an even count); values in any order. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}

export function machine(): Record<string, string> {
  const sh = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
    } catch {
      return '?';
    }
  };
  return {
    nproc: sh('nproc', []),
    cpu: cpus()[0]?.model ?? '?',
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB total, ${(freemem() / 2 ** 30).toFixed(1)} GiB free`,
    node: process.version,
    load: loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
    uptime: sh('uptime', []),
  };
}

export function machineLine(): string {
  const m = machine();
  return `machine: ${m.nproc} CPU (${m.cpu}), ${m.memory}, node ${m.node}, load ${m.load}`;
}

/** True when this module is the script node was started with (`npx tsx bench/x.ts`). */
export function isMain(metaUrl: string): boolean {
  return process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === metaUrl;
}

/**
 * Runs a bench when its file is the one started (`npx tsx bench/<name>.ts`), not when
 * `npm run bench` imports it: exit 0 when done, its error printed and exit 1 when it fails.
 */
export function runIfMain(metaUrl: string, run: () => Promise<unknown>): void {
  if (!isMain(metaUrl)) return;
  run().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}

/** Bench knobs from the environment (BENCH_<NAME>), with defaults. */
export function knob(name: string, fallback: number): number {
  const raw = process.env[`BENCH_${name}`];
  const value = raw === undefined || raw === '' ? NaN : Number(raw);
  return Number.isFinite(value) ? value : fallback;
}

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux); NaN elsewhere. */
export function processCpuMs(pid: number): number {
  return cpuMsOf(`/proc/${pid}/stat`);
}

/** CPU time (ms) of a process's main thread only (its thread id is its pid). */
export function mainThreadCpuMs(pid: number): number {
  return cpuMsOf(`/proc/${pid}/task/${pid}/stat`);
}

function cpuMsOf(statFile: string): number {
  try {
    const stat = readFileSync(statFile, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime, all threads
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}
