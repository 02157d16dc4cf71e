// One roster row, checked on its own: control characters, required fields, dates, profiles,
// identifiers. Checks that need the other rows or the database are in plan.ts.
import type { Profile } from '../../db/entities/index.js';
import { firstControlCharacter } from '../control-characters.js';
import { normalizeEmail } from '../accounts.js';
import { COLUMNS, OPTIONAL_COLUMNS, type RawRow } from './csv.js';

export interface RosterRow {
  line: number;
  uai: string;
  structureName: string;
  className: string | null;
  lastName: string;
  firstName: string;
  /** YYYY-MM-DD */
  birthDate: string | null;
  profile: Profile;
  externalId: string;
  /** External ids of the students this relative is linked to. */
  parentsOf: string[];
  email: string | null;
  /** National ids (AAF join keys) from the optional `id_national` column: ÉduConnect links at once. */
  nationalIds?: string[];
}

export interface RowError {
  line: number;
  message: string;
}

const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').trim().toLowerCase();

const PROFILE_NAMES: Record<string, Profile> = {
  eleve: 'Student',
  student: 'Student',
  parent: 'Relative',
  relative: 'Relative',
  enseignant: 'Teacher',
  teacher: 'Teacher',
  personnel: 'Personnel',
};

/** JJ/MM/AAAA or AAAA-MM-JJ → AAAA-MM-JJ, or null when it is not a real date. */
export function parseDate(text: string): string | null {
  const fr = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text);
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const [y, m, d] = fr
    ? [Number(fr[3]), Number(fr[2]), Number(fr[1])]
    : iso
      ? [Number(iso[1]), Number(iso[2]), Number(iso[3])]
      : [NaN, NaN, NaN];
  if (!Number.isInteger(y) || y < 1900 || y > 2100) return null;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return date.toISOString().slice(0, 10);
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const UAI = /^\d{7}[A-Z]$/;
const EXTERNAL_ID = /^[\w.:@-]{1,64}$/;

/** One message per column holding a control character (control-characters.ts says why). */
function controlCharacterErrors(raw: RawRow): string[] {
  return [...COLUMNS, ...OPTIONAL_COLUMNS].flatMap((column) => {
    const found = firstControlCharacter(raw[column] ?? '');
    return found ? [`${column}: holds a control character (${found}: a line break, a tab…), which is not allowed`] : [];
  });
}

export function checkRow(raw: RawRow): { row: RosterRow } | { errors: RowError[] } {
  // Checked first and alone: the other messages quote the value, and a control character
  // must not reach the terminal that prints them.
  const refused = controlCharacterErrors(raw);
  if (refused.length) return { errors: refused.map((message) => ({ line: raw.line, message })) };
  const errors: string[] = [];
  const uai = raw.uai.toUpperCase();
  if (!UAI.test(uai)) errors.push(`uai: "${raw.uai}" is not a UAI (7 digits and a letter, e.g. 0800001A)`);
  if (!raw.structure) errors.push('structure: missing');
  if (!raw.nom) errors.push('nom: missing');
  if (!raw.prenom) errors.push('prenom: missing');
  for (const [column, value] of [
    ['nom', raw.nom],
    ['prenom', raw.prenom],
    ['classe', raw.classe],
  ] as const) {
    if (value.length > 100) errors.push(`${column}: longer than 100 characters`);
  }
  if (raw.structure.length > 255) errors.push('structure: longer than 255 characters');
  const profile = PROFILE_NAMES[fold(raw.profil)];
  if (!profile)
    errors.push(
      `profil: "${raw.profil}" is not one of Élève, Parent, Enseignant, Personnel (or Student, Relative, Teacher)`,
    );
  if (!raw.id_externe) errors.push('id_externe: missing');
  else if (!EXTERNAL_ID.test(raw.id_externe))
    errors.push(`id_externe: "${raw.id_externe}" must be 1 to 64 letters, digits or . _ - : @`);
  let birthDate: string | null = null;
  if (raw.date_naissance) {
    birthDate = parseDate(raw.date_naissance);
    if (!birthDate) errors.push(`date_naissance: "${raw.date_naissance}" is not a date (JJ/MM/AAAA or AAAA-MM-JJ)`);
  } else if (profile === 'Student') errors.push('date_naissance: missing (required for a student)');
  if ((profile === 'Student' || profile === 'Teacher') && !raw.classe)
    errors.push(`classe: missing (required for ${profile === 'Student' ? 'a student' : 'a teacher'})`);
  const parentsOf = raw.parents_de
    .split('|')
    .map((s) => s.trim())
    .filter(Boolean);
  if (parentsOf.length && profile && profile !== 'Relative')
    errors.push('parents_de: only a Parent row can name children');
  if (profile === 'Relative' && !parentsOf.length)
    errors.push('parents_de: a Parent row must name at least one student (id_externe, separated by |)');
  if (raw.email && (!EMAIL.test(raw.email) || raw.email.length > 255))
    errors.push(`email: "${raw.email}" is not an email address`);
  const nationalIds = (raw.id_national ?? '').split(/\s+/).filter(Boolean);
  for (const id of nationalIds)
    if (!EXTERNAL_ID.test(id)) errors.push(`id_national: "${id}" must be 1 to 64 letters, digits or . _ - : @`);
  if (nationalIds.length && profile !== 'Student' && profile !== 'Relative')
    errors.push('id_national: only pupils and parents sign in with ÉduConnect');
  if (errors.length) return { errors: errors.map((message) => ({ line: raw.line, message })) };
  return {
    row: {
      line: raw.line,
      uai,
      structureName: raw.structure,
      // A relative belongs to no class: the column is ignored for them.
      className: profile === 'Relative' ? null : raw.classe || null,
      lastName: raw.nom,
      firstName: raw.prenom,
      birthDate,
      profile: profile!,
      externalId: raw.id_externe,
      parentsOf,
      email: raw.email ? normalizeEmail(raw.email) : null,
      nationalIds,
    },
  };
}
