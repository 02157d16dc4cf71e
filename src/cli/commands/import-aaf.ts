// `ent-idp import-aaf <folder or files…> [--dry-run] [--school-year] [--uai …]`: the national
// directory's XML files (README « Import from the national directory (AAF) »). One problem
// anywhere and nothing is written; each is listed as `file:record (line): reason` on stderr.
import { setFlagsFromString } from 'node:v8';
import { AafInvalid, importAaf, type AafReport } from '../../domain/roster/aaf/index.js';
import { CliError, registerCommand, UsageError } from '../commands.js';
import { withDomain } from '../with-domain.js';
import { importSummary } from './import.js';

const MAX_LISTED_ERRORS = 200;
/**
 * SQLite's page cache while importing: an académie's import writes 100,000 accounts once in
 * one transaction, and the server's 32 MiB cache (kept for requests' hot indexes) was ~30 MB
 * of this process's resident memory, a tenth of its 300 MB target (BENCHMARKS.md « AAF import »).
 */
const SQLITE_CACHE_MIB = 8;
/**
 * How far V8 lets the heap grow past what its last full collection left live: 25 % here. By
 * default it may grow it up to 4× while a program allocates fast, and an import allocates
 * fast: ~95 MB live became 300 MB of heap (peak RSS 400 MB at 100,000 persons, 290 MB with
 * this). No ceiling is set: a bigger académie needs more memory, never meets an
 * out-of-memory that the default would not; the price is more collections (none measurable
 * at 100,000 persons). Set at run time rather than as a node option so that every way of
 * starting the command (`npm run cli`, the `ent-idp` bin, bench/aaf.ts) gets it; V8 reads
 * this flag each time it sets the next limit.
 */
const HEAP_GROWING = '--heap-growing-percent=25';
const UAI = /^\d{7}[A-Z]$/;

function summary(r: AafReport): string[] {
  return [
    ...r.files.map((f) => `${f.name}: ${f.records} record(s) (${f.kind})`),
    ...importSummary(r),
    `  deleteRequest: ${r.departed} account(s) ${r.dryRun ? 'would leave' : 'left'} their classes and ${r.dryRun ? 'would be' : 'were'} blocked; ${r.droppedLinks} parent link(s) dropped`,
    `  PersRelEleve records that no pupil names as a legal guardian (not imported): ${r.relativesWithoutPupil}`,
  ];
}

registerCommand({
  name: 'import-aaf',
  usage: '<folder or files…> [--dry-run] [--school-year 2026-2027] [--uai 0800001A,0800002B] [--ent-address <url>]',
  summary: 'import the national directory (AAF XML: full export or delta), idempotent on the national ids',
  description:
    "Reads *_EtabEducNat_*, *_Eleve_*, *_PersRelEleve_*, *_PersEducNat_* XML files (a folder: every such file in it), full exports and deltas (addRequest, modifyRequest, deleteRequest), onto the same plan as `import`. --uai lists the académie's schools: a file naming another is refused. --dry-run prints what would change.",
  options: {
    'dry-run': { type: 'boolean' },
    'school-year': { type: 'string' },
    uai: { type: 'string' },
    'ent-address': { type: 'string' },
  },
  async run({ positionals, values }, ctx) {
    if (!positionals.length) throw new UsageError('import-aaf: missing <folder or files>');
    setFlagsFromString(HEAP_GROWING);
    const schoolYear = values['school-year'] as string | undefined;
    if (schoolYear !== undefined && !/^(\d{4})-(\d{4})$/.test(schoolYear))
      throw new UsageError('import-aaf: --school-year must look like 2026-2027');
    const entAddress = values['ent-address'] as string | undefined;
    if (entAddress !== undefined && !URL.canParse(entAddress))
      throw new UsageError('import-aaf: --ent-address must be an absolute URL');
    const uaiList = values.uai as string | undefined;
    const allowedUais = uaiList?.split(',').map((u) => u.trim().toUpperCase());
    if (allowedUais?.some((u) => !UAI.test(u)))
      throw new UsageError('import-aaf: --uai is a comma-separated list of UAIs (7 digits and a letter)');
    const result = await withDomain(
      ctx,
      'import-aaf',
      (domain) =>
        importAaf(domain, positionals, {
          dryRun: Boolean(values['dry-run']),
          schoolYear,
          entAddress,
          allowedUais,
        }).catch((err: unknown) => {
          if (err instanceof AafInvalid) {
            for (const e of err.problems.slice(0, MAX_LISTED_ERRORS)) ctx.printError(`${e.at}: ${e.message}`);
            if (err.problems.length > MAX_LISTED_ERRORS)
              ctx.printError(`… and ${err.problems.length - MAX_LISTED_ERRORS} more`);
            throw new CliError(`import-aaf: ${err.problems.length} problem(s), nothing imported`);
          }
          throw err;
        }),
      { sqliteCacheMiB: SQLITE_CACHE_MIB },
    );
    for (const u of result.unknownAttributes)
      ctx.printError(`warning: unknown attribute ${u.name} ignored (${u.count} record(s), first ${u.first})`);
    for (const line of summary(result)) ctx.print(line);
  },
});
