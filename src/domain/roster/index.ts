// Roster import: a school's CSV of students, parents, teachers and personnel (format in the
// README, example in config/examples/roster.csv).
//
//   parse (header, delimiter, BOM) ─ unreadable ─▶ RosterFileError, nothing written
//   check every row ─ any invalid ─▶ RosterInvalid with every line's errors, nothing written
//   one transaction: check across the rows (duplicates, unknown children ─▶ RosterInvalid),
//                    new identifiants in row order; then school by school, plan against the
//                    database and write: structures, classes, accounts (batched), changed
//                    accounts, memberships / class-admin roles / relative links, an
//                    activation code per new account; one `roster.import` audit event
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
import {
  partsOf,
  planImport,
  prepareImport,
  RosterInvalid,
  type Plan,
  type PlannedAccount,
  type PlanOptions,
} from './plan.js';
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
 * Writes one part's plan. Each list is emptied once written (the report needs only their
 * counts, taken before). Links to a new account of another part wait in `addLast`.
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
    links: { added: plan.links.add.length + plan.links.addLast.length, removed: plan.links.remove.length },
  };
}

/** `a` + `b`, count by count. */
function addCounts(a: Counts, b: Counts): Counts {
  const sum = <K extends string>(x: Record<K, number>, y: Record<K, number>) =>
    Object.fromEntries(Object.keys(x).map((k) => [k, x[k as K] + y[k as K]])) as Record<K, number>;
  return {
    structures: sum(a.structures, b.structures),
    classes: sum(a.classes, b.classes),
    accounts: sum(a.accounts, b.accounts),
    memberships: sum(a.memberships, b.memberships),
    roles: sum(a.roles, b.roles),
    links: sum(a.links, b.links),
  };
}

const NO_CHANGE: Counts = {
  structures: { created: 0, renamed: 0 },
  classes: { created: 0 },
  accounts: { created: 0, updated: 0, unchanged: 0 },
  memberships: { added: 0, removed: 0 },
  roles: { added: 0, removed: 0 },
  links: { added: 0, removed: 0 },
};

/** Id_externe → national ids, of the rows that carry some. */
const nationalIdsOf = (rows: readonly RosterRow[]) =>
  new Map(rows.filter((r) => r.nationalIds?.length).map((r) => [r.externalId, r.nationalIds!]));

/**
 * Plans the rows school by school, each part written (unless `dryRun`) before the next is
 * planned, and each part's rows and plan let go once written: an académie's import holds
 * its rows and one school's plan, not 100,000 accounts' plan at once. Returns the report.
 */
async function planAndApply(
  domain: Domain,
  manager: EntityManager,
  rows: RosterRow[],
  options: PlanOptions,
  dryRun: boolean,
): Promise<ImportReport> {
  const rowCount = rows.length;
  const prepared = await prepareImport(manager, rows);
  const parts = partsOf(rows);
  rows.length = 0; // the parts hold them now
  let counts = NO_CHANGE;
  const newAccounts: { rank: number; account: ImportReport['newAccounts'][number] }[] = [];
  const linksLast: RelativeLink[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    parts[i] = []; // let go once written
    const plan = await planImport(manager, part, options, prepared);
    counts = addCounts(counts, countsOf(plan));
    linksLast.push(...plan.links.addLast);
    const issued = dryRun ? new Map<string, string>() : await apply(domain, manager, plan);
    if (!dryRun) await saveNationalIds(domain, manager, nationalIdsOf(part));
    for (const { id, classId: _classId, ...rest } of plan.created) {
      newAccounts.push({
        rank: prepared.created.get(rest.externalId)!.rank,
        account: { ...rest, code: issued.get(id) ?? null },
      });
      // Written: a later part finds the account in the database.
      if (!dryRun) prepared.created.delete(rest.externalId);
    }
  }
  if (!dryRun) await insertMany(manager, RelativeLink, linksLast, 500);
  // Listed in row order, as one plan would list them, not school by school.
  newAccounts.sort((a, b) => a.rank - b.rank);
  return {
    dryRun,
    rows: rowCount,
    schoolYear: options.schoolYear,
    ...counts,
    newAccounts: newAccounts.map((a) => a.account),
  };
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
  afterPlan?: (manager: EntityManager, run: { dryRun: boolean; schoolYear: string }) => Promise<Extra>;
}

/**
 * The steps every roster source shares once it has checked rows: plan against the database,
 * then apply, the source's own step and one audit event in one transaction (a dry run only
 * plans, in a read). `rowsOf` runs in that same read or transaction, so a source that reads
 * the database to build its rows (an AAF delta) sees what the plan sees. The import takes
 * the array `rowsOf` returns: it is emptied as the rows are planned.
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
  const run = { dryRun: Boolean(options.dryRun), schoolYear: planOptions.schoolYear };
  if (run.dryRun) {
    return db.read(async (manager) => {
      const result = await planAndApply(domain, manager, await rowsOf(manager, run.schoolYear), planOptions, true);
      return { ...result, extra: (await source.afterPlan?.(manager, run)) ?? null };
    });
  }
  return db.transaction(async (manager) => {
    const result = await planAndApply(domain, manager, await rowsOf(manager, run.schoolYear), planOptions, false);
    const extra = (await source.afterPlan?.(manager, run)) ?? null;
    const { newAccounts: _list, dryRun: _dry, ...counts } = result;
    await audit.record(manager, { action: source.action, outcome: 'success', detail: { ...counts, ...extra } });
    return { ...result, extra };
  });
}
