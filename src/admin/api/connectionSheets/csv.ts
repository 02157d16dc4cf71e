// Connection sheets as CSV for spreadsheets: UTF-8 with BOM, « ; » separated, CRLF, one
// header row. Cells that a spreadsheet would run as a formula are prefixed with « ' ».
import { stringify } from 'csv-stringify/sync';
import type { ConnectionSheetRow } from '../../../domain/admin/index.js';
import { CSV_COLUMNS } from './schema.js';
import { frenchDate, kindLabel } from './text.js';

const defuse = (cell: string): string => (/^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell);

export function connectionSheetsCsv(rows: ConnectionSheetRow[]): string {
  const records = rows.map((r) =>
    [r.lastName, r.firstName, frenchDate(r.birthDate), r.login, r.code ?? '', kindLabel(r.kind), r.entAddress].map(defuse),
  );
  return stringify([[...CSV_COLUMNS], ...records], { bom: true, delimiter: ';', record_delimiter: 'windows' });
}
