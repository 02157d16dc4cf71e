// A record's attributes, as the import keeps them from the files until its rows are made: an
// académie's 100,000 records are all held at once (a modifyRequest in a later file may change
// any of them). A Map with a list per attribute cost ~1 KB a record; here a record is one
// array with a slot per attribute the import reads (empty, one value as a string, or a list),
// and the values that repeat from record to record (names, birth dates, schools, classes) are
// one string each (`Strings`).
import { own } from './xml.js';

/**
 * Every attribute the import reads (collect.ts's READ, all kinds), the ones every person has
 * first so that a pupil's array stops at its last slot.
 */
const NAMES = [
  'sn',
  'givenName',
  'ENTPersonDateNaissance',
  'ENTPersonStructRattach',
  'mail',
  'ENTPersonJointure',
  'ENTEleveClasses',
  'ENTElevePersRelEleve',
  'ENTAuxPersRelEleveEleve',
  'ENTAuxEnsClassesMatieres',
  'ENTAuxEnsClasses',
  'ENTStructureJointure',
  'ENTStructureUAI',
  'ENTStructureNomCourant',
] as const;

export type AttributeName = (typeof NAMES)[number];

const SLOT = new Map<string, number>(NAMES.map((name, i) => [name, i]));

/** The values shared by many records: the ids, mails and guardian values are not (one per person). */
const SHARED = new Set<string>([
  'sn',
  'givenName',
  'ENTPersonDateNaissance',
  'ENTPersonStructRattach',
  'ENTEleveClasses',
  'ENTAuxEnsClassesMatieres',
  'ENTAuxEnsClasses',
]);

const NONE: readonly string[] = Object.freeze([]);

/** One copy of each value that repeats across records, for one import. */
export class Strings {
  private readonly seen = new Map<string, string>();

  /** `value` as a string that holds nothing else (xml.ts `own`), the same one for equal values of `name`. */
  keep(name: string, value: string): string {
    if (!SHARED.has(name)) return own(value);
    let kept = this.seen.get(value);
    if (kept === undefined) this.seen.set((kept = own(value)), kept);
    return kept;
  }
}

export class Attributes {
  /** Slot i: NAMES[i]'s values, a string when there is one. */
  private readonly slots: (string | readonly string[] | undefined)[] = [];

  static isRead(name: string): name is AttributeName {
    return SLOT.has(name);
  }

  /** `name`'s values (a new list when there is one value), undefined when absent. */
  get(name: AttributeName): string[] | undefined {
    const kept = this.slots[SLOT.get(name)!];
    return kept === undefined ? undefined : typeof kept === 'string' ? [kept] : [...kept];
  }

  has(name: AttributeName): boolean {
    return this.slots[SLOT.get(name)!] !== undefined;
  }

  /** Keeps `values` (copied through `strings` when given: values from a file). */
  set(name: AttributeName, values: readonly string[], strings?: Strings): void {
    const kept = strings ? values.map((v) => strings.keep(name, v)) : values;
    const slot = SLOT.get(name)!;
    while (this.slots.length < slot) this.slots.push(undefined);
    this.slots[slot] = kept.length === 1 ? kept[0]! : kept.length ? [...kept] : NONE;
  }

  delete(name: AttributeName): void {
    const slot = SLOT.get(name)!;
    if (slot < this.slots.length) this.slots[slot] = undefined;
  }
}
