// `ent-idp import <file.csv> [--dry-run]`: the school's roster (format in the README). Every
// row is checked first; one invalid row and nothing is written (each error is listed with its
// line number on stderr). New accounts and their activation codes are printed.
import { readFile } from 'node:fs/promises';
import { importRoster, RosterFileError, RosterInvalid, type ImportReport } from '../../domain/roster/index.js';
import { CliError, refusal, registerCommand, UsageError } from '../commands.js';
import { withDomain } from '../with-domain.js';

const MAX_LISTED_ERRORS = 200;

/** The counts and new accounts of an import, as printed (shared with import-aaf). */
export function importSummary(r: ImportReport): string[] {
  const lines = [
    `${r.dryRun ? 'dry run, nothing written: would import' : 'imported'} ${r.rows} row(s) for school year ${r.schoolYear}`,
    `  accounts: ${r.accounts.created} created, ${r.accounts.updated} updated, ${r.accounts.unchanged} unchanged`,
    `  structures: ${r.structures.created} created, ${r.structures.renamed} renamed; classes: ${r.classes.created} created`,
    `  memberships: +${r.memberships.added} -${r.memberships.removed}; class-admin roles: +${r.roles.added} -${r.roles.removed}; parent links: +${r.links.added} -${r.links.removed}`,
  ];
  if (r.newAccounts.length) {
    lines.push(
      r.dryRun
        ? 'new accounts (identifiant, name, profile, class):'
        : 'new accounts (identifiant, activation code, name, profile, class):',
    );
    for (const a of r.newAccounts)
      lines.push([a.login, ...(r.dryRun ? [] : [a.code ?? '']), a.name, a.profile, a.className ?? ''].join('\t'));
  }
  return lines;
}

registerCommand({
  name: 'import',
  usage: '<file.csv> [--dry-run] [--school-year 2026-2027] [--ent-address <url>]',
  summary: 'import a class roster (CSV), idempotent on id_externe',
  description:
    'Columns: uai;structure;classe;nom;prenom;date_naissance;profil;id_externe;parents_de;email (";" or ","; UTF-8). New accounts get identifiants prenom.nom and an activation code; re-importing updates names, emails, classes and parent links without duplicating anyone. --dry-run prints what would change. --school-year names the classes\' year (default: the current one); --ent-address is printed on the connection sheets of schools the import creates (default: ISSUER).',
  options: { 'dry-run': { type: 'boolean' }, 'school-year': { type: 'string' }, 'ent-address': { type: 'string' } },
  async run({ positionals, values }, ctx) {
    const [file, extra] = positionals;
    if (!file) throw new UsageError('import: missing <file.csv>');
    if (extra) throw new UsageError(`import: unexpected argument "${extra}"`);
    const schoolYear = values['school-year'] as string | undefined;
    if (schoolYear !== undefined && !/^(\d{4})-(\d{4})$/.test(schoolYear))
      throw new UsageError('import: --school-year must look like 2026-2027');
    const entAddress = values['ent-address'] as string | undefined;
    if (entAddress !== undefined && !URL.canParse(entAddress))
      throw new UsageError('import: --ent-address must be an absolute URL');
    const content = await readFile(file).catch((err: NodeJS.ErrnoException) => {
      throw new CliError(`import: cannot read ${file} (${err.code ?? err.message})`);
    });
    // Caught inside withDomain's work: the roster's errors name the file, and RosterInvalid
    // lists its lines before the one ent-idp line.
    const result = await withDomain(ctx, 'import', (domain) =>
      importRoster(domain, content, { dryRun: Boolean(values['dry-run']), schoolYear, entAddress }).catch(
        (err: unknown) => {
          if (err instanceof RosterFileError) throw refusal(`import: ${file}`, err);
          if (err instanceof RosterInvalid) {
            for (const e of err.errors.slice(0, MAX_LISTED_ERRORS)) ctx.printError(`${file}:${e.line}: ${e.message}`);
            if (err.errors.length > MAX_LISTED_ERRORS)
              ctx.printError(`… and ${err.errors.length - MAX_LISTED_ERRORS} more`);
            throw new CliError(`import: ${err.errors.length} error(s) in ${file}, nothing imported`);
          }
          throw err;
        },
      ),
    );
    for (const line of importSummary(result)) ctx.print(line);
  },
});
