// `ent-idp rollover --to 2027-2028 [--uai <UAI>]… [--dry-run]`: switches the schools' year in
// force once the new year's roster is imported (domain/rollover.ts). Pupils who left, and
// relatives with no child left, are blocked and dated for the retention; the summary lists
// them. --dry-run prints the same summary and writes nothing.
import { rollover, type RolloverReport } from '../../domain/rollover.js';
import { listOption, registerCommand, UsageError } from '../commands.js';
import { withDomain } from '../with-domain.js';

const PROFILES = ['Student', 'Teacher', 'Personnel', 'Relative'] as const;

export function rolloverSummary(r: RolloverReport): string[] {
  const lines = [
    r.dryRun
      ? `dry run, nothing written: would switch ${r.structures.length} school(s) to ${r.to}`
      : `switched ${r.structures.length} school(s) to ${r.to}`,
    ...r.structures.map((s) => `  ${s.uai} ${s.name}: ${s.from} → ${r.to}`),
    `classes of ${r.to} (${PROFILES.join(', ')}):`,
    ...r.classes.map((c) => `  ${c.uai}\t${c.name}\t${PROFILES.map((p) => c.counts[p]).join('\t')}`),
  ];
  const pupils = r.departed.filter((a) => a.profile === 'Student').length;
  lines.push(
    `departed: ${pupils} pupil(s), ${r.departed.length - pupils} relative(s) ${r.dryRun ? 'would be' : 'were'} blocked`,
  );
  for (const a of r.departed) lines.push(`  ${[a.uai, a.login, a.name, a.profile, a.className ?? ''].join('\t')}`);
  return lines;
}

registerCommand({
  name: 'rollover',
  usage: '--to 2027-2028 [--uai <UAI>]… [--dry-run]',
  summary: "switch the schools' year in force to the new school year, blocking the pupils who left",
  description:
    "Run after the new year's import (import --school-year 2027-2028, or import-aaf). For each school (--uai, repeatable or comma-separated; default: every school with classes): the classes of the new year start granting access and last year's stop; pupils with a class last year and none in the new year, and their relatives when no child is left, are marked departed and blocked (sessions end); everyone else keeps their password and activation state. Refused when going backwards or when a school has no class for the new year. Departed accounts are deleted by purge after DEPARTED_RETENTION_DAYS. --dry-run prints the summary and writes nothing.",
  options: { to: { type: 'string' }, uai: { type: 'string', multiple: true }, 'dry-run': { type: 'boolean' } },
  async run({ positionals, values }, ctx) {
    if (positionals.length) throw new UsageError(`rollover: unexpected argument "${positionals[0]}"`);
    const to = values.to;
    if (typeof to !== 'string' || !/^\d{4}-\d{4}$/.test(to))
      throw new UsageError('rollover: --to must look like 2027-2028');
    const uais = listOption(values.uai).map((u) => u.toUpperCase());
    if (uais.some((u) => !/^\d{7}[A-Z]$/.test(u)))
      throw new UsageError('rollover: --uai takes UAIs (7 digits and a letter)');
    const report = await withDomain(ctx, 'rollover', (domain) =>
      rollover(domain, { to, uais, dryRun: Boolean(values['dry-run']) }),
    );
    for (const line of rolloverSummary(report)) ctx.print(line);
  },
});
