// Long `IN (…)` lists are split: SQLite and MySQL limit the placeholders of one statement.

/** `items` in slices of at most `size`. */
export function chunks<T>(items: readonly T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
