// Folding the records of every file, in order, into one entry per national id: an addRequest
// gives the full record, a modifyRequest changes it (or, when the person is not in these
// files, is kept to be applied to what the database holds), a deleteRequest marks it gone.
// Attributes outside the mapping are set aside here, counted for the operator's warning.
import { Attributes, Strings } from './attributes.js';
import { own, type AafError, type AafRecord, type Modification } from './xml.js';

export type FileKind = 'structure' | 'student' | 'relative' | 'staff';

/** Which records a file holds, from its name (`<académie>_<kind>_<n>.xml`). */
export const FILE_KINDS: readonly [RegExp, FileKind][] = [
  [/_EtabEducNat_/i, 'structure'],
  [/_Eleve_/i, 'student'],
  [/_PersRelEleve_/i, 'relative'],
  [/_PersEducNat_/i, 'staff'],
];

export function fileKind(name: string): FileKind | null {
  return FILE_KINDS.find(([pattern]) => pattern.test(name))?.[1] ?? null;
}

/** The attributes the import reads, per kind (README « Import from the national directory »). */
export const READ: Record<FileKind, readonly string[]> = {
  structure: ['ENTStructureJointure', 'ENTStructureUAI', 'ENTStructureNomCourant'],
  student: [
    'ENTPersonJointure',
    'sn',
    'givenName',
    'ENTPersonDateNaissance',
    'ENTPersonStructRattach',
    'ENTEleveClasses',
    'ENTElevePersRelEleve',
    'mail',
  ],
  relative: [
    'ENTPersonJointure',
    'sn',
    'givenName',
    'ENTPersonDateNaissance',
    'ENTPersonStructRattach',
    'ENTAuxPersRelEleveEleve',
    'mail',
  ],
  staff: [
    'ENTPersonJointure',
    'sn',
    'givenName',
    'ENTPersonDateNaissance',
    'ENTPersonStructRattach',
    'ENTAuxEnsClassesMatieres',
    'ENTAuxEnsClasses',
    'mail',
  ],
};

/**
 * Attributes of the national format the import leaves out on purpose (addresses, phones,
 * curricula…: an identity provider has no use for them, and data it does not keep cannot
 * leak). Anything neither read nor here is unknown: a warning, not a refusal, because the
 * format grows and a new attribute must not stop a school's accounts from being created.
 */
const LEFT_OUT = new Set([
  'ENTPersonAutresPrenoms',
  'ENTPersonNomPatro',
  'personalTitle',
  'categoriePersonne',
  'ENTEleveRegime',
  'ENTEleveMEF',
  'ENTEleveLibelleMEF',
  'ENTEleveGroupes',
  'ENTEleveNivFormation',
  'ENTEleveFiliere',
  'ENTEleveBoursier',
  'ENTEleveTransport',
  'ENTEleveStatutEleve',
  'ENTEleveStructRattachId',
  'ENTEleveCodeEnseignements',
  'ENTEleveEnseignements',
  'ENTEleveParents',
  'ENTElevePere',
  'ENTEleveMere',
  'ENTEleveAutoriteParentale',
  'ENTElevePersRelEleve1',
  'ENTEleveQualitePersRelEleve1',
  'ENTElevePersRelEleve2',
  'ENTEleveQualitePersRelEleve2',
  'ENTPersonAdresse',
  'ENTPersonCodePostal',
  'ENTPersonVille',
  'ENTPersonPays',
  'ENTPersonAdresseDiffusion',
  'homePhone',
  'telephoneNumber',
  'facsimileTelephoneNumber',
  'mobile',
  'ENTPersonMobileSMS',
  'ENTAuxEnsCategoDiscipline',
  'ENTAuxEnsMEF',
  'ENTAuxEnsMatiereEnseignEtab',
  'ENTAuxEnsGroupes',
  'ENTAuxEnsGroupesMatieres',
  'ENTAuxEnsClassesPrincipal',
  'ENTEnsFonctionDir',
  'ENTPersonFonctions',
  'PersEducNatPresenceDevantEleves',
  'ENTAuxEnsDisciplinesPoste',
  'ENTPersonCategorieEnseignant',
  'ENTEtablissementUAI',
  'ENTStructureSIREN',
  'ENTStructureTypeStruct',
  'ENTStructureCodeTypeStruct',
  'ENTEtablissementMinistereTutelle',
  'ENTEtablissementCodeMinistereTutelle',
  'ENTEtablissementContrat',
  'postOfficeBox',
  'street',
  'postalCode',
  'l',
  'ENTEtablissementStructRattachFctl',
  'ENTEtablissementBassin',
  'ENTServAcAcademie',
  'ENTServCodeAcAcademie',
  'ENTStructureClasses',
  'ENTStructureGroupes',
  'ENTStructureMailSI',
  'categorieStructure',
]);

/** One national id after every file: its last full state, or the changes to make to the database's. */
export interface Entry {
  id: string;
  kind: FileKind;
  /** The record that introduced it (or deleted it): where its errors point. */
  origin: string;
  /** Null when no addRequest gave it: `pending` then applies to what the database holds. */
  attributes: Attributes | null;
  pending: Modification[];
  deleted: boolean;
  /** Its attributes were rebuilt from the database (a modifyRequest only, or a pupil's relative). */
  rebuilt?: boolean;
}

export interface Collected {
  structures: Map<string, Entry>;
  people: Map<string, Entry>;
  /** Attribute name → how many records carried it, and the first one. */
  unknown: Map<string, { count: number; first: string }>;
  errors: AafError[];
  /** The values that repeat across records, kept once. */
  strings: Strings;
}

export function emptyCollection(): Collected {
  return { structures: new Map(), people: new Map(), unknown: new Map(), errors: [], strings: new Strings() };
}

/** Applies a modifyRequest's changes (to attributes the import reads) to a record's attributes. */
export function modify(attributes: Attributes, modifications: readonly Modification[]): void {
  for (const { operation, name, values } of modifications) {
    if (!Attributes.isRead(name)) continue;
    const current = attributes.get(name) ?? [];
    if (operation === 'replace') attributes.set(name, values);
    else if (operation === 'add') attributes.set(name, [...current, ...values.filter((v) => !current.includes(v))]);
    else if (!values.length) attributes.delete(name);
    else
      attributes.set(
        name,
        current.filter((v) => !values.includes(v)),
      );
  }
}

/** Keeps the attributes the import reads; counts the others that are not known to be left out. */
function keepRead(kind: FileKind, names: Iterable<string>, origin: string, collected: Collected): void {
  for (const name of names) {
    if (READ[kind].includes(name) || LEFT_OUT.has(name)) continue;
    const seen = collected.unknown.get(name);
    if (seen) seen.count++;
    else collected.unknown.set(name, { count: 1, first: origin });
  }
}

/** The attributes the import reads, kept compactly (attributes.ts): every record is kept until the rows are made. */
function readOnly(kind: FileKind, attributes: Map<string, string[]>, strings: Strings): Attributes {
  const kept = new Attributes();
  for (const [name, values] of attributes)
    if (READ[kind].includes(name) && Attributes.isRead(name)) kept.set(name, values, strings);
  return kept;
}

/** Folds one record into `collected` (records arrive in file order, files in FILE_KINDS order). */
export function collect(kind: FileKind, record: AafRecord, collected: Collected): void {
  const { origin, operation } = record;
  const idAttribute = kind === 'structure' ? 'ENTStructureJointure' : 'ENTPersonJointure';
  const given = record.id ?? record.attributes.get(idAttribute)?.[0];
  const id = given ? own(given) : null; // a key of the entries, kept as long as they are
  if (!id) {
    collected.errors.push({ at: origin, message: `no identifier (<identifier><id> or ${idAttribute})` });
    return;
  }
  keepRead(kind, [...record.attributes.keys(), ...record.modifications.map((m) => m.name)], origin, collected);
  const entries = kind === 'structure' ? collected.structures : collected.people;
  const entry = entries.get(id);
  if (entry && entry.kind !== kind) {
    collected.errors.push({ at: origin, message: `${idAttribute} "${id}" is already used by ${entry.origin}` });
    return;
  }
  if (operation === 'add') {
    if (entry?.attributes && !entry.deleted) {
      collected.errors.push({ at: origin, message: `${idAttribute} "${id}" is already used by ${entry.origin}` });
      return;
    }
    entries.set(id, {
      id,
      kind,
      origin,
      attributes: readOnly(kind, record.attributes, collected.strings),
      pending: [],
      deleted: false,
    });
  } else if (operation === 'modify') {
    const changes = record.modifications
      .filter((m) => READ[kind].includes(m.name))
      .map((m) => ({ ...m, values: m.values.map(own) }));
    if (entry?.deleted)
      collected.errors.push({ at: origin, message: `modifyRequest for "${id}", deleted by ${entry.origin}` });
    else if (entry?.attributes) modify(entry.attributes, changes);
    else if (entry) entry.pending.push(...changes);
    else entries.set(id, { id, kind, origin, attributes: null, pending: changes, deleted: false });
  } else {
    if (kind === 'structure') {
      collected.errors.push({ at: origin, message: 'deleteRequest of a structure: not supported (close it by hand)' });
      return;
    }
    entries.set(id, { id, kind, origin, attributes: null, pending: [], deleted: true });
  }
}
