// Import from the national directory (AAF): the XML files an académie sends an ENT, full
// exports or deltas, onto the same plan as the CSV roster (README « Import from the national
// directory (AAF) »).
//
//   list the files (a folder's *_EtabEducNat_* *_Eleve_* *_PersRelEleve_* *_PersEducNat_*)
//   stream each file (xml.ts: sax, no DTD) ─ malformed ─▶ AafInvalid(file:record), nothing written
//     └ fold its records by national id (collect.ts) ─ duplicate id, no id ─▶ AafInvalid
//   in one transaction (a read for --dry-run):
//     entries → the roster's rows (to-rows.ts; a delta's people are rebuilt from the database)
//       ─ two classes, unknown relative or structure, UAI not in --uai ─▶ AafInvalid
//     checkRow on each row, planImport, apply (the CSV's steps) ─ invalid ─▶ AafInvalid
//     deleteRequests: out of the year's classes, roles and links, blocked (sessions end)
//     one `aaf.import` audit event
//
// Idempotent on the national id (accounts.externalId): the same files twice change nothing.
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { In, type EntityManager } from 'typeorm';
import { Account, Membership, RelativeLink, RoleAssignment, SchoolClass } from '../../../db/entities/index.js';
import { applyBlock } from '../../blocking.js';
import { DomainError } from '../../errors.js';
import type { Domain } from '../../index.js';
import { importRows, type ImportOptions, type ImportReport } from '../index.js';
import { RosterInvalid } from '../plan.js';
import { checkRow, type RosterRow, type RowError } from '../rows.js';
import { collect, emptyCollection, fileKind, FILE_KINDS, type FileKind } from './collect.js';
import { aafRows } from './to-rows.js';
import { AafFileRefused, readAafFile, type AafError } from './xml.js';

export type { AafError } from './xml.js';

export interface AafImportOptions extends ImportOptions {
  /** The académie's UAIs (`--uai`): a structure outside it is refused. Default: any. */
  allowedUais?: readonly string[];
}

export interface AafReport extends ImportReport {
  files: { name: string; kind: FileKind; records: number }[];
  /** Accounts a deleteRequest took out of their classes and blocked (or would). */
  departed: number;
  /** Relative links dropped because the pupil's record no longer names the relative. */
  droppedLinks: number;
  /** PersRelEleve records no pupil names as a legal guardian: no account is made for them. */
  relativesWithoutPupil: number;
  /** Attributes neither read nor known to be left out: a warning for the operator. */
  unknownAttributes: { name: string; count: number; first: string }[];
}

/** The import is refused; nothing was written. Every problem names its `file:record`. */
export class AafInvalid extends DomainError {
  override name = 'AafInvalid';
  readonly problems: readonly AafError[];
  constructor(problems: readonly AafError[]) {
    const seen = new Set<string>();
    const unique = problems.filter(
      (p) => !seen.has(`${p.at}\u0000${p.message}`) && seen.add(`${p.at}\u0000${p.message}`),
    );
    super('invalid', 'invalid_aaf', `${unique.length} problem(s) in the AAF files`, {
      detail: unique.map((p) => `${p.at}: ${p.message}`).join('\n'),
    });
    this.problems = unique;
  }
}

/** The roster's column names in a row error, told as the AAF attribute they come from. */
const ATTRIBUTE_OF_COLUMN: Record<string, string> = {
  uai: 'ENTPersonStructRattach',
  structure: 'ENTStructureNomCourant',
  classe: 'ENTEleveClasses/ENTAuxEnsClassesMatieres',
  nom: 'sn',
  prenom: 'givenName',
  date_naissance: 'ENTPersonDateNaissance',
  id_externe: 'ENTPersonJointure',
  parents_de: 'ENTElevePersRelEleve',
  email: 'mail',
};

const inAafTerms = (message: string) =>
  message.replace(/^(\w+):/, (all, column: string) =>
    ATTRIBUTE_OF_COLUMN[column] ? `${ATTRIBUTE_OF_COLUMN[column]}:` : all,
  );

/** The AAF files among `paths` (files, or folders read one level deep), in FILE_KINDS order. */
export async function listAafFiles(paths: readonly string[]): Promise<{ path: string; kind: FileKind }[]> {
  const files: { path: string; kind: FileKind }[] = [];
  for (const path of paths) {
    const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
      throw new AafInvalid([{ at: path, message: `cannot read (${err.code ?? err.message})` }]);
    });
    if (info.isDirectory()) {
      for (const name of (await readdir(path)).sort()) {
        const kind = name.toLowerCase().endsWith('.xml') ? fileKind(name) : null;
        if (kind) files.push({ path: join(path, name), kind });
      }
      continue;
    }
    const kind = fileKind(basename(path));
    if (!kind)
      throw new AafInvalid([
        { at: basename(path), message: 'the name says none of _EtabEducNat_, _Eleve_, _PersRelEleve_, _PersEducNat_' },
      ]);
    files.push({ path, kind });
  }
  if (!files.length) throw new AafInvalid([{ at: paths.join(' '), message: 'no AAF file found' }]);
  const order = FILE_KINDS.map(([, kind]) => kind);
  return files.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || a.path.localeCompare(b.path));
}

export async function importAaf(
  domain: Domain,
  paths: readonly string[],
  options: AafImportOptions = {},
): Promise<AafReport> {
  const files = await listAafFiles(paths);
  const collected = emptyCollection();
  const counts: AafReport['files'] = [];
  for (const { path, kind } of files) {
    let records = 0;
    try {
      await readAafFile(path, (record) => {
        records++;
        collect(kind, record, collected);
      });
    } catch (err) {
      if (err instanceof AafFileRefused) throw new AafInvalid([err.error]);
      throw err;
    }
    counts.push({ name: basename(path), kind, records });
  }
  if (collected.errors.length) throw new AafInvalid(collected.errors);

  const allowedUais = options.allowedUais ? new Set(options.allowedUais.map((u) => u.toUpperCase())) : null;
  let origins: string[] = [];
  let departing: { accountId: string; origin: string }[] = [];
  let droppedLinks: { relativeId: string; studentId: string }[] = [];
  let relativesWithoutPupil = 0;
  const rowsOf = async (manager: EntityManager, schoolYear: string): Promise<RosterRow[]> => {
    const rows: RosterRow[] = [];
    const rowErrors: RowError[] = [];
    // Each row is checked as it is made: the raw ones are never all held.
    const built = await aafRows(manager, collected, { schoolYear, allowedUais }, (raw) => {
      const checked = checkRow(raw);
      if ('row' in checked) rows.push(checked.row);
      else rowErrors.push(...checked.errors);
    });
    ({ origins, departing, droppedLinks, relativesWithoutPupil } = built);
    // The records are in the rows now: let them go (an académie's are 100,000 persons).
    collected.people.clear();
    collected.structures.clear();
    const errors = [
      ...built.errors,
      ...rowErrors.map((e) => ({ at: origins[e.line]!, message: inAafTerms(e.message) })),
    ];
    if (errors.length) throw new AafInvalid(errors);
    return rows;
  };
  const result = await importRows(domain, rowsOf, options, {
    action: 'aaf.import',
    afterPlan: async (manager, { dryRun, schoolYear }) => {
      const departed = await applyDepartures(domain, manager, departing, schoolYear, dryRun);
      if (!dryRun) for (const link of droppedLinks) await manager.delete(RelativeLink, link);
      return { departed, droppedLinks: droppedLinks.length };
    },
  }).catch((err: unknown) => {
    if (err instanceof RosterInvalid)
      throw new AafInvalid(err.errors.map((e) => ({ at: origins[e.line] ?? '?', message: inAafTerms(e.message) })));
    throw err;
  });
  const { extra, ...report } = result;
  return {
    ...report,
    files: counts,
    departed: extra?.departed ?? 0,
    droppedLinks: extra?.droppedLinks ?? 0,
    relativesWithoutPupil,
    unknownAttributes: [...collected.unknown].map(([name, { count, first }]) => ({ name, count, first })),
  };
}

/**
 * A deleteRequest: the person leaves the year's classes (memberships, class-admin roles) and
 * their relative links, and is blocked through the one block path, so their sessions end.
 * The account and its history stay (retention is a separate decision). Returns how many
 * accounts changed: an account already out and blocked counts for nothing, so a delta
 * imported twice changes nothing the second time.
 */
async function applyDepartures(
  domain: Domain,
  manager: EntityManager,
  departing: readonly { accountId: string; origin: string }[],
  schoolYear: string,
  dryRun: boolean,
): Promise<number> {
  if (!departing.length) return 0;
  const ids = departing.map((d) => d.accountId);
  const accounts = await manager.find(Account, { where: { id: In(ids) } });
  const memberships = await manager.find(Membership, { where: { accountId: In(ids) } });
  const classes = new Set(
    (await manager.find(SchoolClass, { where: { id: In([...new Set(memberships.map((m) => m.classId)), '']) } }))
      .filter((c) => c.schoolYear === schoolYear)
      .map((c) => c.id),
  );
  const roles = (await manager.find(RoleAssignment, { where: { accountId: In(ids), role: 'class-admin' } })).filter(
    (r) => classes.has(r.scopeId),
  );
  const links = [
    ...(await manager.find(RelativeLink, { where: { relativeId: In(ids) } })),
    ...(await manager.find(RelativeLink, { where: { studentId: In(ids) } })),
  ];
  let changed = 0;
  for (const account of accounts) {
    const mine = {
      memberships: memberships.filter((m) => m.accountId === account.id && classes.has(m.classId)),
      roles: roles.filter((r) => r.accountId === account.id),
      links: links.filter((l) => l.relativeId === account.id || l.studentId === account.id),
    };
    const blocked = account.blockedAt !== null;
    if (blocked && !mine.memberships.length && !mine.roles.length && !mine.links.length) continue;
    changed++;
    if (dryRun) continue;
    for (const m of mine.memberships) await manager.delete(Membership, { accountId: m.accountId, classId: m.classId });
    for (const r of mine.roles) await manager.delete(RoleAssignment, r);
    for (const l of mine.links)
      await manager.delete(RelativeLink, { relativeId: l.relativeId, studentId: l.studentId });
    if (!blocked)
      await applyBlock(manager, domain, {
        accountId: account.id,
        block: true,
        actorId: null,
        detail: { via: 'aaf', reason: 'deleteRequest' },
      });
  }
  return changed;
}
