// Long `IN (…)` lists are split: SQLite and MySQL limit the placeholders of one statement.
import { In, type EntityManager, type FindOptionsSelect } from 'typeorm';

/** `items` in slices of at most `size`. */
export function chunks<T>(items: readonly T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The rows of `entity` whose `column` is one of `values` (distinct), in slices of 500; `select`: those columns. */
export async function findIn<T extends object>(
  manager: EntityManager,
  entity: new () => T,
  column: keyof T & string,
  values: readonly string[],
  select?: FindOptionsSelect<T>,
): Promise<T[]> {
  const out: T[] = [];
  for (const part of chunks([...new Set(values)]))
    out.push(...(await manager.find(entity, { where: { [column]: In(part) } as never, ...(select && { select }) })));
  return out;
}
