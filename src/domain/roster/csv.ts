// Reading a roster file: UTF-8 with or without BOM, `;` or `,` (whichever the header line
// uses), a header naming the columns (any order, case and accents ignored). Each record
// keeps its line number for error messages.
import { parse } from 'csv-parse/sync';
import { DomainError } from '../errors.js';

export const COLUMNS = [
  'uai',
  'structure',
  'classe',
  'nom',
  'prenom',
  'date_naissance',
  'profil',
  'id_externe',
  'parents_de',
  'email',
] as const;
/**
 * Columns a file may add: `id_national`, the national ids (AAF join keys, separated by
 * spaces) that link an ÉduConnect account to this one at once (issue 19).
 */
export const OPTIONAL_COLUMNS = ['id_national'] as const;
export type Column = (typeof COLUMNS)[number] | (typeof OPTIONAL_COLUMNS)[number];
export type RawRow = { line: number } & Record<(typeof COLUMNS)[number], string> &
  Partial<Record<(typeof OPTIONAL_COLUMNS)[number], string>>;
const ALL_COLUMNS: readonly Column[] = [...COLUMNS, ...OPTIONAL_COLUMNS];

/** The whole file is refused (no header, unknown columns, broken quoting); for the operator. */
export class RosterFileError extends DomainError {
  override name = 'RosterFileError';
  constructor(message: string) {
    super('invalid', 'invalid_roster_file', message);
  }
}

const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');

export function detectDelimiter(text: string): ';' | ',' {
  const header = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  return (header.match(/;/g)?.length ?? 0) >= (header.match(/,/g)?.length ?? 0) ? ';' : ',';
}

export function parseRoster(input: Buffer | string): RawRow[] {
  const text = typeof input === 'string' ? input : input.toString('utf8');
  if (text.includes('\uFFFD')) throw new RosterFileError('the file is not UTF-8 (save it as « CSV UTF-8 »)');
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      bom: true,
      delimiter: detectDelimiter(text),
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
    }) as unknown as typeof records;
  } catch (err) {
    throw new RosterFileError(`unreadable CSV: ${(err as Error).message.split('\n')[0]}`);
  }
  const [header, ...rows] = records;
  if (!header) throw new RosterFileError('the file is empty');
  const names = header.record.map(fold);
  const unknown = names.filter((n) => n && !(ALL_COLUMNS as readonly string[]).includes(n));
  const missing = COLUMNS.filter((c) => !names.includes(c));
  if (unknown.length || missing.length) {
    throw new RosterFileError(
      `line ${header.info.lines}: header must name the columns ${COLUMNS.join(';')}` +
        (missing.length ? ` (missing: ${missing.join(', ')})` : '') +
        (unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''),
    );
  }
  return rows
    .filter(({ record }) => record.some((cell) => cell !== ''))
    .map(({ record, info }) => {
      const row = { line: info.lines } as RawRow;
      for (const column of ALL_COLUMNS)
        row[column] = names.includes(column) ? (record[names.indexOf(column)] ?? '') : '';
      return row;
    });
}
