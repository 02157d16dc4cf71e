// Roster import: a school's CSV of students, parents, teachers and personnel (format in the
// README, example in config/examples/roster.csv).
//
//   parse (header, delimiter, BOM) ─ unreadable ─▶ RosterFileError, nothing written
//   check every row ─ any invalid ─▶ RosterInvalid with every line's errors, nothing written
//   one transaction: plan against the database (duplicates, unknown children ─▶ RosterInvalid)
//                    create structures, classes, accounts (batched), update changed accounts,
//                    sync memberships / class-admin roles / relative links,
//                    an activation code per new account, one `roster.import` audit event
//   --dry-run: the same plan, read outside any transaction, nothing written
//
// The steps after parsing (importRows) are shared with the AAF import (aaf/index.ts), which
// turns the national directory's records into the same RosterRows.
//
// Idempotent on id_externe: importing the same file twice changes nothing the second time.
import { In, type EntityManager } from 'typeorm';
import { Account, Membership, RelativeLink, RoleAssignment, SchoolClass, Structure } from '../../db/entities/index.js';
import type { Domain } from '../index.js';
import { insertMany } from '../../db/bulk-insert.js';
import { chunks } from '../../db/chunks.js';
import { currentSchoolYear } from '../school-year.js';
import { parseRoster } from './csv.js';
import { planImport, RosterInvalid, type Plan, type PlannedAccount, type PlanOptions } from './plan.js';
import { checkRow, type RosterRow, type RowError } from './rows.js';

export { RosterFileError } from './csv.js';
export { RosterInvalid } from './plan.js';
export type { RowError } from './rows.js';

export interface ImportOptions {
  dryRun?: boolean;
  /** e.g. 2026-2027; default: the current school year (SCHOOL_YEAR_START). */
  schoolYear?: string;
  /** ENT address of structures the import creates; default: the issuer. */
  entAddress?: string;
}

export interface ImportReport {
  dryRun: boolean;
  rows: number;
  schoolYear: string;
  structures: { created: number; renamed: number };
  classes: { created: number };
  accounts: { created: number; updated: number; unchanged: number };
  memberships: { added: number; removed: number };
  roles: { added: number; removed: number };
  links: { added: number; removed: number };
  /** New accounts, with their activation code (null in a dry run). */
  newAccounts: (Omit<PlannedAccount, 'id' | 'classId'> & { code: string | null })[];
}

/** Validates every row; throws RosterInvalid listing them all when one is wrong. */
export function checkRows(content: Buffer | string): RosterRow[] {
  const rows: RosterRow[] = [];
  const errors: RowError[] = [];
  for (const raw of parseRoster(content)) {
    const checked = checkRow(raw);
    if ('errors' in checked) errors.push(...checked.errors);
    else rows.push(checked.row);
  }
  if (errors.length) throw new RosterInvalid(errors);
  return rows;
}

/**
 * Writes the plan. Each list is emptied once written (an académie's import plans 100,000
 * accounts, memberships and links: the report needs only their counts, taken before).
 */
async function apply(domain: Domain, manager: EntityManager, plan: Plan): Promise<Map<string, string>> {
  const { codes } = domain;
  // Batches small enough for SQLite's and MySQL's placeholder limits, as multi-row INSERTs.
  const insert = async <T extends object>(entity: new () => T, rows: T[], size = 200) => {
    await insertMany(manager, entity, rows, size);
    rows.length = 0;
  };
  await insert(Structure, plan.structures.create);
  for (const { id, name } of plan.structures.rename) await manager.update(Structure, { id }, { name });
  await insert(SchoolClass, plan.classes);
  await insert(Account, plan.accounts.create);
  for (const { id, changes } of plan.accounts.update) await manager.update(Account, { id }, changes);
  for (const m of plan.memberships.remove) await manager.delete(Membership, m);
  await insert(Membership, plan.memberships.add, 500);
  for (const r of plan.roles.remove) await manager.delete(RoleAssignment, { ...r, role: 'class-admin' });
  await insert(RoleAssignment, plan.roles.add, 500);
  for (const l of plan.links.remove) await manager.delete(RelativeLink, l);
  await insert(RelativeLink, plan.links.add, 500);
  // The accounts were created just above: no code of theirs to revoke.
  return codes.generateForNewAccounts(
    manager,
    plan.created.map((account) => ({ accountId: account.id, createdBy: null, classId: account.classId })),
  );
}

type Counts = Omit<ImportReport, 'dryRun' | 'rows' | 'schoolYear' | 'newAccounts'>;

/** What the plan changes, counted (before `apply` empties its lists). */
function countsOf(plan: Plan): Counts {
  return {
    structures: { created: plan.structures.create.length, renamed: plan.structures.rename.length },
    classes: { created: plan.classes.length },
    accounts: {
      created: plan.accounts.create.length,
      updated: plan.accounts.update.length,
      unchanged: plan.accounts.unchanged,
    },
    memberships: { added: plan.memberships.add.length, removed: plan.memberships.remove.length },
    roles: { added: plan.roles.add.length, removed: plan.roles.remove.length },
    links: { added: plan.links.add.length, removed: plan.links.remove.length },
  };
}

function report(
  plan: Plan,
  counts: Counts,
  rows: number,
  schoolYear: string,
  dryRun: boolean,
  issued: Map<string, string>,
): ImportReport {
  return {
    dryRun,
    rows,
    schoolYear,
    ...counts,
    newAccounts: plan.created.map(({ id, classId: _classId, ...rest }) => ({ ...rest, code: issued.get(id) ?? null })),
  };
}

/** The rows and their plan; the rows are let go once planned (only their count is kept). */
async function planRows(
  manager: EntityManager,
  rowsOf: (manager: EntityManager, schoolYear: string) => Promise<RosterRow[]>,
  options: PlanOptions,
): Promise<{ plan: Plan; rowCount: number; nationalIds: Map<string, string[]> }> {
  const rows = await rowsOf(manager, options.schoolYear);
  // Kept apart (the rows themselves are let go once planned): id_externe → national ids.
  const nationalIds = new Map(rows.filter((r) => r.nationalIds?.length).map((r) => [r.externalId, r.nationalIds!]));
  return { plan: await planImport(manager, rows, options), rowCount: rows.length, nationalIds };
}

/**
 * The national ids rows carry (the CSV's optional `id_national`, the AAF's own ids of pupils
 * and parents) replace the accounts' previous ones: ÉduConnect links by them (issue 19).
 */
async function saveNationalIds(
  domain: Domain,
  manager: EntityManager,
  nationalIds: Map<string, string[]>,
): Promise<void> {
  if (!nationalIds.size) return;
  const accounts = new Map<string, string>();
  for (const part of chunks([...nationalIds.keys()]))
    for (const a of await manager.find(Account, {
      where: { externalId: In(part) },
      select: { id: true, externalId: true },
    }))
      accounts.set(a.externalId!, a.id);
  const byAccount = new Map<string, string[]>();
  for (const [externalId, ids] of nationalIds) {
    const accountId = accounts.get(externalId);
    if (accountId) byAccount.set(accountId, ids);
  }
  await domain.educonnect.setNationalIds(manager, byAccount);
}

export async function importRoster(
  domain: Domain,
  content: Buffer | string,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const rows = checkRows(content);
  return importRows(domain, () => Promise.resolve(rows), options, { action: 'roster.import' });
}

/** What a source adds to the shared steps (the AAF import's deletions). */
export interface ImportSource<Extra> {
  /** The audit event's action, e.g. `roster.import`. */
  action: string;
  /** Runs after the plan is applied (or in the dry run's read), in the same transaction; its counts join the report. */
  afterPlan?: (manager: EntityManager, plan: Plan, run: { dryRun: boolean; schoolYear: string }) => Promise<Extra>;
}

/**
 * The steps every roster source shares once it has checked rows: plan against the database,
 * then apply, the source's own step and one audit event in one transaction (a dry run only
 * plans, in a read). `rowsOf` runs in that same read or transaction, so a source that reads
 * the database to build its rows (an AAF delta) sees what the plan sees.
 */
export async function importRows<Extra extends Record<string, unknown> = Record<string, never>>(
  domain: Domain,
  rowsOf: (manager: EntityManager, schoolYear: string) => Promise<RosterRow[]>,
  options: ImportOptions,
  source: ImportSource<Extra>,
): Promise<ImportReport & { extra: Extra | null }> {
  const { config, db, audit } = domain;
  const planOptions = {
    schoolYear: options.schoolYear ?? currentSchoolYear(new Date(), config.codes.schoolYearStart),
    entAddress: options.entAddress ?? config.issuer,
  };
  if (options.dryRun) {
    return db.read(async (manager) => {
      const { plan, rowCount } = await planRows(manager, rowsOf, planOptions);
      const extra =
        (await source.afterPlan?.(manager, plan, { dryRun: true, schoolYear: planOptions.schoolYear })) ?? null;
      return { ...report(plan, countsOf(plan), rowCount, planOptions.schoolYear, true, new Map()), extra };
    });
  }
  return db.transaction(async (manager) => {
    const { plan, rowCount, nationalIds } = await planRows(manager, rowsOf, planOptions);
    const planned = countsOf(plan);
    const issued = await apply(domain, manager, plan);
    await saveNationalIds(domain, manager, nationalIds);
    const extra =
      (await source.afterPlan?.(manager, plan, { dryRun: false, schoolYear: planOptions.schoolYear })) ?? null;
    const result = report(plan, planned, rowCount, planOptions.schoolYear, false, issued);
    const { newAccounts: _list, dryRun: _dry, ...counts } = result;
    await audit.record(manager, { action: source.action, outcome: 'success', detail: { ...counts, ...extra } });
    return { ...result, extra };
  });
}
