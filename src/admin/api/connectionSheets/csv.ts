// Connection sheets as CSV for spreadsheets: UTF-8 with BOM, « ; » separated, CRLF, one
// header row, every cell quoted. A cell never holds a control character (a name stored
// before the import refused them is flattened): a line break, even quoted, starts a new line
// for whatever splits the file on lines. Cells that a spreadsheet would run as a formula
// (leading spaces aside) are prefixed with « ' ».
import { stringify } from 'csv-stringify/sync';
import type { ConnectionSheetRow } from '../../../domain/admin/index.js';
import { withoutControlCharacters } from '../../../domain/control-characters.js';
import { CSV_COLUMNS } from './schema.js';
import { frenchDate, kindLabel } from './text.js';

const FORMULA = /^\s*[=+\-@]/;

/** A cell as written: one line, never a formula. */
function safeCell(text: string): string {
  const cell = withoutControlCharacters(text);
  return FORMULA.test(cell) ? `'${cell}` : cell;
}

export function connectionSheetsCsv(rows: ConnectionSheetRow[]): string {
  const records = rows.map((r) =>
    [r.lastName, r.firstName, frenchDate(r.birthDate), r.login, r.code ?? '', kindLabel(r.kind), r.entAddress].map(
      safeCell,
    ),
  );
  return stringify([[...CSV_COLUMNS], ...records], {
    bom: true,
    delimiter: ';',
    record_delimiter: 'windows',
    quoted: true,
    quoted_empty: true,
  });
}
