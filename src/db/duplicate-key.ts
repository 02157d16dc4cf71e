// « This row already exists », from SQLite (SQLITE_CONSTRAINT_PRIMARYKEY / _UNIQUE) and
// MySQL/MariaDB (ER_DUP_ENTRY, 1062), as TypeORM or the driver throws it: the one test for
// the writes that lose a race to the same key (replay tables, links made twice at once).
export function isDuplicateKey(err: unknown): boolean {
  const e = err as { code?: string; errno?: number; driverError?: { code?: string; errno?: number } };
  const code = e?.driverError?.code ?? e?.code ?? '';
  if (code.startsWith('SQLITE_CONSTRAINT') || code === 'ER_DUP_ENTRY') return true;
  if ((e?.driverError?.errno ?? e?.errno) === 1062) return true;
  return /duplicate|UNIQUE constraint failed/i.test(String(err));
}
