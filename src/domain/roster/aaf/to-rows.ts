// AAF entries → the roster's rows (the same RawRow a CSV line gives), so one planner and one
// set of row checks serve both sources. What the national format spreads over several
// records is gathered here:
//
//   structures   ENTStructureJointure → (ENTStructureUAI, ENTStructureNomCourant); a person's
//                ENTPersonStructRattach and class values name a structure by that jointure
//                (or by a UAI already in the database)
//   pupils       ENTEleveClasses `jointure$classe`: one class, in one school
//   relatives    linked from their pupils' ENTElevePersRelEleve (`id$type$financier$légal$contact$paiement`:
//                a legal guardian, field 4 not 0; or a bare id) or their own ENTAuxPersRelEleveEleve
//                → the relative's row names its children (parents_de), as the CSV does
//   teachers     ENTAuxEnsClassesMatieres `jointure$classe$matière` (or ENTAuxEnsClasses
//                `jointure$classe`): one row per class, profile Enseignant; none → Personnel
//   modifyRequest for someone not in the files: their record is rebuilt from the database
//                (names, birth date, mail, class of the year, relatives), then changed
//
// Each row's `line` indexes `origins`, so the planner's errors can be told as `file:record`.
import type { EntityManager } from 'typeorm';
import { Account, Membership, RelativeLink, SchoolClass, Structure } from '../../../db/entities/index.js';
import { findIn } from '../../../db/chunks.js';
import type { RawRow } from '../csv.js';
import { Attributes, type AttributeName } from './attributes.js';
import { modify, type Collected, type Entry } from './collect.js';
import type { AafError } from './xml.js';

export interface RowsOptions {
  schoolYear: string;
  /** UAIs the import may touch; null: any structure of the files or the database. */
  allowedUais: ReadonlySet<string> | null;
}

export interface AafRows {
  /** `origins[row.line]`: the record the row comes from. */
  origins: string[];
  /** Accounts a deleteRequest names (found in the database). */
  departing: { accountId: string; origin: string }[];
  /** Links of pupils in the files to relatives they no longer name, when that relative gets no row. */
  droppedLinks: { relativeId: string; studentId: string }[];
  /** PersRelEleve records no pupil names as a legal guardian: not imported. */
  relativesWithoutPupil: number;
  errors: AafError[];
}

interface Place {
  uai: string;
  name: string;
}

const PROFILE = { student: 'Élève', relative: 'Parent', staff: 'Enseignant' } as const;

const first = (attributes: Attributes, name: AttributeName): string => attributes.get(name)?.[0] ?? '';

/** A guardian's id from an ENTElevePersRelEleve value, null when the person is not one (or the value is malformed). */
export function guardianOf(value: string): string | null | undefined {
  const parts = value.split('$');
  if (parts.length === 1) return parts[0] || undefined;
  if (parts.length !== 6 || !parts[0]) return undefined;
  return parts[3] !== '0' ? parts[0] : null;
}

/**
 * Hands each row to `onRow` as soon as it is made, and lets its record's attributes go: the
 * records and the rows of an académie are not held at once.
 */
export async function aafRows(
  manager: EntityManager,
  collected: Collected,
  options: RowsOptions,
  onRow: (row: RawRow) => void,
): Promise<AafRows> {
  const out: AafRows = {
    origins: [],
    departing: [],
    droppedLinks: [],
    relativesWithoutPupil: 0,
    errors: [...collected.errors],
  };
  const error = (at: string, message: string) => out.errors.push({ at, message });

  // Structures: the files' jointures, then the database's UAIs.
  const known = await manager.find(Structure);
  const byId = new Map(known.map((s) => [s.id, s]));
  const places = new Map<string, Place>(known.map((s) => [s.uai, { uai: s.uai, name: s.name }]));
  for (const entry of collected.structures.values()) {
    const attributes = entry.attributes ?? new Attributes();
    const uai = first(attributes, 'ENTStructureUAI').toUpperCase();
    if (!entry.attributes) {
      error(entry.origin, `modifyRequest for structure "${entry.id}": send its addRequest (EtabEducNat) too`);
      continue;
    }
    if (!uai) {
      error(entry.origin, 'ENTStructureUAI: missing');
      continue;
    }
    if (options.allowedUais && !options.allowedUais.has(uai)) {
      error(entry.origin, `ENTStructureUAI: ${uai} is not one of --uai (another académie's school?)`);
      continue;
    }
    const place = { uai, name: first(attributes, 'ENTStructureNomCourant') || places.get(uai)?.name || uai };
    for (const key of [entry.id, uai, ...(attributes.get('ENTStructureJointure') ?? [])]) places.set(key, place);
  }
  const placeOf = (ref: string, at: string): Place | null => {
    const place = places.get(ref) ?? places.get(ref.toUpperCase());
    if (!place) error(at, `structure "${ref}" is neither in the EtabEducNat files nor in the database`);
    else if (options.allowedUais && !options.allowedUais.has(place.uai)) {
      error(at, `structure ${place.uai} is not one of --uai (another académie's school?)`);
      return null;
    }
    return place ?? null;
  };

  // People named by a modifyRequest only, by a pupil's relatives, or by a deleteRequest: from the database.
  const people = collected.people;
  const linkedRelatives = new Set<string>();
  for (const entry of people.values())
    if (entry.kind === 'student' && entry.attributes)
      for (const v of entry.attributes.get('ENTElevePersRelEleve') ?? []) {
        const id = guardianOf(v);
        if (id) linkedRelatives.add(id);
      }
  const wanted = [...people.values()].filter((e) => !e.attributes).map((e) => e.id);
  wanted.push(...[...linkedRelatives].filter((id) => !people.get(id)?.attributes));
  const accounts = new Map((await findIn(manager, Account, 'externalId', wanted)).map((a) => [a.externalId!, a]));
  const bases = await databaseRecords(manager, [...accounts.values()], options.schoolYear, byId);
  for (const entry of people.values()) {
    const account = accounts.get(entry.id);
    if (entry.deleted) {
      if (account) out.departing.push({ accountId: account.id, origin: entry.origin });
      continue;
    }
    if (entry.attributes) continue;
    if (!account) {
      error(entry.origin, `modifyRequest for "${entry.id}": no such person in the files or the database`);
      continue;
    }
    entry.attributes = bases.get(account.id)!;
    entry.rebuilt = true;
    modify(entry.attributes, entry.pending);
  }
  // Relatives that the rebuilt pupils name (their database links, or a modifyRequest's new ones).
  const more = [...people.values()]
    .filter((e) => e.kind === 'student' && e.rebuilt)
    .flatMap((e) => (e.attributes?.get('ENTElevePersRelEleve') ?? []).map(guardianOf))
    .filter((id): id is string => Boolean(id) && !people.get(id!)?.attributes && !accounts.has(id!));
  for (const account of await findIn(manager, Account, 'externalId', more)) accounts.set(account.externalId!, account);
  for (const [id, base] of await databaseRecords(
    manager,
    [...accounts.values()].filter((a) => more.includes(a.externalId!)),
    options.schoolYear,
    byId,
  ))
    bases.set(id, base);

  // Pupils: one class in one school; their guardians.
  const childrenOf = new Map<string, string[]>();
  const structureOfPupil = new Map<string, Place>();
  for (const entry of people.values()) {
    if (entry.kind !== 'student' || entry.deleted || !entry.attributes) continue;
    const classes = classesOf(entry, 'ENTEleveClasses', placeOf);
    if (classes.length > 1) {
      const names = classes.map((c) => `${c.place.uai} ${c.name}`).join(', ');
      error(
        entry.origin,
        `ENTEleveClasses: ${classes.every((c) => c.place.uai === classes[0]!.place.uai) ? 'two classes in one school' : 'classes in two schools'} (${names}); a pupil belongs to one class`,
      );
      continue;
    }
    const place = classes[0]?.place ?? attachedPlace(entry, placeOf);
    if (!place) continue;
    structureOfPupil.set(entry.id, place);
    for (const v of entry.attributes.get('ENTElevePersRelEleve') ?? []) {
      const relativeId = guardianOf(v);
      if (relativeId === undefined) error(entry.origin, `ENTElevePersRelEleve: "${v}" is not id$type$…$légal$…$…`);
      if (!relativeId) continue;
      const relative = people.get(relativeId);
      if (relative?.deleted) continue;
      if (
        (relative && relative.kind !== 'relative') ||
        (!relative && accounts.get(relativeId)?.profile !== 'Relative')
      ) {
        error(
          entry.origin,
          `ENTElevePersRelEleve: no relative "${relativeId}" in the PersRelEleve files or the database`,
        );
        continue;
      }
      if (!relative) {
        const account = accounts.get(relativeId)!;
        people.set(relativeId, {
          id: relativeId,
          kind: 'relative',
          origin: entry.origin,
          attributes: bases.get(account.id) ?? new Attributes(),
          pending: [],
          deleted: false,
          rebuilt: true,
        });
      }
      childrenOf.set(relativeId, [...(childrenOf.get(relativeId) ?? []), entry.id]);
    }
    onRow(row(out, entry, place, classes[0]?.name ?? '', []));
    entry.attributes = null; // its row is made
  }

  // Relatives: their children in the files, and those in the database the files do not mention.
  const relativeIds = [...people.values()].filter((e) => e.kind === 'relative' && !e.deleted).map((e) => e.id);
  const relativeAccounts = await findIn(manager, Account, 'externalId', relativeIds);
  const pupilAccounts = await findIn(manager, Account, 'externalId', [...structureOfPupil.keys()]);
  const links = await findIn(
    manager,
    RelativeLink,
    'relativeId',
    relativeAccounts.map((a) => a.id),
  );
  const pupilLinks = await findIn(
    manager,
    RelativeLink,
    'studentId',
    pupilAccounts.map((a) => a.id),
  );
  const externalOf = new Map(
    (
      await findIn(manager, Account, 'id', [...links.map((l) => l.studentId), ...pupilLinks.map((l) => l.relativeId)])
    ).map((a) => [a.id, a]),
  );
  const rowed = new Set<string>();
  for (const account of relativeAccounts) {
    for (const link of links.filter((l) => l.relativeId === account.id)) {
      const child = externalOf.get(link.studentId);
      const inFiles = child?.externalId ? people.get(child.externalId) : undefined;
      if (child?.externalId && !inFiles)
        childrenOf.set(account.externalId!, [...(childrenOf.get(account.externalId!) ?? []), child.externalId]);
    }
  }
  for (const entry of people.values()) {
    if (entry.kind !== 'relative' || entry.deleted || !entry.attributes) continue;
    const children = [
      ...new Set([...(childrenOf.get(entry.id) ?? []), ...(entry.attributes.get('ENTAuxPersRelEleveEleve') ?? [])]),
    ];
    // No pupil names them as a legal guardian (a contact only, or rebuilt and no longer named):
    // no account to make; links of a rebuilt one are dropped below.
    if (!children.length) {
      if (!entry.rebuilt) out.relativesWithoutPupil++;
      continue;
    }
    const firstChild = children.map((c) => structureOfPupil.get(c)).find(Boolean);
    const place = firstChild ?? attachedPlace(entry, placeOf);
    if (!place) continue;
    rowed.add(entry.id);
    onRow(row(out, entry, place, '', children));
    entry.attributes = null; // its row is made
  }
  // A relative the files' pupils stopped naming, with no row of their own: the link goes.
  for (const link of pupilLinks) {
    const relative = externalOf.get(link.relativeId);
    if (relative?.externalId && !rowed.has(relative.externalId)) {
      const child = pupilAccounts.find((a) => a.id === link.studentId)!;
      if (!(childrenOf.get(relative.externalId) ?? []).includes(child.externalId!)) out.droppedLinks.push(link);
    }
  }

  // Teachers and personnel: one row per class, in one school.
  for (const entry of people.values()) {
    if (entry.kind !== 'staff' || entry.deleted || !entry.attributes) continue;
    const classes = [
      ...classesOf(entry, 'ENTAuxEnsClassesMatieres', placeOf),
      ...classesOf(entry, 'ENTAuxEnsClasses', placeOf),
    ];
    const schools = new Set(classes.map((c) => c.place.uai));
    if (schools.size > 1) {
      error(
        entry.origin,
        `classes in ${schools.size} schools (${[...schools].join(', ')}): one school per person for now`,
      );
      continue;
    }
    const place = classes[0]?.place ?? attachedPlace(entry, placeOf);
    if (!place) continue;
    const names = [...new Set(classes.map((c) => c.name))];
    if (!names.length) onRow(row(out, entry, place, '', [], 'Personnel'));
    for (const name of names) onRow(row(out, entry, place, name, []));
    entry.attributes = null; // its rows are made
  }
  return out;
}

function row(
  out: AafRows,
  entry: Entry,
  place: Place,
  className: string,
  children: string[],
  profile?: 'Personnel',
): RawRow {
  const attributes = entry.attributes!;
  out.origins.push(entry.origin);
  return {
    line: out.origins.length - 1,
    uai: place.uai,
    structure: place.name,
    classe: className,
    nom: first(attributes, 'sn'),
    prenom: first(attributes, 'givenName'),
    date_naissance: first(attributes, 'ENTPersonDateNaissance'),
    profil: profile ?? PROFILE[entry.kind as keyof typeof PROFILE],
    id_externe: entry.id,
    parents_de: children.join('|'),
    email: first(attributes, 'mail'),
    // The AAF's own id of a pupil or a parent is the join key ÉduConnect sends in FrEduCtRefId.
    ...(entry.kind === 'student' || entry.kind === 'relative' ? { id_national: entry.id } : {}),
  };
}

/** `jointure$classe[$matière]` values → (structure, class name); unknown structures are errors. */
function classesOf(
  entry: Entry,
  attribute: AttributeName,
  placeOf: (ref: string, at: string) => Place | null,
): { place: Place; name: string }[] {
  const out: { place: Place; name: string }[] = [];
  for (const value of entry.attributes!.get(attribute) ?? []) {
    const [ref, name] = value.split('$');
    if (!ref || !name) continue;
    const place = placeOf(ref, entry.origin);
    if (place && !out.some((c) => c.place.uai === place.uai && c.name === name)) out.push({ place, name });
  }
  return out;
}

function attachedPlace(entry: Entry, placeOf: (ref: string, at: string) => Place | null): Place | null {
  const ref = first(entry.attributes!, 'ENTPersonStructRattach');
  return ref ? placeOf(ref, entry.origin) : null;
}

/** An account as the AAF record that would have made it: the base a modifyRequest changes. */
async function databaseRecords(
  manager: EntityManager,
  accounts: Account[],
  schoolYear: string,
  structures: Map<string, Structure>,
): Promise<Map<string, Attributes>> {
  const ids = accounts.map((a) => a.id);
  const memberships = await findIn(manager, Membership, 'accountId', ids);
  const classes = new Map(
    (
      await findIn(
        manager,
        SchoolClass,
        'id',
        memberships.map((m) => m.classId),
      )
    )
      .filter((c) => c.schoolYear === schoolYear)
      .map((c) => [c.id, c]),
  );
  const links = await findIn(manager, RelativeLink, 'studentId', ids);
  const relatives = new Map(
    (
      await findIn(
        manager,
        Account,
        'id',
        links.map((l) => l.relativeId),
      )
    ).map((a) => [a.id, a]),
  );
  const out = new Map<string, Attributes>();
  for (const account of accounts) {
    const uai = account.structureId ? (structures.get(account.structureId)?.uai ?? '') : '';
    const classValues = memberships
      .filter((m) => m.accountId === account.id)
      .map((m) => classes.get(m.classId))
      .filter((c): c is SchoolClass => Boolean(c))
      .map((c) => `${structures.get(c.structureId)?.uai ?? ''}$${c.name}`);
    const [y, m, d] = (account.birthDate ?? '').split('-');
    const attributes = new Attributes();
    attributes.set('sn', [account.lastName]);
    attributes.set('givenName', [account.firstName]);
    attributes.set('ENTPersonDateNaissance', account.birthDate ? [`${d}/${m}/${y}`] : []);
    attributes.set('mail', account.email ? [account.email] : []);
    attributes.set('ENTPersonStructRattach', uai ? [uai] : []);
    if (account.profile === 'Student') {
      attributes.set('ENTEleveClasses', classValues);
      attributes.set(
        'ENTElevePersRelEleve',
        links
          .filter((l) => l.studentId === account.id)
          .map((l) => relatives.get(l.relativeId)?.externalId)
          .filter((e): e is string => Boolean(e)),
      );
    } else if (account.profile === 'Teacher') attributes.set('ENTAuxEnsClasses', classValues);
    out.set(account.id, attributes);
  }
  return out;
}
