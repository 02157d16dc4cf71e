// bench/aaf.ts — the national directory import at académie scale: generates an AAF full
// export of BENCH_AAF_PERSONS persons (default 100,000: half pupils in classes of 25, a
// legal guardian for most of them, a teacher per class) and imports it with the compiled
// CLI, timed by /usr/bin/time (wall clock and peak RSS of the importing process), on SQLite
// and on MariaDB when TEST_DATABASE_URL is set. Target: < 5 min and < 300 MB.
//
//   npx tsx bench/aaf.ts          BENCH_AAF_PERSONS=20000 npx tsx bench/aaf.ts
//   BENCH_PROFILE=1 …              also profiles the import (--cpu-prof) and prints where its CPU went
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt } from './lib/proc.js';
import { knob, machineLine, table } from './lib/report.js';
import { mysqlTarget, sqliteTarget, type Target } from './lib/setup.js';
import { profileArgs, reportProfile } from './lib/profile-summary.js';

const PERSONS = knob('AAF_PERSONS', 100_000);
// BENCH_DIST names another build to measure (A/B: build the other tree, point at its dist/).
const CLI = join(process.env.BENCH_DIST ?? 'dist', 'src/cli/index.js');
const PUPILS_PER_CLASS = 25;
const CLASSES_PER_SCHOOL = 20;

/** One AAF file, written record by record (the generator never holds the file either). */
function writeAaf(path: string, records: Iterable<string>): void {
  const fd = openSync(path, 'w');
  writeSync(fd, '<?xml version="1.0" encoding="UTF-8"?>\n<ficAlimMENESR>\n');
  let buffer = '';
  for (const record of records) {
    buffer += record;
    if (buffer.length > 1 << 20) {
      writeSync(fd, buffer);
      buffer = '';
    }
  }
  writeSync(fd, buffer + '</ficAlimMENESR>\n');
  closeSync(fd);
}

const attr = (name: string, ...values: string[]) =>
  `<attr name="${name}">${values.map((v) => `<value>${v}</value>`).join('')}</attr>`;
const add = (id: string, ...attrs: string[]) =>
  `<addRequest><identifier><id>${id}</id></identifier><attributes>${attrs.join('')}</attributes></addRequest>\n`;

function generate(dir: string): { pupils: number; relatives: number; teachers: number; schools: number; mb: number } {
  const pupils = Math.round(PERSONS * 0.5);
  const classes = Math.ceil(pupils / PUPILS_PER_CLASS);
  const relatives = PERSONS - pupils - classes;
  const schools = Math.ceil(classes / CLASSES_PER_SCHOOL);
  const jointure = (s: number) => `J${s}`;
  const uai = (s: number) => `${String(800000 + s).padStart(7, '0')}A`;
  const classOf = (p: number) => Math.floor(p / PUPILS_PER_CLASS);
  const schoolOf = (c: number) => Math.floor(c / CLASSES_PER_SCHOOL);
  writeAaf(
    join(dir, 'BENCH_EtabEducNat_0000.xml'),
    (function* () {
      for (let s = 0; s < schools; s++)
        yield add(jointure(s), attr('ENTStructureUAI', uai(s)), attr('ENTStructureNomCourant', `ECOLE ${s}`));
    })(),
  );
  writeAaf(
    join(dir, 'BENCH_Eleve_0000.xml'),
    (function* () {
      for (let p = 0; p < pupils; p++) {
        const c = classOf(p);
        const s = schoolOf(c);
        yield add(
          `E${p}`,
          attr('sn', `Nom${p % 5000}`),
          attr('givenName', `Prenom${p % 300}`),
          attr('ENTPersonDateNaissance', `${String((p % 28) + 1).padStart(2, '0')}/0${(p % 9) + 1}/2015`),
          attr('ENTPersonStructRattach', jointure(s)),
          attr('ENTEleveClasses', `${jointure(s)}$C${c % CLASSES_PER_SCHOOL}`),
          p < relatives ? attr('ENTElevePersRelEleve', `R${p}$10$1$1$1$1`) : '',
        );
      }
    })(),
  );
  writeAaf(
    join(dir, 'BENCH_PersRelEleve_0000.xml'),
    (function* () {
      for (let r = 0; r < relatives; r++)
        yield add(`R${r}`, attr('sn', `Nom${r % 5000}`), attr('givenName', `Parent${r % 300}`));
    })(),
  );
  writeAaf(
    join(dir, 'BENCH_PersEducNat_0000.xml'),
    (function* () {
      for (let c = 0; c < classes; c++) {
        const s = schoolOf(c);
        yield add(
          `T${c}`,
          attr('sn', `Prof${c}`),
          attr('givenName', 'Ens'),
          attr('ENTPersonStructRattach', jointure(s)),
          attr('ENTAuxEnsClassesMatieres', `${jointure(s)}$C${c % CLASSES_PER_SCHOOL}$GENERALISTE`),
        );
      }
    })(),
  );
  const mb =
    ['EtabEducNat', 'Eleve', 'PersRelEleve', 'PersEducNat']
      .map((k) => statSync(join(dir, `BENCH_${k}_0000.xml`)).size)
      .reduce((a, b) => a + b, 0) /
    1024 /
    1024;
  return { pupils, relatives, teachers: classes, schools, mb };
}

function run(target: Target, dir: string) {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'test', DATABASE_URL: target.url };
  execFileSync(process.execPath, [CLI, 'migrate'], { env, stdio: 'ignore' });
  // --school-year keeps the run independent of the date.
  const timed = spawnSync(
    '/usr/bin/time',
    [
      '-f',
      'TIME %e %M',
      process.execPath,
      ...profileArgs(`aaf-${target.kind}`),
      CLI,
      'import-aaf',
      dir,
      '--school-year',
      '2026-2027',
    ],
    { env, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 << 20 },
  );
  const line = timed.stderr.split('\n').find((l) => l.startsWith('TIME ')) ?? '';
  const [, seconds, kib] = line.split(' ');
  if (timed.status !== 0) throw new Error(`import-aaf failed: ${timed.stderr.slice(0, 2000)}`);
  reportProfile(`aaf-${target.kind}`);
  return { seconds: Number(seconds), peakMb: Number(kib) / 1024 };
}

async function main(): Promise<void> {
  ensureBuilt();
  console.log(machineLine());
  const dir = mkdtempSync(join(tmpdir(), 'ent-idp-aaf-bench-'));
  try {
    const started = Date.now();
    const g = generate(dir);
    console.log(
      `generated ${PERSONS} persons (${g.pupils} pupils, ${g.relatives} relatives, ${g.teachers} teachers, ${g.schools} schools): ${g.mb.toFixed(1)} MB in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    const targets: Target[] = [sqliteTarget()];
    if (process.env.TEST_DATABASE_URL) {
      const mysql = await mysqlTarget();
      if ('unreachable' in mysql) console.log(`MariaDB skipped: ${mysql.unreachable}`);
      else targets.push(mysql);
    }
    const rows = [];
    for (const target of targets) {
      try {
        const r = run(target, dir);
        rows.push({
          database: target.kind === 'sqlite' ? 'SQLite' : 'MariaDB',
          persons: PERSONS,
          seconds: r.seconds,
          'peak RSS MB': r.peakMb,
          'time / 5 min': r.seconds / 300,
          'RSS / 300 MB': r.peakMb / 300,
        });
      } finally {
        await target.drop();
      }
    }
    console.log(table('AAF full import (import-aaf, one transaction)', rows));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
