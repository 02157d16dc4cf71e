// Presenters: what the templates show, built from the domain's rows (the templates stay dumb;
// nunjucks autoescapes every value).
import type { Profile } from '../../db/entities/index.js';
import type { AccountRow } from '../../domain/admin/index.js';

/** The column between Nom and Identifiant: a birth date, or a relative's children in the class. */
export const DETAIL_COLUMNS = { birth: 'Date de naissance', children: 'Parent de' } as const;
export type DetailColumn = keyof typeof DETAIL_COLUMNS;

export interface Tab {
  key: 'eleves' | 'parents' | 'enseignants' | 'personnels';
  label: string;
  profile: Profile;
  detail: DetailColumn;
}

/** The seed's tabs, in its order; the key is the `?onglet=` value. */
export const TABS: readonly Tab[] = [
  { key: 'eleves', label: 'ÉLÈVES', profile: 'Student', detail: 'birth' },
  { key: 'parents', label: 'PARENTS', profile: 'Relative', detail: 'children' },
  { key: 'enseignants', label: 'ENSEIGNANTS', profile: 'Teacher', detail: 'birth' },
  { key: 'personnels', label: 'PERSONNELS', profile: 'Personnel', detail: 'birth' },
];

export const tabOf = (key: unknown): Tab => TABS.find((t) => t.key === key) ?? TABS[0]!;

/** « Élodie N'Diaye » → « ÉN »: first letter of the first and last names. */
export function initials(firstName: string, lastName: string): string {
  const first = (s: string) => [...s.trim()][0] ?? '';
  return (first(firstName) + first(lastName)).toLocaleUpperCase('fr-FR') || '?';
}

/** One of six calm avatar colours, stable per account. */
export function tone(id: string): number {
  let h = 0;
  for (const ch of id) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h % 6;
}

export interface RowView {
  id: string;
  displayName: string;
  login: string;
  birthDate: string | null;
  state: AccountRow['state'];
  code?: string;
  initials: string;
  tone: number;
  canAct: boolean;
  /** The middle column: `birth` shows `birthDate`, `children` the names in `childrenNames`. */
  detail: DetailColumn;
  detailLabel: string;
  childrenNames: string;
  /** « Charte acceptée (v2, 30/11/2026) » or « Charte non acceptée » (shown once terms are published). */
  terms: string;
  termsAccepted: boolean;
}

export const presentRow = (row: AccountRow, canAct: boolean, tab: Tab): RowView => ({
  id: row.id,
  displayName: row.displayName,
  login: row.login,
  birthDate: row.birthDate,
  state: row.state,
  code: row.code,
  initials: initials(row.firstName, row.lastName),
  tone: tone(row.id),
  canAct,
  detail: tab.detail,
  detailLabel: DETAIL_COLUMNS[tab.detail],
  childrenNames: (row.children ?? []).map((c) => c.displayName).join(', '),
  terms: termsLabel(row.termsAccepted),
  termsAccepted: Boolean(row.termsAccepted),
});

/** The row's terms of use line, in the words of the row's other states. */
export function termsLabel(accepted: AccountRow['termsAccepted']): string {
  return accepted ? `Charte acceptée (${accepted.version}, ${frDay(accepted.acceptedAt)})` : 'Charte non acceptée';
}

/** dd/mm/yyyy, in the school's time zone. */
export function frDay(date: Date): string {
  return new Intl.DateTimeFormat('fr-FR', {
    timeZone: 'Europe/Paris',
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
  }).format(date);
}

/** « 1 code de renouvellement généré », « 3 comptes bloqués » … */
export const plural = (n: number, one: string, many: string): string => `${n} ${n > 1 ? many : one}`;

/** dd/mm/yyyy à HHhMM, in the school's time zone. */
export function frDateTime(date: Date): string {
  const parts = new Intl.DateTimeFormat('fr-FR', {
    timeZone: 'Europe/Paris',
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(date);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('day')}/${get('month')}/${get('year')} à ${get('hour')}h${get('minute')}`;
}
